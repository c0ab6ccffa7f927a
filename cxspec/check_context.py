"""What every check is given: the project, the registry of plugins, where problems go, and
the phase it runs in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from cxspec.diagnostics import DiagnosticSink
    from cxspec.model import Project
    from cxspec.registry import Registry

#: "validate": `cxspec validate`/`lint`/`diff`, specs only; "compile": SQL is being written
#: (`compile`, `docs`, `export`); "execute": the SQL will run (`query`, `run`, `report`).
Phase = Literal["validate", "compile", "execute"]


@dataclass
class CheckContext:
    """What a type's `check` is given: the project, the registry and where to report."""

    project: Project
    registry: Registry
    sink: DiagnosticSink
    #: Lets a source type skip costly reads (a 200k-line export) when only specs are checked.
    phase: Phase = "validate"
