"""SQLite: sqlite:///path (relative to the project) or sqlite:///:memory:.

File sources are read by DuckDB and loaded into temporary tables named after the source
(Warehouse.local_relation, load_rows).
What SQLite lacks is closed by the compiler (periods with date() modifiers, an exact
window-function percentile; see cxspec/compiler/dialects.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import sys
from functools import cache
from pathlib import Path

from cxspec.compiler.sqlkit import sqlite_text_kind
from cxspec.lazyexp import LAZY_EXP as exp
from cxspec.time_text import SQLITE_STRPTIME, sqlite_time, utc_strptime
from cxspec.warehouse import Warehouse, WarehouseError
from cxspec.warehouses.duckdb_warehouse import database_path
from cxspec.warehouses.loading import create_temp_table, insert_statement

#: How long a writer waits for another connection's lock before failing.
BUSY_TIMEOUT_SECONDS = 300
#: Rows per executemany call when storing a run's results.
INSERT_BATCH = 10_000
#: DuckDB types of a file's times held at another precision → the type compiled SQL is told:
#: they arrive as Python datetimes, kept as the text of any time (zoned times arrive as UTC
#: times: file_loading.py).
_TIME_TYPES = {"TIMESTAMP_NS": "TIMESTAMP", "TIMESTAMP_MS": "TIMESTAMP", "TIMESTAMP_S": "TIMESTAMP"}


def _sqlite_value(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    decimal = sys.modules.get("decimal")  # a Decimal exists only once decimal is imported
    if decimal is not None and isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _loaded_value(value):
    """A value of a file source's row as SQLite keeps it. SQLite cannot store NaN: it binds it
    as NULL, which would make a 'NaN' cell a blank one on SQLite alone. It gets +infinity,
    which compares as DuckDB and PostgreSQL compare NaN (above every number) and makes a sum
    or a mean over it not finite, refused by every command as on those engines (finite.py).
    Dates and times are text in one form (time_text.sqlite_time)."""
    if isinstance(value, float) and math.isnan(value):
        return math.inf
    if isinstance(value, (dt.datetime, dt.date)):
        # One form that sorts as the times do and that the compiled constants take
        # (time_text.sqlite_time, compiler/time_constants.py): not isoformat()'s T, which
        # sorts after the space of DATETIME('2026-01-09 12:00:00').
        return sqlite_time(value)
    return _sqlite_value(value)


def _open_path(url: str, path: str) -> None:
    """The database's folder made, as DuckDB's is; a clear reason when it cannot be (a file
    where a folder should be, a read-only parent) instead of "unable to open database file"."""
    if path == ":memory:" or path.startswith("file:"):
        return
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in Path(path).parents if p.is_file()), None)
        reason = f"{blocker} is a file, not a folder" if blocker else exc.strerror or str(exc)
        raise WarehouseError(f"cannot open SQLite database {url}: {reason}") from None


class SQLiteWarehouse(Warehouse):
    name = "sqlite"
    schemes = ("sqlite",)
    dialect = "sqlite"

    def __init__(self, url, project):
        import sqlite3

        super().__init__(url, project)
        _open_path(url, database_path(url, project.root))
        try:
            # Autocommit mode: transactions are explicit (Warehouse.transaction).
            # A writer waits up to BUSY_TIMEOUT_SECONDS for another's lock, as PostgreSQL queues.
            self.connection = sqlite3.connect(
                database_path(url, project.root), isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS
            )
        except sqlite3.Error as exc:
            raise WarehouseError(f"cannot open SQLite database {url}: {exc}") from None
        self._ensure_math()
        # Sources with a `time_format:` are parsed with it (compiler/dialects.parse_time).
        self.connection.create_function(SQLITE_STRPTIME, 2, utc_strptime, deterministic=True)

    @classmethod
    def keeps_results(cls, url, root):
        return database_path(url, root) != ":memory:"

    @classmethod
    def results_file(cls, url, root):
        path = database_path(url, root)
        return None if path == ":memory:" else Path(path)

    # IMMEDIATE takes the write lock up front, waiting for it (busy timeout). A plain
    # BEGIN reads first and fails at once with "database is locked" when it later needs
    # to write while another connection writes: SQLite cannot wait there without deadlock.
    begin = "BEGIN IMMEDIATE"

    def _ensure_math(self) -> None:
        """Builds of SQLite without its math functions get Python's."""
        import sqlite3

        try:
            self.connection.execute("SELECT sqrt(4), floor(1.5)")
        except sqlite3.OperationalError:
            self.connection.create_function("sqrt", 1, math.sqrt, deterministic=True)
            self.connection.create_function("floor", 1, math.floor, deterministic=True)

    def load_rows(self, name, columns, types, rows):
        import sqlite3

        try:
            with self.transaction():
                self.connection.execute(create_temp_table(name, columns, types, "sqlite"))
                self.connection.executemany(
                    insert_statement(name, columns, "sqlite"),
                    ([_loaded_value(v) for v in row] for row in rows),
                )
        except sqlite3.Error as exc:
            raise WarehouseError(f"SQLite: loading {name!r}: {exc}") from None
        loaded = {c: _TIME_TYPES.get(t, t) for c, t in zip(columns, types, strict=True)}
        self.__dict__.setdefault("_loaded_types", {})[name] = loaded
        return exp.Table(this=exp.to_identifier(name, quoted=True))

    def column_types(self, relation):
        """The DuckDB types of a file's rows loaded here (load_rows; a CSV file's are its
        typing's, given anyway): the compiler knows a Parquet file's date and time columns,
        which SQLite keeps as text, and writes the constants a fragment compares them with
        as that text (compiler/time_constants.py). {} for other relations."""
        if isinstance(relation, exp.Table) and not relation.args.get("db"):
            return dict(self.__dict__.get("_loaded_types", {}).get(relation.name, {}))
        return {}

    def declared_types(self, relation) -> dict[str, str]:
        """Column name → declared type (upper case) of a table of the database, as its DDL
        writes it (`TEXT`, `INTEGER`, `DATETIME`; '' when none): what the data checks compare
        with the specs' uses. Not column_types: the compiler would then rewrite time constants
        for columns whose text may be written in any ISO 8601 way. {} for other relations."""
        if isinstance(relation, exp.Subquery):
            return self._query_types(relation)
        if not isinstance(relation, exp.Table) or relation.args.get("db"):
            return {}
        info = exp.Anonymous(this="pragma_table_info", expressions=[exp.Literal.string(relation.name)])
        query = exp.select("name", "type").from_(info).sql(dialect="sqlite")
        try:
            declared = {str(name): str(kind or "").upper() for name, kind in self.execute(query)[1]}
        except WarehouseError:
            return {}
        untyped = [name for name, kind in declared.items() if not kind]
        return declared | self._value_types(relation, untyped) if untyped else declared

    def _value_types(self, relation, columns: list[str]) -> dict[str, str]:
        """Columns without a declared type (a query's expression, `CREATE TABLE t (a)`) whose
        values hold text → TEXT. `CASE … THEN 'yes' ELSE 'no' END AS resolved` as a condition
        was 0% here, silently ('yes' is false to SQLite), and refused elsewhere. Numbers stay
        untyped: SQLite has no booleans, so `resolved = 1 AS ok` is a 0/1 integer here and a
        yes/no elsewhere, true alike."""
        items = [sqlite_text_kind(c) for c in columns]
        query = exp.select(*items).from_(relation.copy()).sql(dialect="sqlite")
        try:
            _, rows = self.execute(query)
        except WarehouseError:
            return {}
        return {c: kind for c, kind in zip(columns, rows[0] if rows else (), strict=False) if kind}

    def _query_types(self, relation) -> dict[str, str]:
        """declared_types of a `sql` source's query: its columns' declared types, as SQLite gives
        them to a view over it (a column of a table keeps its table's type; an expression has
        none, ''). `condition: resolved` over an INTEGER column read through a query was a
        number here and a failed query on DuckDB and PostgreSQL (checks/booleans.py)."""
        view = exp.Table(this=exp.to_identifier("__cxspec_query_types", quoted=True))
        create = exp.Create(
            this=view,
            kind="VIEW",
            expression=exp.select("*").from_(relation.copy()),
            properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
        )
        drop = exp.Drop(tables=[view.copy()], kind="VIEW", exists=True)
        try:
            self.execute_statement(drop.sql(dialect="sqlite"))
            self.execute_statement(create.sql(dialect="sqlite"))
            return self.declared_types(view.copy())
        except WarehouseError:
            return {}
        finally:
            with contextlib.suppress(WarehouseError):
                self.execute_statement(drop.sql(dialect="sqlite"))

    def execute(self, sql):
        import sqlite3

        try:
            cursor = self.connection.execute(strict_names(sql))
            return [d[0] for d in cursor.description], cursor.fetchall()
        except sqlite3.Error as exc:
            raise WarehouseError(f"SQLite: {exc}") from None

    def execute_statement(self, sql):
        import sqlite3

        try:
            self.connection.execute(strict_names(sql))
        except sqlite3.Error as exc:
            raise WarehouseError(f"SQLite: {exc}") from None

    def executemany(self, sql, rows):
        import sqlite3

        try:
            self.connection.executemany(sql, ([_sqlite_value(v) for v in row] for row in rows))
        except sqlite3.Error as exc:
            raise WarehouseError(f"SQLite: {exc}") from None

    def insert_rows(self, table, columns, rows):
        # Inside the run's one transaction; batches bound the memory of each call.
        self.insert_batches(table, columns, rows, batch=INSERT_BATCH)

    def close(self):
        self.connection.close()


@cache
def _backtick_sqlite() -> type:
    """SQLite, written with names in backticks (made on first use: importing sqlglot's SQLite
    dialect is not for `cxspec validate` to pay)."""
    from sqlglot.dialects.sqlite import SQLite

    class BacktickSQLite(SQLite):
        class Tokenizer(SQLite.Tokenizer):
            IDENTIFIERS = ["`", '"', ("[", "]")]

    return BacktickSQLite


def strict_names(sql: str) -> str:
    """The statement with its names in backticks. SQLite reads a double-quoted name that
    matches no column as a string, silently: a misspelt `"scor" >= 9` is 'scor' >= 9, true
    on every row. A backticked name that matches no column is an error."""
    import sqlglot
    from sqlglot.errors import SqlglotError

    try:
        statements = [s for s in sqlglot.parse(sql, read="sqlite") if s is not None]
    except SqlglotError:
        return sql  # SQLite will say what is wrong with it
    if len(statements) != 1:
        return sql
    return statements[0].sql(dialect=_backtick_sqlite())
