"""`cxspec diff`: what a change to the specs means (docs/diff.md).

versions.py materialises the two sides, normalise.py turns each entity into what it means,
compare.py lists the changes and the breaking ones, effect.py scores the latest stored
period with both sides' goals and pyramids, render.py prints text, Markdown or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxspec.diffing.compare import Breaking, EntityChange, compare, metric_usage
from cxspec.diffing.effect import Effect, stored_effect
from cxspec.diffing.normalise import normalise_project

#: Kinds whose changes can move statuses and scores, or hit stored results.
SCORED_KINDS = ("metrics", "goals", "pyramids")


@dataclass
class Diff:
    base: str
    head: str
    changes: dict[str, list[EntityChange]]
    breaking: list[Breaking]
    #: None when nothing that is scored changed (the warehouse is not read then).
    effect: Effect | None

    @property
    def changed(self) -> bool:
        return any(self.changes.values())


def diff_projects(
    base, head, registry, *, base_label: str, head_label: str, warehouse=None, results_project=None
):
    """Compare two loaded, valid projects. `results_project` is where stored results are found
    (the real project folder, when a side is a temporary copy); None reads none."""
    old, new = normalise_project(base, registry), normalise_project(head, registry)
    usage = metric_usage(base, registry)
    first = compare(old, new, usage, set())
    effect = None
    if results_project is not None and any(first.changes[kind] for kind in SCORED_KINDS):
        effect = stored_effect(base, head, registry, warehouse, results_project)
    result = compare(old, new, usage, effect.stored_metrics) if effect and effect.stored_metrics else first
    return Diff(base_label, head_label, result.changes, result.breaking, effect)
