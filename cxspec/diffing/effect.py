"""What a change of goals, weights or metrics does to the latest stored period.

The stored metric values of that period are scored twice in the warehouse, with the same
SQL `cxspec run` uses (goal status, pyramid rollups): once with BASE's goals and pyramids,
once with HEAD's. Only reads: nothing stored is written or changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from cxspec.compiler.sqlkit import col, text
from cxspec.diagnostics import CxspecError
from cxspec.query import connect, iso_day, warehouse_class
from cxspec.runs.scoring import goals_table, pyramid_shape, scores_query, status_expression
from cxspec.runs.store import RESULTS
from cxspec.warehouse import redact

#: Score differences below this are float noise, not changes.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class ScoreChange:
    pyramid: str
    node: str
    before: float | None
    after: float | None


@dataclass(frozen=True)
class StatusChange:
    metric: str
    value: float | None
    before: str | None
    after: str | None


@dataclass
class Effect:
    #: The latest stored period, None when there is nothing to show.
    period: str | None = None
    #: Why there is no effect to show.
    note: str | None = None
    #: Each pyramid's index, before and after (changed or not).
    index: list[ScoreChange] = field(default_factory=list)
    #: Other pyramid nodes whose score changed.
    scores: list[ScoreChange] = field(default_factory=list)
    statuses: list[StatusChange] = field(default_factory=list)
    #: Metric ids with stored results (any period).
    stored_metrics: set[str] = field(default_factory=set)


def _table():
    return exp.Table(this=exp.to_identifier(RESULTS, quoted=True))


def _mine(project_id: str, grain: str, alias: str | None = None) -> exp.Expression:
    return exp.and_(
        exp.EQ(this=col("project", alias), expression=text(project_id)),
        exp.EQ(this=col("grain", alias), expression=text(grain)),
        exp.EQ(this=col("dimensions", alias), expression=text("{}")),
    )


def _latest_results(project, project_id: str, grain: str) -> exp.Select:
    """(metric, period, value, n, status) of the latest period, status by `project`'s goals."""
    latest = exp.select(exp.Max(this=col("period"))).from_(_table()).where(_mine(project_id, grain))
    return (
        exp.select(
            col("metric", "r"),
            col("period", "r"),
            col("value", "r"),
            col("n", "r"),
            exp.alias_(status_expression(col("value", "r"), col("n", "r"), "g"), "status", quoted=True),
        )
        .from_(exp.alias_(_table(), "r", table=True))
        .join(
            exp.alias_(exp.Subquery(this=goals_table(project)), "g", table=True),
            on=exp.EQ(this=col("metric", "g"), expression=col("metric", "r")),
            join_type="left",
        )
        .where(
            exp.and_(
                _mine(project_id, grain, "r"),
                exp.EQ(this=col("period", "r"), expression=exp.Subquery(this=latest)),
            )
        )
    )


def _evaluate(warehouse, project, registry, project_id: str, grain: str):
    """({metric: (value, status)}, {(pyramid, node): score}, period) with `project`'s goals and pyramids."""
    results = _latest_results(project, project_id, grain)
    _, rows = warehouse.execute(results.sql(dialect=warehouse.dialect))
    statuses = {r[0]: (r[2], r[4]) for r in rows}
    period = iso_day(rows[0][1]) if rows else None
    query = scores_query(pyramid_shape(project, registry), exp.Subquery(this=results))
    _, rows = warehouse.execute(query.sql(dialect=warehouse.dialect))
    scores = {(r[0], r[1]): r[4] for r in rows}
    return statuses, scores, period


def _no_store(url: str, connect_project, registry) -> str | None:
    """Why `url` cannot hold stored results, without creating a database file to find out."""
    try:
        warehouse = warehouse_class(url, registry)
    except CxspecError:
        return None  # connecting says what is wrong with the URL
    if not warehouse.keeps_results(url, connect_project.root):
        return f"the warehouse {url} keeps nothing between runs"
    path = warehouse.results_file(url, connect_project.root)
    if path is not None and not path.is_file():
        return f"{path} does not exist"
    return None


def stored_effect(base, head, registry, url: str | None, connect_project) -> Effect:
    url = url or connect_project.config.warehouse
    reason = _no_store(url, connect_project, registry)
    if reason:
        return Effect(note=f"no stored results ({reason}); run `cxspec run` to see the effect on scores")
    project_id, grain = base.config.project, base.config.grain
    try:
        with connect(url, connect_project, registry) as warehouse:
            stored = exp.select(col("metric")).distinct().from_(_table())
            stored = stored.where(exp.EQ(this=col("project"), expression=text(project_id)))
            _, rows = warehouse.execute(stored.sql(dialect=warehouse.dialect))
            stored_metrics = {r[0] for r in rows}
            before_status, before_scores, period = _evaluate(warehouse, base, registry, project_id, grain)
            after_status, after_scores, _ = _evaluate(warehouse, head, registry, project_id, grain)
    except CxspecError as exc:
        first = str(exc).strip().splitlines()[0]
        return Effect(note=f"no stored results could be read from {redact(url)} ({first})")
    if period is None:
        return Effect(
            note=f"no stored results for project {project_id!r} at grain {grain!r}",
            stored_metrics=stored_metrics,
        )
    effect = Effect(period=period, stored_metrics=stored_metrics)
    pyramids = sorted(
        {p for p, _ in before_scores} | {p for p, _ in after_scores} | set(base.pyramids) | set(head.pyramids)
    )
    for pyramid in pyramids:
        effect.index.append(
            ScoreChange(
                pyramid, pyramid, before_scores.get((pyramid, pyramid)), after_scores.get((pyramid, pyramid))
            )
        )
    for key in sorted(set(before_scores) | set(after_scores)):
        before, after = before_scores.get(key), after_scores.get(key)
        if key[0] != key[1] and _differs(before, after):
            effect.scores.append(ScoreChange(key[0], key[1], before, after))
    for metric in sorted(set(before_status) | set(after_status)):
        value, before = before_status.get(metric, (None, None))
        after_value, after = after_status.get(metric, (None, None))
        if before != after:
            effect.statuses.append(
                StatusChange(metric, value if value is not None else after_value, before, after)
            )
    return effect


def _differs(before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return before is not after
    return abs(before - after) > TOLERANCE
