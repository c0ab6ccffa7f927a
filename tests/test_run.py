"""cxspec run: goal status and rollups against hand-computed values, idempotent reruns,
a run that fails midway, concurrent runs, and the reports."""

from __future__ import annotations

import json
import math
import threading

import pytest

from cxspec import load_project
from cxspec.registry import default_registry
from cxspec.runs import store as store_module
from cxspec.runs.run import run_project, stored_results

# Two months. January: NPS scores 10,10,9,8,6,0 (P=3, D=2 of 6 → +16.67); CSAT 5,4,3,2,1 → 2/5 top-box = 40%;
# wait seconds 100, 300 → mean 200. February: NPS 10 (one answer, below min_sample 2);
# CSAT 5,5 → 100%; no wait seconds (no mean result).
RESPONSES = """id,t,nps,csat,wait
1,2026-01-03T10:00:00Z,10,5,100
2,2026-01-04T10:00:00Z,10,4,300
3,2026-01-05T10:00:00Z,9,3,
4,2026-01-06T10:00:00Z,8,2,
5,2026-01-07T10:00:00Z,6,1,
6,2026-01-08T10:00:00Z,0,,
7,2026-02-03T10:00:00Z,10,5,
8,2026-02-04T10:00:00Z,,5,
"""
SPECS = """version: 1
sources:
  - {id: r, type: file, path: r.csv, time: t, key: id}
metrics:
  - {id: nps, type: nps, source: r, column: nps, min_sample: 2}
  - {id: csat, type: csat, source: r, column: csat}
  - {id: wait, type: mean, source: r, column: wait, direction: lower_is_better}
goals:
  - {metric: nps, target: 50, warn: 10}
  - {metric: csat, target: 80, warn: 50}
  - {metric: wait, target: 150, warn: 250}
pyramids:
  - id: cx-index
    children:
      - id: loyalty
        weight: 3
        children:
          - {metric: nps}
      - id: service
        weight: 1
        children:
          - {metric: csat, weight: 1}
          - {metric: wait, weight: 3, bounds: [0, 400]}
"""


@pytest.fixture
def project_dir(make_project):
    root = make_project({"specs.yaml": SPECS}, config="version: 1\nproject: t\ngrain: month\n"
                        "warehouse: duckdb:///results.duckdb\n")
    (root / "r.csv").write_text(RESPONSES, encoding="utf-8")
    return root


def by_key(stored):
    return {(r.metric, r.period): r for r in stored.results}


def scores(stored):
    return {(s.node, s.period): s for s in stored.scores}


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return {"duckdb": f"duckdb:///{tmp_path}/r.duckdb", "sqlite": f"sqlite:///{tmp_path}/r.db"}[request.param]


def test_status_and_rollup_arithmetic(project_dir, warehouse_url):
    stored = run_project(load_project(project_dir), default_registry(), warehouse_url)
    results = by_key(stored)
    jan, feb = "2026-01-01", "2026-02-01"
    nps_jan = 100 * (3 - 2) / 6
    assert math.isclose(results[("nps", jan)].value, nps_jan)
    assert results[("nps", jan)].status == "amber"  # 10 <= 16.7 < 50
    assert results[("nps", feb)].status == "insufficient_sample"  # n = 1 < 2
    assert results[("csat", jan)].value == 40.0 and results[("csat", jan)].status == "red"  # < warn 50
    assert results[("csat", feb)].value == 100.0 and results[("csat", feb)].status == "green"
    assert results[("wait", jan)].value == 200.0 and results[("wait", jan)].status == "amber"  # lower is better
    # February has rows but no wait values: a result with n = 0, no value and no status.
    assert results[("wait", feb)].value is None and results[("wait", feb)].n == 0
    assert results[("wait", feb)].status is None

    s = scores(stored)
    # Leaves, January: nps on −100…100 → (16.67 + 100)/2; csat 40; wait inverted on [0, 400] → 100 − 50.
    nps_score = (nps_jan + 100) / 2
    assert math.isclose(s[("cx-index/loyalty/nps", jan)].score, nps_score)
    assert math.isclose(s[("cx-index/service/wait", jan)].score, 50.0)
    service = (1 * 40 + 3 * 50) / 4
    assert math.isclose(s[("cx-index/service", jan)].score, service)
    assert math.isclose(s[("cx-index", jan)].score, (3 * nps_score + 1 * service) / 4)
    assert math.isclose(s[("cx-index", jan)].coverage, 1.0)
    # February: nps left out (insufficient sample) and wait has no data: only csat scores.
    assert ("cx-index/loyalty", feb) not in s
    assert math.isclose(s[("cx-index/service", feb)].score, 100.0)
    assert math.isclose(s[("cx-index/service", feb)].coverage, 1 / 4)
    assert math.isclose(s[("cx-index", feb)].score, 100.0)
    assert math.isclose(s[("cx-index", feb)].coverage, 1 / 4)


def test_goal_normalisation_and_clamping(make_project):
    root = make_project({"specs.yaml": SPECS.replace("  - id: cx-index\n", "  - id: cx-index\n    normalize: goal\n")},
                        config="version: 1\nproject: t\n")
    (root / "r.csv").write_text(RESPONSES, encoding="utf-8")
    s = scores(run_project(load_project(root), default_registry()))
    jan = "2026-01-01"
    assert math.isclose(s[("cx-index/loyalty/nps", jan)].score, 100 * (100 / 6 - 10) / (50 - 10))
    assert s[("cx-index/service/csat", jan)].score == 0.0  # 40 below warn 50: clamped
    assert math.isclose(s[("cx-index/service/wait", jan)].score, 100 * (200 - 250) / (150 - 250))


def test_rerun_replaces_rows(project_dir, warehouse_url):
    project = load_project(project_dir)
    first = run_project(project, default_registry(), warehouse_url)
    second = run_project(project, default_registry(), warehouse_url)
    assert len(second.results) == len(first.results)
    assert [(r.metric, r.period, r.value) for r in first.results] == [(r.metric, r.period, r.value) for r in second.results]
    assert len(second.scores) == len(first.scores)


def test_a_run_that_fails_midway_leaves_stored_results(project_dir, monkeypatch, warehouse_url):
    project = load_project(project_dir)
    before = run_project(project, default_registry(), warehouse_url)
    (project_dir / "r.csv").write_text(RESPONSES.replace(",10,5,100", ",0,1,999"), encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("the warehouse went away")

    monkeypatch.setattr(store_module, "_insert_scores", broken)
    with pytest.raises(RuntimeError):
        run_project(project, default_registry(), warehouse_url)
    after = stored_results(project, default_registry(), warehouse_url)
    assert [(r.metric, r.period, r.value, r.computed_at) for r in after.results] == \
        [(r.metric, r.period, r.value, r.computed_at) for r in before.results]
    assert len(after.scores) == len(before.scores)


def test_two_runs_at_once_do_not_corrupt(make_project):
    root = make_project({"specs.yaml": SPECS}, config="version: 1\nproject: t\nwarehouse: sqlite:///results.db\n")
    (root / "r.csv").write_text(RESPONSES, encoding="utf-8")
    project = load_project(root)
    errors = []

    def run():
        try:
            run_project(project, default_registry())
        except Exception as exc:  # a clear refusal is acceptable; corruption is not
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) < 2
    stored = stored_results(project, default_registry())
    keys = [(r.metric, r.period) for r in stored.results]
    assert len(keys) == len(set(keys)) == 6


def test_run_command_writes_reports(project_dir, run_main):
    code, stdout, stderr = run_main("run", str(project_dir))
    assert code == 0, stderr
    assert "score" in stdout and "Issues" in stdout
    out = project_dir / "cxspec-out"
    report = json.loads((out / "report.json").read_text())
    assert report["latest"] == "2026-02-01" and report["index"]["pyramid"] == "cx-index"
    assert (out / "report.md").read_text().startswith("# t: CX scorecard")
    assert (out / "report.html").read_text().lstrip().lower().startswith("<!doctype html>")
    code, stdout, _ = run_main("report", str(project_dir), "--format", "json")
    assert code == 0 and json.loads(stdout) == report


def test_report_deterministic(project_dir, run_main):
    run_main("run", str(project_dir))
    first = run_main("report", str(project_dir), "--format", "md")[1]
    assert run_main("report", str(project_dir), "--format", "md")[1] == first


def test_report_needs_stored_results(make_project, run_main):
    root = make_project({"specs.yaml": SPECS}, config="version: 1\nproject: t\n")
    code, _, stderr = run_main("report", str(root))
    assert code == 1 and "keeps nothing between runs" in stderr


KILLER = """
import os, signal, sys
from cxspec import load_project
from cxspec.registry import default_registry
from cxspec.runs import store
from cxspec.runs.run import run_project

def die(*args, **kwargs):  # the process dies inside the transaction, after the old rows are deleted
    os.kill(os.getpid(), signal.SIGKILL)

store._insert_scores = die
run_project(load_project(sys.argv[1]), default_registry(), sys.argv[2])
"""


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_a_killed_run_leaves_stored_results(project_dir, tmp_path, engine):
    import subprocess
    import sys

    url = {"duckdb": f"duckdb:///{tmp_path}/k.duckdb", "sqlite": f"sqlite:///{tmp_path}/k.db"}[engine]
    project = load_project(project_dir)
    before = run_project(project, default_registry(), url)
    (project_dir / "r.csv").write_text(RESPONSES.replace(",10,5,100", ",0,1,999"), encoding="utf-8")
    killed = subprocess.run([sys.executable, "-c", KILLER, str(project_dir), url], capture_output=True)
    assert killed.returncode == -9
    after = stored_results(project, default_registry(), url)
    assert [(r.metric, r.period, r.value, r.computed_at) for r in after.results] == [
        (r.metric, r.period, r.value, r.computed_at) for r in before.results
    ]
    assert len(after.scores) == len(before.scores)


def test_two_runs_of_the_example_give_the_same_reports(tmp_path, run_main):
    """DuckDB sums doubles in parallel, in another order each run; values keep 12 significant
    digits (query.DIGITS), so two runs' reports differ only in when they were computed."""
    import re
    import shutil
    from pathlib import Path

    acme = Path(__file__).resolve().parent.parent / "specs" / "acme"
    shutil.copytree(acme, tmp_path / "acme", ignore=shutil.ignore_patterns("cxspec-out"))
    reports = []
    for run in ("a", "b"):
        url = f"duckdb:///{(tmp_path / f'{run}.duckdb').as_posix()}"
        code, _, _ = run_main("run", str(tmp_path / "acme"), "--warehouse", url, "--out", str(tmp_path / run))
        assert code == 0
        texts = [(tmp_path / run / name).read_text("utf-8") for name in ("report.json", "report.md")]
        # the run's id is derived from when it computed, too
        texts = [re.sub(r'("run": \{\s*"id": )"[0-9a-f]{12}"', r"\1<run>", t) for t in texts]
        reports.append([re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "<when>", t) for t in texts])
    assert reports[0] == reports[1]
