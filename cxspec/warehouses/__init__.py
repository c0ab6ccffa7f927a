"""Built-in warehouses: DuckDB (embedded, the default), SQLite and PostgreSQL."""
