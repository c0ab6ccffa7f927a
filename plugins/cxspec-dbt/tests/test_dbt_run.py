"""The exported package run by real dbt (dbt-duckdb) and queried through real MetricFlow.

dbt and MetricFlow live in their own virtual environment (ci/install-dbt.sh). Without them
the tests skip, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import csv
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

import dbt_expected as expected
from dbt_helpers import export

PLUGIN = Path(__file__).resolve().parents[1]


def tool_folder() -> Path:
    candidates = [Path(os.environ["CXSPEC_DBT_BIN"])] if os.environ.get("CXSPEC_DBT_BIN") else []
    candidates.append(PLUGIN / ".venv-dbt" / "bin")
    if shutil.which("dbt"):
        candidates.append(Path(shutil.which("dbt")).parent)
    for folder in candidates:
        if (folder / "dbt").is_file() and (folder / "mf").is_file():
            return folder
    reason = "dbt and mf (dbt-metricflow) not found: run plugins/cxspec-dbt/ci/install-dbt.sh"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"dbt is required when CI=true, but {reason}", pytrace=False)
    pytest.skip(reason)


def run(tool: Path, args: list[str], package: Path) -> str:
    env = dict(
        os.environ, DBT_PROFILES_DIR=str(package), DBT_SEND_ANONYMOUS_USAGE_STATS="False", DO_NOT_TRACK="1"
    )
    done = subprocess.run(
        [str(tool), *args], cwd=package, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, (
        f"{tool.name} {' '.join(args)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
    return done.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory, acme):
    """The package exported, built with `dbt build` (models and tests) into a DuckDB file."""
    tools = tool_folder()
    package = tmp_path_factory.mktemp("dbt") / "acme_dbt"
    assert export(package, acme).exit_code == 0
    profiles = yaml.safe_load((package / "profiles.example.yml").read_text(encoding="utf-8"))
    target = profiles["acme_cxspec"]["outputs"]["dev"]
    target["path"] = str(package / "warehouse.duckdb")
    (package / "profiles.yml").write_text(yaml.safe_dump(profiles), encoding="utf-8")
    output = run(tools / "dbt", ["build"], package)
    return tools, package, output


def cxspec_values(project) -> dict[tuple[str, str], float]:
    from cxspec import Request, compute, default_registry

    results = compute(project, Request(), default_registry(), "duckdb:///:memory:")
    return {(r.metric, r.period): r.value for r in results if r.value is not None}


def test_dbt_build_runs_every_model_and_test(built):
    _, package, output = built
    summary = re.search(r"PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", output)
    assert summary, output[-2000:]
    passed, warned, errors, skipped = map(int, summary.groups())
    models = len(list((package / "models").rglob("*.sql")))
    tests = sum(
        len(c.get("data_tests", []))
        for m in yaml.safe_load((package / "models/metrics/schema.yml").read_text(encoding="utf-8"))["models"]
        for c in m["columns"]
    )
    assert (warned, errors, skipped) == (0, 0, 0)
    assert passed >= models + tests  # + the time spine's own tests


def test_dbt_built_tables_hold_cxspec_numbers(built, project):
    _, package, _ = built
    want = cxspec_values(project)
    con = duckdb.connect(str(package / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute('SELECT metric, period, value FROM "cxspec_responses"').fetchall()
    finally:
        con.close()
    got = {(m, p.isoformat()[:10]): v for m, p, v in rows if v is not None}
    assert len(got) > 200
    assert got == pytest.approx({k: v for k, v in want.items() if k in got})
    assert {k for k in want if project.metrics[k[0]].source == "responses"} == set(got)


def test_metricflow_gives_cxspec_numbers_for_every_exported_metric(built, project, tmp_path):
    tools, package, _ = built
    semantic = yaml.safe_load((package / "models/semantic/semantic_models.yml").read_text(encoding="utf-8"))
    names = {m["name"] for m in semantic["metrics"]}
    exported = sorted(m for m in project.metrics if m in names)
    assert len(exported) == len(project.metrics) - 2  # all but churn and retention
    out = tmp_path / "mf.csv"
    run(
        tools / "mf",
        ["query", "--metrics", ",".join(exported), "--group-by", "metric_time__month", "--csv", str(out)],
        package,
    )
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    got = {
        (metric, row["metric_time__month"][:10]): float(value)
        for row in rows
        for metric, value in row.items()
        if metric != "metric_time__month" and value not in ("", None)
    }
    want = {k: v for k, v in cxspec_values(project).items() if k[0] in exported}
    assert set(got) == set(want)
    for key, value in want.items():
        assert math.isclose(got[key], value, rel_tol=1e-9, abs_tol=1e-9), (key, got[key], value)
    # And against plain Python, independently of cxspec.
    for period, (nps, _) in expected.relationship_nps(project.root).items():
        assert math.isclose(got[("relationship_nps", period)], nps, rel_tol=1e-9)
    for period, count in expected.order_count(project.root).items():
        assert got[("order_count", period)] == count


def test_the_range_test_fails_on_a_value_out_of_range(built):
    """The package's own range test can fail: an NPS of 150 is caught, a valid row is not."""
    tools, package, _ = built
    (package / "models/metrics/cxspec_bad_values.sql").write_text(
        "select 'relationship_nps' as metric, 150.0 as value\n"
        "union all select 'support_csat' as metric, 150.0 as value\n",
        encoding="utf-8",
    )
    (package / "models/metrics/bad_values.yml").write_text(
        yaml.safe_dump(
            {
                "version": 2,
                "models": [
                    {
                        "name": "cxspec_bad_values",
                        "columns": [
                            {
                                "name": "value",
                                "data_tests": [
                                    {
                                        "cxspec_value_between": {
                                            "min_value": -100,
                                            "max_value": 100,
                                            "metrics": ["relationship_nps"],
                                        }
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    try:
        env = dict(os.environ, DBT_PROFILES_DIR=str(package), DBT_SEND_ANONYMOUS_USAGE_STATS="False")
        done = subprocess.run(
            [str(tools / "dbt"), "build", "--select", "cxspec_bad_values"],
            cwd=package,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        (package / "models/metrics/cxspec_bad_values.sql").unlink()
        (package / "models/metrics/bad_values.yml").unlink()
    assert done.returncode == 1, done.stdout[-3000:]
    assert re.search(r"Got 1 result, configured to fail if != 0", done.stdout), done.stdout[-3000:]
