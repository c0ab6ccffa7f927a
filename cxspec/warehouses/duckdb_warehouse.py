"""DuckDB: embedded, the default warehouse. Reads file sources directly (Warehouse.local_relation).

URLs: duckdb:///:memory: (the default) or duckdb:///path/to.db, relative to the project.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from cxspec.lazyexp import LAZY_EXP as exp
from cxspec.warehouse import Warehouse, WarehouseError


def database_path(url: str, root: Path) -> str:
    """`:memory:` or a file path; relative paths are relative to the project folder."""
    parts = urlsplit(url)
    # duckdb:///rel/x.db → rel/x.db; duckdb:////abs/x.db → /abs/x.db; duckdb://rel/x.db → rel/x.db
    path = parts.netloc + parts.path if parts.netloc else parts.path[1:]
    if path in ("", ":memory:"):
        return ":memory:"
    candidate = Path(path)
    return str(candidate if candidate.is_absolute() else root / candidate)


class DuckDBWarehouse(Warehouse):
    name = "duckdb"
    schemes = ("duckdb",)
    dialect = "duckdb"

    def __init__(self, url, project):
        import duckdb  # imported when used: `cxspec validate` does not need it

        super().__init__(url, project)
        path = database_path(url, project.root)
        if path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # a file where a folder should be, a read-only parent
                blocker = next((p for p in Path(path).parents if p.is_file()), None)
                reason = f"{blocker} is a file, not a folder" if blocker else exc.strerror or str(exc)
                raise WarehouseError(f"cannot open DuckDB database {url}: {reason}") from None
        try:
            self.connection = _connect_waiting(path, url)
            self.connection.execute("SET TimeZone = 'UTC'")
            _spill_settings(self.connection)
            # File sources use project-relative paths, so compiled SQL is the same on every machine.
            self.connection.execute("SET file_search_path = ?", [str(project.root.resolve())])
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot open DuckDB database {url}: {exc}") from None

    @classmethod
    def keeps_results(cls, url, root):
        return database_path(url, root) != ":memory:"

    @classmethod
    def results_file(cls, url, root):
        path = database_path(url, root)
        return None if path == ":memory:" else Path(path)

    def column_types(self, relation):
        import duckdb

        # DESCRIBE reads a Parquet file's metadata and a CSV file's sniffed sample only; it is
        # asked once per relation and connection (the data checks, then the compiler).
        query = exp.Describe(this=exp.select("*").from_(relation.copy(), copy=False)).sql(dialect="duckdb")
        known = self.__dict__.setdefault("_column_types", {})
        if query not in known:
            try:
                rows = self.connection.execute(query).fetchall()
            except duckdb.Error:
                return {}  # the query itself will report the problem
            known[query] = {row[0]: str(row[1]).upper() for row in rows}
        return dict(known[query])

    def execute(self, sql):
        import duckdb

        try:
            relation = self.connection.execute(sql)
            columns = [d[0] for d in relation.description]
            return columns, relation.fetchall()
        except duckdb.Error as exc:
            raise WarehouseError(f"DuckDB: {str(exc).strip()}") from None

    def record_batches(self, sql, rows):
        import duckdb

        try:
            relation = self.connection.sql(sql)
            # DuckDB 1.4 names it to_arrow_reader; earlier releases record_batch
            reader = getattr(relation, "to_arrow_reader", None) or relation.record_batch
            batches = reader(rows)
        except duckdb.Error as exc:
            raise WarehouseError(f"DuckDB: {str(exc).strip()}") from None
        return _batches(batches)

    def estimated_rows(self, sql):
        import duckdb

        try:
            plan = self.connection.sql(sql).explain()
        except duckdb.Error:
            return None  # the query itself will report the problem
        # operators show "~1,234 rows" (DuckDB 1.1+: "EC: 1234" before)
        found = re.findall(r"~([\d,]+) rows|EC: (\d+)", plan)
        return max((int((a or b).replace(",", "")) for a, b in found), default=None)

    def execute_statement(self, sql):
        import duckdb

        try:
            self.connection.execute(sql)
        except duckdb.Error as exc:
            raise WarehouseError(f"DuckDB: {str(exc).strip()}") from None

    def executemany(self, sql, rows):
        import duckdb

        try:
            self.connection.executemany(sql, rows)
        except duckdb.Error as exc:
            raise WarehouseError(f"DuckDB: {str(exc).strip()}") from None

    def insert_rows(self, table, columns, rows):
        # One Arrow table scanned by an INSERT … SELECT: executemany inserts row by row, which
        # a large run cannot afford (figures in benchmarks/README.md, "Store").
        # Importing pyarrow (and pandas, which DuckDB loads) costs more than a few rows save.
        # Once pyarrow is loaded (by a run's results) it pays from a few rows: a run with
        # segments raised 1,171 issues, 1.7 s through executemany (benchmarks/README.md).
        if not _through_arrow(len(rows)):
            self.insert_batches(table, columns, rows, batch=ARROW_FROM_ROWS)
            return
        import pyarrow

        by_column = zip(columns, zip(*rows, strict=True), strict=True)
        self._insert_arrow(table, pyarrow.table({c: pyarrow.array(values) for c, values in by_column}))

    def insert_columns(self, table, columns, types):
        # A run with segments stages 170k results: typed Arrow arrays straight from the columns
        # (no row tuples, no type inference) took 0.2 s of CPU against 0.35–0.5 s.
        if not _through_arrow(len(next(iter(columns.values()), ()))):
            super().insert_columns(table, columns, types)
            return
        import pyarrow

        arrow = {"DOUBLE": pyarrow.float64(), "BIGINT": pyarrow.int64(), "VARCHAR": pyarrow.string()}
        try:
            data = pyarrow.table(
                {c: pyarrow.array(v, arrow.get(types[c].upper())) for c, v in columns.items()}
            )
        except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError):  # a value not of its column's type
            super().insert_columns(table, columns, types)
            return
        self._insert_arrow(table, data)

    def _insert_arrow(self, table, data):
        """INSERT … SELECT of an Arrow table's columns (named as the table's)."""
        import duckdb

        columns = data.column_names
        view = f"cxspec_rows_{id(data)}"
        insert = exp.Insert(
            this=exp.Schema(
                this=exp.Table(this=exp.to_identifier(table, quoted=True)),
                expressions=[exp.to_identifier(c, quoted=True) for c in columns],
            ),
            expression=exp.select("*").from_(exp.Table(this=exp.to_identifier(view, quoted=True))),
        )
        try:
            self.connection.register(view, data)
            try:
                self.connection.execute(insert.sql(dialect="duckdb"))
            finally:
                self.connection.unregister(view)
        except duckdb.Error as exc:
            raise WarehouseError(f"DuckDB: {str(exc).strip()}") from None

    def close(self):
        self.connection.close()


def _batches(reader):
    import duckdb
    import pyarrow

    try:
        yield from reader
    except (duckdb.Error, pyarrow.ArrowException) as exc:
        raise WarehouseError(f"DuckDB: {str(exc).strip()}") from None


#: From how many rows an Arrow table is faster than executemany (benchmarks/README.md, "Store").
ARROW_FROM_ROWS = 2_000
#: From how many rows, once pyarrow is imported anyway.
ARROW_WHEN_LOADED = 20


def _through_arrow(rows: int) -> bool:
    """Whether `rows` rows are inserted through one Arrow table: from ARROW_FROM_ROWS, or from
    ARROW_WHEN_LOADED once pyarrow is imported (importing it costs more than a few rows save)."""
    return rows >= ARROW_FROM_ROWS or ("pyarrow" in sys.modules and rows >= ARROW_WHEN_LOADED)


#: How long a run waits for another process to close a DuckDB file before giving up.
LOCK_WAIT_SECONDS = 300


def _connect_waiting(path: str, url: str):
    """Open the file, waiting while another process has it open: DuckDB admits one process
    per file (each run holds it while computing and storing), so runs queue here as they
    queue on PostgreSQL's and SQLite's locks instead of failing."""
    import duckdb

    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.05
    while True:
        try:
            return duckdb.connect(path)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                holder = re.search(r"\(PID (\d+)\)", str(exc))
                raise WarehouseError(
                    f"the DuckDB file {url} is in use by another process"
                    + (f" (PID {holder.group(1)})" if holder else "")
                    + f" and stayed so for {LOCK_WAIT_SECONDS} s: DuckDB lets one process open a "
                    "file at a time; let the other run finish, or store in PostgreSQL to run "
                    "several at once"
                ) from None
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


#: Environment variables → DuckDB settings of every connection (docs/warehouses.md, "Memory").
SPILL_SETTINGS = {
    "CXSPEC_DUCKDB_MEMORY_LIMIT": "memory_limit",
    "CXSPEC_DUCKDB_TEMP_DIRECTORY": "temp_directory",
}


def _spill_settings(connection) -> None:
    """DuckDB's memory limit and the folder it spills to past it, when the environment sets them."""
    import duckdb

    for variable, setting in SPILL_SETTINGS.items():
        value = os.environ.get(variable, "").strip()
        if not value:
            continue
        try:
            connection.execute(f"SET {setting} = ?", [value])
        except duckdb.Error as exc:
            raise WarehouseError(f"{variable}={value!r}: DuckDB refuses it: {str(exc).strip()}") from None
