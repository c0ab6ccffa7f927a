"""Compiler-style text: location, code and message, the source line, a caret, the hint."""

from __future__ import annotations

from functools import lru_cache

from cxspec.diagnostics import Severity
from cxspec.terminal_text import shown_lines

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def render(diagnostics, context) -> str:
    root = context.root

    @lru_cache(maxsize=64)
    def lines_of(file: str) -> list[str]:
        if root is None:
            return []
        try:
            return (root / file).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            return []

    out: list[str] = []
    for d in diagnostics:
        severity = _paint(d.severity.value, "1;" + _COLORS[d.severity], context.color)
        where = _paint(f"{context.path_prefix}{d.location}", "1", context.color)
        # messages quote values from the data (a segment's value, a cell): no escape reaches the terminal
        out.append(f"{where}: {severity} {d.code}: {shown_lines(d.message)}")
        source = lines_of(d.file)
        if 0 < d.line <= len(source):
            line = source[d.line - 1].replace("\t", " ")
            gutter = f"{d.line:>5} | "
            out.append(gutter + line)
            caret = " " * (d.column - 1) + "^" * max(1, min(d.span, len(line) - d.column + 1))
            out.append(" " * (len(gutter) - 2) + "| " + _paint(caret, _COLORS[d.severity], context.color))
        if d.hint:
            out.append(f"      = hint: {shown_lines(d.hint)}")
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    files = len(context.files) + 1  # the spec files and cxspec.yaml
    if diagnostics:
        out.append("")
    infos = sum(d.severity is Severity.INFO for d in diagnostics)
    counts = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}" + (
        f", {_plural(infos, 'info')}" if infos else ""
    )
    summary = f"{counts} in {_plural(files, 'file')}"
    if not errors and not warnings and not infos:
        summary = f"{context.command}: ok, {_plural(files, 'file')} checked"
    out.append(summary)
    return "\n".join(out) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
