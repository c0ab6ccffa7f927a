"""The catalog as plain data: every metric with how it is computed, who owns and tracks it,
where it sits (touch point, journey, pyramids), its goal and its latest stored value; the
owners' view and the journey map. Built on the report model (cxspec/reports/data.py), so the
catalog and the reports describe a metric with the same words and numbers, and write them by
the same rule (each metric's `display`, cxspec/display.py)."""

from __future__ import annotations

from dataclasses import asdict

from cxspec.compiler.compile import compile_request
from cxspec.compiler.plan import Request
from cxspec.reports.data import build_model

CATALOG_VERSION = 1


def _owner_ref(project, owner_id):
    owner = project.owners.get(owner_id or "")
    if owner is None:
        return None
    return {"id": owner.id, "name": owner.name or owner.id, "email": owner.email, "github": owner.github}


def _source(project, registry, source_id):
    source = project.sources.get(source_id or "")
    if source is None:
        return None
    raw = source.raw
    source_type = registry.source_types.get(source.type)
    where = source_type.where(source) if source_type is not None else None
    return {
        "id": source.id,
        "name": raw.get("name") or source.id,
        "type": source.type,
        "where": where,
        # a snapshot's rows are placed on the day it was taken: shown as such, not as a column
        "time": f"the day taken, {source.taken}" if source.taken and "time" not in raw else source.time,
        "entity": source.entity,
        "key": source.key,
        "filter": source.filter,
        "owner": source.raw.get("owner"),
    }


def _leaf_paths(node, trail, share, found):
    """(metric id → [{pyramid path, weight, share of the root}]) from a report pyramid tree."""
    total = sum(child.weight for child in node.children) or 1.0
    for child in node.children:
        child_share = share * child.weight / total
        path = [*trail, child.name]
        if child.kind == "metric":
            found.setdefault(child.metric, []).append(
                {"path": path, "weight": child.weight, "share": round(100 * child_share, 2)}
            )
        else:
            _leaf_paths(child, path, child_share, found)


def _compiled_sql(project, metric_id, dialect, registry) -> str:
    queries = compile_request(project, Request(metrics=(metric_id,)), dialect, registry)
    return "\n\n".join(f"-- query: {q.name}\n{q.sql};" for q in queries)


def build_catalog(
    project, registry, stored, *, dialect: str = "duckdb", values_note: str | None = None
) -> dict:
    report = build_model(stored, registry)
    in_pyramids: dict[str, list] = {}
    for pyramid in report.pyramids:
        paths: dict[str, list] = {}
        _leaf_paths(pyramid.tree, [pyramid.name], 1.0, paths)
        for metric_id, entries in paths.items():
            in_pyramids.setdefault(metric_id, []).extend({"pyramid": pyramid.id, **e} for e in entries)

    metrics = []
    for entry in report.metrics:
        metric = project.metrics[entry.id]
        touchpoint = project.touchpoints.get(metric.touchpoint or "")
        journey = project.journeys.get(touchpoint.journey or "") if touchpoint else None
        goal = project.goals.get(metric.id)
        type_obj = registry.metric_types[metric.type]
        metrics.append(
            {
                **{
                    k: getattr(entry, k)
                    for k in ("id", "name", "type", "category", "direction", "unit", "description")
                },
                **{k: getattr(entry, k) for k in ("definition", "version", "min_sample", "natural_range")},
                "latest": asdict(entry.latest) if entry.latest else None,
                "previous": asdict(entry.previous) if entry.previous else None,
                "display": entry.display.as_dict(),
                "tags": list(metric.tags),
                "file": metric.file,
                "line": metric.loc("id").line,
                "formula": type_obj.formula(metric),
                "filter": metric.filter,
                "depends_on": sorted({dep for dep, _ in type_obj.depends_on(metric)}),
                "sql": _compiled_sql(project, metric.id, dialect, registry),
                "source": _source(project, registry, metric.source),
                "owner": _owner_ref(project, metric.owner),
                "tracked_by": _owner_ref(project, metric.tracked_by),
                "touchpoint": (
                    {
                        "id": touchpoint.id,
                        "name": touchpoint.name or touchpoint.id,
                        "stage": touchpoint.stage,
                        "intended": touchpoint.intended,
                        "match": touchpoint.match,
                    }
                    if touchpoint
                    else None
                ),  # fmt: skip
                "journey": {"id": journey.id, "name": journey.name or journey.id} if journey else None,
                "goal": (
                    {
                        "target": goal.target,
                        "warn": goal.warn,
                        "due": goal.due,
                        "owner": goal.owner,
                        "description": goal.raw.get("description"),
                    }
                    if goal
                    else None
                ),  # fmt: skip
                "pyramids": in_pyramids.get(metric.id, []),
            }
        )

    return {
        "catalog_version": CATALOG_VERSION,
        "project": {
            "id": project.config.project,
            "name": project.config.name or project.config.project,
            "description": project.config.description,
            "grain": project.config.grain,
            "dialect": dialect,
        },
        "values": {
            "latest": report.latest,
            "computed_at": report.project.computed_at,
            "note": values_note,
        },
        "metrics": metrics,
        "owners": owners_view(project),
        "journeys": journey_map(project, metrics),
        "pyramids": [{"id": p.id, "name": p.name, "owner": p.owner} for p in report.pyramids],
    }


def _owned(items, attribute: str, owner_id: str) -> list[str]:
    return sorted(item.id for item in items if _owner_of(item, attribute) == owner_id)


def _owner_of(item, attribute: str):
    return getattr(item, attribute, None) if attribute != "source_owner" else item.raw.get("owner")


def owners_view(project) -> list[dict]:
    """Who is accountable for what, each owner with its place in the organisation."""
    owners = []
    for owner in sorted(project.owners.values(), key=lambda o: o.id):
        oid = owner.id
        nodes = sorted(
            f"{pyramid.id}/{node.label}"
            for pyramid in project.pyramids.values()
            for node in pyramid.nodes()
            if node.owner == oid
        )
        owners.append(
            {
                "id": oid,
                "name": owner.name or oid,
                "kind": owner.kind,
                "email": owner.email,
                "github": owner.github,
                "parent": owner.parent,
                "members": _owned(project.owners.values(), "parent", oid),
                "accountable_for": _owned(project.metrics.values(), "owner", oid),
                "tracks": _owned(project.metrics.values(), "tracked_by", oid),
                "goals": _owned(project.goals.values(), "owner", oid),
                "touchpoints": _owned(project.touchpoints.values(), "owner", oid),
                "journeys": _owned(project.journeys.values(), "owner", oid),
                "pyramids": _owned(project.pyramids.values(), "owner", oid) + nodes,
                "sources": _owned(project.sources.values(), "source_owner", oid),
            }
        )
    return owners


def journey_map(project, metrics: list[dict]) -> list[dict]:
    """Journeys → stages in order → touch points → the metrics measuring each."""
    by_touchpoint: dict[str, list[str]] = {}
    for metric in metrics:
        if metric["touchpoint"]:
            by_touchpoint.setdefault(metric["touchpoint"]["id"], []).append(metric["id"])
    journeys = []
    for journey in sorted(project.journeys.values(), key=lambda j: j.id):
        stages = []
        for stage in journey.stages:
            touchpoints = [
                {
                    "id": tp.id,
                    "name": tp.name or tp.id,
                    "owner": tp.owner,
                    "intended": tp.intended,
                    "channel": tp.raw.get("channel"),
                    "description": tp.raw.get("description"),
                    "metrics": sorted(by_touchpoint.get(tp.id, [])),
                }
                for tp in sorted(project.touchpoints.values(), key=lambda t: t.id)
                if tp.journey == journey.id and tp.stage == stage
            ]
            stages.append({"id": stage, "touchpoints": touchpoints})
        journeys.append(
            {
                "id": journey.id,
                "name": journey.name or journey.id,
                "description": journey.raw.get("description"),
                "owner": journey.owner,
                "stages": stages,
            }
        )
    return journeys
