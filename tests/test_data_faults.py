"""Bad data and failing warehouses during `cxspec run`: a clear error (no traceback), exit
status 1, and the stored results exactly as they were before the run.

The stored tables are compared row by row (every column, computed_at included) before and
after the failed run, on DuckDB, SQLite and PostgreSQL. The dropped connection stops a
dedicated PostgreSQL server in the middle of a run (while computing, and inside the storing
transaction), restarts it, and compares.
"""

from __future__ import annotations

import math
import os
import re

import pytest

from cxspec import load_project
from cxspec.registry import default_registry
from cxspec.runs import run as run_module
from cxspec.runs import store as store_module
from cxspec.runs.run import run_project, stored_results

REGISTRY = default_registry()
CONFIG = "version: 1\nproject: faults\ngrain: month\n"
SPECS = """\
version: 1
sources:
  - {id: r, type: file, path: data/r.csv, time: t, key: id}
metrics:
  - {id: nps, type: nps, source: r, column: score}
  - {id: promoters, type: rate, source: r, condition: "score >= 9"}
  - {id: avg, type: mean, source: r, column: score}
goals:
  - {metric: nps, target: 50, warn: 10}
pyramids:
  - id: idx
    children:
      - {metric: nps}
      - {metric: avg, bounds: [0, 10]}
"""
GOOD = "id,t,score\n1,2026-01-05T10:00:00Z,10\n2,2026-01-06T10:00:00Z,3\n3,2026-02-07T10:00:00Z,9\n"

#: fault → (new content of data/r.csv, or None to delete it; what the error says, by engine)
NO_PERIOD = "a result without a period"
FAULTS = {
    # A header-only file is an empty source, not a fault: tests/test_store_empty.py.
    "source file missing": (None, {"any": "CX410: source 'r' cannot be read"}),
    # The column is text: the NPS counts 'ten' as invalid, but `score >= 9` compares text with
    # a number, which engines answer differently: refused on every engine, at the condition.
    "text in the score column": (GOOD.replace(",10\n", ",ten\n"), {"any": "error CX406"}),
    "unparseable timestamps": (
        GOOD.replace("2026-01-05T10:00:00Z", "2026-13-45T99:00:00Z"),
        {"any": "CX411: 1 rows of source 'r' have a 't' that is not a time ('2026-13-45T99:00:00Z')"},
    ),
    "a number beyond a double": (GOOD.replace(",10\n", ",1e400\n"), {"any": "error CX406"}),
    "rows longer than the header": (
        GOOD + "4,2026-02-08T10:00:00Z,7,extra\n",
        {"any": "CX404: time of source 'r' names 't'"},
    ),
    "binary garbage": (
        b"\xff\xfe\x00\x01garbage\x00\n\x00",
        {"any": "CX410: data file 'data/r.csv' of source 'r' is not text: it is binary"},
    ),
    "all NULL scores, compared with a number": (
        # An all-empty column is text (declare its type); `score >= 9` cannot compare it.
        "id,t,score\n1,2026-01-05T10:00:00Z,\n2,2026-02-06T10:00:00Z,\n",
        {"any": "error CX406"},
    ),
}


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return {"duckdb": f"duckdb:///{tmp_path}/w.duckdb", "sqlite": f"sqlite:///{tmp_path}/w.db"}[request.param]


def make(make_project, url: str, specs: str = SPECS):
    root = make_project({"specs.yaml": specs}, config=CONFIG + f'warehouse: "{url}"\n')
    (root / "data").mkdir()
    (root / "data" / "r.csv").write_text(GOOD, encoding="utf-8")
    return root


def snapshot(root) -> tuple:
    """Every stored row, every column, of this project (and of nothing else)."""
    from cxspec.query import connect

    project = load_project(root)
    with connect(None, project, REGISTRY) as warehouse:
        tables = []
        for table in ("cxspec_results", "cxspec_scores"):
            columns, rows = warehouse.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - a test's own SQL
            tables.append((tuple(columns), sorted(tuple(str(v) for v in row) for row in rows)))
    return tuple(tables)


def write_fault(root, content) -> None:
    path = root / "data" / "r.csv"
    if content is None:
        path.unlink()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_data_fault_fails_cleanly_and_keeps_stored_results(fault, make_project, warehouse_url, run_main):
    root = make(make_project, warehouse_url)
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    before = snapshot(root)
    assert before[0][1], "the first run stored results"

    content, messages = FAULTS[fault]
    engine = warehouse_url.split(":", 1)[0].replace("postgresql", "postgres")
    expected = messages.get("any", messages.get(engine))
    write_fault(root, content)
    code, out, err = run_main("run", str(root), "--quiet")

    assert code == 1
    assert "Traceback" not in err and "internal error" not in err
    if expected.startswith("error CX"):  # a diagnostic at the spec, before any SQL runs
        assert err.startswith("specs.yaml:"), err
    assert expected in err, err
    assert out == ""
    if "CX416" not in expected:  # found by the data checks: nothing computed, nothing stored
        assert err.startswith(("cxspec: error:", "specs.yaml:")), err
        assert snapshot(root) == before
        return
    # A metric the warehouse refused, named with its location: its stored results stay as
    # they were; the other metrics are stored anew.
    lines = SPECS.splitlines()
    failed = set(re.findall(r"CX416 metric '(\w+)'", err))
    for metric in failed:  # each named with where it is defined
        line = lines.index(next(x for x in lines if f"id: {metric}," in x)) + 1
        assert f"CX416 metric '{metric}' (specs.yaml:{line}:5) failed on the warehouse" in err
    after = snapshot(root)
    results_before, results_after = before[0][1], after[0][1]
    assert [r for r in results_after if r[2] in failed] == [r for r in results_before if r[2] in failed]
    others = [r for r in results_after if r[2] not in failed]
    assert {r[2] for r in others} == {"nps", "promoters", "avg"} - failed
    if others:
        assert others != [r for r in results_before if r[2] not in failed]  # the new data's numbers


def test_all_null_scores_are_no_observations(make_project, tmp_path, run_main):
    """All-NULL scores are data, not a fault: n = 0, no value, no status; the run succeeds."""
    specs = SPECS.replace('  - {id: promoters, type: rate, source: r, condition: "score >= 9"}\n', "")
    root = make(make_project, f"duckdb:///{tmp_path}/w.duckdb", specs)
    rows = [("2026-01-05T10:00:00Z", None), ("2026-02-06T10:00:00Z", None)]
    (root / "data" / "r.csv").write_text(
        "id,t,score\n" + "".join(f"{i},{t},\n" for i, (t, _) in enumerate(rows)), encoding="utf-8"
    )
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    stored = stored_results(load_project(root), REGISTRY)
    months = sorted({t[:7] + "-01" for t, _ in rows})
    for metric in ("nps", "avg"):
        mine = [r for r in stored.results if r.metric == metric]
        assert [r.period for r in mine] == months
        observed = [s for _, s in rows if s is not None]
        assert all(r.n == len(observed) == 0 and r.value is None and r.status is None for r in mine)
    assert stored.scores == [] or all(s.score is None or math.isfinite(s.score) for s in stored.scores)


# -- a PostgreSQL server that goes away in the middle of a run -----------------------------


@pytest.fixture(scope="module")
def dedicated_postgres():
    """A PostgreSQL server of this module's own, which its tests stop and restart."""
    from pgserver import PostgresServer, ServerUnavailable

    try:
        import psycopg  # noqa: F401

        server = PostgresServer()
        server.start()
    except (ImportError, ServerUnavailable) as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required when CI=true, but {exc}", pytrace=False)
        pytest.skip(f"no PostgreSQL: {exc}")
    try:
        yield server
    finally:
        server.stop()


def restart(server) -> None:
    """Start the stopped server again on its data folder and port (crash recovery runs)."""
    options = f"-c listen_addresses=127.0.0.1 -p {server.port} -k {server.folder} -c fsync=off"
    started = server._run(
        [str(server.bindir / "pg_ctl"), "-D", str(server.data), "-l", str(server.folder / "server.log"),
         "-o", options, "-w", "-t", "30", "start"],
        timeout=40,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr + server._log()
    assert server._wait_ready()


@pytest.mark.parametrize("when", ["computing", "storing"])
def test_server_stopped_during_a_run(when, dedicated_postgres, make_project, monkeypatch, run_main):
    server = dedicated_postgres
    root = make(make_project, server.url)
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    before = snapshot(root)
    # New data: a run that got through would change the stored values.
    (root / "data" / "r.csv").write_text(GOOD.replace(",10\n", ",0\n"), encoding="utf-8")

    def stop_then(original):
        def wrapper(*args, **kwargs):
            server._stop()  # pg_ctl stop -m immediate: the server dies as in a crash
            return original(*args, **kwargs)

        return wrapper

    if when == "computing":
        monkeypatch.setattr(run_module, "compute_with", stop_then(run_module.compute_with))
    else:  # inside the transaction, after the old rows were deleted
        monkeypatch.setattr(store_module, "_insert_scores", stop_then(store_module._insert_scores))
    try:
        code, _, err = run_main("run", str(root), "--quiet")
    finally:
        monkeypatch.undo()
        restart(server)

    assert code == 1
    assert "Traceback" not in err and "internal error" not in err
    assert "cxspec: error: PostgreSQL" in err, err
    assert snapshot(root) == before
    # And the server, back, takes the next run.
    project = load_project(root)
    stored = run_project(project, REGISTRY)
    assert {r.metric for r in stored.results} == {"nps", "promoters", "avg"}


def test_a_misspelt_column_is_an_error_on_sqlite(make_project, tmp_path, run_main):
    """SQLite reads a double-quoted name that matches no column as a string: `scor >= 9`
    was 'scor' >= 9, true on every row, a rate of 100% without an error. Names now reach
    SQLite in backticks, which it never reads as strings."""
    specs = SPECS.replace('condition: "score >= 9"', 'condition: "scor >= 9"')
    root = make(make_project, f"sqlite:///{tmp_path}/w.db", specs)
    code, out, err = run_main("query", str(root), "-m", "promoters", "--format", "json")
    assert code == 1 and out == ""
    # The data checks find it first now, at the spec's key (tests/test_data_as_is.py).
    assert "specs.yaml:6:56: error CX404: condition of metric 'promoters' names 'scor'" in err
    from cxspec.compiler.plan import Request
    from cxspec.query import MetricsFailed, compute

    with pytest.raises(MetricsFailed, match="no such column: scor"):  # and SQLite still refuses it
        compute(load_project(root), Request(metrics=("promoters",)), REGISTRY)
