"""The example project (specs/acme, 40 metrics, every metric type) run on Spark with
`cxspec run`, and what Spark stored compared with what DuckDB computes and stores: every
metric, period and dimension, value/moe to 1e-9, n and invalid exactly, goal status and
pyramid scores too.
"""

from __future__ import annotations

import json
import math

import pytest
from spark_testing import REPO

from cxspec import Request, compute, default_registry, load_project, run_project, stored_results
from cxspec.testing import run_cli

ACME = REPO / "specs" / "acme"
TOLERANCE = {"rel_tol": 1e-9, "abs_tol": 1e-9}


def same_number(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, **TOLERANCE)


@pytest.fixture(scope="module")
def acme():
    return load_project(ACME)


@pytest.fixture(scope="module")
def duckdb_stored(acme, tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('duckdb') / 'results.duckdb'}"
    return run_project(acme, default_registry(), url)


@pytest.fixture(scope="module")
def spark_run(spark_url, tmp_path_factory):
    """`cxspec run specs/acme --warehouse spark://local[2]… --out DIR`, in-process."""
    out = tmp_path_factory.mktemp("acme-out")
    result = run_cli("run", ACME, "--warehouse", spark_url, "--out", out, "--quiet")
    assert result.exit_code == 0, result.stderr
    return out


def test_every_acme_metric_stored_by_spark_matches_duckdb(acme, spark_url, spark_run, duckdb_stored):
    want = duckdb_stored
    got = stored_results(acme, default_registry(), spark_url)
    assert {r.metric for r in want.results} == set(acme.metrics)  # all 40, nothing left out
    assert len(acme.metrics) == 40

    def keyed(rows):
        return {(r.metric, r.period, json.dumps(r.dimensions, sort_keys=True)): r for r in rows}

    w, g = keyed(want.results), keyed(got.results)
    assert set(g) == set(w)
    problems = []
    for key, a in w.items():
        b = g[key]
        if not (
            same_number(a.value, b.value)
            and same_number(a.moe, b.moe)
            and (a.n, a.invalid, a.status, a.metric_version, a.definition)
            == (b.n, b.invalid, b.status, b.metric_version, b.definition)
            and type(b.n) is int
        ):
            problems.append(f"{key}: duckdb {a}, spark {b}")
    assert not problems, "\n".join(problems[:20])
    assert {r.spec_hash for r in got.results} == {r.spec_hash for r in want.results}

    ws = {(s.pyramid, s.node, s.period): s for s in want.scores}
    gs = {(s.pyramid, s.node, s.period): s for s in got.scores}
    assert set(gs) == set(ws) and ws
    for key, a in ws.items():
        b = gs[key]
        assert a.parent == b.parent, key
        assert same_number(a.score, b.score) and same_number(a.coverage, b.coverage), (key, a, b)


def test_run_writes_the_reports(spark_run):
    assert {p.name for p in spark_run.iterdir()} >= {"report.html", "report.md", "report.json"}
    report = json.loads((spark_run / "report.json").read_text())
    assert report


def test_query_of_one_metric_by_a_dimension_matches_duckdb(acme, spark_url):
    """A request unlike the run's: another grain, sliced by a dimension, in a window."""
    import datetime as dt

    metric = sorted(m for m, spec in acme.metrics.items() if spec.type == "nps")[0]
    source = acme.sources[acme.metrics[metric].source]
    by = (source.dimensions[0].name,)
    start, end = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
    request = Request(metrics=(metric,), grain="quarter", by=by, start=start, end=end)
    want = compute(acme, request, default_registry(), "duckdb:///:memory:")
    got = compute(acme, request, default_registry(), spark_url)
    assert want and [(r.metric, r.period, r.dimensions, r.n, r.invalid) for r in got] == [
        (r.metric, r.period, r.dimensions, r.n, r.invalid) for r in want
    ]
    for a, b in zip(want, got, strict=True):
        assert same_number(a.value, b.value) and same_number(a.moe, b.moe), (a, b)
