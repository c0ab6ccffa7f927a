"""Metrics over a spine of periods (churn, retention): every period from a source's first
start to its last end, each entity active or ended in it. Rendered for the Generator of
sqlgen.py, whose `self` these functions take."""

from __future__ import annotations

from sqlglot import exp

from cxspec.compiler import dialects
from cxspec.compiler.grouping import END, PERIOD, SET, dim_column
from cxspec.compiler.plan import ScanPlan
from cxspec.compiler.sqlkit import case_when, col, num, result_columns, text
from cxspec.metric_type import SpineAccess


def spine_branches(self, scan: ScanPlan, number: int, rows: exp.Table) -> list[exp.Select]:
    """Churn and retention metrics of one scan; `self` is the Generator."""
    source = scan.source
    grain, dialect = self.plan.grain, self.dialect

    def period_of(column: str) -> exp.Expression:
        return dialects.period_start(self.event_time(source, column), grain, dialect)

    bounds = exp.select(
        exp.alias_(exp.Min(this=period_of(source.start)), "__first", quoted=True, copy=False),
        exp.alias_(
            exp.Max(
                this=exp.Coalesce(
                    this=dialects.period_start(self.end_time(source), grain, dialect),
                    expressions=[period_of(source.start)],
                )
            ),
            "__last",
            quoted=True,
            copy=False,
        ),
    ).from_(rows.copy(), copy=False)
    bounds_table = self.cte(f"bounds_{number}_{source.id}", bounds)
    spine_name = f"spine_{number}_{source.id}"
    series = dialects.period_series(col("__first"), col("__last"), grain, dialect)
    if series is not None:  # Spark: a generated array, where recursion stops at 100 levels
        spine_query = exp.select(exp.alias_(series, PERIOD, quoted=True, copy=False)).from_(
            bounds_table.copy(), copy=False
        )
        spine = self.cte(spine_name, spine_query)
    else:
        spine = self.cte(spine_name, recursive_spine(self, spine_name, bounds_table, grain))
    period_start = dialects.timestamp_of_date(col(PERIOD, "sp"), dialect)
    period_end = dialects.timestamp_of_date(dialects.next_period(col(PERIOD, "sp"), grain, dialect), dialect)
    start = self.event_time(source, source.start, "r")
    end = self.end_time(source, "r")
    active = exp.and_(
        exp.LT(this=start, expression=period_start),
        exp.Paren(
            this=exp.or_(
                exp.Is(
                    this=col(END, "r") if self.plan.request.as_of is not None else col(source.end, "r"),
                    expression=exp.Null(),
                ),
                exp.GTE(this=end.copy(), expression=period_start.copy()),
            )
        ),
    )
    churned = exp.and_(
        exp.LT(this=start.copy(), expression=period_start.copy()),
        exp.GTE(this=end.copy(), expression=period_start.copy()),
        exp.LT(this=end.copy(), expression=period_end),
    )
    branches = []
    entity = col(source.entity, "r")
    context = self.context(scan)
    for plan in scan.spine_metrics:
        where = [active]
        if plan.predicate is not None:
            where.append(exp.Paren(this=_qualify(plan.predicate.copy(), "r")))
        n = exp.Count(
            this=exp.Distinct(expressions=[case_when(exp.and_(*[w.copy() for w in where]), entity.copy())])
        )
        lost = exp.Count(
            this=exp.Distinct(
                expressions=[
                    case_when(exp.and_(churned.copy(), *[w.copy() for w in where[1:]]), entity.copy())
                ]
            )
        )
        result = plan.type.spine_result(plan.metric, SpineAccess(active=n, ended=lost), context)
        groups = [col(PERIOD, "sp"), *[col(dim_column(d), "r") for d in self.plan.dimensions]]
        groups += [col(SET, "r")] if self.plan.sets else []
        select = (
            exp.select(
                exp.alias_(text(plan.metric.id), "metric", quoted=True, copy=False),
                exp.alias_(col(PERIOD, "sp"), PERIOD, quoted=True, copy=False),
                *[
                    exp.alias_(col(dim_column(d), "r"), dim_column(d), quoted=True, copy=False)
                    for d in self.plan.dimensions
                ],
                *([exp.alias_(col(SET, "r"), SET, quoted=True, copy=False)] if self.plan.sets else []),
                *result_columns(result),
            )
            .from_(exp.alias_(spine.copy(), "sp", table=True, copy=False), copy=False)
            .join(exp.alias_(rows.copy(), "r", table=True, copy=False), join_type="cross", copy=False)
        )
        bounds_ = self.period_bounds(col(PERIOD, "sp"))
        if bounds_:
            select = select.where(exp.and_(*bounds_), copy=False)
        branches.append(
            select.group_by(*groups, copy=False).having(exp.GT(this=n.copy(), expression=num(0)), copy=False)
        )
    return branches


def recursive_spine(self, spine_name: str, bounds_table: exp.Table, grain: str) -> exp.Expression:
    """Periods from __first to __last, one per grain step, by a recursive CTE."""
    self.recursive = True
    seed = exp.select(exp.alias_(col("__first"), PERIOD, quoted=True, copy=False)).from_(
        bounds_table.copy(), copy=False
    )
    step = (
        exp.select(
            exp.alias_(
                dialects.next_period(col(PERIOD, "sp"), grain, self.dialect),
                PERIOD,
                quoted=True,
                copy=False,
            )
        )
        .from_(
            exp.alias_(exp.table_(exp.to_identifier(spine_name, quoted=True)), "sp", table=True, copy=False),
            copy=False,
        )
        .join(bounds_table.copy(), copy=False)
        .where(exp.LT(this=col(PERIOD, "sp"), expression=col("__last")), copy=False)
    )
    return exp.union(seed, step, distinct=False, copy=False)


def _qualify(expression: exp.Expression, table: str) -> exp.Expression:
    for column in expression.find_all(exp.Column):
        column.set("table", exp.to_identifier(table))
    return expression
