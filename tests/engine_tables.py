"""A table of rows in each engine's own database, for tests of `type: table` sources: a DuckDB
or SQLite file in the test's folder, or the session's PostgreSQL (conftest.py)."""

from __future__ import annotations


def make_table(engine: str, url: str, tmp_path, create: str, table: str, rows: list[tuple]) -> None:
    """`create` (CREATE TABLE `table` …) and `rows` inserted, in the database `url` names."""
    marks = ", ".join("?" * len(rows[0]))
    if engine == "sqlite":
        import sqlite3

        con = sqlite3.connect(tmp_path / "w.db")
        con.execute(create)
        con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        con.commit()
        con.close()
    elif engine == "duckdb":
        import duckdb

        con = duckdb.connect(str(tmp_path / "w.duckdb"))
        con.execute(create)
        con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        con.close()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as con:
            con.execute(f"DROP TABLE IF EXISTS {table}")
            con.execute(create)
            with con.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {table} VALUES ({marks.replace('?', '%s')})", rows)


def table_url(request, tmp_path, create: str, table: str, rows: list[tuple]) -> str:
    """For a fixture parametrised by engine ("duckdb", "sqlite", "postgres"): the warehouse
    URL of a database holding the table."""
    engine = request.param
    found = (
        request.getfixturevalue("postgres_url")
        if engine == "postgres"
        else {"duckdb": f"duckdb:///{tmp_path}/w.duckdb", "sqlite": f"sqlite:///{tmp_path}/w.db"}[engine]
    )
    make_table(engine, found, tmp_path, create, table, rows)
    return found
