"""Reading file sources for warehouses that cannot read files themselves.

DuckDB reads the CSV or Parquet file, or runs any DuckDB relation over the project's files
(the same reader and type detection as when DuckDB is the warehouse), and the rows are
handed to the other warehouse, so every engine sees the same values.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from sqlglot import exp

from cxspec.compiler.dialects import utc_timestamp
from cxspec.diagnostics import WarehouseError


def read_local(relation: exp.Expression, root: Path) -> tuple[list[str], list[str], list[tuple]]:
    """Column names, DuckDB type names and rows of a DuckDB relation over the project's files."""
    con = duckdb.connect()
    try:
        return _read(con, relation, root)
    except duckdb.Error as exc:
        # DuckDB's own advice follows its first paragraph; the file and the error come first.
        message = str(exc).strip().split("\nPossible fixes", 1)[0].strip()
        raise WarehouseError(f"DuckDB reading the project's files: {message}") from None
    finally:
        con.close()


def _read(con, relation: exp.Expression, root: Path) -> tuple[list[str], list[str], list[tuple]]:
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET file_search_path = ?", [str(root.resolve())])
    described = con.sql(exp.select("*").from_(relation.copy()).sql(dialect="duckdb"))
    columns, types = list(described.columns), [str(t) for t in described.types]
    # Zoned timestamps become UTC timestamps here: every warehouse session runs in UTC.
    # Through TIMESTAMPTZ: DuckDB pushes a plain CAST(… AS TIMESTAMP) into its CSV reader,
    # which then parses the text and drops the offset.
    select = [
        exp.alias_(utc_timestamp(exp.column(c, quoted=True), "duckdb"), c, quoted=True, copy=False)
        if t == "TIMESTAMP WITH TIME ZONE"
        else exp.column(c, quoted=True)
        for c, t in zip(columns, types, strict=True)
    ]
    types = ["TIMESTAMP" if t == "TIMESTAMP WITH TIME ZONE" else t for t in types]
    rows = con.sql(exp.select(*select).from_(relation.copy()).sql(dialect="duckdb")).fetchall()
    return columns, types, rows
