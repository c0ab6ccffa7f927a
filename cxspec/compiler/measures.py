"""The two-level plan's SQL: per source, a first level that groups its rows by period,
dimensions and filter columns and aggregates every distinct measure once, then one branch
per formula that picks each metric's rows of that small table and computes the formula.

Less work per row (docs/design.md, "The compiled SQL"):
  - each measured column and scale is tested once per row, by the column's type, in the
    source's rows (`__val<i>`: the value where it is valid, else NULL); no test where the
    type's range lies within the scale, no conversion where the column is already a number;
  - each measure in the engine's cheapest form: COUNT(x) for a test for NULL, COUNT_IF /
    FILTER (WHERE …) / SUM(CASE …) by engine for other counts (dialects.count_where), SUM(x)
    without a CASE that only tests x for NULL;
  - metrics of one formula whose filters pick one value each of the same column (NPS per
    touch point) are picked from the first level in one pass, labelled by that value.
"""

from __future__ import annotations

from sqlglot import exp

from cxspec.compiler import deviations, dialects
from cxspec.compiler.grouping import PERIOD, dim_column, expanded, grouping_sets, native_sets, unexpanded
from cxspec.compiler.plan import MetricPlan, ScanPlan, conjuncts, dimension_value
from cxspec.compiler.sqlkit import (
    INTEGER_RANGES,
    MetricSql,
    case_when,
    clone,
    col,
    double,
    num,
    numeric_kind,
    on_scale,
    text,
    typed_number,
)
from cxspec.metric_type import Measure, MeasureAccess

#: How a measure's values combine, in the first level and again per metric (Measure.agg).
COMBINE = {"sum": exp.Sum, "min": exp.Min, "max": exp.Max}

#: Whole numbers up to this size are squared without overflow in every engine's 32-bit
#: integer arithmetic (√2³¹); larger scales are converted to DOUBLE first.
SQUARES_FIT = 46340


def checked_value(name: str, scale, column_type: str | None, number: str | None) -> exp.Expression:
    """A measured column's value where it is valid, else NULL (`__val<i>`): on `scale` (a
    whole number within it) or, without one, any number. `number` is the row's converted
    number of the column (`__num<k>`) when its type is not a number."""
    kind = numeric_kind(column_type)
    if kind is None:
        value = col(number)
        return value if scale is None else case_when(on_scale(value, *scale), value.copy())
    if kind == "float" or scale is None:
        value = typed_number(name, column_type, {})
        return value if scale is None else case_when(on_scale(value, *scale), value.copy())
    low, high = scale
    value = col(name) if max(abs(low), abs(high)) <= SQUARES_FIT else double(col(name))
    smallest, largest = INTEGER_RANGES[column_type]
    if low <= smallest and largest <= high:  # every value of the type is on the scale
        return value
    return case_when(exp.Between(this=col(name), low=num(low), high=num(high)), value)


# -- aggregates -------------------------------------------------------------------------


def _tested_column(node: exp.Expression) -> str | None:
    """The column `node` tests for NOT NULL, if it is such a test."""
    while isinstance(node, exp.Paren):
        node = node.this
    if (
        isinstance(node, exp.Not)
        and isinstance(node.this, exp.Is)
        and isinstance(node.this.expression, exp.Null)
    ):
        tested = node.this.this
        if isinstance(tested, exp.Column):
            return tested.name
    return None


def _rejected_null(node: exp.Expression) -> str | None:
    """The column a comparison with a literal is over (the comparison is not true where it
    is NULL), if `node` is one."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Between):
        bounds = (node.args.get("low"), node.args.get("high"))
        if isinstance(node.this, exp.Column) and all(isinstance(b, exp.Literal) for b in bounds):
            return node.this.name
        return None
    if isinstance(node, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
        sides = (node.this, node.expression)
        columns = [s for s in sides if isinstance(s, exp.Column)]
        if len(columns) == 1 and any(isinstance(s, exp.Literal) for s in sides):
            return columns[0].name
    return None


def _counted(expression: exp.Expression) -> exp.Expression | None:
    """The condition of CASE WHEN condition THEN 1 ELSE 0 END (a measure counting rows)."""
    if not isinstance(expression, exp.Case) or expression.args.get("this") is not None:
        return None
    ifs, default = expression.args.get("ifs") or [], expression.args.get("default")
    if len(ifs) != 1 or not isinstance(default, exp.Literal) or default.this != "0":
        return None
    true = ifs[0].args.get("true")
    return ifs[0].this if isinstance(true, exp.Literal) and true.this == "1" else None


def _null_propagating(node: exp.Expression, name: str) -> bool:
    """Whether `node` is built of column `name`, literals and arithmetic only (NULL where the
    column is)."""
    if isinstance(node, exp.Column):
        return node.name == name
    if isinstance(node, exp.Literal):
        return True
    if isinstance(node, (exp.Paren, exp.Cast)):
        return _null_propagating(node.this, name)
    if isinstance(node, (exp.Mul, exp.Add, exp.Sub)):
        return _null_propagating(node.this, name) and _null_propagating(node.expression, name)
    return False


def _condition(condition: exp.Expression) -> exp.Expression:
    """The condition without tests for NOT NULL that another of its parts implies."""
    parts = conjuncts(condition)
    rejected = {_rejected_null(p) for p in parts} - {None}
    kept = [p for p in parts if _tested_column(p) not in rejected]
    return exp.and_(*kept, copy=False) if len(kept) != len(parts) else condition


def aggregate(measure: Measure, dialect: str) -> exp.Expression:
    """A measure summed (or min/max) over a group's rows, in the engine's cheapest form."""
    expression = clone(measure.expression)
    if measure.agg == "sum":
        condition = _counted(expression)
        if condition is not None:
            condition = _condition(condition)
            tested = _tested_column(condition)
            if tested is not None:
                return exp.Count(this=col(tested))
            return dialects.count_where(condition, dialect)
    if isinstance(expression, exp.Case) and expression.args.get("this") is None:
        ifs = expression.args.get("ifs") or []
        if len(ifs) == 1 and expression.args.get("default") is None:
            tested = _tested_column(ifs[0].this)
            true = ifs[0].args.get("true")
            if tested is not None and _null_propagating(true, tested):
                expression = true  # SUM, MIN and MAX skip NULLs: no CASE needed
    return COMBINE[measure.agg](this=expression)


def value_of(measure: Measure, dialect: str) -> exp.Expression:
    """A measure's per-row value as `aggregate` sums it (NULL where it is not counted)."""
    return aggregate(Measure(measure.expression, "max"), dialect).this


def keyed_value(plan: MetricPlan) -> tuple[str, str] | None:
    """(column, string) when the metric's whole filter is `column = 'string'` over a grouped
    column, and it has no empty value (its rows are the matching first-level rows only)."""
    if plan.predicate_index is not None or plan.pivot_filter is None:
        return None
    if plan.type.empty_value(plan.metric) is not None:
        return None
    node = plan.pivot_filter
    while isinstance(node, exp.Paren):
        node = node.this
    if not isinstance(node, exp.EQ):
        return None
    for column, value in ((node.this, node.expression), (node.expression, node.this)):
        if isinstance(column, exp.Column) and isinstance(value, exp.Literal) and value.is_string:
            return column.name, value.this
    return None


def keyed_groups(plans: list[MetricPlan]) -> list[tuple[str, list[tuple[str, MetricPlan]]]]:
    """Metrics picked by one value each of the same column, per column (two or more, each
    value once; a second metric of a value is picked on its own): (column, [(value, plan)])."""
    by_column: dict[str, dict[str, MetricPlan]] = {}
    for plan in plans:
        keyed = keyed_value(plan)
        if keyed is not None:
            by_column.setdefault(keyed[0], {}).setdefault(keyed[1], plan)
    return [(c, sorted(v.items())) for c, v in sorted(by_column.items()) if len(v) > 1]


def with_empty_value(plan: MetricPlan, result: MetricSql) -> MetricSql:
    """The result with the type's empty value where it has none (a count of nothing is 0)."""
    empty = plan.type.empty_value(plan.metric)
    if empty is None:
        return result
    value = exp.Coalesce(this=result.value, expressions=[exp.Literal.number(empty)])
    return MetricSql(value=value, n=result.n, invalid=result.invalid, moe=result.moe)


class TwoLevel:
    """The two-level plan's part of sqlgen.Generator."""

    def two_level(self, scan: ScanPlan, number: int, rows: exp.Table, sets=None) -> list[exp.Select]:
        branches = []
        native = self.native(scan)
        chunks = scan.predicate_chunks()
        chunk_of = {index: c for c, chunk in enumerate(chunks) for index in chunk}
        tables = []
        for c, chunk in enumerate(chunks):
            suffix = f"_{c + 1}" if len(chunks) > 1 else ""
            first = self.cte(f"lvl1_{number}_{scan.source.id}{suffix}", self.first_level(scan, chunk, rows))
            table = first
            if sets is not None and native:  # grouped per set in the pivot
                table = self.cte(
                    f"lvl1x_{number}_{scan.source.id}{suffix}",
                    unexpanded(self.plan, first, scan.source, self.relations),
                )
            elif sets is not None:  # the first level once per set: small
                table = self.cte(
                    f"lvl1x_{number}_{scan.source.id}{suffix}",
                    expanded(self.plan, scan.source, first, sets, self.relations),
                )
            tables.append(table)
        by_formula: dict[tuple, list[MetricPlan]] = {}
        for plan in scan.measure_metrics:
            by_formula.setdefault(plan.formula_key, []).append(plan)
        for plans in by_formula.values():
            picked: list[exp.Select] = []
            merged: set[int] = set()
            for column, keyed in keyed_groups(plans):
                picked.append(
                    self.picked_by_value(scan, keyed, column, tables[0], named=not picked, native=native)
                )
                merged |= {id(plan) for _, plan in keyed}
            for plan in plans:
                if id(plan) not in merged:
                    table = tables[chunk_of.get(plan.predicate_index, 0)]
                    picked.append(self.picked_rows(scan, plan, table, named=not picked, native=native))
            branches.append(self.pivot_branch(scan, plans[0], picked, native=native, sets=sets))
        return branches

    def native(self, scan: ScanPlan) -> bool:
        return bool(self.plan.sets) and native_sets(self.plan, scan.source, self.dialect)

    def picked_groups(self, native: bool) -> list[exp.Column]:
        """The group columns a picked row carries: no `__set` where the pivot's GROUPING SETS
        make it (`native`: the scan's sets are the engine's, see `native`)."""
        if native:
            return [col(PERIOD), *[col(dim_column(d)) for d in self.plan.dimensions]]
        return self.group_columns()

    def first_level(self, scan: ScanPlan, chunk: list[int], rows: exp.Table) -> exp.Select:
        """GROUP BY period, dimensions, the filter columns and the 0/1 flags of the other
        filters, aggregating every measure once: the small table every pivot branch reads."""
        source = scan.source
        # With segments, the finest grain: every dimension the source has, raw.
        present = [d for d in self.plan.dimensions if source.dimension(d) is not None]
        groups = [col(PERIOD), *[col(self.row_dimension(d)) for d in present]]
        # A filter column that is also a dimension sliced by is that dimension's key again:
        # named after the column, not grouped twice (one GROUP BY key less over every row;
        # docs/design.md, "The compiled SQL"). Not a looked-up one: the column is the source's.
        # So is the looked-up value a filter names (plan.with_dimensions) of a dimension the
        # rows hold raw (with segments): named after its value's column.
        keyed = {}  # filter column → the dimension it is the key of
        for name in present:
            dimension = source.dimension(name)
            if not dimension.expr and not dimension.lookup:
                keyed[name] = name
            elif dimension.lookup and self.plan.sets:
                keyed[dimension_value(name)] = name
        again = [
            exp.alias_(col(self.row_dimension(keyed[name])), name, quoted=True, copy=False)
            for name in scan.group_columns
            if name in keyed
        ]
        groups += [col(name) for name in scan.group_columns if name not in keyed]
        flags = [case_when(scan.predicates[i].copy(), num(1), num(0)) for i in chunk]
        aggregates = [exp.alias_(exp.Count(this=exp.Star()), "__rows", quoted=True, copy=False)]
        centered = {}
        for index, measure in enumerate(scan.measures):
            if measure.agg == deviations.DEVIATIONS:
                centered[index] = value_of(measure, self.dialect)
                aggregates += deviations.cell_aggregates(index, centered[index], self.dialect)
                continue
            aggregates.append(
                exp.alias_(aggregate(measure, self.dialect), f"__m{index}", quoted=True, copy=False)
            )
        named_flags = [
            exp.alias_(f.copy(), f"__p{i}", quoted=True, copy=False)
            for i, f in zip(chunk, flags, strict=True)
        ]
        source_rows = rows.copy()
        if centered and deviations.windowed(self.dialect):  # each value's cell mean over a window
            partition = [*groups, *flags]
            inner = deviations.centered_rows(source_rows, centered, partition)
            source_rows = exp.alias_(exp.Subquery(this=inner), "r", table=True, copy=False)
        select = exp.select(*groups, *again, *named_flags, *aggregates).from_(source_rows, copy=False)
        return select.group_by(*[g.copy() for g in groups], *flags, copy=False)

    def picked_rows(
        self, scan: ScanPlan, plan: MetricPlan, table: exp.Table, *, named: bool, native: bool
    ) -> exp.Select:
        """The first-level rows of one metric (its filter on the small table), labelled with
        its id, with its measures under names local to the metric. Only the first of a UNION
        ALL names its columns (the others line up by position): less SQL to build and print."""
        conditions = []
        if plan.pivot_filter is not None:
            # Taken, not copied: a plan is rendered once, so nothing else uses this tree.
            conditions.append(plan.pivot_filter)
        if plan.predicate_index is not None:
            conditions.append(exp.EQ(this=col(f"__p{plan.predicate_index}"), expression=num(1)))
        matched = exp.and_(*conditions, copy=False) if conditions else None
        # A type with an empty value (counts: 0) keeps every group of the source, its
        # measures emptied where the filter does not match: periods without a match get 0.
        keep_all = matched is not None and plan.type.empty_value(plan.metric) is not None
        select = self.picked(
            scan, plan, text(plan.metric.id), table, named, matched if keep_all else None, native
        )
        return select.where(matched, copy=False) if matched is not None and not keep_all else select

    def picked_by_value(
        self,
        scan: ScanPlan,
        keyed: list[tuple[str, MetricPlan]],
        column: str,
        table: exp.Table,
        *,
        named: bool,
        native: bool,
    ) -> exp.Select:
        """The first-level rows of metrics picked by one value each of `column`, in one pass:
        labelled CASE column WHEN value THEN metric id …, where column IN (values)."""
        label = exp.Case(
            this=col(column),
            ifs=[exp.If(this=text(value), true=text(plan.metric.id)) for value, plan in keyed],
        )
        select = self.picked(scan, keyed[0][1], label, table, named, None, native)
        return select.where(exp.In(this=col(column), expressions=[text(v) for v, _ in keyed]), copy=False)

    def picked(
        self, scan: ScanPlan, plan: MetricPlan, label, table, named: bool, emptied, native: bool
    ) -> exp.Select:
        """metric, period, dimensions, the measures and __rows of first-level rows (NULL
        measures and 0 rows where `emptied` does not hold, when given)."""

        def named_as(value: exp.Expression, name: str) -> exp.Expression:
            return exp.alias_(value, name, quoted=True, copy=False) if named else value

        def measure(name: str) -> exp.Expression:
            value = col(name)
            return case_when(emptied.copy(), value) if emptied is not None else value

        measures = []
        for name in sorted(plan.measure_index):
            index = plan.measure_index[name]
            measures.append(named_as(measure(f"__m{index}"), f"__x_{name}"))
            if scan.measures[index].agg == deviations.DEVIATIONS:
                measures += [
                    named_as(measure(f"__m{index}_{part}"), f"__x_{name}_{part}")
                    for part in deviations.parts(self.dialect)
                ]
        columns = [
            named_as(label, "metric"),
            *self.picked_groups(native),
            *measures,
            named_as(case_when(emptied.copy(), col("__rows"), num(0)), "__rows")
            if emptied is not None
            else col("__rows"),
        ]
        return exp.select(*columns).from_(clone(table), copy=False)

    def pivot_branch(
        self, scan: ScanPlan, plan: MetricPlan, picked: list[exp.Select], *, native: bool, sets=None
    ) -> exp.Select:
        """Metrics that share one formula (the same type and fields, other filters): their
        picked rows together, each measure aggregated once per metric and group, the formulas
        written once over those columns. `plan` is any one of them."""
        union = picked[0]
        for select in picked[1:]:
            union = exp.union(union, select, distinct=False, copy=False)
        names = sorted(plan.measure_index)
        if (
            native
            and sets is not None
            and any(scan.measures[plan.measure_index[name]].agg == deviations.DEVIATIONS for name in names)
        ):
            # A measure needing each set's own mean (deviations.py): not GROUPING SETS, but one
            # cell per finest group, joined with the sets.
            aggs = [scan.measures[plan.measure_index[name]].agg for name in names]
            combine = [
                (name, None if agg == deviations.DEVIATIONS else COMBINE[agg])
                for name, agg in zip(names, aggs, strict=True)
            ]
            dimensions = [dim_column(d) for d in self.plan.dimensions]
            union = deviations.per_set(union, combine, dimensions, sets, self.dialect)
            native = False
        keys = [col("metric"), *self.group_columns()]
        aggregates = []
        centered = []
        for name in sorted(plan.measure_index):
            measure = scan.measures[plan.measure_index[name]]
            if measure.agg == deviations.DEVIATIONS:
                centered.append(name)
                aggregate_ = deviations.group_deviations(name, self.dialect)
                aggregates.append(exp.alias_(aggregate_, f"__a_{name}", quoted=True, copy=False))
                continue
            function = COMBINE[measure.agg]
            aggregate_ = function(this=col(f"__x_{name}"))
            if measure.agg == "sum":  # every measure NULL in a group: a count of 0
                aggregate_ = exp.Coalesce(this=aggregate_, expressions=[num(0)])
            aggregates.append(exp.alias_(aggregate_, f"__a_{name}", quoted=True, copy=False))
        aggregates.append(exp.alias_(exp.Sum(this=col("__rows")), "__rows", quoted=True, copy=False))
        groups = [k.copy() for k in keys]
        if native:  # GROUPING SETS: `__set` from GROUPING(), not a grouped column
            sets, set_value = grouping_sets(self.plan, scan.source)
            keys = [*keys[:-1], set_value]
            groups = [col("metric"), col(PERIOD), sets]
        cells = union
        if centered:  # each group's reference, over a window of its cells (deviations.py)
            cells = deviations.with_references(union, centered, keys, self.dialect)
        inner = (
            exp.select(*keys, *aggregates)
            .from_(exp.alias_(exp.Subquery(this=cells), "p", table=True, copy=False), copy=False)
            .group_by(*groups, copy=False)
        )
        access = MeasureAccess(lambda name: col(f"__a_{name}"), col("__rows"))
        result = with_empty_value(plan, plan.type.result(plan.metric, access, self.context(scan)))
        # Groups are there only where a metric's filter matched a row (the WHEREs above), or,
        # for types with an empty value (counts), wherever the source has rows.
        return self.result_select(
            col("metric"),
            result,
            exp.alias_(exp.Subquery(this=inner), "a", table=True, copy=False),
            grouped=False,
        )
