"""A run's metrics at their own grains (`grain:` on a metric; cxspec/grains.py).

The metrics of each grain are compiled and run as one request of that grain: a source read
by metrics of two grains is read once per grain. Pyramids score each period of the project's
grain from each leaf's period that stands for it (`leaf_period`): the period map below joins
stored rows to those periods.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlglot import exp

from cxspec.compiler.sqlkit import col, text
from cxspec.grains import by_grain, leaf_period, metric_grains
from cxspec.periods import period_end, period_start
from cxspec.query import metric_batches
from cxspec.runs.static import static_table

GRAIN_MAP = {"grain": "VARCHAR", "leaf_period": "DATE", "period": "DATE"}
METRIC_GRAINS = {"metric": "VARCHAR", "grain": "VARCHAR"}


def compute_by_grain(compute, warehouse, project, request, registry, **options) -> list:
    """Every metric of the request (all when it names none) at its own grain, through
    `compute` (query.compute_with), in batches of at most MAX_METRICS_PER_QUERY metrics (a
    source's metrics together). A coarser grain's first period is computed whole: `start`
    moves back to its first day."""
    groups = {
        grain: metric_batches(project, registry, ids)
        for grain, ids in by_grain(project, request.metrics or None).items()
    }
    one_grain = len(groups) <= 1 and (not groups or next(iter(groups)) == project.config.grain)
    if one_grain and sum(len(batches) for batches in groups.values()) <= 1:
        return compute(warehouse, project, request, registry, **options)
    results: list = []
    for grain, batches in groups.items():
        start = period_start(request.start, grain) if request.start else None
        for batch in batches:
            asked = replace(request, metrics=tuple(batch), grain=grain, start=start)
            results += compute(warehouse, project, asked, registry, **options)
    results.sort(key=lambda r: (r.metric, r.period, tuple((k, str(v)) for k, v in r.dimensions.items())))
    return results


def score_periods(project, results, stored=None) -> list[str]:
    """The periods of the project's grain a run scores pyramids for: those it computed at the
    project's grain, and those stored (`stored`: asked periods → the ones holding results)
    that a coarser period it computed stands for (a rerun of the first quarter rescores
    March, April and May). When it computed none at the project's grain (every metric has a
    coarser grain of its own), the last one of each coarser period it computed."""
    grains = metric_grains(project)
    project_grain = project.config.grain
    own, coarse = set(), set()
    for result in results:
        grain = grains.get(result.metric, project_grain)
        if grain == project_grain:
            own.add(result.period)
        else:
            coarse.add((result.period, grain))
    if not own:
        return sorted({last_period_within(period, grain, project_grain) for period, grain in coarse})
    standing = {p for period, grain in coarse for p in standing_for(period, grain, project_grain)} - own
    if standing and stored is not None:
        own |= stored(sorted(standing))
    return sorted(own)


def standing_for(period: str, grain: str, project_grain: str) -> list[str]:
    """The periods of `project_grain` that the period of `grain` starting on `period` stands
    for (leaf_period): from its last one to the one before the next period's last."""
    first = last_period_within(period, grain, project_grain)
    stop = last_period_within(period_end(period, grain).isoformat(), grain, project_grain)
    found = []
    while first < stop:
        found.append(first)
        first = period_end(first, project_grain).isoformat()
    return found


def last_period_within(period: str, grain: str, project_grain: str) -> str:
    """The last period of `project_grain` inside the period of `grain` that starts on `period`."""
    return period_start(period_end(period, grain) - dt.timedelta(days=1), project_grain).isoformat()


def grain_map(project, periods: list[str]) -> exp.Query:
    """(grain, leaf_period, period): for each period of the project's grain and each grain
    in use, the period of that grain that stands for it."""
    project_grain = project.config.grain
    grains = sorted(set(metric_grains(project).values()) | {project_grain})
    rows = [(g, leaf_period(p, project_grain, g), p) for p in periods for g in grains]
    return static_table(GRAIN_MAP, rows)


def metric_grain_table(project) -> exp.Query:
    return static_table(METRIC_GRAINS, sorted(metric_grains(project).items()))


def leaf_results(
    project, results_table: exp.Table, project_id: str, periods: list[str], *, segments: bool = False
) -> exp.Select:
    """(metric, period, value, status) of the stored totals, each metric at its own grain and
    period mapped to the project's `periods`; with `segments`, (metric, period, dimensions,
    value, status) of the totals and every segment."""
    found = (
        exp.select(
            col("metric", "r"),
            col("period", "m"),
            *([col("dimensions", "r")] if segments else []),
            col("value", "r"),
            col("status", "r"),
        )
        .from_(exp.alias_(results_table, "r", table=True))
        .join(
            exp.alias_(exp.Subquery(this=metric_grain_table(project)), "g", table=True, copy=False),
            on=exp.and_(
                exp.EQ(this=col("metric", "g"), expression=col("metric", "r")),
                exp.EQ(this=col("grain", "g"), expression=col("grain", "r")),
            ),
        )
        .join(
            exp.alias_(exp.Subquery(this=grain_map(project, periods)), "m", table=True, copy=False),
            on=exp.and_(
                exp.EQ(this=col("grain", "m"), expression=col("grain", "r")),
                exp.EQ(this=col("leaf_period", "m"), expression=col("period", "r")),
            ),
        )
    )
    mine = exp.EQ(this=col("project", "r"), expression=text(project_id))
    if segments:
        return found.where(mine)
    return found.where(exp.and_(mine, exp.EQ(this=col("dimensions", "r"), expression=text("{}"))))
