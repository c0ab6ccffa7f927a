"""PostgreSQL through psycopg 3: postgresql://user:password@host:port/database.

The session runs in UTC. File sources are read by DuckDB and copied into temporary tables
named after the source (Warehouse.local_relation, load_rows).
"""

from __future__ import annotations

from contextlib import contextmanager

from cxspec.lazyexp import LAZY_EXP as exp
from cxspec.warehouse import Warehouse, WarehouseError, redact
from cxspec.warehouses.loading import create_temp_table


class PostgresWarehouse(Warehouse):
    name = "postgresql"
    schemes = ("postgresql", "postgres")
    dialect = "postgres"

    def __init__(self, url, project):
        super().__init__(url, project)
        try:
            import psycopg
        except ImportError:
            raise WarehouseError("PostgreSQL needs psycopg 3: pip install 'cxspec[postgres]'") from None
        self._psycopg = psycopg
        try:
            self.connection = psycopg.connect(
                url.replace("postgresql+psycopg", "postgresql", 1), autocommit=True
            )
            self.connection.execute("SET TIME ZONE 'UTC'")
        except psycopg.Error as exc:
            raise WarehouseError(f"cannot connect to {redact(url)}: {str(exc).strip()}") from None

    def load_rows(self, name, columns, types, rows):
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(create_temp_table(name, columns, types, "postgres"))
                # psycopg's own composition quotes the names; COPY is not SQL sqlglot builds.
                sql = self._psycopg.sql
                statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, columns))
                )
                with cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
        except self._psycopg.Error as exc:
            raise WarehouseError(f"PostgreSQL: loading {name!r}: {str(exc).strip()}") from None
        return exp.Table(this=exp.to_identifier(name, quoted=True))

    def column_types(self, relation):
        # The types of a query that returns no rows: planned, not run (no data is read). A
        # subquery (a `sql` source) needs an alias before PostgreSQL 16.
        relation = relation.copy()
        if isinstance(relation, exp.Subquery) and not relation.alias:
            relation = exp.alias_(relation, "r", table=True, copy=False)
        query = exp.select("*").from_(relation, copy=False).limit(0).sql(dialect="postgres")
        known = self.__dict__.setdefault("_column_types", {})
        if query not in known:
            try:
                with self.connection.cursor() as cursor:
                    cursor.execute(query)
                    described = [(d.name, d.type_code) for d in cursor.description]
            except self._psycopg.Error:
                return {}  # the query itself will report the problem
            types = self._psycopg.adapters.types
            known[query] = {
                name: PG_TYPES[info.name]
                for name, code in described
                if (info := types.get(code)) is not None and info.name in PG_TYPES
            }
        return dict(known[query])

    def execute(self, sql):
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(sql)
                return [d.name for d in cursor.description], cursor.fetchall()
        except self._psycopg.Error as exc:
            raise WarehouseError(f"PostgreSQL: {str(exc).strip()}") from None

    @contextmanager
    def transaction(self):
        try:
            with self.connection.transaction():
                yield
        except self._psycopg.Error as exc:
            raise WarehouseError(f"PostgreSQL: {str(exc).strip()}") from None

    def execute_statement(self, sql):
        try:
            self.connection.execute(sql)
        except self._psycopg.Error as exc:
            raise WarehouseError(f"PostgreSQL: {str(exc).strip()}") from None

    def executemany(self, sql, rows):
        try:
            with self.connection.cursor() as cursor:
                cursor.executemany(sql, rows)
        except self._psycopg.Error as exc:
            raise WarehouseError(f"PostgreSQL: {str(exc).strip()}") from None

    def insert_rows(self, table, columns, rows):
        # COPY streams the rows in one command; executemany sends a statement per row.
        sql = self._psycopg.sql
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        try:
            with self.connection.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except self._psycopg.Error as exc:
            raise WarehouseError(f"PostgreSQL: {str(exc).strip()}") from None

    def close(self):
        self.connection.close()


#: PostgreSQL's type names → the names the compiler knows (DuckDB's).
PG_TYPES = {
    "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMP WITH TIME ZONE", "date": "DATE",
    "int2": "SMALLINT", "int4": "INTEGER", "int8": "BIGINT", "float4": "FLOAT", "float8": "DOUBLE",
    "numeric": "DECIMAL", "bool": "BOOLEAN", "text": "VARCHAR", "varchar": "VARCHAR", "bpchar": "VARCHAR",
}  # fmt: skip
