"""The base class of warehouses: where compiled SQL runs. One URL scheme or more each."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from cxspec.diagnostics import WarehouseError
from cxspec.lazyexp import LAZY_EXP as exp

if TYPE_CHECKING:
    from cxspec.model import Project, Source
    from cxspec.source_type import SourceType


class Warehouse:
    #: A unique name, shown by `cxspec plugins`.
    name: ClassVar[str]
    #: URL schemes it serves (`duckdb` for duckdb:///…).
    schemes: ClassVar[tuple[str, ...]]
    #: The sqlglot dialect its SQL is written in.
    dialect: ClassVar[str]

    def __init__(self, url: str, project: Project):
        self.url = url
        self.project = project

    @classmethod
    def keeps_results(cls, url: str, root: Path) -> bool:
        """Whether results stored through `url` outlive the connection (an in-memory
        database keeps none). Asked before connecting, which may create a database file."""
        return True

    @classmethod
    def results_file(cls, url: str, root: Path) -> Path | None:
        """The local file results are stored in, for warehouses that are one file (DuckDB,
        SQLite): when it does not exist, nothing was stored yet. None for the others."""
        return None

    def relation(self, source: Source, source_type: SourceType) -> exp.Expression | None:
        """How compiled SQL reads a source, when this warehouse has its own way (a table, a
        function call, a subquery); None for the source type's own (`SourceType.relation`).
        Asked once per source, before any SQL is written (cxspec/resolve.py)."""
        return None

    def local_relation(self, source: Source, duckdb_relation: exp.Expression) -> exp.Expression:
        """A relation for the rows a DuckDB relation reads from the project's files.

        A DuckDB-dialect warehouse runs it as it is. Others: an in-process DuckDB reads the
        rows once per source and `load_rows` puts them into a temporary table.
        """
        if self.dialect == "duckdb":
            return duckdb_relation
        loaded = self.__dict__.setdefault("_loaded_sources", {})
        if source.id not in loaded:
            from cxspec.warehouses.file_loading import read_local

            columns, types, rows = read_local(duckdb_relation, self.project.root)
            loaded[source.id] = self.load_rows(source.id, columns, types, rows)
        return loaded[source.id].copy()

    def load_rows(self, name: str, columns: list[str], types: list[str], rows: list[tuple]) -> exp.Expression:
        """Put rows into a temporary table `name` (DuckDB type names in `types`); return it."""
        raise WarehouseError(f"the {self.name} warehouse cannot load rows read from files")

    def column_types(self, relation: exp.Expression) -> dict[str, str]:
        """Column name → type name (upper case) of a relation, when cheap to know; {} if not.

        Asked once per source before any SQL is written; the compiler picks cheaper
        expressions for columns of known type (event times)."""
        return {}

    def execute(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Run one statement; return its column names and rows."""
        raise NotImplementedError

    def record_batches(self, sql: str, rows: int):
        """Run a query; an iterator of its result as Arrow record batches of at most `rows`
        rows, or None when this warehouse has no cheap way (the rows would cross a network).
        In-process DuckDB has: drivers analyses sum their moments in numpy (drivers/arrays.py)."""
        return None

    def estimated_rows(self, sql: str) -> int | None:
        """The warehouse's own estimate of how many rows a query reads (its plan's largest),
        without running it; None when it gives none."""
        return None

    def executemany(self, sql: str, rows) -> None:
        """Run one statement with `?`-style (or the driver's) placeholders for each row."""
        raise NotImplementedError

    def insert_rows(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Insert rows into an existing table, inside the caller's transaction, the engine's
        fastest way. This default sends them through executemany, `batch` rows a call."""
        self.insert_batches(table, columns, rows, batch=len(rows) or 1)

    def insert_columns(self, table: str, columns: dict[str, list], types: dict[str, str]) -> None:
        """insert_rows of rows given column by column (each list as long), with each column's
        SQL type (`types`: VARCHAR, DATE, DOUBLE, BIGINT...). This default makes the rows."""
        self.insert_rows(table, list(columns), list(zip(*columns.values(), strict=True)))

    def insert_batches(self, table: str, columns: list[str], rows: list[tuple], *, batch: int) -> None:
        insert = exp.Insert(
            this=exp.Schema(
                this=exp.Table(this=exp.to_identifier(table, quoted=True)),
                expressions=[exp.to_identifier(c, quoted=True) for c in columns],
            ),
            expression=exp.values([tuple(exp.Placeholder() for _ in columns)]),
        ).sql(dialect=self.dialect)
        for start in range(0, len(rows), batch):
            self.executemany(insert, rows[start : start + batch])

    #: The statement that opens a transaction.
    begin: ClassVar[str] = "BEGIN"
    #: True inside `transaction()` (an instance's own once set).
    in_transaction: bool = False

    @contextmanager
    def transaction(self):
        """All statements inside commit together, or none does (the error is re-raised).
        Inside another transaction of this connection they are part of it: they commit, or
        roll back, with it (a run stores its results and its issue states in one)."""
        if self.in_transaction:
            yield
            return
        self.execute_statement(self.begin)
        self.in_transaction = True
        try:
            yield
        except BaseException:
            self.in_transaction = False
            self.execute_statement("ROLLBACK")
            raise
        self.in_transaction = False
        self.execute_statement("COMMIT")

    def execute_statement(self, sql: str) -> None:
        """Run a statement that returns no rows."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def scheme_of(url: str) -> str:
    # Not urlsplit: it rejects netlocs with brackets that are not IPv6 (spark://local[2]).
    scheme = re.match(r"[A-Za-z][A-Za-z0-9+.-]*(?=:)", url)
    return scheme.group().lower().split("+", 1)[0] if scheme else ""


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:  # spark://local[2] and the like hold no password
        return url
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url
