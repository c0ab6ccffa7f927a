"""Render a Plan as one SELECT statement (a sqlglot tree) returning one row per metric,
period and dimension values: metric, period, <dimensions…>, value, n, invalid, moe.

Per source, one read (`src_*`), then:
  - `lvl1_*`: the two-level plan's first level: GROUP BY period, dimensions and each
    metric filter's truth value, summing every distinct measure once;
  - one branch per metric that pivots that small table (SUM(CASE WHEN filter …));
  - `rows_*`: metrics that need the rows (percentiles, distinct counts), filters inside
    their aggregates;
  - `spine_*`: churn and retention over a spine of periods.
Ratio and derived metrics are computed on top of those results, level by level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from cxspec.compiler import dialects, time_bounds
from cxspec.compiler.grouping import END, PERIOD, SET, by_text, dim_column, expanded, raw_column, sets_table
from cxspec.compiler.lookups import Lookups
from cxspec.compiler.measures import TwoLevel, checked_value, with_empty_value
from cxspec.compiler.plan import (
    CompileContext,
    ComputedContext,
    MetricPlan,
    Plan,
    ScanPlan,
    dimension_value,
    replace_columns,
    source_fragment,
)
from cxspec.compiler.spine import spine_branches
from cxspec.compiler.sqlkit import (
    MetricSql,
    bigint,
    case_when,
    col,
    double,
    flag,
    not_null,
    num,
    numeric_kind,
    paren,
    result_columns,
    sub,
    text,
)
from cxspec.compiler.time_constants import canonical_times
from cxspec.metric_type import RowAccess

if TYPE_CHECKING:
    from cxspec.resolve import Resolution

__all__ = ["END", "PERIOD", "RESULT_COLUMNS", "dim_column", "generate"]
RESULT_COLUMNS = ("value", "n", "invalid", "moe")


class Generator(TwoLevel):
    def __init__(self, plan: Plan, relations: Resolution):
        self.plan = plan
        self.dialect = plan.dialect
        self.relations = relations
        self.fragment_dialect = relations.project.config.dialect
        self.ctes: list[exp.CTE] = []
        self.recursive = False

    # -- whole statement -----------------------------------------------------------------

    def statement(self) -> exp.Select:
        self.time_constants()
        branches: list[exp.Select] = []
        for number, scan in enumerate(self.plan.scans, start=1):
            branches += self.scan(scan, number)
        base = self.union("results_0", branches)
        current = base
        for level, metrics in enumerate(self.plan.levels, start=1):
            computed = [self.computed_branch(m, current) for m in metrics]
            previous = exp.select("*").from_(current.copy(), copy=False)
            current = self.union(f"results_{level}", [previous, *computed])
        outputs = [text(m) for m in self.plan.outputs]
        select = exp.select(
            col("metric"),
            exp.alias_(col(PERIOD), "period", quoted=True, copy=False),
            *[exp.alias_(col(dim_column(d)), d, quoted=True, copy=False) for d in self.plan.dimensions],
            *self.set_column(),
            *[col(c) for c in RESULT_COLUMNS],
        ).from_(current.copy(), copy=False)
        conditions = [exp.In(this=col("metric"), expressions=outputs), *self.period_bounds(col(PERIOD))]
        select = select.where(exp.and_(*conditions), copy=False)
        select = select.order_by(
            col("metric"),
            col(PERIOD),
            *self.set_column(),
            *[col(dim_column(d)) for d in self.plan.dimensions],
            copy=False,
        )
        with_ = exp.With(expressions=self.ctes, recursive=self.recursive)
        select.set("with_", with_) if "with_" in exp.Select.arg_types else select.set("with", with_)
        return select

    def cte(self, name: str, query: exp.Expression, *, materialized: bool = False) -> exp.Table:
        alias = exp.TableAlias(this=exp.to_identifier(name, quoted=True))
        cte = exp.CTE(this=query, alias=alias)
        if materialized and self.dialect in ("duckdb", "postgres"):
            cte.set("materialized", True)
        self.ctes.append(cte)
        return exp.table_(exp.to_identifier(name, quoted=True))

    def union(self, name: str, branches: list[exp.Select]) -> exp.Table:
        if not branches:
            branches = [self.empty_results()]
        query = branches[0]
        for branch in branches[1:]:
            query = exp.union(query, branch, distinct=False, copy=False)
        return self.cte(name, query)

    def empty_results(self) -> exp.Select:
        """A typed result set with no rows, when a request computes nothing from sources."""
        columns = [
            exp.alias_(exp.cast(exp.Null(), "VARCHAR"), "metric", quoted=True, copy=False),
            exp.alias_(exp.cast(exp.Null(), "DATE"), PERIOD, quoted=True, copy=False),
            *[
                exp.alias_(exp.cast(exp.Null(), "VARCHAR"), dim_column(d), quoted=True, copy=False)
                for d in self.plan.dimensions
            ],
            *[exp.alias_(bigint(exp.Null()), SET, quoted=True, copy=False) for _ in self.set_column()],
            exp.alias_(double(exp.Null()), "value", quoted=True, copy=False),
            exp.alias_(bigint(exp.Null()), "n", quoted=True, copy=False),
            exp.alias_(bigint(exp.Null()), "invalid", quoted=True, copy=False),
            exp.alias_(double(exp.Null()), "moe", quoted=True, copy=False),
        ]
        return exp.select(*columns).where(exp.false(), copy=False)

    def time_constants(self) -> None:
        """The time constants of the fragments planned over each scan's rows (metric filters,
        touch point matches, conditions in measures) written as the warehouse compares them
        (compiler/time_constants.py): the column types are known only now."""
        for scan in self.plan.scans:
            resolved = self.relations.sources.get(scan.source.id)
            types = resolved.column_types if resolved is not None else {}
            trees = [*scan.predicates, *(m.expression for m in scan.measures)]
            for plan in [*scan.measure_metrics, *scan.row_metrics, *scan.spine_metrics]:
                trees += [t for t in (plan.predicate, plan.pivot_filter) if t is not None]
            for tree in trees:
                canonical_times(tree, types, self.dialect)

    # -- one source ----------------------------------------------------------------------

    def group_columns(self) -> list[exp.Column]:
        return [col(PERIOD), *[col(dim_column(d)) for d in self.plan.dimensions], *self.set_column()]

    def set_column(self) -> list[exp.Column]:
        """`__set` with segments (cxspec/compiler/grouping.py), else nothing."""
        return [col(SET)] if self.plan.sets else []

    def row_dimension(self, name: str) -> str:
        """A dimension's column in the source's rows: raw, before grouping sets mask it."""
        return raw_column(name) if self.plan.sets else dim_column(name)

    def scan(self, scan: ScanPlan, number: int) -> list[exp.Select]:
        uses = bool(scan.measure_metrics) + bool(scan.row_metrics) + bool(scan.spine_metrics)
        source_name = f"src_{number}_{scan.source.id}"
        rows = self.cte(
            source_name, self.source_rows(scan), materialized=uses > 1 or len(scan.predicate_chunks()) > 1
        )
        branches: list[exp.Select] = []
        sets = None
        if self.plan.sets:
            sets = self.cte(f"sets_{number}_{scan.source.id}", sets_table(self.plan, scan.source))
        if scan.measure_metrics:
            branches += self.two_level(scan, number, rows, sets)
        if sets is not None and (scan.row_metrics or scan.spine_metrics):
            expansion = expanded(self.plan, scan.source, rows, sets, self.relations)
            rows = self.cte(f"rowsx_{number}_{scan.source.id}", expansion)
        if scan.row_metrics:
            branches += self.row_branches(scan, number, rows)
        if scan.spine_metrics:
            branches += spine_branches(self, scan, number, rows)
        return branches

    def source_rows(self, scan: ScanPlan) -> exp.Select:
        """The source's rows after its filter and de-duplication, with period and dimensions."""
        source = scan.source
        relation = self.relations.relation(source)
        inner = exp.select("*").from_(
            exp.alias_(relation, "s", table=True, copy=False)
            if not isinstance(relation, exp.Table)
            else relation,
            copy=False,
        )
        if source.filter:
            inner = inner.where(self.fragment(source.filter, source), copy=False)
        inner = time_bounds.bounded(self, scan, inner)  # the range on the raw time column
        time_column = source.time or source.start
        if source.key and self.plan.request.as_of is not None and time_column:
            # What was known at --as-of: a key's versions dated after it are left out before
            # one is kept, or a key whose latest version came later vanished instead of counting
            # with the one as of then (as lookups read them). A row without a time stays here
            # (it never wins over a dated one, and is left out below).
            inner = inner.where(
                exp.or_(
                    exp.Is(this=col(time_column), expression=exp.Null()),
                    self.not_after_as_of(self.event_time(source, time_column)),
                ),
                copy=False,
            )
        if source.key:
            row_number = exp.Window(
                this=exp.RowNumber(),
                partition_by=[col(source.key)],
                # NULL times never win, on every engine (their NULL ordering differs); ties by value.
                order=exp.Order(expressions=dialects.latest_first(source, self.relations)),
            )
            inner = inner.select(exp.alias_(row_number, "__row", quoted=True, copy=False), copy=False)
            inner = (
                exp.select("*")
                .from_(exp.alias_(exp.Subquery(this=inner), "d", table=True, copy=False), copy=False)
                .where(exp.EQ(this=col("__row"), expression=num(1)), copy=False)
            )
        columns: list[exp.Expression] = []
        if time_column:
            timestamp = self.event_time(source, time_column)
            columns.append(
                exp.alias_(
                    dialects.period_start(timestamp, self.plan.grain, self.dialect),
                    PERIOD,
                    quoted=True,
                    copy=False,
                )
            )
        # The dimensions sliced by, those --where filters on (sliced by or not), and those the
        # metrics' fragments name (plan.with_dimensions): one value each, for all of them.
        where_names = [c.name for c in self.plan.where.find_all(exp.Column)] if self.plan.where else []
        names = dict.fromkeys([*self.plan.dimensions, *where_names, *scan.dimension_values])
        wanted = [source.dimension(name) for name in names]
        wanted = [d for d in wanted if d is not None]  # a segment's dimension it lacks: total only
        lookups = Lookups(self.relations, self.dialect, wanted, self.plan.request.as_of)
        raw_where: set[str] = set()
        for dimension in wanted:
            if dimension.lookup:
                value = lookups.value(dimension)
            else:
                value = self.fragment(dimension.expr, source) if dimension.expr else col(dimension.name)
            if dimension.name in scan.dimension_values:  # the raw value, for metric fragments
                columns.append(
                    exp.alias_(value.copy(), dimension_value(dimension.name), quoted=True, copy=False)
                )
                if dimension.name not in self.plan.dimensions and dimension.name not in where_names:
                    continue
            # A --by boolean, float or time: grouped by one text per value on every engine (as
            # segments are), the raw value kept for --where.
            shown = (
                None
                if self.plan.sets or dimension.name not in self.plan.dimensions
                else by_text(value.copy(), self.relations, source, dimension.name)
            )
            if shown is not None:
                columns.append(exp.alias_(shown, dim_column(dimension.name), quoted=True, copy=False))
                if dimension.name in where_names:
                    columns.append(exp.alias_(value, raw_column(dimension.name), quoted=True, copy=False))
                    raw_where.add(dimension.name)
            else:
                columns.append(exp.alias_(value, self.row_dimension(dimension.name), quoted=True, copy=False))
        if self.plan.request.as_of is not None and scan.spine_metrics and source.end:
            # An end after the as-of instant has not happened yet: the entity is active.
            end = self.event_time(source, source.end)
            columns.append(
                exp.alias_(case_when(self.not_after_as_of(end.copy()), end), END, quoted=True, copy=False)
            )
        files = self.relations.numbers(source)
        numbers = dict(scan.numbers)
        for name, _ in scan.values:  # a column of no number type is converted once
            if numeric_kind(self.relations.column_type(source, name)) is None:
                numbers.setdefault(name, f"__num{len(numbers)}")
        for name, alias in numbers.items():
            number = dialects.number(name, self.relations.column_type(source, name), files, self.dialect)
            columns.append(exp.alias_(number, alias, quoted=True, copy=False))
        outer = exp.select("*", *columns).from_(
            exp.alias_(exp.Subquery(this=inner), "r", table=True, copy=False), copy=False
        )
        outer = lookups.joined(outer, col(source.entity, "r") if source.entity else None, source)
        values = [
            exp.alias_(
                checked_value(name, scale, self.relations.column_type(source, name), numbers.get(name)),
                alias,
                quoted=True,
                copy=False,
            )
            for (name, scale), alias in scan.values.items()
        ]
        filtered = exp.select("*", *values).from_(
            exp.alias_(exp.Subquery(this=outer), "f", table=True, copy=False), copy=False
        )
        conditions = []
        if self.plan.where is not None:
            where = self.plan.where.copy()
            # --where on a plain dimension of a time column: its constants as the warehouse
            # compares them (compiler/time_constants.py)
            plain = {
                d.name: self.relations.column_type(source, d.name)
                for d in wanted
                if not d.expr and not d.lookup
            }
            where = canonical_times(where, {name: kind for name, kind in plain.items() if kind}, self.dialect)
            where = replace_columns(
                where,
                lambda c: col(raw_column(c.name) if c.name in raw_where else self.row_dimension(c.name)),
            )
            conditions.append(where)
        if not scan.spine_metrics:
            conditions += self.period_bounds(col(PERIOD))
            if source.time:  # a row without an event time belongs to no period
                # On the raw column: a test of the period would make DuckDB compute it twice.
                conditions.append(exp.Not(this=exp.Is(this=col(source.time), expression=exp.Null())))
        if self.plan.request.as_of is not None and time_column:
            # A time after the as-of instant (a typo'd 2204) is left out: no future periods.
            conditions.append(self.not_after_as_of(self.event_time(source, time_column)))
        return filtered.where(exp.and_(*conditions), copy=False) if conditions else filtered

    def period_bounds(self, period: exp.Expression) -> list[exp.Expression]:
        request = self.plan.request
        bounds = []
        if request.start:
            first = dialects.period_start(
                dialects.utc_timestamp(text(request.start.isoformat()), self.dialect),
                self.plan.grain,
                self.dialect,
            )
            bounds.append(exp.GTE(this=period.copy(), expression=first))
        if request.end:
            last = dialects.period_start(
                dialects.utc_timestamp(text(request.end.isoformat()), self.dialect),
                self.plan.grain,
                self.dialect,
            )
            bounds.append(exp.LTE(this=period.copy(), expression=last))
        return bounds

    def fragment(self, text_: str, source) -> exp.Expression:
        """A fragment over `source`'s rows (its time constants as the warehouse compares them:
        compiler/time_constants.py)."""
        return source_fragment(text_, self.fragment_dialect, source, self.relations)

    def not_after_as_of(self, timestamp: exp.Expression) -> exp.Expression:
        return exp.LT(this=timestamp, expression=dialects.as_of_limit(self.plan.request.as_of, self.dialect))

    def event_time(self, source, column: str, table: str | None = None) -> exp.Expression:
        """A source's time column as a UTC timestamp, by the column's type when it is known
        (parsed with the source's `time_format` when it has one)."""
        column_type = self.relations.column_type(source, column)
        return dialects.utc_timestamp(col(column, table), self.dialect, column_type, source.time_format)

    def end_time(self, source, table: str | None = None) -> exp.Expression:
        """A spine source's end as a UTC timestamp: NULL while the entity is active, and for
        ends after the as-of instant (source_rows computes that as END)."""
        if self.plan.request.as_of is not None:
            return col(END, table)
        return self.event_time(source, source.end, table)

    def context(self, scan: ScanPlan) -> CompileContext:
        return CompileContext(
            self.dialect,
            scan.source,
            self.fragment_dialect,
            scan.numbers,
            files=self.relations.numbers(scan.source),
            types=self.relations[scan.source.id].column_types,
            dimension_values=scan.dimension_values,
        )

    def result_select(self, metric: str | exp.Expression, result: MetricSql, table, *, grouped=True):
        """value, n, invalid, moe per group; `metric` is the metric's id or the column holding it."""
        label = text(metric) if isinstance(metric, str) else metric
        select = exp.select(
            exp.alias_(label, "metric", quoted=True, copy=False),
            *self.group_columns(),
            *result_columns(result),
        ).from_(table.copy() if grouped else table, copy=False)  # a subquery is used once: no copy
        return select.group_by(*self.group_columns(), copy=False) if grouped else select

    # -- metrics over rows ----------------------------------------------------------------

    def row_branches(self, scan: ScanPlan, number: int, rows: exp.Table) -> list[exp.Select]:
        branches = []
        context = self.context(scan)
        for plan in scan.row_metrics:
            access = RowAccess(plan.predicate.copy() if plan.predicate is not None else None, self.dialect)
            percentile = plan.type.row_percentile(plan.metric, context)
            if percentile is not None and not dialects.native_percentile(self.dialect):
                value, fraction = percentile
                branches.append(self.window_percentile(plan, number, rows, access, value, fraction))
                continue
            result = plan.type.row_result(plan.metric, access, context)
            select = self.result_select(plan.metric.id, with_empty_value(plan, result), rows)
            if plan.type.empty_value(plan.metric) is None:  # else every group, n 0 included
                select = select.having(exp.GT(this=access.count, expression=num(0)), copy=False)
            branches.append(select)
        return branches

    def window_percentile(
        self, plan: MetricPlan, number: int, rows, access: RowAccess, value: exp.Expression, fraction: float
    ) -> exp.Select:
        """PERCENTILE_CONT where the engine lacks it: rank the values, interpolate linearly."""
        fraction = num(fraction)
        groups = self.group_columns()
        ranked = exp.select(
            *groups,
            exp.alias_(value.copy(), "__v", quoted=True, copy=False),
            exp.alias_(
                exp.Window(
                    this=exp.RowNumber(),
                    partition_by=[g.copy() for g in groups],
                    # NULLs last (they rank after every value), then the values in order.
                    order=exp.Order(
                        expressions=[
                            exp.Ordered(this=flag(exp.Is(this=value.copy(), expression=exp.Null()))),
                            exp.Ordered(this=value.copy()),
                        ]
                    ),
                ),
                "__rank",
                quoted=True,
                copy=False,
            ),
            exp.alias_(
                exp.Window(this=exp.Count(this=value.copy()), partition_by=[g.copy() for g in groups]),
                "__count",
                quoted=True,
                copy=False,
            ),
            # A value there that is not a number (text, NaN): invalid, as on other engines.
            exp.alias_(
                flag(
                    exp.and_(
                        not_null(col(plan.metric.get("column"))),
                        exp.Is(this=value.copy(), expression=exp.Null()),
                    )
                ),
                "__bad",
                quoted=True,
                copy=False,
            ),
        ).from_(rows.copy(), copy=False)
        # Every matching row is kept, NULL values too: a group whose values are all NULL still
        # has a result (value NULL, n 0), as PERCENTILE_CONT gives elsewhere.
        if access.where is not None:
            ranked = ranked.where(access.where.copy(), copy=False)
        table = self.cte(f"rank_{number}_{plan.metric.id}", ranked)
        position = exp.Mul(this=paren(sub(col("__count"), num(1))), expression=fraction)
        lower = exp.cast(position.copy(), "INT")
        low_value = exp.Max(
            this=case_when(
                exp.EQ(this=col("__rank"), expression=exp.Add(this=lower, expression=num(1))), col("__v")
            )
        )
        high_value = exp.Max(
            this=case_when(
                exp.EQ(this=col("__rank"), expression=exp.Add(this=lower.copy(), expression=num(2))),
                col("__v"),
            )
        )
        fraction_part = exp.Max(this=sub(position.copy(), lower.copy()))
        value_expr = exp.Add(
            this=low_value,
            expression=exp.Mul(
                this=fraction_part,
                expression=paren(
                    sub(exp.Coalesce(this=high_value, expressions=[low_value.copy()]), low_value.copy())
                ),
            ),
        )
        result = MetricSql(
            value=value_expr, n=exp.Max(this=col("__count")), invalid=exp.Sum(this=col("__bad"))
        )
        return self.result_select(plan.metric.id, result, table)

    # -- metrics computed from other metrics (ratio, derived) ----------------------------

    def computed_branch(self, plan: MetricPlan, results: exp.Table) -> exp.Select:
        inputs = [dep for dep, _ in plan.type.depends_on(plan.metric)]

        def value_of(metric_id: str) -> exp.Expression:
            return exp.Max(
                this=case_when(exp.EQ(this=col("metric"), expression=text(metric_id)), col("value"))
            )

        context = ComputedContext(self.dialect, self.fragment_dialect)
        value = plan.type.computed_value(plan.metric, value_of, context)
        distinct_inputs = sorted(set(inputs))
        select = exp.select(
            exp.alias_(text(plan.metric.id), "metric", quoted=True, copy=False),
            *self.group_columns(),
            exp.alias_(double(value), "value", quoted=True, copy=False),
            exp.alias_(bigint(exp.Min(this=col("n"))), "n", quoted=True, copy=False),
            exp.alias_(bigint(num(0)), "invalid", quoted=True, copy=False),
            exp.alias_(double(exp.Null()), "moe", quoted=True, copy=False),
        ).from_(results.copy(), copy=False)
        select = select.where(
            exp.In(this=col("metric"), expressions=[text(i) for i in distinct_inputs]), copy=False
        )
        select = select.group_by(*self.group_columns(), copy=False)
        # Only where every input has a result for the period and dimensions.
        return select.having(
            exp.EQ(
                this=exp.Count(this=exp.Distinct(expressions=[col("metric")])),
                expression=num(len(distinct_inputs)),
            ),
            copy=False,
        )


def generate(plan: Plan, relations: Resolution) -> exp.Select:
    return Generator(plan, relations).statement()
