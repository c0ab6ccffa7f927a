"""A grain per metric (`grain: quarter`): which grains nest in which, each metric's grain, and
which period of a coarser grain stands for a period of the project's grain.

A metric with its own grain is computed, stored, scored and judged at that grain. Where a
period of the project's grain needs its value (a pyramid's score, a report's headline), it
takes the metric's latest period that is over by the end of that period: for December the
fourth quarter, for January and February still the fourth quarter, for March the first.
"""

from __future__ import annotations

import datetime as dt

from cxspec.model import GRAINS
from cxspec.periods import period_end, period_start

#: Grains whose periods are each a union of whole periods of the grain: a week is not a
#: union of months, nor a month of weeks.
_NESTS_IN = {
    "day": set(GRAINS),
    "week": {"week"},
    "month": {"month", "quarter", "year"},
    "quarter": {"quarter", "year"},
    "year": {"year"},
}


def nests(fine: str, coarse: str) -> bool:
    """Whether every period of `coarse` is a union of whole periods of `fine`."""
    return coarse in _NESTS_IN.get(fine, set())


def metric_grain(project, metric) -> str:
    """The grain a metric is computed and stored at: its own, else the project's."""
    return metric.grain if metric.grain in GRAINS else project.config.grain


def metric_grains(project) -> dict[str, str]:
    """Metric id → its grain, for every metric (an earlier id of a renamed metric included)."""
    grains = {metric_id: metric_grain(project, metric) for metric_id, metric in project.metrics.items()}
    for old, new in project.renamed_metrics().items():
        grains.setdefault(old, grains[new])
    return grains


def by_grain(project, metric_ids=None) -> dict[str, list[str]]:
    """Grain → the metrics (of `metric_ids`, all when None) computed at it, project grain first."""
    grains = metric_grains(project)
    groups: dict[str, list[str]] = {}
    for metric_id in sorted(project.metrics if metric_ids is None else metric_ids):
        groups.setdefault(grains[metric_id], []).append(metric_id)
    project_grain = project.config.grain
    return dict(sorted(groups.items(), key=lambda item: (item[0] != project_grain, GRAINS.index(item[0]))))


def leaf_period(period: str, project_grain: str, grain: str) -> str:
    """The period at `grain` that stands for `period` (project grain): the latest one over by
    the end of `period`."""
    if grain == project_grain:
        return period
    end = period_end(period, project_grain)
    start = period_start(end - dt.timedelta(days=1), grain)
    if period_end(start.isoformat(), grain) > end:
        start = period_start(start - dt.timedelta(days=1), grain)
    return start.isoformat()


def period_label(period: str, grain: str) -> str:
    """A period as people name it: 'quarter 2025 Q4', 'year 2025', 'month 2025-12'."""
    day = dt.date.fromisoformat(period[:10])
    if grain == "quarter":
        return f"quarter {day.year} Q{(day.month - 1) // 3 + 1}"
    if grain == "year":
        return f"year {day.year}"
    if grain == "month":
        return f"month {day:%Y-%m}"
    return f"{grain} {day.isoformat()}"


def at_grain(results, grain: str) -> list:
    """The results stored at `grain` (those of metrics without a grain of their own)."""
    return [r for r in results if r.grain is None or r.grain == grain]


def grain_note(entry, project_grain: str) -> str:
    """' (quarter 2025 Q4)' after a report's metric of its own grain; '' for the others."""
    grain = getattr(entry, "grain", None)
    if not grain or grain == project_grain or entry.latest is None:
        return ""
    return f" ({period_label(entry.latest.period, grain)})"
