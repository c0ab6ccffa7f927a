"""GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=CODE::message`.

Paths are made relative to the working folder (the repository root in a workflow), so the
annotations land on the right file in a pull request.
"""

from __future__ import annotations

from cxspec.diagnostics import Severity

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(diagnostics, context) -> str:
    lines = []
    for d in diagnostics:
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        lines.append(
            f"::{_LEVELS[d.severity]} file={_property(context.path_prefix + d.file)},line={d.line},"
            f"col={d.column},title={_property(d.code)}::{_data(message)}"
        )
    return "".join(line + "\n" for line in lines)
