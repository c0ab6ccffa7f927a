"""A time column compared with a constant, on SQLite, as DuckDB compares them.

SQLite has no date or time type: the times of a file source are loaded as text in one form
that sorts as the times do ('2026-01-09 12:00:00', '2026-01-09 12:00:00.250000'; dates
'2026-01-09': time_text.sqlite_time), and a fragment's constant is compared with
that text as text. A constant in another form compared wrong, silently: `'2026-01-09T…'` or
`DATETIME('2026-01-09 12:00:00')` against the stored text, a `DATE '2026-01-09'` never equal
to a midnight time.

So a comparison (=, <>, <, <=, >, >=, IN, BETWEEN) of a column of known time type with a
constant (text, or a typed literal such as `DATE '2026-01-09'`) gets the constant as the
column's stored text, computed here in Python with DuckDB's meaning: text is cast to the
column's type (a DATE drops a time of day), a date compared with a time is midnight of that
date. A DATE column keeps its dates as 'YYYY-MM-DD', which sorts before every time of that
day: a time after midnight stays a time ('2026-01-09' < '2026-01-09 12:00:00').

Constants that are not ISO 8601 dates or times (time_text.ISO_CONSTANT) are left as they
are: the checks refuse them on every engine (CX408, checks/booleans.py).
"""

from __future__ import annotations

import datetime as dt

from cxspec.lazyexp import LAZY_EXP as exp
from cxspec.time_text import iso_constant, sqlite_time

#: Column types (as cxspec names them for SQLite: column_types.FileTypes.as_dict) of dates
#: and of times.
DATE_TYPES = ("DATE",)
TIME_TYPES = ("TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE", "DATETIME")
#: The mark of a constant written here: a tree may be given twice (a predicate planned once,
#: then held by its metric and its scan), and a time of day compared with a DATE column,
#: read again as text, would be cast to the column's type.
_STORED = "cxspec_stored_time"


def canonical_times(tree: exp.Expression, types: dict[str, str], dialect: str) -> exp.Expression:
    """`tree` (a fragment over a source's rows, changed in place) with the constants compared
    with its time columns written as SQLite stores them; unchanged on other engines."""
    if dialect != "sqlite" or not types:
        return tree
    kinds = {name.lower(): kind.upper() for name, kind in types.items()}
    kinds = {name: kind for name, kind in kinds.items() if kind in DATE_TYPES + TIME_TYPES}
    if not kinds:
        return tree
    compare = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ)
    for node in list(tree.find_all(*compare, exp.In, exp.Between)):
        if isinstance(node, exp.In):
            pairs = [(node.this, value) for value in node.expressions]
        elif isinstance(node, exp.Between):
            pairs = [(node.this, node.args.get("low")), (node.this, node.args.get("high"))]
        else:
            pairs = [(node.this, node.expression), (node.expression, node.this)]
        for column, constant in pairs:
            if isinstance(column, exp.Column) and not column.table and column.name.lower() in kinds:
                stored = _stored(constant, kinds[column.name.lower()])
                if stored is not None:
                    literal = exp.Literal.string(stored)
                    literal.meta[_STORED] = True
                    constant.replace(literal)
    return tree


def _stored(constant, kind: str) -> str | None:
    """The constant as the stored text it compares with, or None when it is no date or time."""
    if constant.meta.get(_STORED):
        return None  # written here already: a time compared with a DATE column is no text
    if isinstance(constant, exp.Literal) and constant.is_string:
        moment, cast = iso_constant(constant.name), kind  # text is cast to the column's type
    elif (
        isinstance(constant, exp.Cast) and isinstance(constant.this, exp.Literal) and constant.this.is_string
    ):
        moment = iso_constant(constant.this.name)
        cast = "DATE" if constant.to.is_type(exp.DataType.Type.DATE) else "TIMESTAMP"
        if not constant.to.is_type(*exp.DataType.TEMPORAL_TYPES):
            return None
    else:
        return None
    if moment is None:
        return None
    if cast in DATE_TYPES:
        moment = dt.datetime(moment.year, moment.month, moment.day)
    return sqlite_time(moment, date_column=kind in DATE_TYPES)
