"""Inline suppression: `lint: {ignore: [CXL003], reason: …}` on a spec item.

A finding is suppressed when it stands inside an item (from the item's first position to the
last position of anything nested in it) whose `ignore` names the finding's rule, by code or
name. So an ignore on a pyramid covers its nodes, and plugin rules need do nothing to honour it.
The YAML reader keeps no comments, which is why this is a field and not a comment.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxspec.diagnostics import Diagnostic, Severity
from cxspec.lint.config import RuleIndex
from cxspec.model import SECTIONS, locate
from cxspec.yamlread import YamlMap, YamlSeq


@dataclass(frozen=True)
class Suppression:
    file: str
    start: tuple[int, int]
    end: tuple[int, int]
    rules: frozenset[str]

    def covers(self, diagnostic: Diagnostic, rule_name: str) -> bool:
        return (
            rule_name in self.rules
            and diagnostic.file == self.file
            and self.start <= (diagnostic.line, diagnostic.column) <= self.end
        )


def _last_position(node) -> tuple[int, int]:
    """The furthest position held anywhere below a mapping or sequence (iteratively)."""
    last = tuple(node.pos)
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, YamlMap):
            positions = [*current.key_pos.values(), *current.value_pos.values()]
            children = current.values()
        else:
            positions = list(current.value_pos)
            children = current
        if positions:
            last = max(last, *(tuple(p) for p in positions))
        stack.extend(c for c in children if isinstance(c, (YamlMap, YamlSeq)))
    return last


def _items(project):
    """Every spec item with its file: entities of every section, and pyramid nodes."""
    for section in SECTIONS:
        for entity in project.section(section).values():
            yield entity.file, entity.raw
            if section == "pyramids":
                for node in entity.nodes():
                    yield node.file, node.raw


def collect(project, index: RuleIndex) -> tuple[list[Suppression], list[Diagnostic]]:
    suppressions, problems = [], []
    for file, raw in _items(project):
        section = raw.get("lint") if isinstance(raw, YamlMap) else None
        ignore = section.get("ignore") if isinstance(section, YamlMap) else None
        if not isinstance(ignore, YamlSeq):
            continue
        names = set()
        for position, ref in enumerate(ignore):
            name = index.resolve(ref)
            if name is None:
                where = locate(file, ignore, position)
                problems.append(index.unknown(ref, where, severity=Severity.WARNING, what="lint.ignore"))
            else:
                names.add(name)
        suppressions.append(Suppression(file, tuple(raw.pos), _last_position(raw), frozenset(names)))
    return suppressions, problems
