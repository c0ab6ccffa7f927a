"""Registers the built-in warehouses through the same hook as plugins."""

from cxspec.hookspecs import hookimpl


@hookimpl
def cxspec_register_warehouses():
    from cxspec.warehouses.duckdb_warehouse import DuckDBWarehouse
    from cxspec.warehouses.postgres_warehouse import PostgresWarehouse
    from cxspec.warehouses.sqlite_warehouse import SQLiteWarehouse

    return [DuckDBWarehouse, SQLiteWarehouse, PostgresWarehouse]
