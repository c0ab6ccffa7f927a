"""`schema.yml` of the metric models: descriptions, owners as meta, and tests."""

from __future__ import annotations

from cxspec_dbt.owners import metric_meta, metric_owners

COLUMN_DOCS = {
    "metric": "The cxspec metric id.",
    "period": "The first day of the period (UTC).",
    "value": "The metric's value in the period (NULL when nothing was observed).",
    "n": "Valid observations behind the value (rows, answers on the scale, entities at the period's start).",
    "invalid": "Answers outside the declared scale, excluded from the value.",
    "moe": "95% margin of error (nps, csat, ces, rate, mean), else NULL.",
}


def range_tests(project, registry, metric_ids: list[str]) -> list[dict]:
    """One range test per distinct natural range among the model's metrics (NPS −100…100,
    percentages 0…100, means on their scale)."""
    by_range: dict[tuple[float, float], list[str]] = {}
    for metric_id in metric_ids:
        metric = project.metrics[metric_id]
        bounds = registry.metric_types[metric.type].natural_range(metric)
        if bounds is not None:
            by_range.setdefault((float(bounds[0]), float(bounds[1])), []).append(metric_id)
    return [
        {"cxspec_value_between": {"min_value": low, "max_value": high, "metrics": sorted(ids)}}
        for (low, high), ids in sorted(by_range.items())
    ]


def owners_of(project, metric_ids: list[str]) -> list[dict]:
    """Each owner once, with the metrics it is accountable for and responsible for."""
    found: dict[str, dict] = {}
    for metric_id in metric_ids:
        for entry in metric_owners(project, project.metrics[metric_id]):
            owner = found.setdefault(
                entry["id"],
                {k: v for k, v in entry.items() if k != "role"}
                | {"accountable_for": [], "responsible_for": []},
            )
            key = "accountable_for" if entry["role"] == "accountable" else "responsible_for"
            owner[key].append(metric_id)
    result = []
    for owner_id in sorted(found):
        owner = {k: v for k, v in found[owner_id].items() if v != []}
        result.append(owner)
    return result


def model_properties(project, registry, model, grain: str, dialect: str) -> dict:
    query = model.query
    metrics = sorted(query.metrics)
    labels = ", ".join(f"{m} ({project.metrics[m].name})" if project.metrics[m].name else m for m in metrics)
    columns = []
    for column in query.columns:
        entry: dict = {"name": column, "description": COLUMN_DOCS.get(column, f"The dimension {column}.")}
        tests: list = []
        if column == "metric":
            tests = ["not_null", {"accepted_values": {"values": metrics}}]
        elif column == "period":
            tests = ["not_null"]
        elif column == "value":
            tests = range_tests(project, registry, metrics)
        elif column in ("n", "invalid"):
            tests = [{"cxspec_value_between": {"min_value": 0}}]
        if tests:
            entry["data_tests"] = tests
        columns.append(entry)
    return {
        "name": model.name,
        "description": (
            f"cxspec project {project.config.project}: metrics from source(s) {', '.join(query.sources)}, "
            f"one row per metric and {grain} (UTC). Compiled by cxspec (dialect {dialect}); do not edit, "
            f"re-export. Metrics: {labels}."
        ),
        "config": {
            "materialized": "table",
            "meta": {
                "cxspec": {
                    "project": project.config.project,
                    "query": query.name,
                    "sources": list(query.sources),
                    "grain": grain,
                    "dialect": dialect,
                    "metrics": {m: metric_meta(project, project.metrics[m]) for m in metrics},
                },
                "owners": owners_of(project, metrics),
            },
        },
        "columns": columns,
    }
