"""Bounds of a request's range on the raw time column, so that engines skip what they need not read.

`--from`/`--to` keep the periods in range by testing each row's period (period_bounds in
sqlgen.py): an expression of the time column, which no engine can prune by. The same range
is also written on the raw column, when its type says how its values compare: Parquet row
groups and partitions whose times lie outside are then skipped by DuckDB, and an index on
the column is used by PostgreSQL. The tests of the periods stay, so these bounds only
have to hold every row in range (they hold exactly those rows: periods start at midnight UTC).

Not bounded (every row read, as before): times written in a `time_format:`, columns of
unknown or text type, keyed sources (the latest row per key is picked among all of them),
and engines other than DuckDB, PostgreSQL and SQLite.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from cxspec.compiler.sqlkit import col, text
from cxspec.periods import period_end, period_start

_NAIVE = (
    "TIMESTAMP",
    "TIMESTAMP WITHOUT TIME ZONE",
    "DATETIME",
    "TIMESTAMP_NS",
    "TIMESTAMP_MS",
    "TIMESTAMP_S",
)
_ZONED = ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")


def instants(start: dt.date | None, end: dt.date | None, grain: str) -> tuple[dt.date | None, dt.date | None]:
    """The first instant (midnight UTC of a day) of a range of periods, and the first after it."""
    first = period_start(start, grain) if start else None
    after = period_end(period_start(end, grain).isoformat(), grain) if end else None
    return first, after


def literal(day: dt.date, dialect: str, column_type: str | None) -> exp.Expression | None:
    """Midnight UTC of `day` as a value that compares with a column of `column_type` as the
    times compare; None when the type does not allow it."""
    kind = (column_type or "").upper()
    if dialect == "sqlite":
        # Times of files loaded into SQLite are text ('2026-03-01 10:00:00', UTC;
        # time_text.sqlite_time): ordered as text, and a day's text is below every time of
        # that day.
        return text(day.isoformat()) if kind in ("DATE", *_NAIVE) else None
    if dialect not in ("duckdb", "postgres"):
        return None
    if kind == "DATE":
        return exp.cast(text(day.isoformat()), exp.DataType.build("DATE"))
    if kind in _NAIVE:
        return exp.cast(text(f"{day.isoformat()} 00:00:00"), exp.DataType.build("TIMESTAMP"))
    if kind in _ZONED:
        return exp.cast(text(f"{day.isoformat()} 00:00:00+00"), exp.DataType.build("TIMESTAMPTZ"))
    return None


def raw_bounds(
    column: str, column_type: str | None, dialect: str, grain: str, start, end, *, upper_only=False
) -> list[exp.Expression]:
    """Tests of the raw `column` that hold every row of the periods from `start` to `end`."""
    first, after = instants(start, end, grain)
    bounds: list[exp.Expression] = []
    if first is not None and not upper_only:
        low = literal(first, dialect, column_type)
        if low is not None:
            bounds.append(exp.GTE(this=col(column), expression=low))
    if after is not None:
        high = literal(after, dialect, column_type)
        if high is not None:
            bounds.append(exp.LT(this=col(column), expression=high))
    return bounds


def bounded(gen, scan, inner: exp.Select) -> exp.Select:
    """`inner` (a source's rows, before de-duplication) with the request's range on its raw
    time column, where that is safe and the column's type allows it."""
    source, request = scan.source, gen.plan.request
    if (not request.start and not request.end) or source.key or source.time_format:
        return inner
    column = source.time or source.start
    upper_only = False
    if scan.spine_metrics:
        # A spine period counts entities started before it and not ended: rows started
        # after the range matter to no period in it; earlier ones all may.
        if source.time and source.time != source.start:
            return inner
        column, upper_only = source.start, True
    if not column:
        return inner
    column_type = gen.relations.column_type(source, column)
    bounds = raw_bounds(column, column_type, gen.dialect, gen.plan.grain, request.start, request.end,
                        upper_only=upper_only)  # fmt: skip
    return inner.where(exp.and_(*bounds), copy=False) if bounds else inner
