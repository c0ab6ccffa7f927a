"""Who answers for a metric, as dbt `meta`: the owner is accountable, tracked_by responsible."""

from __future__ import annotations


def person(project, owner_id: str | None, role: str) -> dict | None:
    if not owner_id:
        return None
    owner = project.owners.get(owner_id)
    entry = {"id": owner_id, "role": role}
    if owner is not None:
        for field in ("name", "email", "kind", "github"):
            value = owner.get(field)
            if value:
                entry[field] = value
    return entry


def metric_owners(project, metric) -> list[dict]:
    found = [
        person(project, metric.owner, "accountable"),
        person(project, metric.tracked_by, "responsible"),
    ]
    return [entry for entry in found if entry is not None]


def metric_meta(project, metric) -> dict:
    """The facts about a metric a dbt user looks for: what it is and who answers for it."""
    meta: dict = {"cxspec_metric": metric.id, "type": metric.type}
    for field in ("category", "unit"):
        value = getattr(metric, field)
        if value:
            meta[field] = value
    meta["direction"] = metric.direction
    if metric.touchpoint:
        meta["touchpoint"] = metric.touchpoint
    if metric.min_sample:
        meta["min_sample"] = metric.min_sample
    meta["version"] = metric.version
    owners = metric_owners(project, metric)
    if owners:
        meta["owners"] = owners
    goal = project.goals.get(metric.id)
    if goal is not None and goal.target is not None:
        meta["goal"] = {k: v for k, v in (("target", goal.target), ("warn", goal.warn)) if v is not None}
    return meta
