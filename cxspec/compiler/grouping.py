"""Segments in the SQL: the total and every segment from one read of each source.

The rows are read once and aggregated once at the finest grain (every segment dimension
kept, raw, as `__raw_<name>`); the small first-level table is then joined with one row per
grouping set (`sets_*`), each naming the set's bitmask (`__set`: bit i for the plan's i-th
dimension) and whether each dimension is kept (`__in<i>`). A dimension outside a set is NULL
there, so a NULL region inside the region set (a real group) is never confused with the total:
`__set` tells them apart. Metrics that need the rows (percentiles, spines) join the rows with
the sets the same way. This works alike on every engine and costs one aggregation pass over the
rows whatever the number of segments. On an engine with GROUPING SETS (not SQLite) the
measures' second level groups the first level per set itself instead of the join (fewer rows
to sum: `native_sets`, `grouping_sets`), `__set` computed from GROUPING()."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify_columns import qualify_columns
from sqlglot.schema import MappingSchema

from cxspec.compiler import dialects
from cxspec.compiler.plan import quoted_fragment
from cxspec.compiler.sqlkit import case_when, col, num, numeric_kind

PERIOD = "__period"
#: A spine source's end time in its rows, when ends after the as-of instant are emptied.
END = "__end"
#: The grouping set of a result row: a bitmask over the plan's dimensions (0: the total).
SET = "__set"


def dim_column(name: str) -> str:
    return f"__dim_{name}"


def raw_column(name: str) -> str:
    """A segment dimension's value in the rows and the first level, before any set masks it."""
    return f"__raw_{name}"


def set_mask(dimensions: tuple[str, ...], names) -> int:
    return sum(1 << dimensions.index(name) for name in names)


def scan_sets(plan, source) -> list[tuple[str, ...]]:
    """The grouping sets of a plan that a source can give: those whose every dimension it
    declares (a metric of a source without `channel` has no [region, channel] rows)."""
    return [s for s in plan.sets if all(source.dimension(name) is not None for name in s)]


def sets_table(plan, source) -> exp.Select:
    """One row per grouping set of the source: `__set` and an `__in<i>` flag per dimension."""
    query = None
    for names in scan_sets(plan, source):
        row = exp.select(
            exp.alias_(num(set_mask(plan.dimensions, names)), SET, quoted=True, copy=False),
            *[
                exp.alias_(num(int(d in names)), f"__in{i}", quoted=True, copy=False)
                for i, d in enumerate(plan.dimensions)
            ],
        )
        query = row if query is None else exp.union(query, row, distinct=False, copy=False)
    return query


def _kind(relations, source, name: str) -> str | None:
    """The kind of a segment dimension: "boolean", "date", "float:<dialect>",
    "timestamp:<dialect>:<type>" or None (text as the engine casts it). An `expr`'s kind is its
    type, from its columns'."""
    dimension = source.dimension(name) if relations is not None else None
    if dimension is None:
        return None
    if dimension.expr:
        column_type = _expression_type(relations, source, dimension.expr)
        if column_type.startswith("TIMESTAMP"):
            return None  # an expression's time: as the engine casts it
    else:
        if dimension.lookup:
            source, name = relations.project.sources[dimension.lookup], dimension.lookup_column
        column_type = (relations.column_type(source, name) or "").upper()
    if column_type in ("BOOLEAN", "BOOL"):
        return "boolean"
    if column_type == "DATE":  # YYYY-MM-DD on every engine (a date object is no JSON)
        return "date"
    if column_type.startswith("TIMESTAMP"):  # text of a UTC time, as SQLite, DuckDB, PostgreSQL differ
        return f"timestamp:{relations.dialect}:{column_type}"
    return f"float:{relations.dialect}" if numeric_kind(column_type) == "float" else None


def _expression_type(relations, source, text: str) -> str:
    """The type of a dimension's `expr` over the source's columns of known type, by sqlglot's
    type inference ("" when unknown). A division is exact on every engine: a number."""
    resolved = relations.sources.get(source.id)
    types = dict(resolved.column_types) if resolved is not None else {}
    try:
        fragment = quoted_fragment(text, relations.project.config.dialect)
        schema = MappingSchema({"__t": types}, dialect=relations.dialect)
        query = exp.select(fragment).from_("__t")
        annotated = annotate_types(qualify_columns(query, schema), schema=schema)
    except Exception:  # noqa: BLE001 - a type it cannot infer is unknown: the engine's cast
        return ""
    found = annotated.selects[0].type
    if found is None or found.this == exp.DataType.Type.UNKNOWN:
        return ""
    if found.is_type(*exp.DataType.INTEGER_TYPES) and fragment.find(exp.Div) is not None:
        return "DOUBLE"
    return found.sql(dialect="duckdb").upper()


def segment_text(value: exp.Expression, kind: str | None) -> exp.Expression:
    """A segment value as text alike on every engine: `true`/`false` (SQLite's 1/0), a whole
    number without `.0` (PostgreSQL writes 2, DuckDB and SQLite 2.0), a time as
    `YYYY-MM-DD HH:MM:SS` in UTC (each engine wrote its own), else the engine's cast."""
    if kind == "boolean":
        return exp.Case(
            ifs=[
                exp.If(this=value.copy(), true=exp.Literal.string("true")),
                exp.If(this=exp.Not(this=value.copy()), true=exp.Literal.string("false")),
            ]
        )
    if kind and kind.startswith("timestamp:"):
        _, dialect, column_type = kind.split(":", 2)
        utc = dialects.utc_timestamp(value.copy(), dialect, column_type)
        return exp.TimeToStr(this=utc, format=exp.Literal.string("%Y-%m-%d %H:%M:%S"))
    if kind and kind.startswith("float:"):
        whole = exp.and_(
            exp.EQ(this=value.copy(), expression=exp.Floor(this=value.copy())),
            exp.LT(this=exp.Abs(this=value.copy()), expression=num(10**15)),
        )
        return exp.Case(
            ifs=[exp.If(this=whole, true=exp.cast(exp.cast(value.copy(), "BIGINT"), "VARCHAR"))],
            default=_fraction_text(value.copy(), kind.split(":", 1)[1]),
        )
    return exp.cast(value, "VARCHAR")


def _fraction_text(value: exp.Expression, dialect: str) -> exp.Expression:
    """A number with a fraction as text with 15 significant digits, as SQLite casts it (it
    keeps no more): DuckDB and PostgreSQL cast 17 (3.1666666666666665 for 19/6, where SQLite
    wrote 3.16666666666667: two segments for one value). PostgreSQL's NUMERIC keeps 15 too,
    but writes no exponent (0.00001, 1e-05 elsewhere)."""
    if dialect in ("duckdb", "sqlite"):  # SQLite's PRINTF writes NULL as 0
        written = exp.Anonymous(this="PRINTF", expressions=[exp.Literal.string("%.15g"), value.copy()])
        return case_when(exp.Not(this=exp.Is(this=value, expression=exp.Null())), written)
    if dialect == "postgres":
        return exp.cast(exp.cast(value, "DECIMAL"), "VARCHAR")
    return exp.cast(value, "VARCHAR")


def as_segment_text(value: exp.Expression, relations, source, name: str) -> exp.Expression:
    """A segment dimension's value as segments store it (`segment_text` by its kind): what a
    drivers analysis per segment groups by (drivers/moments.py)."""
    return segment_text(value, _kind(relations, source, name))


def by_text(value: exp.Expression, relations, source, name: str) -> exp.Expression | None:
    """A `--by` dimension's value as segment_text makes it (one text per value on every engine),
    or None for a dimension the engines already return alike (text, a whole-number type)."""
    kind = _kind(relations, source, name)
    return None if kind is None else segment_text(value, kind)


def expanded(plan, source, table: exp.Table, sets: exp.Table, relations=None) -> exp.Select:
    """`table` (rows or a first level) once per grouping set: each dimension as text where the
    set keeps it, NULL elsewhere, and the set's `__set`."""
    columns = []
    for i, name in enumerate(plan.dimensions):
        if source.dimension(name) is None:
            value = exp.cast(exp.Null(), "VARCHAR")
        else:
            kept = exp.EQ(this=col(f"__in{i}", "g"), expression=num(1))
            value = case_when(kept, segment_text(col(raw_column(name), "t"), _kind(relations, source, name)))
        columns.append(exp.alias_(value, dim_column(name), quoted=True, copy=False))
    return (
        exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("t")), *columns, col(SET, "g"))
        .from_(exp.alias_(table.copy(), "t", table=True, copy=False), copy=False)
        .join(exp.alias_(sets.copy(), "g", table=True, copy=False), join_type="cross", copy=False)
    )


#: Engines whose GROUP BY has GROUPING SETS and GROUPING(): the measures' second level groups
#: the first level once per set itself, instead of a join with `sets_*` (SQLite has neither).
NATIVE_SETS = ("duckdb", "postgres", "spark", "databricks")


def native_sets(plan, source, dialect: str) -> bool:
    """Whether the measures of `source` are grouped per set with GROUPING SETS: on an engine
    that has them, when the source declares every dimension of the plan."""
    return dialect in NATIVE_SETS and all(source.dimension(d) is not None for d in plan.dimensions)


def unexpanded(plan, table: exp.Table, source=None, relations=None) -> exp.Select:
    """`table` (a first level) with each dimension as text, for a GROUPING SETS second level."""
    columns = [
        exp.alias_(
            segment_text(col(raw_column(name), "t"), _kind(relations, source, name)),
            dim_column(name),
            quoted=True,
            copy=False,
        )
        for name in plan.dimensions
    ]
    return exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("t")), *columns).from_(
        exp.alias_(table.copy(), "t", table=True, copy=False), copy=False
    )


def grouping_sets(plan, source) -> tuple[exp.GroupingSets, exp.Expression]:
    """The GROUPING SETS of the plan's sets over the `__dim_*` columns, and `__set` from
    GROUPING(): bit i where the i-th dimension is kept (0 for the total)."""
    sets = [
        exp.Tuple(expressions=[col(dim_column(d)) for d in plan.dimensions if d in names])
        for names in scan_sets(plan, source)
    ]
    value: exp.Expression = num(0)
    for i, name in enumerate(plan.dimensions):
        kept = exp.Sub(
            this=num(1), expression=exp.Anonymous(this="GROUPING", expressions=[col(dim_column(name))])
        )
        value = exp.Add(this=value, expression=exp.Mul(this=num(1 << i), expression=exp.Paren(this=kept)))
    return exp.GroupingSets(expressions=sets), exp.alias_(value, SET, quoted=True, copy=False)
