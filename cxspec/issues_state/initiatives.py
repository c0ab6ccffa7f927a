"""`initiatives:` in cxspec.yaml: what the programme did and when, and whether it worked.

Impact of an initiative on a metric: the mean of the metric's values in the `compare`
periods after the period holding the initiative's `date`, against the mean of the same
number of periods before it (the period holding the date is left out: it is partly both).
Each side's standard error is √(Σ seᵢ²)/k from the stored 95% margins (seᵢ = moeᵢ/1.96), and
the change is tested as `significant_drop` is: Welch's t for means (n summed per side), the
normal approximation otherwise, two-sided at the metric's `alpha`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cxspec.issues_state.criteria import metric_criteria

if TYPE_CHECKING:
    from cxspec.query import MetricResult

Z_95 = 1.96

SCHEMA = {
    "type": "array",
    "description": "What the programme did, when, and on which metrics (docs/closing-the-loop.md#initiatives).",
    "items": {
        "type": "object",
        "required": ["id", "date", "metrics"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$"},
            "name": {"type": "string"},
            "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            "owner": {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$"},
            "metrics": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$"}},
            "compare": {"type": "integer", "minimum": 1, "maximum": 24},
        },
    },
}


def initiatives_of(project) -> list[dict]:
    out = []
    for item in project.config.raw.get("initiatives") or []:
        if not hasattr(item, "get") or not item.get("id") or not item.get("date"):
            continue
        out.append(
            {
                "id": str(item["id"]),
                "name": str(item.get("name") or item["id"]),
                "date": str(item["date"]),
                "owner": item.get("owner"),
                "metrics": [str(m) for m in item.get("metrics") or []],
                "compare": int(item.get("compare") or 3),
            }
        )
    return sorted(out, key=lambda i: (i["date"], i["id"]))


def _side(points: list[MetricResult]) -> MetricResult | None:
    """One estimate for k periods: the mean value, its standard error as a 95% margin."""
    if not points or any(p.moe is None for p in points):
        return None
    k = len(points)
    mean = sum(p.value for p in points) / k
    se = math.sqrt(sum((p.moe / Z_95) ** 2 for p in points)) / k
    n = sum(p.n or 0 for p in points)
    from cxspec.query import MetricResult

    return MetricResult(points[0].metric, points[-1].period, {}, mean, n, 0, se * Z_95)


def impacts(project, results, p_value_of) -> list[dict]:
    """One row per initiative and metric; `p_value_of(metric, before, after)` is the test of
    significant_drop (cxspec/runs/issues.py)."""
    history: dict[str, list[MetricResult]] = {}
    for r in sorted(results, key=lambda r: r.period):
        if not r.dimensions and r.value is not None:
            history.setdefault(r.metric, []).append(r)
    rows = []
    for initiative in initiatives_of(project):
        for metric_id in initiative["metrics"]:
            metric = project.metrics.get(metric_id)
            if metric is None:
                continue
            points = history.get(metric_id, [])
            holding = [p.period for p in points if p.period <= initiative["date"]]
            k = initiative["compare"]
            before = [p for p in points if holding and p.period < holding[-1]][-k:]
            after = [p for p in points if p.period > (holding[-1] if holding else "")][:k]
            row = {
                "initiative": initiative["id"], "name": initiative["name"], "date": initiative["date"],
                "owner": initiative["owner"], "metric": metric_id, "compare": k,
                "before": [p.period for p in before], "after": [p.period for p in after],
                "before_value": None, "after_value": None, "change": None, "p_value": None,
                "verdict": "not enough periods yet",
            }  # fmt: skip
            if len(before) == k and len(after) == k:
                a, b = _side(before), _side(after)
                row["before_value"] = sum(p.value for p in before) / k
                row["after_value"] = sum(p.value for p in after) / k
                row["change"] = row["after_value"] - row["before_value"]
                p_value = p_value_of(metric, a, b) if a is not None and b is not None else None
                row["p_value"] = p_value
                row["verdict"] = _verdict(metric, row["change"], p_value, metric_criteria(project, metric).alpha)
            rows.append(row)
    return rows


def _verdict(metric, change: float, p_value: float | None, alpha: float) -> str:
    if p_value is None:
        return "cannot be tested (no margins of error)"
    if not p_value < alpha:
        return "no significant change"
    better = change < 0 if metric.direction == "lower_is_better" else change > 0
    return "significantly better" if better else "significantly worse"


def impact_text(row: dict, fmt) -> str:
    """One sentence: "Average: 4.00 → 8.00 (+4.00) over 3 periods before and after 2026-03-15:
    significantly better (p < 0.001)"; `fmt(value)` writes values as reports do."""
    if row["change"] is None:
        have = f"{len(row['before'])} before, {len(row['after'])} after"
        return f"{row['verdict']} ({have}; {row['compare']} of each needed)"
    sign = "+" if row["change"] > 0 else ""
    change = fmt(row["change"])
    change = change if change.startswith(("+", "-", "−")) else sign + change
    p_value = row["p_value"]
    p_text = "" if p_value is None else (" (p < 0.001)" if p_value < 0.001 else f" (p = {p_value:.3f})")
    return (
        f"{fmt(row['before_value'])} → {fmt(row['after_value'])} ({change}) over {row['compare']} "
        f"period{'s' if row['compare'] != 1 else ''} before and after: {row['verdict']}{p_text}"
    )
