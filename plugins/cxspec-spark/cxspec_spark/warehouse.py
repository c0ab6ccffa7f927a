"""The Spark warehouse: compiled Spark SQL on a local session, a cluster or Spark Connect.

Parquet file sources are read by Spark itself (one temporary view per source; the file carries
its types). CSV file sources are typed by cxspec's one rule (cxspec/column_types.py) and read
through DuckDB, as on SQLite and PostgreSQL; their rows, like those a plugin's source type
reads in Python (survey exports), become a view (`load_rows`, loading.py). The session runs in
UTC. Table sources are read from the catalog.
Results are stored as described in layouts.py; the write statements are emulated as described
in statements.py.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING

from cxspec import Warehouse, WarehouseError

if TYPE_CHECKING:
    from sqlglot import exp

# The session, the layouts, the run lock and the statements are imported when a warehouse is
# opened: registering the class is all `cxspec validate` needs of this module (start-up).

#: The tables cxspec stores results in (cxspec/runs/store.py): recovered on connect.
STORED_TABLES = ("cxspec_results", "cxspec_scores")
_instances = itertools.count(1)


class SparkWarehouse(Warehouse):
    name = "spark"
    schemes = ("spark", "sc")
    dialect = "spark"

    def __init__(self, url, project):
        from cxspec_spark.layouts import CatalogLayout, FolderLayout
        from cxspec_spark.run_lock import RunLock, lock_path
        from cxspec_spark.session import open_session
        from cxspec_spark.settings import parse_url
        from cxspec_spark.statements import Versions

        super().__init__(url, project)
        self.settings = parse_url(url, project.root)
        self.session, self.started_here = open_session(self.settings)
        self.instance = next(_instances)
        self.source_views: dict[str, str] = {}
        settings = self.settings
        address = settings.remote or settings.master or ""
        self.run_lock = RunLock(lock_path(settings.results_folder, address, settings.database))
        try:
            if settings.results_folder is not None:
                self.layout = FolderLayout(self.session, settings.results_folder)
            else:
                self.layout = CatalogLayout(self.session, settings.database)
            # A marker may be a live commit of another process: finish one only under the lock.
            with self.run_lock.held():
                self.layout.recover(STORED_TABLES)
                self._refresh_stored()
        except WarehouseError:
            raise
        except Exception as exc:
            raise WarehouseError(f"Spark: cannot open the result tables: {_message(exc)}") from None
        self.versions = Versions(self.session, self.layout)
        self.versions.layout_tables.update(STORED_TABLES)
        self.in_transaction = False

    def _refresh_stored(self) -> None:
        """Read the stored tables as they are now: results stored by another process."""
        for table in STORED_TABLES:
            self.layout.refresh(table)

    # -- reading sources -----------------------------------------------------------------

    def relation(self, source, source_type):
        from sqlglot import exp

        data_file = source_type.data_file(source)
        if data_file is None or data_file.format != "parquet":
            # Tables come from the catalog, queries as subqueries; CSV files are read as on
            # every other engine: typed by cxspec's one rule through DuckDB, then loaded
            # (`local_relation` → `load_rows`), never by Spark's own CSV inference.
            return None
        if source.id not in self.source_views:
            view = f"cxspec_source_{self.instance}_{source.id}"
            try:
                # Cached: compiled SQL reads a source once per result branch, and Spark
                # would parse the file again each time (a gzip CSV in one task, at that).
                self._read_file(data_file).cache().createOrReplaceTempView(view)
            except Exception as exc:
                raise WarehouseError(f"Spark: reading source {source.id!r}: {_message(exc)}") from None
            self.source_views[source.id] = view
        return exp.Table(this=exp.to_identifier(self.source_views[source.id], quoted=True))

    def _read_file(self, data_file):
        return self.session.read.parquet(str((self.project.root / data_file.path).resolve()))

    def load_rows(self, name, columns, types, rows):
        """Rows read in Python (a plugin's export source, through DuckDB) as a cached view."""
        from sqlglot import exp

        from cxspec_spark.loading import spark_rows, spark_schema

        view = f"cxspec_source_{self.instance}_{name}"
        try:
            schema = spark_schema(columns, types)
            frame = self.session.createDataFrame(spark_rows(rows, schema), schema)
            frame.cache().createOrReplaceTempView(view)
        except Exception as exc:
            raise WarehouseError(f"Spark: loading source {name!r}: {_message(exc)}") from None
        self.source_views[name] = view
        return exp.Table(this=exp.to_identifier(view, quoted=True))

    # -- running statements --------------------------------------------------------------

    def execute(self, sql):
        from cxspec_spark.ctes import CteViews

        ctes = CteViews(self.session)
        try:
            tree = parse_one(sql, read="spark")
            # Stored results are read under the lock: never in the middle of another's swap.
            with self.run_lock.held() if _names_stored_tables(tree) else nullcontext():
                frame = _utc_timestamps(ctes.run(self.versions.resolve(tree)))
                rows = frame.collect()
            return list(frame.columns), [tuple(row) for row in rows]
        except WarehouseError:
            raise
        except Exception as exc:
            raise WarehouseError(f"Spark: {_message(exc)}") from None
        finally:
            ctes.release()

    def _writing(self):
        """The lock, for a write outside a transaction (it commits at once); a transaction holds it."""
        return nullcontext() if self.in_transaction else self.run_lock.held()

    def execute_statement(self, sql):
        from sqlglot import exp

        try:
            tree = parse_one(sql, read="spark")
            creates_table = isinstance(tree, exp.Create) and tree.kind == "TABLE"
            with self._writing():
                if creates_table and isinstance(tree.this, exp.Schema):
                    self.versions.create(tree)
                elif isinstance(tree, exp.Delete):
                    self.versions.delete(tree)
                elif isinstance(tree, exp.Insert) and not isinstance(tree.expression, exp.Values):
                    self.versions.insert(tree)
                else:
                    self.session.sql(self.versions.resolve(tree).sql("spark"))
                if not self.in_transaction:
                    self.versions.commit()
        except WarehouseError:
            raise
        except Exception as exc:
            raise WarehouseError(f"Spark: {_message(exc)}") from None

    def executemany(self, sql, rows):
        from sqlglot import exp

        try:
            tree = parse_one(sql, read="spark")
            if not isinstance(tree, exp.Insert):
                raise WarehouseError(f"Spark runs many rows only as INSERT … VALUES with placeholders: {sql}")
            with self._writing():
                self.versions.insert_rows(tree, list(rows))
                if not self.in_transaction:
                    self.versions.commit()
        except WarehouseError:
            raise
        except Exception as exc:
            raise WarehouseError(f"Spark: {_message(exc)}") from None

    @contextmanager
    def transaction(self):
        """Changes are versions until the end, then replace the stored tables together
        (layouts.py says exactly what is guaranteed); an error discards them. Other cxspec
        processes storing into the same tables wait meanwhile (run_lock.py), and the stored
        tables are read afresh once the lock is held, so a run keeps what another stored."""
        if self.in_transaction:
            yield
            return
        with self.run_lock.held():
            try:
                self._refresh_stored()
            except WarehouseError:
                raise
            except Exception as exc:
                raise WarehouseError(f"Spark: reading the stored results: {_message(exc)}") from None
            self.in_transaction = True
            try:
                yield
            except BaseException:
                self.versions.discard()
                raise
            finally:
                self.in_transaction = False
            try:
                self.versions.commit()
            except Exception as exc:
                self.versions.discard()
                raise WarehouseError(f"Spark: storing the results: {_message(exc)}") from None

    def close(self):
        try:
            for view in self.source_views.values():
                self.session.table(view).unpersist()
                self.session.catalog.dropTempView(view)
        except Exception:  # a session that is going away takes its views with it
            pass
        if self.started_here:
            self.session.stop()


def _names_stored_tables(tree: exp.Expression) -> bool:
    from sqlglot import exp

    return any(t.name.lower() in STORED_TABLES for t in tree.find_all(exp.Table))


def _utc_timestamps(frame):
    """Timestamps as UTC wall-clock values: pyspark turns TIMESTAMP into the machine's zone."""
    from pyspark.sql.types import TimestampType

    if not any(isinstance(f.dataType, TimestampType) for f in frame.schema.fields):
        return frame
    return frame.select(
        *[
            frame[i].cast("timestamp_ntz").alias(f.name)
            if isinstance(f.dataType, TimestampType)
            else frame[i]
            for i, f in enumerate(frame.schema.fields)
        ]
    )


def _message(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    skipped = ("\tat ", "JVM stack")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith(skipped)]
    return " ".join(lines[:3])[:600]


def parse_one(sql: str, read: str):
    """sqlglot's parse_one, imported when the warehouse first runs SQL (not when it is registered)."""
    import sqlglot

    return sqlglot.parse_one(sql, read=read)
