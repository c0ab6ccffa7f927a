"""SIGINT and SIGTERM in every phase of `cxspec run` (validating, computing, storing, writing
reports), on DuckDB, SQLite and PostgreSQL: exit 130 or 143 with "interrupted", no traceback, no "This is a bug"; stored results
whole; reports either the old ones or the new ones (issue 13, finding 7).

Each case runs `cxspec run` in a process of its own, which sends itself the signal at a chosen
point: a real signal, delivered at a point that does not depend on the machine's speed."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cxspec import load_project
from cxspec.registry import default_registry
from cxspec.runs.run import stored_results

ROOT = Path(__file__).resolve().parent.parent
SPECS = """version: 1
sources:
  - {id: r, type: file, path: r.csv, time: t, key: id}
metrics:
  - {id: nps, type: nps, source: r, column: nps}
pyramids:
  - id: cx-index
    children:
      - {metric: nps}
"""
CSV = "id,t,nps\n1,2026-01-03T10:00:00Z,10\n2,2026-01-04T10:00:00Z,3\n3,2026-02-04T10:00:00Z,9\n"

DRIVER = """
import os, signal, sys, threading
phase, name, project = sys.argv[1:4]
number = getattr(signal, name)

def hit():
    os.kill(os.getpid(), number)

if phase == "validate":
    import cxspec.validate as validate
    real_validate = validate.validate_project
    def validating(*args, **kwargs):
        hit()
        return real_validate(*args, **kwargs)
    validate.validate_project = validating
elif phase == "compute":  # from another thread, while DuckDB's query runs
    import cxspec.runs.run as run
    real_compute = run.compute_with
    def computing(*args, **kwargs):
        threading.Timer(0.5, hit).start()
        return real_compute(*args, **kwargs)
    run.compute_with = computing
elif phase == "computing":  # connected, the metrics' queries about to run
    import cxspec.runs.run as run
    real_compute = run.compute_with
    def computing(*args, **kwargs):
        hit()
        return real_compute(*args, **kwargs)
    run.compute_with = computing
elif phase == "storing":  # inside the transaction, right after the old rows are deleted
    import cxspec.query as query
    real_connect = query.connect
    def connecting(*args, **kwargs):
        warehouse = real_connect(*args, **kwargs)
        for method in ("execute", "execute_statement"):
            real = getattr(warehouse, method)
            def statement(sql, *rest, real=real):
                answer = real(sql, *rest)
                if sql.lstrip().upper().startswith("DELETE") and "cxspec_results" in sql:
                    hit()
                return answer
            setattr(warehouse, method, statement)
        return warehouse
    query.connect = connecting
    import cxspec.runs.run as run
    run.connect = connecting
elif phase == "reports":  # half-way through the reports: one written, the next one not yet
    import cxspec.safe_write as safe_write
    real_fsync = safe_write.os.fsync
    calls = []
    def syncing(descriptor):
        calls.append(descriptor)
        if len(calls) == 2:
            hit()
        return real_fsync(descriptor)
    safe_write.os.fsync = syncing

from cxspec.cli import main
main(["run", project, "--quiet"])
"""


def run_interrupted(phase: str, name: str, project: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("CXSPEC_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-c", DRIVER, phase, name, str(project)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def assert_interrupted(done: subprocess.CompletedProcess, name: str) -> None:
    assert done.returncode == 128 + getattr(signal, name), done.stderr
    assert done.stderr.strip().splitlines()[-1] == "interrupted", done.stderr
    assert "Traceback" not in done.stderr and "This is a bug" not in done.stderr


@pytest.fixture
def project(make_project, run_main, request):
    """A project with a first run stored and reported, and new data for the next one."""
    database = getattr(request, "param", "duckdb:///results.duckdb")
    project_id = "t"
    if database == "postgres":  # a server shared by the session: a project of its own
        database = request.getfixturevalue("postgres_url")
        project_id = "interrupted_" + hashlib.sha256(request.node.name.encode()).hexdigest()[:10]
    root = make_project(
        {"specs.yaml": SPECS, "r.csv": CSV},
        config=f"version: 1\nproject: {project_id}\ngrain: month\nwarehouse: {database}\n",
    )
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    (root / "r.csv").write_text(CSV.replace(",10\n", ",0\n"), encoding="utf-8")
    return root


def stored(project: Path) -> list:
    rows = stored_results(load_project(project), default_registry()).results
    return [(r.metric, r.period, r.value, r.computed_at) for r in rows]


def reports(project: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted((project / "cxspec-out").iterdir())}


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("phase", ["validate", "computing", "storing", "reports"])
def test_an_interrupted_run_exits_cleanly(phase, name, project):
    before, old_reports = stored(project), reports(project)
    done = run_interrupted(phase, name, project)
    assert_interrupted(done, name)
    after = stored(project)
    if phase == "reports":  # stored before the reports: the new results, whole
        assert [row[:2] for row in after] == [row[:2] for row in before] and after != before
    else:
        assert after == before  # nothing stored, or the transaction rolled back
    now = reports(project)
    assert sorted(now) == sorted(old_reports)  # no temporary file left
    if phase == "reports":  # the first report was renamed into place whole before the signal
        assert now["report.html"] != old_reports["report.html"] and now["report.html"].endswith(b"</html>\n")
        now["report.html"] = old_reports["report.html"]
    assert now == old_reports  # the old reports, complete
    json.loads(now["report.json"])


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("phase", ["computing", "storing", "reports"])
@pytest.mark.parametrize("project", ["sqlite:///results.db", "postgres"], indirect=True)
def test_an_interrupted_run_on_sqlite_and_postgres(phase, name, project):
    """The same phases on the other engines: SQLite's and PostgreSQL's transactions roll back."""
    test_an_interrupted_run_exits_cleanly(phase, name, project)


@pytest.mark.parametrize("project", ["sqlite:///results.db"], indirect=True)
def test_an_interrupt_while_storing_on_sqlite_rolls_back(project):
    before = stored(project)
    assert_interrupted(run_interrupted("storing", "SIGTERM", project), "SIGTERM")
    assert stored(project) == before


@pytest.fixture(scope="module")
def slow_project(tmp_path_factory):
    """A DuckDB table of 5 million rows at day grain: computing takes several seconds."""
    import duckdb

    root = tmp_path_factory.mktemp("slow")
    (root / "cxspec.yaml").write_text(
        "version: 1\nproject: slow\ngrain: day\nwarehouse: duckdb:///results.duckdb\n", encoding="utf-8"
    )
    (root / "specs.yaml").write_text(
        "version: 1\nsources:\n  - {id: r, type: table, table: big, time: t, key: id}\nmetrics:\n"
        "  - {id: median, type: percentile, source: r, column: v, percentile: 0.5}\n"
        "  - {id: kinds, type: count_distinct, source: r, column: v}\n",
        encoding="utf-8",
    )
    with duckdb.connect(str(root / "results.duckdb")) as connection:
        connection.execute(
            "CREATE TABLE big AS SELECT i AS id, TIMESTAMP '2020-01-01' + to_seconds(i % 31536000) AS t, "
            "random() AS v FROM range(5000000) r(i)"
        )
    return root


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_an_interrupt_while_duckdb_computes(name, slow_project):
    """DuckDB turns KeyboardInterrupt into RuntimeError("Query interrupted"), which was reported
    as a bug in cxspec."""
    started = time.monotonic()
    done = run_interrupted("compute", name, slow_project)
    assert_interrupted(done, name)
    assert time.monotonic() - started < 20
    assert not (slow_project / "cxspec-out").exists()
