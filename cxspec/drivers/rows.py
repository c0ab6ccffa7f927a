"""A source's rows after its filter and de-duplication, as one sqlglot subquery: what a
drivers analysis and a link read (the same order of work as metrics: docs/spec-reference.md)."""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from cxspec.compiler import dialects
from cxspec.compiler.plan import source_fragment
from cxspec.compiler.sqlkit import col, num, sqlite_text_kind, text

#: Column type names (upper case, as warehouses describe them) that hold text, not numbers.
TEXT_TYPES = ("VARCHAR", "TEXT", "STRING", "CHAR", "BOOLEAN", "BOOL", "DATE", "TIMESTAMP", "UUID", "BLOB")


def is_text_type(column_type: str | None) -> bool:
    return bool(column_type) and column_type.upper().split("(")[0].strip().startswith(TEXT_TYPES)


def is_boolean_type(column_type: str | None) -> bool:
    return bool(column_type) and column_type.upper().split("(")[0].strip() in ("BOOLEAN", "BOOL")


def as_number(value: exp.Expression, column_type: str | None) -> exp.Expression:
    """A column as a number: a boolean one (yes/no read as BOOLEAN by some engines) as 1/0,
    the same on every engine (SQLite keeps 1/0, the others true/false)."""
    if not is_boolean_type(column_type):
        return value
    return exp.Case(
        ifs=[
            exp.If(this=value.copy(), true=num(1)),
            exp.If(this=exp.Not(this=value.copy()), true=num(0)),
        ]
    )


#: Dialects whose TRY_CAST (BigQuery: SAFE_CAST) lets one query find text in a column of unknown type.
TRY_CAST_DIALECTS = ("spark", "databricks", "duckdb", "bigquery", "trino", "presto")


def number_companions(resolution, source, text) -> dict[str, str]:
    """Of `text` columns of a typed CSV file, those that hold some numbers → the companion
    column of those numbers (column_types.py): the rest reads as NULL, as metrics count it
    invalid. Drivers and links read such a column through it."""
    resolved = resolution.sources.get(source.id)
    companions = resolved.numbers if resolved is not None else {}
    return {column: companions[column] for column in text if companions.get(column)}


def not_numbers(warehouse, resolution, source, fragment_dialect: str, companions: dict, until=None) -> dict:
    """Of columns read through their numbers (`number_companions`: column → companion), how
    many of the source's rows (after its filter and de-duplication) hold a value that is not
    a number, and the most frequent such values: column → (rows, [(value, rows), …] up to 3),
    so that CX608 counts what it leaves out instead of only saying that it does."""
    found = {}
    rows = exp.alias_(
        exp.Subquery(this=deduplicated(source, resolution, fragment_dialect, until, warehouse.dialect)),
        "s",
        table=True,
    )
    for column, companion in sorted(companions.items()):
        left_out = exp.and_(
            exp.Not(this=exp.Is(this=col(column), expression=exp.Null())),
            exp.Is(this=col(companion), expression=exp.Null()),
        )
        count = exp.Count(this=exp.Star())
        query = (
            exp.select(
                exp.alias_(col(column), "__v", quoted=True),
                exp.alias_(count, "__n", quoted=True),
                exp.alias_(exp.Window(this=exp.Sum(this=count.copy())), "__all", quoted=True),
            )
            .from_(rows.copy(), copy=False)
            .where(left_out, copy=False)
            .group_by(col(column), copy=False)
            .order_by(exp.Ordered(this=col("__n"), desc=True), col("__v"), copy=False)
            .limit(3, copy=False)
        )
        _, result = warehouse.execute(query.sql(dialect=warehouse.dialect))
        if result:
            found[column] = (int(result[0][2]), [(str(v), int(n)) for v, n, _ in result])
    return found


def counted_text(found) -> str:
    """' (29 rows: 'N/A' 15, "Don't know" 14)' of a `not_numbers` entry; '' without one."""
    if not found:
        return ""
    rows, values = found
    listed = ", ".join(f"{v!r} {n:,}" for v, n in values)
    return f" ({rows:,} row{'s' if rows != 1 else ''}: {listed}{', …' if len(values) == 3 else ''})"


#: How a column that is no `expr` (an outcome, a link's score or value) gets numbers.
NO_EXPR = "clean its values (yes/no as 1/0, 'Don't know' left empty), or read it through a `type: sql` source"


def text_hint(resolution, source, column: str, expr: bool = True) -> str:
    """The hint of CX603, true of where the column comes from: a CSV file's text column (cxspec
    types CSV files and reads the numbers among their text) holds no number at all, or no value
    at all; a text column of a table, a Parquet file or a query is text to the warehouse,
    numbers or not. `expr`: whether the column could be a driver's `expr` instead; an outcome
    and a link's score or value are columns only (NO_EXPR)."""
    turn = "turn its values into numbers in an `expr`" if expr else NO_EXPR
    resolved = resolution.sources.get(source.id)
    if resolved is not None and column in resolved.empty:  # no value to type it by
        return (
            "it is empty in every row, so it is read as text and there is nothing to analyse: if numbers "
            f"are to come, declare its type (`columns: {{{column}: number}}` on source {source.id!r})"
        )
    if resolved is not None and column in resolved.blank:  # spaces in every cell: no number, but not text
        return (
            "its cells are all blank (spaces only, not empty fields), so there is nothing to analyse: "
            "empty them in the export, and if numbers are to come declare its type "
            f"(`columns: {{{column}: number}}` on source {source.id!r})"
        )
    if resolved is not None and column in resolved.numbers:
        return f"it holds no number at all: pick a numeric column, or {turn}"
    return (
        "the warehouse types the column as text, and cxspec reads the numbers among text values only "
        f"in CSV files: store it as numbers, or {turn}"
    )


def missing_columns(sink, resolution, source, named) -> bool:
    """CX404 for each (column, what, location[, dimensions]) of `named` that the source's rows
    lack, where their columns are known (a file's): a misspelt driver or score column was the
    engine's "column not found", quoting its SQL. `dimensions`: the names of dimensions a
    fragment could have meant instead (it reads them too). Whether any is missing."""
    from cxspec.suggest import did_you_mean_name, known_list

    known = list(resolution.sources[source.id].column_types)
    lower = {name.lower() for name in known}
    found = False
    for name, what, where, *more in named if known else ():
        if isinstance(name, str) and name.lower() not in lower:
            found = True
            dimensions = list(more[0]) if more else []
            kind = "neither a column nor a dimension" if more else "not a column"
            names = known + dimensions
            sink.add(
                "CX404",
                f"{what} names {name!r}, which is {kind} of source {source.id!r}",
                where,
                hint=did_you_mean_name(name, names)
                or f"its {'columns and dimensions' if more else 'columns'}: {known_list(names)}",
                span=len(name),
            )
    return found


def text_columns(warehouse, resolution, source, columns) -> dict[str, str]:
    """Of `columns` of `source`, those that are not numbers → what says so: the type the
    warehouse reports or, for columns of unknown type (Spark reads Parquet files itself,
    SQLite reports no types), one query: the type of each value where the engine has
    TYPEOF (Spark, SQLite: the same answer as an engine that reports the column's type),
    else TRY_CAST, which finds a value that is not a number."""
    found = {}
    unknown = []
    for column in dict.fromkeys(columns):
        column_type = resolution.column_type(source, column)
        if column_type is None:
            unknown.append(column)
        elif is_text_type(column_type):
            found[column] = column_type
    if not unknown:
        return found
    relation = resolution.relation(source)
    relation = relation if isinstance(relation, exp.Table) else exp.alias_(relation, "s", table=True)
    if warehouse.dialect in TYPEOF_DIALECTS:
        found.update(_typed_text(warehouse, relation, unknown))
        return found
    if warehouse.dialect not in TRY_CAST_DIALECTS:
        return found
    flags = []
    for i, column in enumerate(unknown):
        value = col(column)
        not_a_number = exp.and_(
            exp.Not(this=exp.Is(this=value, expression=exp.Null())),
            exp.Is(
                this=exp.TryCast(this=value.copy(), to=exp.DataType.build("double"), safe=True),
                expression=exp.Null(),
            ),
        )
        flags.append(
            exp.alias_(
                exp.Max(this=exp.If(this=not_a_number, true=num(1), false=num(0))), f"__t{i}", quoted=True
            )
        )
    _, rows = warehouse.execute(exp.select(*flags).from_(relation).sql(dialect=warehouse.dialect))
    for column, flag in zip(unknown, rows[0] if rows else (), strict=False):
        if flag:
            found[column] = "values that are not numbers"
    return found


#: Dialects whose TYPEOF gives a value's type: Spark the column's (one row tells), SQLite
#: the value's own (a column holds any type: one text value makes it text).
TYPEOF_DIALECTS = ("spark", "databricks", "sqlite")


def _typed_text(warehouse, relation, columns) -> dict[str, str]:
    """Columns whose values the engine types as text (or a date, a time…) → that type, as
    an engine that reports column types says it (Spark STRING, SQLite TEXT)."""
    if warehouse.dialect == "sqlite":
        query = exp.select(*[sqlite_text_kind(c) for c in columns]).from_(relation)
    else:
        kinds = [exp.Upper(this=exp.Anonymous(this="typeof", expressions=[col(c)])) for c in columns]
        query = exp.select(*kinds).from_(relation).limit(1)  # a Spark column has one type
    _, rows = warehouse.execute(query.sql(dialect=warehouse.dialect))
    return {c: kind for c, kind in zip(columns, rows[0] if rows else (), strict=False) if is_text_type(kind)}


def deduplicated(
    source, resolution, fragment_dialect: str, until: dt.datetime | None = None, dialect: str | None = None
) -> exp.Select:
    """SELECT * of the source's relation, its filter applied, one row per key (latest `time`
    wins unless `keep: earliest`). Rows of the same key and time: dialects.latest_first, the same
    row on every engine (the NULL keys are one key, as for metrics). `until` (an as-of instant,
    on the warehouse's `dialect`): rows dated after it are left out first, so a key keeps its
    version as of then (a row without a time stays: it is not in the future)."""
    relation = resolution.relation(source)
    inner = exp.select("*").from_(
        relation if isinstance(relation, exp.Table) else exp.alias_(relation, "s", table=True),
        copy=False,
    )
    if source.filter:
        inner = inner.where(source_fragment(source.filter, fragment_dialect, source, resolution), copy=False)
    time_column = source.time or source.start
    if until is not None and time_column:
        limit = dialects.as_of_limit(until, dialect)
        moment = event_time(source, time_column, resolution, dialect)
        inner = inner.where(
            exp.or_(
                exp.Is(this=col(time_column), expression=exp.Null()), exp.LT(this=moment, expression=limit)
            ),
            copy=False,
        )
    if not source.key:
        return inner
    row_number = exp.Window(
        this=exp.RowNumber(),
        partition_by=[col(source.key)],
        order=exp.Order(expressions=dialects.latest_first(source, resolution)),
    )
    inner = inner.select(exp.alias_(row_number, "__row", quoted=True), copy=False)
    return (
        exp.select("*")
        .from_(exp.alias_(exp.Subquery(this=inner), "d", table=True), copy=False)
        .where(exp.EQ(this=col("__row"), expression=num(1)), copy=False)
    )


def event_time(source, column: str, resolution, dialect: str, table: str | None = None) -> exp.Expression:
    """A time column as a UTC timestamp, by its type when the warehouse told it, read with the
    source's `time_format` when it has one (cast as ISO, "05/01/2026" failed on DuckDB and
    PostgreSQL and was NULL on SQLite: a link counted no response there)."""
    column_type = resolution.column_type(source, column)
    return dialects.utc_timestamp(col(column, table), dialect, column_type, source.time_format)


def day_bounds(timestamp: exp.Expression, start: dt.date | None, end: dt.date | None, dialect: str) -> list:
    """`--from` (first day included) and `--to` (last day included) on a UTC timestamp."""
    bounds = []
    if start:
        first = dialects.utc_timestamp(text(f"{start.isoformat()} 00:00:00"), dialect)
        bounds.append(exp.GTE(this=timestamp.copy(), expression=first))
    if end:
        after = dialects.utc_timestamp(text(f"{(end + dt.timedelta(days=1)).isoformat()} 00:00:00"), dialect)
        bounds.append(exp.LT(this=timestamp.copy(), expression=after))
    return bounds
