"""A run keeps the rows it stored instead of reading them back (cxspec/runs/store.py, `Written`):
what it reports must be what a later `cxspec report` reads from the store, field by field
(types too) and in the same order, on DuckDB, SQLite and PostgreSQL (in a database whose text
sorts by English rules, 'a' < 'B', where the stored order is byte order). And the goal status
computed in Python as the results are staged (scoring.goal_statuses) must be the one the SQL of
status_expression gives, which the run stored before. Expected values and statuses are
computed here in plain Python from the fixture rows."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from sqlglot import exp

from cxspec import load_project
from cxspec.commands.run_cmd import render_report
from cxspec.compiler.sqlkit import col
from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.reports.data import build_model
from cxspec.runs import run as run_module
from cxspec.runs.run import run_project, stored_results
from cxspec.runs.scoring import goal_statuses, goals_table, status_expression
from cxspec.runs.static import static_table
from tests.test_collation import icu_url  # noqa: F401 (a fixture: a database sorting 'a' < 'B')

CONFIG = "version: 1\nproject: kept\ngrain: month\nsegments: [region, [region, channel]]\n"
SPECS = """\
version: 1
sources:
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    dimensions: [region, channel]
metrics:
  - {id: score, type: mean, source: responses, column: score}
  - id: wait
    type: mean
    source: responses
    column: wait
    direction: lower_is_better
  - {id: small, type: mean, source: responses, column: score, min_sample: 4}
goals:
  - metric: score
    target: 5
    warn: 4
    segments:
      - {where: {region: a}, target: 6.5, warn: 2}
      - {where: {region: a, channel: web}, target: 9, warn: 8}
  - {metric: wait, target: 3, warn: 5}
  - {metric: small, target: 4.5}
"""
#: Regions whose byte order ('B' < 'Z' < 'a' < 'é') is not English order ('a' < 'B' < 'é' < 'Z');
#: '' is read as NULL (a segment {"region": None}).
REGIONS = ["a", "B", "é", "Z", ""]
MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04"]


def rows():
    out = []
    for i in range(120):
        region = REGIONS[i % 5]
        channel = ["web", "phone"][i % 3 // 2]
        out.append((i, f"{MONTHS[i % 4]}-{1 + i % 27:02d}", region, channel, (i * 7) % 11, (i * 5) % 9))
    return out


def files() -> dict:
    lines = ["id,t,region,channel,score,wait"] + [",".join(map(str, r)) for r in rows()]
    return {"specs.yaml": SPECS, "data/responses.csv": "\n".join(lines) + "\n"}


@pytest.fixture(params=["duckdb", "sqlite", "postgres-icu"])
def url(request, tmp_path):
    if request.param == "postgres-icu":
        return request.getfixturevalue("icu_url")
    return f"{request.param}:///{tmp_path / 'results.db'}"


def fields(results) -> list[tuple]:
    """Every field of every result with its type: a float 0.0 is not an int 0, nor "-0.0"."""
    return [tuple((k, type(v).__name__, repr(v)) for k, v in vars(r).items()) for r in results]


def expected_status(metric: str, dims: dict, value, n) -> str | None:
    """The goals of SPECS, by hand."""
    if metric == "small":
        return "insufficient_sample" if n < 4 else ("green" if value >= 4.5 else "red")
    if metric == "wait":
        return "green" if value <= 3 else ("amber" if value <= 5 else "red")
    target, warn = 5, 4
    if dims.get("region") == "a":
        target, warn = (9, 8) if dims.get("channel") == "web" else (6.5, 2)
    return "green" if value >= target else ("amber" if value >= warn else "red")


def test_a_run_reports_what_a_cold_report_reads(make_project, url, monkeypatch):
    root = make_project(files(), config=CONFIG)
    project, registry = load_project(root), default_registry()
    kept = []
    store = run_module.store
    monkeypatch.setattr(run_module, "store", lambda *a, **k: kept.append(store(*a, **k)) or kept[-1])
    first = run_project(project, registry, url, now=dt.datetime(2026, 5, 2, 8))
    # A later run of the last two months: the first two are history, read from the store.
    second = run_project(project, registry, url, now=dt.datetime(2026, 5, 3, 9), start=dt.date(2026, 3, 1))
    assert all(w is not None for w in kept)  # the rows were kept, not read back (else this is moot)
    assert len(kept[1].results) < len(second.results)  # and history was read
    cold = stored_results(project, registry, url)

    assert fields(second.results) == fields(cold.results)
    assert second.scores == cold.scores and second.segment_scores == cold.segment_scores
    assert [s.dimensions for s in second.segment_scores] == [s.dimensions for s in cold.segment_scores]
    run_only = {
        f: getattr(second, f) for f in ("computed", "failures", "left_out", "diagnostics", "transitions")
    }
    for fmt in ("json", "md"):
        made = render_report(build_model(second, registry), fmt, registry, project=project)
        read = render_report(build_model(replace(cold, **run_only), registry), fmt, registry, project=project)
        assert made == read
        assert fmt != "json" or json.loads(made)["metrics"]

    # The order is byte order (Python's), not English order, on every engine.
    keys = [
        (r.metric, r.period, json.dumps(r.dimensions, sort_keys=True, separators=(",", ":")))
        for r in cold.results
    ]
    assert keys == sorted(keys)
    regions = [r.dimensions["region"] for r in cold.results if list(r.dimensions) == ["region"]][:5]
    assert regions == ["B", "Z", "é", "a", None]  # '{"region":"\\u00e9"}': '\\' < 'a'; null after '"'
    assert sorted(regions[:4], key=str.casefold) != regions[:4]  # English order is another

    # Values and statuses, from the rows in plain Python: the first run's months as it stored
    # them (computed_at of the first run), the last two the second's.
    data = rows()
    checked = 0
    for r in cold.results:
        column = {"score": 4, "wait": 5, "small": 4}[r.metric]
        picked = [
            row[column]
            for row in data
            if row[1].startswith(r.period[:7])
            and all((row[2] or None) == v if k == "region" else row[3] == v for k, v in r.dimensions.items())
        ]
        assert r.n == len(picked)
        assert r.value == pytest.approx(sum(picked) / len(picked))
        assert r.status == expected_status(r.metric, r.dimensions, r.value, r.n), r
        assert r.computed_at == ("2026-05-02 08:00:00" if r.period < "2026-03" else "2026-05-03 09:00:00")
        checked += 1
    assert checked == len(first.results) == 3 * 4 * (1 + 5 + 10)
    assert {r.status for r in cold.results} >= {"green", "amber", "red", "insufficient_sample"}
    assert any(r.dimensions == {"region": None} for r in cold.results)


GRID_VALUES = [None, -1.0, 0.0, 2.0, 2.5, 3.0, 3.5, 4.0, 1e300]
GRID_N = [None, 0, 4, 5, 30]
GOALS_SPECS = """\
version: 1
sources:
  - {id: s, type: file, path: data/s.csv, time: t, key: id}
metrics:
  - {id: up, type: mean, source: s, column: x}
  - {id: down, type: mean, source: s, column: x, direction: lower_is_better}
  - {id: up_no_warn, type: mean, source: s, column: x}
  - {id: down_no_warn, type: mean, source: s, column: x, direction: lower_is_better}
  - {id: sample_only, type: mean, source: s, column: x, min_sample: 5}
  - {id: sampled, type: mean, source: s, column: x, min_sample: 5, direction: lower_is_better}
  - {id: no_goal, type: mean, source: s, column: x}
goals:
  - {metric: up, target: 3.5, warn: 2.5}
  - {metric: down, target: 2.5, warn: 3.5}
  - {metric: up_no_warn, target: 3}
  - {metric: down_no_warn, target: 3}
  - {metric: sampled, target: 3, warn: 4}
"""


def test_goal_status_in_python_is_the_sqls(make_project, warehouse):
    """Every metric × value × n of the grid: goal_statuses (what a run stores now) against
    status_expression run on the engine (what it stored before), and a few by hand."""
    root = make_project({"specs.yaml": GOALS_SPECS, "data/s.csv": "id,t,x\n1,2026-01-01,1\n"})
    project = load_project(root)
    grid = [(m, v, n) for m in sorted(project.metrics) for v in GRID_VALUES for n in GRID_N]
    cases = static_table({"metric": "VARCHAR", "value": "DOUBLE", "n": "BIGINT", "i": "INT"},
                         [(*case, i) for i, case in enumerate(grid)])  # fmt: skip
    query = (
        exp.select(
            col("i", "r"), exp.alias_(status_expression(col("value", "r"), col("n", "r"), "g"), "status")
        )
        .from_(exp.alias_(exp.Subquery(this=cases), "r", table=True))
        .join(
            exp.alias_(exp.Subquery(this=goals_table(project)), "g", table=True),
            on=exp.EQ(this=col("metric", "g"), expression=col("metric", "r")),
            join_type="left",
        )
    )
    with connect(warehouse, project, default_registry()) as warehouse:
        _, got = warehouse.execute(query.sql(dialect=warehouse.dialect))
    in_sql = dict(got)
    status = goal_statuses(project)
    in_python = {i: status(m, "{}", {}, v, n) for i, (m, v, n) in enumerate(grid)}
    assert in_python == in_sql
    by_hand = {
        ("up", 3.5, 30): "green", ("up", 3.0, 30): "amber", ("up", 2.0, None): "red",
        ("down", 2.5, 0): "green", ("down", 3.5, 0): "amber", ("down", 4.0, 0): "red",
        ("up_no_warn", 2.5, 4): "red", ("down_no_warn", 3.0, 4): "green",
        ("sample_only", 3.0, 4): "insufficient_sample", ("sample_only", 3.0, 5): None,
        ("sampled", None, 4): "insufficient_sample", ("sampled", 4.0, None): "amber",
        ("no_goal", 3.0, 0): None, ("up", None, 30): None,
    }  # fmt: skip
    for (m, v, n), want in by_hand.items():
        assert in_python[grid.index((m, v, n))] == want, (m, v, n)
    assert set(in_sql.values()) == {None, "green", "amber", "red", "insufficient_sample"}
