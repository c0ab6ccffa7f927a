"""The one scan of a drivers analysis: per hash bucket of the key (and period and
dimensions when asked), the count, sums, squares and cross-products of the outcome and every
driver over the complete cases. Python does the algebra on these few numbers (algebra.py).

Lookup dimensions (`--by` one, or the analysis's `filter` or a driver's `expr` naming one) are
joined as metrics join them (compiler/lookups.py): each looked-up source's latest row per
entity, LEFT-joined on entity, so a response whose entity has none is in the NULL group. The
`filter` and `expr`s read the source's lookup and expression dimensions by name, as metric
filters do (compiler/plan.py with_dimensions).

Buckets: rows are spread over BUCKETS groups by the source's `key` (else its `entity`), so
that a delete-a-group jackknife gives intervals from the same scan. An integer column goes
by its value (MOD, the same groups on every engine); any other by its rank in sort order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlglot import exp

from cxspec.compiler import dialects
from cxspec.compiler.grouping import as_segment_text
from cxspec.compiler.lookups import Lookups
from cxspec.compiler.plan import dimension_value, quoted_fragment, source_fragment, with_dimensions
from cxspec.compiler.sqlkit import INTEGER_RANGES, byte_order, col, double, num, numeric_kind
from cxspec.compiler.time_constants import canonical_times
from cxspec.drivers.rows import as_number, day_bounds, deduplicated, event_time, is_boolean_type

#: Groups of the delete-a-group jackknife.
BUCKETS = 20
#: Integer types: their values spread rows over buckets by MOD.
INTEGER_TYPES = ("BIGINT", "INTEGER", "INT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER")
#: Integer types that do not reach numpy as integers (Arrow gives them as decimals).
_HUGE = ("HUGEINT", "UHUGEINT")
#: The narrowest integer type, for a variable whose values lie within 0-255 (a yes/no's 1/0).
_NARROW = exp.DataType(this=exp.DataType.Type.UTINYINT, nested=False)


@dataclass
class MomentsQuery:
    sql: str
    #: Variable names in order: the outcome first, then each driver.
    variables: list[str]
    dimensions: list[str] = field(default_factory=list)
    has_period: bool = False
    has_buckets: bool = True
    #: The complete cases themselves, one row each: `__v0`… and the group columns (`keys`).
    #: DuckDB sums their moments in numpy instead (arrays.py). On DuckDB a variable of an
    #: integer column comes as UTINYINT when its scale lies within 0-255 (a yes/no: always),
    #: as its own integer type otherwise; any other as DOUBLE (`cases_types`).
    cases_sql: str = ""
    #: Per variable, the type `cases_sql` gives it: "UTINYINT", an integer type, or "DOUBLE".
    cases_types: list[str] = field(default_factory=list)
    #: The group columns of `sql`, in its GROUP BY order: `__bucket`, `__period`, `__dim_…`.
    keys: list[str] = field(default_factory=list)
    #: Per variable, what its summed values are less (build's `shift`), or None.
    shift: list[float] | None = None
    #: Rows whose value of a variable with a scale is present and off it, with the least and
    #: the greatest of those values: (count, min, max) per such variable, in `off_scale_of`
    #: order (one row; None without a scale). Such rows are no complete cases (compute.py
    #: counts them: CX609, never silently).
    off_scale_sql: str | None = None
    off_scale_of: list[int] = field(default_factory=list)
    #: The least and greatest value of each variable of `off_scale_of` over all the source's
    #: rows (`__lo…`, `__hi…`: a superset of the analysis's), when every one is a plain column
    #: of a number type, else None. When all lie on their scales there is nothing off one to
    #: count; DuckDB answers it from a Parquet file's statistics without reading the rows.
    scale_bounds_sql: str | None = None


def _v(i: int) -> str:
    return f"__v{i}"


def bucket_expression(source, resolution, dialect: str) -> exp.Expression | None:
    column = source.key or source.entity
    if not column:
        return None
    column_type = (resolution.column_type(source, column) or "").upper()
    if column_type.startswith(INTEGER_TYPES):
        value = exp.Abs(this=col(column))
    else:
        # byte order, as the other engines sort text: a database that sorts by language
        # rules ('a' < 'B') put rows in other buckets, and gave other intervals
        key = byte_order(col(column), column_type, dialect)
        value = exp.Window(
            this=exp.Anonymous(this="DENSE_RANK", expressions=[]),
            order=exp.Order(expressions=[exp.Ordered(this=key, nulls_first=True)]),
        )
    return exp.Mod(this=value, expression=num(BUCKETS))


def analysis_fragment(text: str, source, resolution, fragment_dialect: str, used: dict) -> exp.Expression:
    """The analysis's `filter` or a driver's `expr` over the source's rows, read as a metric's
    filter reads it: a name of a lookup or expression dimension is the dimension's value (the
    lookup dimensions named are added to `used`), its time constants as the warehouse compares
    them."""
    resolved = resolution.sources.get(source.id)
    types = resolved.column_types if resolved is not None else {}
    tree = with_dimensions(quoted_fragment(text, fragment_dialect), source, used, fragment_dialect)
    return canonical_times(tree, types, resolution.dialect)


def looked_up(analysis, source, by=()) -> list:
    """The lookup dimensions of `source` that the analysis reads: its `filter` and drivers'
    `expr`s name them, or `by` splits by them (in order of first use)."""
    from cxspec.compiler.plan import fragment_dimension
    from cxspec.fragment_facts import referenced_names

    names = []
    texts = [analysis.filter] + [d.expr for d in analysis.drivers]
    for text in (t for t in texts if isinstance(t, str)):
        names += [fragment_dimension(source, n) for n in referenced_names(text, analysis.dialect)]
    names += [source.dimension(name) for name in by]
    found = {d.name: d for d in names if d is not None and d.lookup}
    return list(found.values())


def _joined(rows: exp.Select, source, resolution, dialect: str, dimensions: list, until) -> exp.Select:
    """`rows` with each lookup dimension's value as the column `dimension_value(name)`: the
    looked-up sources' latest rows per entity LEFT-joined on entity, as for metrics (a row
    dated after `until` is not read)."""
    lookups = Lookups(resolution, dialect, dimensions, until)
    values = [exp.alias_(lookups.value(d), dimension_value(d.name), quoted=True) for d in lookups.dimensions]
    joined = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("r")), *values).from_(
        exp.alias_(exp.Subquery(this=rows), "r", table=True), copy=False
    )
    joined = lookups.joined(joined, col(source.entity, "r"), source)
    return exp.select("*").from_(exp.alias_(exp.Subquery(this=joined), "j", table=True), copy=False)


def build(
    analysis,
    source,
    resolution,
    dialect: str,
    *,
    grain=None,
    by=(),
    start=None,
    end=None,
    numbers=None,
    shift=None,
    until=None,
    segment_text=False,
) -> MomentsQuery:
    """`numbers`: text columns → the companion column of their values that are numbers
    (compute.py), read instead: the other values are NULL. `shift`: per variable, a number
    subtracted from its complete cases (after the scale checks) so that the sums of squares
    keep the digits of a small spread around a large mean (algebra.rebased). `segment_text`:
    the `by` dimensions' values as text, as segments store them (compiler/grouping.py)."""
    fragment_dialect = analysis.dialect
    numbers = numbers or {}

    def column(name: str) -> exp.Expression:
        if name in numbers:
            return col(numbers[name])
        return as_number(col(name), resolution.column_type(source, name))

    used: dict[str, None] = {}  # the lookup dimensions the fragments name

    def fragment(text: str) -> exp.Expression:
        return analysis_fragment(text, source, resolution, fragment_dialect, used)

    values = [(column(analysis.outcome), analysis.outcome_scale)] + [
        (exp.Paren(this=fragment(d.expr)) if d.expr else column(d.column), d.scale) for d in analysis.drivers
    ]
    types = [
        None if name in numbers else resolution.column_type(source, name)
        for name in [analysis.outcome] + [d.column for d in analysis.drivers]
    ]
    rows = deduplicated(source, resolution, fragment_dialect, until, dialect)  # as of `until`
    condition = fragment(analysis.filter) if analysis.filter else None
    lookups = looked_up(analysis, source, by)
    if lookups:
        rows = _joined(rows, source, resolution, dialect, lookups, until)
    if condition is not None:
        rows = rows.where(condition, copy=False)
    names = [analysis.outcome] + [d.name for d in analysis.drivers]
    columns = [exp.alias_(double(value), _v(i), quoted=True) for i, (value, _) in enumerate(values)]
    complete = []
    for i, (_, scale) in enumerate(values):
        complete.append(exp.Not(this=exp.Is(this=col(_v(i)), expression=exp.Null())))
        if scale:
            complete.append(exp.Between(this=col(_v(i)), low=num(scale[0]), high=num(scale[1])))
    bucket = bucket_expression(source, resolution, dialect)
    if bucket is not None:
        columns.append(exp.alias_(bucket, "__bucket", quoted=True))
    group = []
    if grain and source.time:
        period = dialects.period_start(event_time(source, source.time, resolution, dialect), grain, dialect)
        columns.append(exp.alias_(period, "__period", quoted=True))
        group.append("__period")
    for name in by:
        dimension = source.dimension(name)
        if dimension.lookup:
            value = col(dimension_value(name))
        elif dimension.expr:
            value = source_fragment(dimension.expr, fragment_dialect, source, resolution)
        else:
            value = col(dimension.name)
        if segment_text:
            value = as_segment_text(value, resolution, source, name)
        columns.append(exp.alias_(value, f"__dim_{name}", quoted=True))
        group.append(f"__dim_{name}")
    if source.time and (start or end):
        rows = rows.where(
            exp.and_(*day_bounds(event_time(source, source.time, resolution, dialect), start, end, dialect)),
            copy=False,
        )
    off_scale_of = [i for i, (_, scale) in enumerate(values) if scale]
    off_scale = None
    if off_scale_of:
        off_scale = _off_scale(columns[: len(values)], rows.copy(), values, off_scale_of)
    cases = _cases(columns, rows.copy(), complete)
    cases_types = ["DOUBLE"] * len(values)
    fetched = cases
    if dialect == "duckdb":
        cases_types = [_fetched_type(t, scale) for t, (_, scale) in zip(types, values, strict=True)]
        cases_types = [kind if not (shift and shift[i]) else "DOUBLE" for i, kind in enumerate(cases_types)]
        narrow = [
            exp.alias_(_as(cases_types[i], value.copy()), _v(i), quoted=True)
            for i, (value, _) in enumerate(values)
        ]
        groups = [c.copy() for c in columns[len(values) :]]
        if bucket is not None:  # 0-19 (or NULL): one byte a row instead of eight
            groups[0] = exp.alias_(exp.Cast(this=groups[0].this, to=_NARROW.copy()), "__bucket", quoted=True)
        fetched = _cases(narrow + groups, rows, _complete(values, cases_types))
    keys = (["__bucket"] if bucket is not None else []) + group
    if shift and any(shift):
        cases, fetched = _shifted(cases, shift, keys), _shifted(fetched.copy(), shift, keys)
    aggregates = [exp.alias_(exp.Count(this=exp.Star()), "__n", quoted=True)]
    p = len(values)
    for i in range(p):
        aggregates.append(exp.alias_(exp.Sum(this=col(_v(i))), f"__s{i}", quoted=True))
    for i in range(p):
        for j in range(i, p):
            aggregates.append(
                exp.alias_(
                    exp.Sum(this=exp.Mul(this=col(_v(i)), expression=col(_v(j)))), f"__c{i}_{j}", quoted=True
                )
            )
    query = exp.select(*[col(k) for k in keys], *aggregates).from_(
        exp.alias_(exp.Subquery(this=cases.copy()), "k", table=True), copy=False
    )
    if keys:
        query = query.group_by(*[col(k) for k in keys], copy=False)
    return MomentsQuery(
        sql=query.sql(dialect=dialect),
        variables=names,
        dimensions=list(by),
        has_period="__period" in group,
        has_buckets=bucket is not None,
        cases_sql=fetched.sql(dialect=dialect),
        cases_types=cases_types,
        keys=keys,
        shift=list(shift) if shift and any(shift) else None,
        off_scale_sql=off_scale.sql(dialect=dialect) if off_scale is not None else None,
        off_scale_of=off_scale_of,
        scale_bounds_sql=_scale_bounds(analysis, source, resolution, numbers, off_scale_of, dialect),
    )


def _scale_bounds(analysis, source, resolution, numbers: dict, which: list[int], dialect: str) -> str | None:
    """The query of MomentsQuery.scale_bounds_sql, or None."""
    names = [analysis.outcome] + [None if d.expr else d.column for d in analysis.drivers]
    items = []
    for i in which:
        name = names[i]
        if name is None or name in numbers:
            return None  # an expression, or a text column's numbers: only the analysis's rows tell
        if numeric_kind((resolution.column_type(source, name) or "").upper()) is None:
            return None  # a yes/no (1/0 only after as_number), text or an unknown type
        items += [
            exp.alias_(exp.Min(this=col(name)), f"__lo{i}", quoted=True),
            exp.alias_(exp.Max(this=col(name)), f"__hi{i}", quoted=True),
        ]
    if not items:
        return None
    rows = resolution.relation(source)
    if not isinstance(rows, exp.Table):
        rows = exp.alias_(rows, "s", table=True)
    return exp.select(*items).from_(rows, copy=False).sql(dialect=dialect)


def _off_scale(columns, rows, values, which: list[int]) -> exp.Select:
    """One row: per variable of `which` (those with a scale), how many of the analysis's rows
    hold a value off it, and the least and greatest such value."""
    measured = exp.select(*columns).from_(exp.alias_(exp.Subquery(this=rows), "r", table=True), copy=False)
    items = []
    for i in which:
        low, high = values[i][1]
        off = exp.Not(this=exp.Between(this=col(_v(i)), low=num(low), high=num(high)))
        value = exp.Case(ifs=[exp.If(this=off, true=col(_v(i)))])  # NULL stays NULL: not off
        items += [
            exp.alias_(exp.Count(this=value.copy()), f"__o{i}", quoted=True),
            exp.alias_(exp.Min(this=value.copy()), f"__lo{i}", quoted=True),
            exp.alias_(exp.Max(this=value), f"__hi{i}", quoted=True),
        ]
    return exp.select(*items).from_(exp.alias_(exp.Subquery(this=measured), "m", table=True), copy=False)


def _cases(columns, rows, complete) -> exp.Select:
    values = exp.select(*columns).from_(exp.alias_(exp.Subquery(this=rows), "r", table=True), copy=False)
    cases = exp.select("*").from_(exp.alias_(exp.Subquery(this=values), "c", table=True), copy=False)
    return cases.where(exp.and_(*complete), copy=False)


def _shifted(cases: exp.Select, shift, keys: list[str]) -> exp.Select:
    items = [
        exp.alias_(exp.Sub(this=col(_v(i)), expression=double(num(repr(float(c))))), _v(i), quoted=True)
        if c
        else col(_v(i))
        for i, c in enumerate(shift)
    ]
    return exp.select(*items, *[col(k) for k in keys]).from_(
        exp.alias_(exp.Subquery(this=cases), "z", table=True), copy=False
    )


def _fetched_type(column_type: str | None, scale) -> str:
    """How the complete cases hand a variable over on DuckDB: exactly, as narrow as its values
    allow. Only a column of integer type (known from the warehouse) or a yes/no (1/0) goes as
    an integer: a cast never rounds a value (2.5 on a 1-5 scale of a DOUBLE column stays 2.5)."""
    if is_boolean_type(column_type):
        return "UTINYINT"
    kind = (column_type or "").upper()
    if kind not in INTEGER_RANGES or kind in _HUGE:
        return "DOUBLE"  # expressions (type unknown), text with numbers, DOUBLE, DECIMAL…
    low, high = INTEGER_RANGES[kind]
    if scale:
        low, high = max(low, scale[0]), min(high, scale[1])
    if low >= 0 and high <= 255:
        return "UTINYINT"  # values off the scale, which the cast makes NULL, are left out anyway
    return kind


def _complete(values, types: list[str]) -> list[exp.Expression]:
    """The complete cases' condition for the values as `types` give them: a scale alone (it
    leaves NULL out too: one test a value, not two), with whole bounds for integers (1.5-4.5
    is 2-4): no comparison by decimals."""
    complete = []
    for i, ((_, scale), kind) in enumerate(zip(values, types, strict=True)):
        if not scale:
            complete.append(exp.Not(this=exp.Is(this=col(_v(i)), expression=exp.Null())))
        elif kind == "DOUBLE":
            complete.append(exp.Between(this=col(_v(i)), low=num(scale[0]), high=num(scale[1])))
        else:
            low = math.ceil(scale[0]) if math.isfinite(scale[0]) else scale[0]
            high = math.floor(scale[1]) if math.isfinite(scale[1]) else scale[1]
            complete.append(exp.Between(this=col(_v(i)), low=num(low), high=num(high)))
    return complete


def _as(kind: str, value: exp.Expression) -> exp.Expression:
    if kind == "DOUBLE":
        return double(value)
    if kind == "UTINYINT":
        return exp.TryCast(this=value, to=_NARROW.copy())
    return value
