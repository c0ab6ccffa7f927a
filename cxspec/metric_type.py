"""The base class of metric types: what a plugin implements to add one."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from cxspec.diagnostics import DiagnosticSink
    from cxspec.model import Metric, Project


class MetricType:
    """One kind of metric (nps, rate, percentile…).

    Subclasses set the class attributes and override the methods they need.
    """

    #: The value of ``type:`` in a spec.
    name: ClassVar[str]
    #: One line for the docs and `cxspec plugins`.
    description: ClassVar[str] = ""
    #: JSON Schema of this type's own fields, keyed by field name.
    fields: ClassVar[dict] = {}
    #: Fields this type requires.
    required: ClassVar[tuple[str, ...]] = ()
    #: Fields holding a SQL predicate over the source's columns.
    predicate_fields: ClassVar[tuple[str, ...]] = ()
    #: Whether the metric reads a source (False for metrics computed from other metrics).
    reads_source: ClassVar[bool] = True
    #: The unit its values are in, when the type fixes it.
    unit: ClassVar[str | None] = None

    def depends_on(self, metric: Metric) -> list[tuple[str, str]]:
        """Metric ids this metric is computed from, each with the field naming it."""
        return []

    def natural_range(self, metric: Metric) -> tuple[float, float] | None:
        """The range of possible values, used to score it in pyramids; None if unbounded."""
        return None

    def check(self, metric: Metric, project: Project, sink: DiagnosticSink) -> None:
        """Semantic checks beyond the schema; report problems to ``sink``."""
