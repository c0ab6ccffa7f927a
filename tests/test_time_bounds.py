"""--from/--to bound the raw time column too (compiler/time_bounds.py): Parquet row groups
are skipped, PostgreSQL uses an index on time; the numbers are those of the periods in range,
computed in plain Python, on DuckDB, SQLite and PostgreSQL, at several grains, from text
times with offsets and from TIMESTAMP, TIMESTAMPTZ and DATE columns."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from timed_data import SPECS, csv_text, expected, responses, subscriptions, utc

from cxspec import load_project
from cxspec.compiler.plan import Request
from cxspec.compiler.time_bounds import instants, raw_bounds
from cxspec.periods import period_start
from cxspec.query import compile_for, compute, connect
from cxspec.registry import default_registry

ROWS = responses(7, dt.datetime(2025, 1, 1), 400, 900)
START, END = dt.date(2025, 3, 14), dt.date(2025, 8, 2)
#: Parquet columns: the file's time type, and the SQL writing it from the text with offsets.
PARQUET = {
    "timestamp": "CAST(CAST(t AS TIMESTAMPTZ) AS TIMESTAMP)",
    "timestamptz": "CAST(t AS TIMESTAMPTZ)",
    "date": "CAST(CAST(CAST(t AS TIMESTAMPTZ) AS TIMESTAMP) AS DATE)",
}


def make(make_project, kind: str, grain: str = "month"):
    fmt = "csv" if kind == "csv" else "parquet"
    root = make_project({"specs/s.yaml": SPECS.replace("FORMAT", fmt)},
                        config=f"version: 1\nproject: t\ngrain: {grain}\n")  # fmt: skip
    (root / "r.csv").write_text(csv_text(ROWS, ["id", "t", "score"]), encoding="utf-8")
    (root / "subs.csv").write_text(csv_text(subscriptions(3, 200), ["customer", "started", "ended"]))
    if fmt == "parquet":
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        # Time-ordered, in small row groups: a range reads few of them.
        con.execute(
            f"COPY (SELECT id, {PARQUET[kind]} AS t, score FROM read_csv('{root / 'r.csv'}', "
            "all_varchar=true, "
            f"types={{'id': 'BIGINT', 'score': 'BIGINT'}}) ORDER BY 2) TO '{root / 'r.parquet'}' "
            "(FORMAT parquet, ROW_GROUP_SIZE 100)"
        )
        con.close()
    return load_project(root)


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return {"duckdb": "duckdb:///:memory:", "sqlite": f"sqlite:///{tmp_path}/w.db"}[request.param]


def values(results) -> dict:
    return {(r.metric, r.period): r.value for r in results}


def check(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-9), key


@pytest.mark.parametrize("kind", ["csv", "timestamp", "timestamptz", "date"])
def test_range_numbers_by_column_type(make_project, warehouse, kind):
    project = make(make_project, kind)
    request = Request(metrics=("nps", "avg"), start=START, end=END)
    got = values(compute(project, request, default_registry(), warehouse))
    check(got, expected(ROWS, "month", START, END, date_only=kind == "date"))


@pytest.mark.parametrize("grain", ["day", "week", "quarter", "year"])
def test_range_numbers_by_grain(make_project, warehouse, grain):
    project = make(make_project, "csv", grain)
    request = Request(metrics=("nps", "avg"), start=START, end=END)
    got = values(compute(project, request, default_registry(), warehouse))
    check(got, expected(ROWS, grain, START, END))


def test_churn_in_range_is_the_full_spine_in_range(make_project, warehouse):
    project = make(make_project, "csv")
    registry = default_registry()
    full = values(compute(project, Request(metrics=("churn",)), registry, warehouse))
    ranged = values(compute(project, Request(metrics=("churn",), start=START, end=END), registry, warehouse))
    want = {k: v for k, v in full.items() if "2025-03-01" <= k[1] <= "2025-08-01"}
    assert len(want) == 6
    assert ranged == pytest.approx(want)


def test_bounds_are_on_the_raw_column():
    bounds = raw_bounds("t", "TIMESTAMP WITH TIME ZONE", "postgres", "month", START, END)
    assert [b.sql("postgres") for b in bounds] == [
        """"t" >= CAST('2025-03-01 00:00:00+00' AS TIMESTAMPTZ)""",
        """"t" < CAST('2025-09-01 00:00:00+00' AS TIMESTAMPTZ)""",
    ]
    assert raw_bounds("t", "VARCHAR", "duckdb", "month", START, END) == []  # text: no order to trust
    assert raw_bounds("t", None, "duckdb", "month", START, END) == []
    assert instants(dt.date(2026, 1, 1), dt.date(2026, 1, 1), "week") == (
        dt.date(2025, 12, 29),
        dt.date(2026, 1, 5),
    )
    assert period_start(dt.date(2026, 8, 31), "quarter") == dt.date(2026, 7, 1)


def test_parquet_row_groups_are_skipped(make_project):
    """DuckDB reads the row groups of the range only: the scan's filter is on `t` itself."""
    project = make(make_project, "timestamp")
    request = Request(metrics=("nps", "avg"), start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30))
    with connect("duckdb:///:memory:", project, default_registry()) as warehouse:
        (query,) = compile_for(warehouse, project, request, default_registry(), pretty=False)
        warehouse.execute("PRAGMA enable_profiling = 'json'")
        plan = warehouse.connection.execute("EXPLAIN ANALYZE " + query.sql).fetchall()[0][1]
    scans = _parquet_scans(plan)
    assert len(scans) == 1
    filters, rows = scans[0]
    assert "t >= '2025-06-01 00:00:00'" in filters and "t < '2025-07-01 00:00:00'" in filters, filters
    in_june = sum(1 for r in ROWS if "2025-06" <= _utc_month(r["t"]) < "2025-07")
    assert in_june <= rows < in_june + 200, (rows, in_june)  # row groups of 100 around June


def _utc_month(text: str) -> str:
    from timed_data import utc

    return utc(text).strftime("%Y-%m")


def _parquet_scans(plan_json: str) -> list[tuple[str, int]]:
    import json

    found = []

    def walk(node):
        if node.get("name") == "READ_PARQUET" or node.get("extra_info", {}).get("Function") == "READ_PARQUET":
            found.append((str(node["extra_info"].get("Filters", "")), int(node["intermediate_rows"])))
        for child in node.get("children", []):
            walk(child)

    for node in json.loads(plan_json)["operator"]:
        walk(node)
    return found


def test_postgres_uses_an_index_on_time(make_project, postgres_url):
    import psycopg

    table = "timed_events"
    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(f"CREATE TABLE {table} (id BIGINT, t TIMESTAMPTZ, score INT)")
        con.execute(
            f"INSERT INTO {table} SELECT g, TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * INTERVAL '1 minute', "
            "g % 11 FROM generate_series(1, 200000) AS g"
        )
        con.execute(f"CREATE INDEX ON {table} (t)")
        con.execute(f"ANALYZE {table}")
    specs = SPECS.replace(
        "{id: r, type: file, path: r.FORMAT, time: t}", f"{{id: r, type: table, table: {table}, time: t}}"
    )
    specs = "\n".join(line for line in specs.splitlines() if "subs" not in line and "churn" not in line)
    root = make_project({"specs/s.yaml": specs}, config="version: 1\nproject: t\ngrain: month\n")
    project = load_project(root)
    registry = default_registry()
    request = Request(metrics=("nps", "avg"), start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 31))
    with connect(postgres_url, project, registry) as warehouse:
        (query,) = compile_for(warehouse, project, request, registry, pretty=False)
        _, plan = warehouse.execute("EXPLAIN " + query.sql)
        results = values(compute(project, request, registry, postgres_url))
    plan_text = "\n".join(row[0] for row in plan)
    assert f"Index Scan using {table}_t_idx" in plan_text or "Bitmap Index Scan" in plan_text, plan_text
    # March 2024: minutes 87,841 … 132,480 after the start (g = minute number).
    first, after = dt.datetime(2024, 3, 1), dt.datetime(2024, 4, 1)
    march = [
        g % 11 for g in range(1, 200001) if first <= dt.datetime(2024, 1, 1) + dt.timedelta(minutes=g) < after
    ]
    assert results[("avg", "2024-03-01")] == pytest.approx(sum(march) / len(march))
    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute(f"DROP TABLE {table}")


def test_csv_times_in_an_iso_time_format_are_parsed_with_it(make_project, warehouse):
    """A CSV source whose `time_format:` is ISO: its time column stays text (typed, SQLite's
    copy was rewritten with a T on loading and no longer fit the format: CX411)."""
    rows = ROWS[:200]
    written = [{**r, "t": utc(r["t"]).isoformat(sep=" ")} for r in rows]
    specs = SPECS.replace("time: t}", 'time: t, time_format: "%Y-%m-%d %H:%M:%S"}').replace("FORMAT", "csv")
    root = make_project({"specs/s.yaml": specs}, config="version: 1\nproject: t\ngrain: month\n")
    (root / "r.csv").write_text(csv_text(written, ["id", "t", "score"]), encoding="utf-8")
    (root / "subs.csv").write_text(csv_text(subscriptions(3, 20), ["customer", "started", "ended"]))
    got = values(compute(load_project(root), Request(metrics=("nps", "avg")), default_registry(), warehouse))
    check(got, expected(rows, "month"))
