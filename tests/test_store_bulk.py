"""Bulk storing: a run's rows reach the warehouse through the engine's bulk path (Arrow on
DuckDB, COPY on PostgreSQL, batched executemany in one transaction on SQLite), not a
statement per row, and come back exactly as computed. Long histories report in part
(`cxspec report --periods N`). The timing is in benchmarks/bench_store.py."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cxspec import load_project
from cxspec.query import MetricResult, connect
from cxspec.registry import default_registry
from cxspec.runs.fingerprint import metric_definition_hash, spec_hash
from cxspec.runs.store import RunInfo, load, store
from cxspec.warehouse import Warehouse

REGISTRY = default_registry()
CONFIG = "version: 1\nproject: bulk\ngrain: day\n"
SPECS = """\
version: 1
sources:
  - {id: r, type: file, path: data/r.csv, time: t, key: id}
metrics:
  - {id: nps, type: nps, source: r, column: score}
  - {id: avg, type: mean, source: r, column: score}
goals:
  - {metric: nps, target: 50, warn: 10}
pyramids:
  - id: idx
    children:
      - {metric: nps}
      - {metric: avg, bounds: [0, 10]}
"""
DAYS = 3_000


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return {"duckdb": f"duckdb:///{tmp_path}/w.duckdb", "sqlite": f"sqlite:///{tmp_path}/w.db"}[request.param]


def many_results() -> list[MetricResult]:
    first = dt.date(2010, 1, 1)
    rows = []
    for d in range(DAYS):
        day = (first + dt.timedelta(days=d)).isoformat()
        rows.append(MetricResult("nps", day, {}, float(d % 201 - 100), 50 + d % 7, d % 3, 4.25))
        missing = d % 10 == 0
        rows.append(MetricResult("avg", day, {}, None if missing else d / 7, None if missing else 9, 0, None))
    return rows


def test_many_rows_go_in_bulk_and_come_back_as_computed(make_project, warehouse_url, monkeypatch):
    root = make_project({"specs.yaml": SPECS}, config=CONFIG)
    project = load_project(root)
    results = many_results()
    info = RunInfo("bulk", spec_hash(project), "day", "2026-01-01 00:00:00")
    definitions = {m: metric_definition_hash(project, metric) for m, metric in project.metrics.items()}
    with connect(warehouse_url, project, REGISTRY) as warehouse:
        calls = []
        if warehouse.dialect != "sqlite":  # SQLite's bulk path is executemany, in batches

            def one_by_one(self, sql, rows):
                calls.append(len(rows))
                raise AssertionError("a statement per row")

            monkeypatch.setattr(type(warehouse), "executemany", one_by_one)
        else:
            original = type(warehouse).executemany

            def counted(self, sql, rows):
                calls.append(len(rows))
                return original(self, sql, rows)

            monkeypatch.setattr(type(warehouse), "executemany", counted)
        store(warehouse, project, REGISTRY, info, results, definitions)
        stored, scores = load(warehouse, "bulk", "day")
    if warehouse_url.startswith("sqlite"):
        assert calls and max(calls) <= 10_000 and sum(calls) == len(results)
    else:
        assert calls == []
    assert len(stored) == len(results)
    got = {(r.metric, r.period): (r.value, r.n, r.invalid, r.moe) for r in stored}
    for r in results:
        assert got[(r.metric, r.period)] == (r.value, r.n, r.invalid, r.moe)
    assert {s.period for s in scores} == {r.period for r in results}


def test_insert_rows_sends_batches_through_executemany_by_default():
    sent = []

    class Recording(Warehouse):
        name, schemes, dialect = "recording", ("recording",), "duckdb"

        def executemany(self, sql, rows):
            sent.append((sql, len(rows)))

    warehouse = Recording("recording://", None)
    warehouse.insert_rows("t", ["a", "b"], [(i, i) for i in range(25_001)])  # a plugin's: one call
    warehouse.insert_batches("t", ["a", "b"], [(i, i) for i in range(25_001)], batch=10_000)
    warehouse.insert_rows("t", ["a", "b"], [])
    assert [n for _, n in sent] == [25_001, 10_000, 10_000, 5_001]
    assert sent[0][0] == 'INSERT INTO "t" ("a", "b") VALUES (?, ?)'


def test_report_periods_limits_a_report_to_the_latest(make_project, run_main, tmp_path):
    data = "id,t,score\n" + "".join(f"{m},2026-{m:02d}-05T10:00:00Z,{m % 11}\n" for m in range(1, 13))
    root = make_project(
        {"specs.yaml": SPECS, "data/r.csv": data},
        config=CONFIG.replace("day", "month") + f'warehouse: "duckdb:///{tmp_path}/w.duckdb"\n',
    )
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    code, everything, err = run_main("report", str(root), "--format", "json")
    assert code == 0, err
    code, latest, err = run_main("report", str(root), "--format", "json", "--periods", "2")
    assert code == 0, err
    assert "2026-01-01" in everything and "2026-10-01" in everything
    assert "2026-01-01" not in latest and "2026-10-01" not in latest
    assert "2026-11-01" in latest and "2026-12-01" in latest
    assert len(latest) < len(everything)
    json.loads(latest)
    code, _, err = run_main("report", str(root), "--periods", "0")
    assert code == 2, err
