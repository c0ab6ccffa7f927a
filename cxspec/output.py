"""The base class of outputs: report formats (from stored results) and exporters (from specs)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from cxspec.model import Project
    from cxspec.registry import Registry


class Output:
    #: Unique name: ``cxspec report --format NAME`` or ``cxspec export --to NAME``.
    name: ClassVar[str]
    #: ``report`` renders the report dict that ``cxspec.reports.data.build_report`` makes;
    #: ``export`` writes files from a loaded project.
    kind: ClassVar[str] = "report"
    description: ClassVar[str] = ""
    #: For report outputs: the file ``cxspec run`` writes into its output folder
    #: (``report.html``), or None when the format is printed only on request.
    file_name: ClassVar[str | None] = None
    #: This plugin's block of ``plugins:`` in the project's cxspec.yaml, set on the instance
    #: cxspec calls ``render``/``export`` on (empty when the project has none).
    config: Mapping = MappingProxyType({})

    def render(self, report: dict, *, color: bool = False) -> str:
        """A report output's text for the report dict (deterministic for the same input)."""
        raise NotImplementedError

    def export(self, project: Project, registry: Registry, out_dir: Path, *, dialect: str) -> list[Path]:
        """An exporter's files, written under ``out_dir``; returns the paths written, sorted."""
        raise NotImplementedError
