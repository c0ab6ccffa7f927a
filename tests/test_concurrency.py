"""Concurrent runs: N runs of each of M projects at once, as separate processes, on one
warehouse, starting from no tables. Every run exits 0 (waiting for the others instead of
failing), and each project's results are stored once.

PostgreSQL: first runs race to create the tables ("duplicate key value violates unique
constraint pg_type_typname_nsp_index") unless creation is serialized. SQLite: a run must
wait for the others rather than fail with "database is locked". DuckDB: a file admits one
process, so runs wait for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECTS = 3  # M
RUNS = 3  # N, of each project
CONFIG = "version: 1\nproject: {id}\ngrain: month\n"
SPECS = """\
version: 1
sources:
  - {id: r, type: file, path: data/r.csv, time: t, key: id}
metrics:
  - {id: nps, type: nps, source: r, column: score}
  - {id: avg, type: mean, source: r, column: score}
pyramids:
  - id: idx
    children:
      - {metric: nps}
      - {metric: avg, bounds: [0, 10]}
"""
DATA = "id,t,score\n" + "".join(f"{i},2026-{1 + i % 12:02d}-05T10:00:00Z,{i % 11}\n" for i in range(240))
ROOT = Path(__file__).resolve().parents[1]
#: A process that opens a DuckDB file, says so, and keeps it open.
HOLD = "import duckdb, time; c = duckdb.connect({path!r}); print(1, flush=True); time.sleep(60)"


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param != "postgres":
        files = {"duckdb": f"duckdb:///{tmp_path}/w.duckdb", "sqlite": f"sqlite:///{tmp_path}/w.db"}
        return files[request.param]
    import psycopg

    server = request.getfixturevalue("postgres_url")
    name = f"concurrency_{os.getpid()}_{int(time.time() * 1000)}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # a test's own SQL: a database with no tables
    return server.rsplit("/", 1)[0] + f"/{name}"


def run_all_at_once(roots, url):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "cxspec", "run", str(root), "--quiet", "--warehouse", url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(RUNS)
        for root in roots
    ]
    return [(p.wait(timeout=300), p.stderr.read()) for p in processes]


def test_n_runs_of_m_projects_at_once(make_project, warehouse_url):
    roots = [
        make_project({"specs.yaml": SPECS, "data/r.csv": DATA}, config=CONFIG.format(id=f"p{i}"))
        for i in range(PROJECTS)
    ]
    outcomes = run_all_at_once(roots, warehouse_url)
    failures = [err for code, err in outcomes if code != 0]
    assert not failures, failures[0]

    from cxspec import load_project
    from cxspec.query import connect
    from cxspec.registry import default_registry

    with connect(warehouse_url, load_project(roots[0]), default_registry()) as warehouse:
        _, rows = warehouse.execute(
            'SELECT "project", count(*) FROM "cxspec_results" GROUP BY "project" ORDER BY 1'
        )
        _, layout = warehouse.execute('SELECT * FROM "cxspec_layout"')
    assert rows == [(f"p{i}", 2 * 12) for i in range(PROJECTS)]  # 2 metrics × 12 months, once
    assert layout == [(4,)]


def test_a_duckdb_file_held_by_another_process_is_waited_for_then_named(make_project, tmp_path, monkeypatch):
    """DuckDB admits one process per file: a run waits for it, and past the wait says who holds it."""
    from cxspec import load_project
    from cxspec.warehouse import WarehouseError
    from cxspec.warehouses import duckdb_warehouse

    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD.format(path=str(path))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        holder.stdout.readline()
        monkeypatch.setattr(duckdb_warehouse, "LOCK_WAIT_SECONDS", 1)
        project = load_project(make_project({"specs.yaml": SPECS, "data/r.csv": DATA}))
        started = time.monotonic()
        with pytest.raises(WarehouseError) as error:
            duckdb_warehouse.DuckDBWarehouse(f"duckdb:///{path}", project)
        assert time.monotonic() - started >= 1
        assert f"is in use by another process (PID {holder.pid})" in str(error.value)
        assert "DuckDB lets one process open a file at a time" in str(error.value)
    finally:
        holder.kill()
        holder.wait()
