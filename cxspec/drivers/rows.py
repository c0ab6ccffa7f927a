"""A source's rows after its filter and de-duplication, as one sqlglot subquery: what a
drivers analysis and a link read (the same order of work as metrics: docs/spec-reference.md)."""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from cxspec.compiler import dialects
from cxspec.compiler.plan import quoted_fragment
from cxspec.compiler.sqlkit import col, num, text

#: Column type names (upper case, as warehouses describe them) that hold text, not numbers.
TEXT_TYPES = ("VARCHAR", "TEXT", "STRING", "CHAR", "BOOLEAN", "BOOL", "DATE", "TIMESTAMP", "UUID", "BLOB")


def is_text_type(column_type: str | None) -> bool:
    return bool(column_type) and column_type.upper().split("(")[0].strip().startswith(TEXT_TYPES)


def deduplicated(source, resolution, fragment_dialect: str) -> exp.Select:
    """SELECT * of the source's relation, its filter applied, one row per key (latest `time`
    wins unless `keep: earliest`)."""
    relation = resolution.relation(source)
    inner = exp.select("*").from_(
        relation if isinstance(relation, exp.Table) else exp.alias_(relation, "s", table=True),
        copy=False,
    )
    if source.filter:
        inner = inner.where(quoted_fragment(source.filter, fragment_dialect), copy=False)
    if not source.key:
        return inner
    order = col(source.time) if source.time else col(source.key)
    row_number = exp.Window(
        this=exp.RowNumber(),
        partition_by=[col(source.key)],
        order=exp.Order(
            expressions=[exp.Ordered(this=order, desc=source.keep != "earliest", nulls_first=False)]
        ),
    )
    inner = inner.select(exp.alias_(row_number, "__row", quoted=True), copy=False)
    return (
        exp.select("*")
        .from_(exp.alias_(exp.Subquery(this=inner), "d", table=True), copy=False)
        .where(exp.EQ(this=col("__row"), expression=num(1)), copy=False)
    )


def event_time(source, column: str, resolution, dialect: str, table: str | None = None) -> exp.Expression:
    """A time column as a UTC timestamp, by its type when the warehouse told it."""
    return dialects.utc_timestamp(col(column, table), dialect, resolution.column_type(source, column))


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
