"""Where result tables live, and how a new version of several tables replaces the old one.

Spark has no multi-statement transactions. A commit here is a two-phase swap:

1. every changed table's new content is written in full as `<table>__next`;
2. a commit marker naming those tables is written (one atomic step: a file replaced with
   os.replace, or a table that the catalog registers only once its data is written);
3. each table is swapped: `<table>` → `<table>__old`, `<table>__next` → `<table>`, the old
   one dropped; then the marker is removed.

A run that dies before the marker leaves the stored tables untouched (its `__next` leftovers
are dropped by the next connection); one that dies after it is rolled forward by the next
connection. Readers during a swap can, for an instant, find a table missing; they never see a
mix of old and new rows within a table, nor a half-written table.

Two layouts provide the steps: `FolderLayout` (local sessions: parquet folders below the
`results=` folder, registered in the session catalog as external tables, renames by the file
system) and `CatalogLayout` (Spark Connect and clusters: managed parquet tables in the catalog,
renames by ALTER TABLE).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from sqlglot import exp

MARKER = "cxspec__commit"


def drop_table(table: exp.Table) -> str:
    """DROP TABLE IF EXISTS (sqlglot 30 keeps the tables in `tables`, earlier ones in `this`)."""
    target = {"tables": [table]} if "tables" in exp.Drop.arg_types else {"this": table}
    return exp.Drop(kind="TABLE", exists=True, **target).sql("spark")


def next_name(table: str) -> str:
    return f"{table}__next"


def old_name(table: str) -> str:
    return f"{table}__old"


class Layout:
    def __init__(self, session):
        self.session = session

    # -- the primitive steps each layout provides ----------------------------------------

    def qualified(self, table: str) -> exp.Table:
        """The catalog name compiled SQL reads the table by."""
        raise NotImplementedError

    def exists(self, table: str) -> bool:
        raise NotImplementedError

    def create_empty(self, table: str, schema) -> None:
        raise NotImplementedError

    def write(self, table: str, frame) -> None:
        """Write a complete new table (replacing any leftover of that name)."""
        raise NotImplementedError

    def rename(self, source: str, target: str) -> None:
        raise NotImplementedError

    def drop(self, table: str) -> None:
        raise NotImplementedError

    def write_marker(self, tables: list[str]) -> None:
        raise NotImplementedError

    def read_marker(self) -> list[str] | None:
        raise NotImplementedError

    def drop_marker(self) -> None:
        raise NotImplementedError

    def refresh(self, table: str) -> None:
        """After a swap: make the catalog read the table's new files."""

    # -- the protocol --------------------------------------------------------------------

    def ensure(self, table: str, schema) -> None:
        if not self.exists(table):
            self.create_empty(table, schema)
        else:
            self.refresh(table)

    def commit(self, frames: dict[str, object]) -> None:
        """Replace each table's content by its frame: all of them, or (after a crash) none."""
        if not frames:
            return
        for table, frame in frames.items():
            self.write(next_name(table), frame)
        self.write_marker(sorted(frames))  # the commit point
        self.roll_forward()

    def roll_forward(self) -> None:
        for table in self.read_marker() or []:
            self._swap(table)
        self.drop_marker()

    def recover(self, tables: tuple[str, ...]) -> None:
        """Finish a commit that died after its marker; drop what one that died before left."""
        if self.read_marker() is not None:
            self.roll_forward()
        for table in tables:
            for leftover in (next_name(table), old_name(table)):
                if self.exists(leftover):
                    self.drop(leftover)

    def _swap(self, table: str) -> None:
        if self.exists(next_name(table)):
            if self.exists(table):
                if self.exists(old_name(table)):
                    self.drop(old_name(table))
                self.rename(table, old_name(table))
            self.rename(next_name(table), table)
        if self.exists(old_name(table)):
            self.drop(old_name(table))
        self.refresh(table)


class FolderLayout(Layout):
    """Parquet folders below one folder on this machine; the catalog points at them."""

    def __init__(self, session, folder: Path):
        super().__init__(session)
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, table: str) -> Path:
        return self.folder / table

    def qualified(self, table):
        return exp.Table(this=exp.to_identifier(table, quoted=True))

    def exists(self, table):
        # A folder Spark finished writing has _SUCCESS; one without it is a crashed write.
        return (self.path(table) / "_SUCCESS").exists()

    def create_empty(self, table, schema):
        self.write(table, self.session.createDataFrame([], schema))
        self.refresh(table)

    def write(self, table, frame):
        frame.write.mode("overwrite").parquet(str(self.path(table)))

    def rename(self, source, target):
        os.rename(self.path(source), self.path(target))

    def drop(self, table):
        shutil.rmtree(self.path(table), ignore_errors=True)

    @property
    def marker_path(self) -> Path:
        return self.folder / f"{MARKER}.json"

    def write_marker(self, tables):
        partial = self.marker_path.with_suffix(".partial")
        with open(partial, "w", encoding="utf-8") as handle:
            json.dump(tables, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, self.marker_path)

    def read_marker(self):
        try:
            return json.loads(self.marker_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def drop_marker(self):
        self.marker_path.unlink(missing_ok=True)

    def refresh(self, table):
        """(Re)register `table` as an external table over its folder, in the session catalog."""
        catalog = self.session.catalog
        if catalog.tableExists(table):
            if catalog.getTable(table).tableType != "EXTERNAL":
                from cxspec import WarehouseError

                raise WarehouseError(
                    f"the Spark catalog holds a managed table {table!r}: cxspec keeps its results in "
                    f"{self.path(table)}; drop or rename that table"
                )
            # Dropping an external table forgets it; its files stay.
            self.session.sql(drop_table(self.qualified(table)))
        if self.exists(table):
            schema = self.session.read.parquet(str(self.path(table))).schema
            catalog.createTable(table, path=str(self.path(table)), source="parquet", schema=schema)


class CatalogLayout(Layout):
    """Managed parquet tables in the session's catalog (optionally in one database)."""

    def __init__(self, session, database: str | None):
        super().__init__(session)
        self.database = database

    def qualified(self, table):
        db = exp.to_identifier(self.database, quoted=True) if self.database else None
        return exp.Table(this=exp.to_identifier(table, quoted=True), db=db)

    def _name(self, table: str) -> str:
        return self.qualified(table).sql("spark")

    def exists(self, table):
        return (
            self.session.catalog.tableExists(table, self.database)
            if self.database
            else (self.session.catalog.tableExists(table))
        )

    def create_empty(self, table, schema):
        self.write(table, self.session.createDataFrame([], schema))

    def write(self, table, frame):
        # saveAsTable registers the table once its data is written: a crash leaves no table.
        frame.write.mode("overwrite").format("parquet").saveAsTable(self._name(table))

    def rename(self, source, target):
        alter = exp.Alter(
            this=self.qualified(source),
            kind="TABLE",
            actions=[exp.AlterRename(this=self.qualified(target))],
        )
        self.session.sql(alter.sql("spark"))

    def drop(self, table):
        self.session.sql(drop_table(self.qualified(table)))

    def write_marker(self, tables):
        frame = self.session.createDataFrame([(t,) for t in tables], "name STRING")
        self.write(MARKER, frame)

    def read_marker(self):
        if not self.exists(MARKER):
            return None
        return sorted(row[0] for row in self.session.table(self._name(MARKER)).collect())

    def drop_marker(self):
        self.drop(MARKER)

    def refresh(self, table):
        if self.exists(table):
            self.session.catalog.refreshTable(self._name(table))
