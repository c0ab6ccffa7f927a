"""Text from specs or data made safe inside Markdown: one rule for `report.md`, the catalog's
Markdown pages and `cxspec diff --format md`.

Names, descriptions, messages and values come from people's YAML and from the data; written
raw into Markdown, a `|` shifts a table row, a newline starts a heading or a list, raw HTML
and `[x](javascript:…)` become markup in the page that renders the file (a wiki, a pull
request). `md_text` keeps such text plain text on one line; `md_code` puts it in a code span.
"""

from __future__ import annotations

import re

#: What Markdown would read as markup here: backslash escapes first (so that a `\` in the
#: text cannot escape the escapes below), then table cells, code spans and links.
_PUNCTUATION = {"\\": "\\\\", "|": "\\|", "`": "\\`", "[": "\\[", "]": "\\]"}
#: Raw HTML, autolinks (`<javascript:…>`) and entities become text.
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ESCAPES = str.maketrans({**_PUNCTUATION, **_HTML})
_NEWLINES = re.compile(r"\r\n|[\r\n\v\f\u0085\u2028\u2029]")
#: Other control characters (terminal escapes…) are shown as their code, not sent raw; so are
#: the characters that reorder text (a right-to-left override in a segment's value made the
#: rest of its line read backwards in a pull request).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: A block marker at the start of a line: heading, quote, list item, rule, setext underline.
_BLOCK_START = re.compile(r"^([#=]|[-+*_](?=\s|$|[-+*_])|\d+(?=[.)](?:\s|$)))")


def _code(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _control(match: re.Match) -> str:
    return "\\" + _code(match.group())


def _unblock(match: re.Match) -> str:
    marker = match.group()
    return f"{marker}\\" if marker[0].isdigit() else f"\\{marker}"


def md_text(value) -> str:
    """`value` as plain Markdown text on one line, safe in a table cell, a list item, a
    heading or a paragraph: nothing in it is read as markup."""
    if value is None:
        return ""
    text = _NEWLINES.sub(" ", str(value)).replace("\t", " ")
    text = text.translate(_ESCAPES)
    text = _CONTROL.sub(_control, text)
    return _BLOCK_START.sub(_unblock, text, count=1)


def md_code(value, *, in_table: bool = True) -> str:
    """`value` as an inline code span (empty for no value): markup inside a code span is
    text already; a fence longer than any run of backticks in it keeps the span closed."""
    if value is None or value == "":
        return ""
    text = _NEWLINES.sub(" ", str(value)).replace("\t", " ")
    text = _CONTROL.sub(lambda m: _code(m.group()), text)
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    return f"{fence}{text}{fence}"
