"""Small constant tables (goals, pyramid nodes) as portable SQL: UNION ALL of literal rows."""

from __future__ import annotations

from sqlglot import exp


def literal(value) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Literal.number(int(value))
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def static_table(columns: dict[str, str], rows: list[tuple]) -> exp.Query:
    """SELECT CAST(v AS type) AS column … UNION ALL …; no rows gives a typed empty set."""

    def select(row) -> exp.Select:
        return exp.select(
            *[
                exp.alias_(exp.cast(literal(value), exp.DataType.build(kind)), name, quoted=True, copy=False)
                for (name, kind), value in zip(columns.items(), row, strict=True)
            ]
        )

    if not rows:
        return select([None] * len(columns)).where(exp.false())
    query: exp.Query = select(rows[0])
    for row in rows[1:]:
        query = exp.union(query, select(row), distinct=False, copy=False)
    return query
