"""Diagnostics: the problems cxspec reports, as plain data that every output format renders."""

from __future__ import annotations

from dataclasses import dataclass, field

from cxspec.codes import Severity, default_severity

__all__ = [
    "MAX_PROBLEMS_PER_FILE",
    "CxspecError",
    "Diagnostic",
    "DiagnosticSink",
    "Location",
    "PluginError",
    "Severity",
    "SpecError",
    "WarehouseError",
    "has_errors",
    "sort_diagnostics",
]


@dataclass(frozen=True)
class Location:
    """Where something stands: a file relative to the project root, line and column from 1."""

    file: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found, at a location, with its code and severity."""

    code: str
    message: str
    location: Location
    severity: Severity = Severity.ERROR
    hint: str | None = None
    #: How many characters the problem spans on its line (for the caret underline).
    span: int = 1

    @property
    def file(self) -> str:
        return self.location.file

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def column(self) -> int:
        return self.location.column

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.code, self.message)

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }


def sort_diagnostics(diagnostics) -> list[Diagnostic]:
    """Sorted by file, line and column, without exact repeats."""
    unique = {(d.sort_key(), d.severity, d.hint): d for d in diagnostics}
    return sorted(unique.values(), key=Diagnostic.sort_key)


def has_errors(diagnostics) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


#: Most problems kept per file. Past it a file is generated or not a spec at all, and
#: keeping every problem costs CI minutes and gigabytes (8 MiB of `- 1` lines under
#: `metrics:` would be two million of them). One CX014 says the list was cut.
MAX_PROBLEMS_PER_FILE = 1_000


@dataclass
class DiagnosticSink:
    """Collects every problem of a run; checks append to it instead of raising."""

    items: list[Diagnostic] = field(default_factory=list)
    #: Problems added per file, the ones past the limit included.
    counts: dict[str, int] = field(default_factory=dict)

    def full(self, file: str) -> bool:
        """Whether this file's list was cut (CX014 added): checks may stop looking."""
        return self.counts.get(file, 0) > MAX_PROBLEMS_PER_FILE

    def add(
        self,
        code: str,
        message: str,
        location: Location,
        *,
        hint: str | None = None,
        severity: Severity | None = None,
        span: int = 1,
    ) -> None:
        count = self.counts.get(location.file, 0) + 1
        self.counts[location.file] = count
        if count > MAX_PROBLEMS_PER_FILE:
            if count == MAX_PROBLEMS_PER_FILE + 1:
                self.items.append(
                    Diagnostic(
                        code="CX014",
                        message=f"more than {MAX_PROBLEMS_PER_FILE:,} problems in this file; "
                        "the rest are not listed",
                        location=Location(location.file),
                        severity=Severity.ERROR,
                        hint="fix these first; a file this broken is often generated or not a spec file",
                    )
                )
            return
        self.items.append(
            Diagnostic(
                code=code,
                message=message,
                location=location,
                severity=severity or default_severity(code),
                hint=hint,
                span=max(1, span),
            )
        )

    def extend(self, diagnostics) -> None:
        self.items.extend(diagnostics)


class CxspecError(Exception):
    """A problem the user can fix; the CLI prints it and exits 1, without a traceback."""


class SpecError(CxspecError):
    """A project that did not validate, with all of its diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sort_diagnostics(diagnostics)
        first = self.diagnostics[0] if self.diagnostics else None
        super().__init__(f"{first.location}: {first.code} {first.message}" if first else "invalid")


class PluginError(CxspecError):
    """A plugin that could not be loaded or registered something invalid."""


class WarehouseError(CxspecError):
    """A warehouse that cannot be reached or refused a query; the message says which and why."""
