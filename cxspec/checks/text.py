"""Control characters in names and descriptions (CX015).

Names and descriptions reach terminals (`run`'s scorecard, `owners`, `query`), Markdown and
HTML. An escape sequence in a metric's name (`\\e[2J`, colours, a window title, hidden text)
would act on the reader's terminal, so such text is refused where it is written, with its
location, rather than escaped everywhere it is shown. Names are one line: no control character
at all. Descriptions may hold tabs and line breaks. Controls are C0 (U+0000–U+001F), DEL
(U+007F) and C1 (U+0080–U+009F); ESC (U+001B) starts every terminal escape sequence.
"""

from __future__ import annotations

import re

#: Every C0 and C1 control and DEL; descriptions also allow TAB and LF.
_IN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_IN_DESCRIPTION = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

#: An owner's free text: shown by `cxspec owners` and in reports.
_OWNER_FIELDS = ("name", "email", "github")


def check(context, registry=None, sink=None) -> None:
    """Report CX015 for each name or description holding a control character.

    Takes a CheckContext, or (project, registry, sink) as checks did before it."""
    project = context if sink is not None else context.project
    sink = sink if sink is not None else context.sink
    config = project.config
    for field in ("name", "description"):
        _check_text(config, field, "the project", sink)
    for owner in project.owners.values():
        for field in _OWNER_FIELDS:
            _check_text(owner, field, f"owner {owner.id!r}", sink)
    for source in project.sources.values():
        for dimension in source.dimensions:
            _check_text(dimension, "name", f"a dimension of source {source.id!r}", sink)
    for section, label in (("journeys", "journey"), ("touchpoints", "touch point")):
        for item in project.section(section).values():
            _check_text(item, "name", f"{label} {item.id!r}", sink)
    for metric in project.metrics.values():
        for field in ("name", "description", "unit"):
            _check_text(metric, field, f"metric {metric.id!r}", sink)
    for pyramid in project.pyramids.values():
        _check_text(pyramid, "name", f"pyramid {pyramid.id!r}", sink)
        for node in pyramid.nodes():
            _check_text(node, "name", f"node {node.label!r} of pyramid {pyramid.id!r}", sink)


def _check_text(item, field: str, what: str, sink) -> None:
    value = getattr(item, field, None)
    if not isinstance(value, str):
        return
    found = (_IN_DESCRIPTION if field == "description" else _IN_NAME).search(value)
    if found is None:
        return
    character = found.group()
    rule = (
        "a description may hold tabs and line breaks, no other control character"
        if field == "description"
        else f"a {field} is one line of text, without control characters"
    )
    sink.add(
        "CX015",
        f"the {field} of {what} holds the control character U+{ord(character):04X} "
        f"({_name(character)}) at position {found.start() + 1}",
        item.loc(field),
        hint=f"{rule}, as it is shown on terminals and in reports: remove it "
        "(a `\\e`, `\\x1b` or `\\u001b` escape in a double-quoted string is one)",
    )


def _name(character: str) -> str:
    code = ord(character)
    if code == 0x1B:
        return "ESC, which starts terminal escape sequences"
    if code in (0x0A, 0x0D):
        return "a line break"
    if code == 0x09:
        return "a tab"
    if code == 0x7F:
        return "DEL"
    return "C1 control" if code >= 0x80 else "C0 control"
