"""Lookup dimensions in the SQL: each looked-up source becomes one row per entity (the latest
by its time, ties by its key, then by the looked-up values, after its filter), LEFT-joined onto
the scanned rows on entity (compared as text when one side's entity is text and the other's a
number: the engines differ on, or refuse, `7 = '007'`).

The looked-up columns are named `__lk{n}_{name}` (the entity `__lk{n}_`: no dimension has an
empty name), apart from the scanned source's own columns, so `SELECT *` over the join stays
unambiguous.

Metrics (compiler/sqlgen.py) and drivers analyses (drivers/moments.py) join them alike: the
same rows per entity, the same `--as-of` rule, the same entity comparison."""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from cxspec.compiler import dialects
from cxspec.compiler.dialects import latest_first
from cxspec.compiler.plan import source_fragment
from cxspec.compiler.sqlkit import byte_order, col, num, same_entity


def _named(number: int, name: str) -> str:
    return f"__lk{number}_{name}"


class Lookups:
    """The lookup dimensions one scan slices or filters by. `relations`: the resolution of the
    sources (resolve.Resolution); `dialect`: the warehouse's; `as_of`: the as-of instant
    (`--as-of`), or None: a looked-up row dated after it is left out."""

    def __init__(self, relations, dialect: str, dimensions: list, as_of: dt.datetime | None = None):
        self.relations = relations
        self.dialect = dialect
        self.as_of = as_of
        self.dimensions = [d for d in dimensions if d.lookup]
        self.sources = sorted({d.lookup for d in self.dimensions})

    def _time(self, source, column: str) -> exp.Expression:
        column_type = self.relations.column_type(source, column)
        return dialects.utc_timestamp(col(column), self.dialect, column_type, source.time_format)

    def value(self, dimension) -> exp.Column:
        """The looked-up value of a lookup dimension, in the joined rows."""
        number = self.sources.index(dimension.lookup)
        return col(_named(number, dimension.name), f"lk{number}")

    def joined(self, rows: exp.Select, entity: exp.Column | None, source=None) -> exp.Select:
        """`rows` LEFT JOIN each looked-up source's rows on entity (validation requires one)."""
        relations = self.relations
        for number, lookup_id in enumerate(self.sources):
            picked = [d for d in self.dimensions if d.lookup == lookup_id]
            table = exp.alias_(
                exp.Subquery(this=self.rows(number, lookup_id, picked)), f"lk{number}", table=True
            )
            looked_up = relations.project.sources[lookup_id]
            on = same_entity(
                entity.copy(),
                relations.column_type(source, source.entity) if source is not None else None,
                col(_named(number, ""), f"lk{number}"),
                relations.column_type(looked_up, looked_up.entity),
            )
            rows = rows.join(table, on=on, join_type="left", copy=False)
        return rows

    def deduplicated(self, rows: exp.Select, other) -> exp.Select:
        """The looked-up source de-duplicated by its key as every use of it is (its `keep:`),
        before each entity's latest row is taken: `keep: earliest` kept the latest region of a
        customer, and a row corrected to another entity still counted for the first one. (A key
        that is the entity, kept latest, needs nothing: the entity's latest row is its key's.)"""
        kept = exp.Window(
            this=exp.RowNumber(),
            partition_by=[col(other.key)],
            order=exp.Order(expressions=latest_first(other, self.relations)),
        )
        rows = rows.select(exp.alias_(kept, "__kept", quoted=True, copy=False), copy=False)
        return (
            exp.select("*")
            .from_(exp.alias_(exp.Subquery(this=rows), "k", table=True, copy=False), copy=False)
            .where(exp.EQ(this=col("__kept"), expression=num(1)), copy=False)
        )

    def rows(self, number: int, lookup_id: str, dimensions: list) -> exp.Select:
        relations = self.relations
        other = relations.project.sources[lookup_id]
        relation = relations.relation(other)
        rows = exp.select("*").from_(
            relation
            if isinstance(relation, exp.Table)
            else exp.alias_(relation, "s", table=True, copy=False),
            copy=False,
        )
        if other.filter:
            fragment_dialect = relations.project.config.dialect
            rows = rows.where(source_fragment(other.filter, fragment_dialect, other, relations), copy=False)
        if self.as_of is not None and other.time:
            # A row dated after --as-of is left out, as from every result: a typo'd 2204, or a
            # move after the as-of day of a rerun, set the region of every response. A row
            # without a time is not in the future.
            rows = rows.where(
                exp.or_(
                    exp.Is(this=col(other.time), expression=exp.Null()),
                    exp.LT(
                        this=self._time(other, other.time),
                        expression=dialects.as_of_limit(self.as_of, self.dialect),
                    ),
                ),
                copy=False,
            )
        if other.key and (other.key != other.entity or other.keep == "earliest"):
            rows = self.deduplicated(rows, other)
        order = []
        if other.time:
            time = self._time(other, other.time)
            order.append(exp.Ordered(this=time, desc=True, nulls_first=False))
        if other.key:
            key = byte_order(col(other.key), relations.column_type(other, other.key), self.dialect)
            order.append(exp.Ordered(this=key, desc=True, nulls_first=False))
        # Rows equal in time and key (a key that is the entity, or none): the greatest values
        # of every column win (dialects.latest_first's rule), so every engine picks the same row
        # and every query the same one, whichever of the lookup's dimensions it uses.
        order += latest_first(other, relations)[1:] or [
            exp.Ordered(this=col(d.lookup_column), desc=True, nulls_first=False)
            for d in sorted(dimensions, key=lambda d: d.lookup_column)
        ]
        latest = exp.Window(
            this=exp.RowNumber(),
            partition_by=[col(other.entity)],
            order=exp.Order(expressions=order or [exp.Ordered(this=col(other.entity))]),
        )
        rows = rows.select(exp.alias_(latest, "__row", quoted=True, copy=False), copy=False)
        picked = [exp.alias_(col(other.entity), _named(number, ""), quoted=True, copy=False)]
        picked += [
            exp.alias_(col(d.lookup_column), _named(number, d.name), quoted=True, copy=False)
            for d in dimensions
        ]
        return (
            exp.select(*picked)
            .from_(exp.alias_(exp.Subquery(this=rows), "l", table=True, copy=False), copy=False)
            .where(exp.EQ(this=col("__row"), expression=num(1)), copy=False)
        )
