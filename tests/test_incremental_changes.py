"""`run --incremental` sees changes to the periods before the watermark's latest one, which it
checks without grouping them again (cxspec/runs/incremental.py `Reading`): a row deleted,
the latest old row moved later, the latest old row deleted while another row arrives in an
older period (the count unchanged), a row at the first instant of the latest period; a row
after the as-of instant changes nothing. Each time the stored results equal the numbers
computed in plain Python. DuckDB (CSV with offsets, and Parquet with naive UTC times, whose
row groups the checks skip), SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from test_incremental import AS_OF, COLUMNS, same
from timed_data import SPECS, csv_text, expected, period_of, responses, utc

from cxspec import load_project
from cxspec.registry import default_registry
from cxspec.runs.run import run_project


@pytest.fixture(params=["duckdb", "sqlite", "postgres", "duckdb-parquet"])
def engine(request):
    return request.param


def write(root, rows, parquet: bool) -> None:
    if not parquet:
        (root / "r.csv").write_text(csv_text(rows, COLUMNS), encoding="utf-8")
        return
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE r (id INTEGER, t TIMESTAMP, score INTEGER)")
    con.executemany(
        "INSERT INTO r VALUES (?, ?, ?)",
        [(r["id"], utc(r["t"]) if r["t"] else None, r["score"]) for r in rows],
    )
    con.execute(
        f"COPY (SELECT * FROM r ORDER BY t) TO '{root / 'r.parquet'}' (FORMAT parquet, ROW_GROUP_SIZE 64)"
    )
    con.close()


def month(moment: dt.datetime) -> str:
    return period_of(moment, "month")


def test_changes_before_the_latest_period_are_seen(make_project, tmp_path, request, engine):
    parquet = engine == "duckdb-parquet"
    specs = "\n".join(line for line in SPECS.splitlines() if "subs" not in line)
    specs = specs.replace("FORMAT", "parquet" if parquet else "csv") + "\n"
    root = make_project({"specs/s.yaml": specs}, config="version: 1\nproject: changes\ngrain: month\n")
    if engine == "postgres":
        url = request.getfixturevalue("postgres_url")
    elif engine == "sqlite":
        url = f"sqlite:///{tmp_path}/c.db"
    else:
        url = f"duckdb:///{tmp_path}/c.duckdb"
    registry = default_registry()

    def run(rows) -> object:
        write(root, rows, parquet)
        stored = run_project(load_project(root), registry, url, as_of=AS_OF, incremental=True)
        got = {(r.metric, r.period): r.value for r in stored.results}
        same(got, expected([r for r in rows if r["t"] and utc(r["t"]) <= AS_OF], "month"))
        return stored

    def recomputed(*moments: dt.datetime) -> str:
        periods = ", ".join(sorted({month(m) for m in moments}))
        return f"the month periods {periods} ("

    rows = responses(7, dt.datetime(2025, 1, 1), 200, 300)
    run(rows)
    latest_period = max(month(utc(r["t"])) for r in rows)
    boundary = dt.datetime.fromisoformat(latest_period)
    old = sorted((r for r in rows if utc(r["t"]) < boundary), key=lambda r: utc(r["t"]))
    assert run(rows).incremental == "nothing: no data changed since the last run"

    # A row deleted from an old period (not the latest one of them).
    gone = old[len(old) // 2]
    rows = [r for r in rows if r is not gone]
    assert run(rows).incremental.startswith(recomputed(utc(gone["t"])))

    # The latest old row moved later, still before the latest period: the count is the same.
    last = old[-1]
    moved = {
        **last,
        "t": (utc(last["t"]) + (boundary - utc(last["t"])) / 2).isoformat(timespec="seconds") + "Z",
    }
    rows = [moved if r is last else r for r in rows]
    stored = run(rows)
    assert stored.incremental.startswith(recomputed(utc(last["t"]), utc(moved["t"]))), stored.incremental

    # The latest old row deleted while a row arrives in an older period: the count is the
    # same, the latest time earlier.
    early = {"id": 70_000, "t": "2025-02-10T08:00:00Z", "score": 10}
    rows = [r for r in rows if r is not moved] + [early]
    stored = run(rows)
    assert stored.incremental.startswith(recomputed(utc(moved["t"]), utc(early["t"]))), stored.incremental

    # A row deleted from an old period while a row without a time (blank) arrives: left out
    # of every period, it does not stand in for the deleted one.
    blank = {"id": 70_003, "t": "", "score": 7}
    gone = next(r for r in old if r in rows and r is not early)
    rows = [r for r in rows if r is not gone]
    stored = run([*rows, blank])
    assert stored.incremental.startswith(recomputed(utc(gone["t"]))), stored.incremental
    assert stored.left_out["r"].no_time == 1

    # A row at the first instant of the latest period, and one after the as-of instant.
    first = {"id": 70_001, "t": boundary.isoformat(timespec="seconds") + "Z", "score": 3}
    rows = [*rows, first]
    assert run(rows).incremental.startswith(recomputed(boundary))
    beyond = {"id": 70_002, "t": "2027-06-01T00:00:00Z", "score": 0}
    stored = run([*rows, beyond])
    assert stored.incremental == "nothing: no data changed since the last run"
    assert stored.left_out["r"].after_as_of == 1
