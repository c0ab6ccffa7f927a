"""The base class of source types: where a metric's rows come from."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from cxspec.diagnostics import DiagnosticSink
    from cxspec.model import Project, Source


class SourceType:
    #: The value of ``type:`` in a spec.
    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: JSON Schema of this type's own fields, keyed by field name.
    fields: ClassVar[dict] = {}
    required: ClassVar[tuple[str, ...]] = ()

    def check(self, source: Source, project: Project, sink: DiagnosticSink) -> None:
        """Semantic checks beyond the schema; report problems to ``sink``."""
