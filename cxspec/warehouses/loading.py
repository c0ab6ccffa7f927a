"""Create a temporary table for a file source in a warehouse that cannot read files."""

from __future__ import annotations

from cxspec.lazyexp import LAZY_EXP as exp

#: DuckDB type name → SQL type, per target dialect (anything else is text).
TYPES = {
    "sqlite": {"BIGINT": "INTEGER", "INTEGER": "INTEGER", "DOUBLE": "REAL", "FLOAT": "REAL",
               "BOOLEAN": "INTEGER", "DATE": "TEXT", "TIMESTAMP": "TEXT", "TIMESTAMP WITH TIME ZONE": "TEXT"},
    "postgres": {"BIGINT": "BIGINT", "INTEGER": "INTEGER", "DOUBLE": "DOUBLE PRECISION", "FLOAT": "REAL",
                 "BOOLEAN": "BOOLEAN", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP",
                 "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ"},
}  # fmt: skip


def target_type(duckdb_type: str, dialect: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return "REAL" if dialect == "sqlite" else "NUMERIC"
    return TYPES[dialect].get(duckdb_type, "TEXT")


def create_temp_table(name: str, columns: list[str], types: list[str], dialect: str) -> str:
    schema = exp.Schema(
        this=exp.Table(this=exp.to_identifier(name, quoted=True)),
        expressions=[
            exp.ColumnDef(
                this=exp.to_identifier(c, quoted=True),
                kind=exp.DataType.build(target_type(t, dialect), dialect=dialect),
            )
            for c, t in zip(columns, types, strict=True)
        ],
    )
    create = exp.Create(
        this=schema, kind="TABLE", properties=exp.Properties(expressions=[exp.TemporaryProperty()])
    )
    return create.sql(dialect=dialect)


def insert_statement(name: str, columns: list[str], dialect: str) -> str:
    """INSERT with one `?` placeholder per column (sqlite parameter style)."""
    table = exp.Table(this=exp.to_identifier(name, quoted=True))
    insert = exp.Insert(
        this=exp.Schema(this=table, expressions=[exp.to_identifier(c, quoted=True) for c in columns]),
        expression=exp.values([tuple(exp.Placeholder() for _ in columns)]),
    )
    return insert.sql(dialect=dialect)
