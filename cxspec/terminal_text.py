"""Text shown on a terminal, with every control character written as an escape.

Names and descriptions are checked when a project is validated (CX015), but values read from
the data (a dimension's values in `cxspec query`) are not: an ESC in a cell would clear the
screen, recolour or hide text, or set the window title. C0, DEL and C1 controls, and the
Unicode characters that reorder or break lines (bidirectional overrides and isolates, the
line and paragraph separators), are shown as `\\x1b`, `\\u202e`…; tab, newline and carriage
return as `\\t`, `\\n`, `\\r`, so a value stays on its line of a table.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    character = match.group()
    code = ord(character)
    return _NAMED.get(character) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


def shown(text: str) -> str:
    """`text` safe to print on a terminal, one line: controls written as escapes."""
    return _UNSAFE.sub(_escape, text)


def shown_lines(text: str) -> str:
    """`text` safe to print on a terminal, its line breaks and tabs kept (error messages of
    several lines): every other control character written as an escape."""
    return _UNSAFE.sub(lambda m: m.group() if m.group() in "\n\t" else _escape(m), text)
