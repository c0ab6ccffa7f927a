"""Metric, touch point and journey scores of one period, on 0–100: computed here once and
used by both the issue detection (`below_journey`) and the reports.

A metric's score is its value on its type's natural range, inverted when lower is better,
clamped. A touch point's score is the mean score of its metrics, leaving out the ones with
too small a sample (as pyramid rollups do); a journey's is the mean of its scored touch
points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

INSUFFICIENT = "insufficient_sample"


def natural_score(registry, metric, value: float | None) -> float | None:
    """A value on 0–100 by its type's natural range, inverted when lower is better, clamped;
    None without a value or a range."""
    if value is None:
        return None
    kind = registry.metric_types.get(metric.type)
    bounds = kind.natural_range(metric) if kind is not None else None
    if bounds is None or bounds[1] == bounds[0]:
        return None
    low, high = bounds
    score = 100.0 * (value - low) / (high - low)
    if metric.lower_is_better:
        score = 100.0 - score
    return min(100.0, max(0.0, score))


def rollup_score(registry, metric, result) -> float | None:
    """The score a metric's result counts with in touch point and journey means: none
    without a finite value or with too small a sample."""
    if result is None or result.value is None or result.status == INSUFFICIENT:
        return None
    if isinstance(result.value, float) and not math.isfinite(result.value):
        return None
    return natural_score(registry, metric, result.value)


@dataclass(frozen=True)
class Rollup:
    #: Touch point id → the mean score of its scored metrics (touch points without one: absent).
    touchpoints: dict[str, float]
    #: Journey id → its scored touch points, sorted by id.
    members: dict[str, list[str]]
    #: Journey id → the mean score of its scored touch points.
    journeys: dict[str, float]


def rollup(project, registry, results_of_period: dict) -> Rollup:
    """Scores of one period from its results without dimensions (metric id → result with
    `value` and `status`); metrics the project no longer has are ignored."""
    scores: dict[str, list[float]] = {}
    for metric_id in sorted(project.metrics):
        metric = project.metrics[metric_id]
        if not metric.touchpoint or metric.touchpoint not in project.touchpoints:
            continue
        score = rollup_score(registry, metric, results_of_period.get(metric_id))
        if score is not None:
            scores.setdefault(metric.touchpoint, []).append(score)
    touchpoints = {tp: math.fsum(values) / len(values) for tp, values in scores.items()}
    members: dict[str, list[str]] = {}
    for tp_id in sorted(touchpoints):
        journey_id = project.touchpoints[tp_id].journey
        if journey_id in project.journeys:
            members.setdefault(journey_id, []).append(tp_id)
    journeys = {j: math.fsum(touchpoints[tp] for tp in tps) / len(tps) for j, tps in members.items()}
    return Rollup(touchpoints, members, journeys)
