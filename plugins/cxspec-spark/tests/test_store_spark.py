"""Stored results on Spark: the core `cxspec run` tests (tests/test_run.py: hand-computed
status and rollups, reruns, a run failing midway) on a local session, and the two-phase swap
of cxspec_spark/layouts.py interrupted at each step."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import test_run as core_run
from spark_testing import CORE_TESTS, TEST_SETTINGS
from test_run import (  # noqa: F401  (pytest collects the imported tests)
    RESPONSES,
    test_a_run_that_fails_midway_leaves_stored_results,
    test_rerun_replaces_rows,
    test_status_and_rollup_arithmetic,
)

from cxspec import connect, default_registry, load_project, run_project, stored_results


def _core_conftest():
    spec = importlib.util.spec_from_file_location("cxspec_core_conftest", CORE_TESTS / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_project = _core_conftest().make_project
project_dir = core_run.project_dir


@pytest.fixture
def warehouse_url(spark_url, tmp_path):
    """The shared session, with this test's own results folder."""
    return f"spark://local[2]?results={tmp_path / 'spark-results'}&{TEST_SETTINGS}"


def rows(stored):
    return [(r.metric, r.period, r.value, r.n, r.status, r.computed_at) for r in stored.results]


def test_results_outlive_the_catalog_entry(project_dir, warehouse_url, spark):
    """A new process's catalog knows no tables: the folder is registered again on connect."""
    project = load_project(project_dir)
    before = run_project(project, default_registry(), warehouse_url)
    spark.sql("DROP TABLE cxspec_results")  # external: forgets the table, keeps its files
    spark.sql("DROP TABLE cxspec_scores")
    after = stored_results(project, default_registry(), warehouse_url)
    assert rows(after) == rows(before) and len(after.scores) == len(before.scores) > 0


def _changed_run(project_dir):
    """The project with January's first answer changed: a run that stores other numbers."""
    (project_dir / "r.csv").write_text(RESPONSES.replace(",10,5,100", ",0,1,999"), encoding="utf-8")
    return load_project(project_dir)


@pytest.mark.parametrize("crash_after", ["write", "marker", "first_rename"])
def test_a_run_killed_during_the_swap(project_dir, warehouse_url, monkeypatch, crash_after):
    """Killed after writing the new versions (before the commit marker), the stored results
    stay the old ones; killed after the marker or in the middle of a swap, the next connection
    finishes the commit: the new results, whole, in both tables."""
    from cxspec_spark import layouts

    project = load_project(project_dir)
    old = run_project(project, default_registry(), warehouse_url)
    changed = _changed_run(project_dir)
    expected_new = None
    if crash_after != "write":
        # What the run would store, computed on a copy of the folder by a run that completes.
        other = warehouse_url.replace("spark-results", "spark-results-reference")
        expected_new = run_project(changed, default_registry(), other)

    class Killed(BaseException):
        """Stands for SIGKILL: nothing after it runs, not even cleanup."""

    def kill(*args, **kwargs):
        raise Killed

    if crash_after == "write":
        monkeypatch.setattr(layouts.Layout, "roll_forward", kill)
        monkeypatch.setattr(layouts.FolderLayout, "write_marker", kill)
    elif crash_after == "marker":
        monkeypatch.setattr(layouts.Layout, "roll_forward", kill)
    else:
        real_rename = layouts.FolderLayout.rename

        def rename_once(self, source, target):
            real_rename(self, source, target)
            if target.endswith("__old"):
                raise Killed

        monkeypatch.setattr(layouts.FolderLayout, "rename", rename_once)
    with pytest.raises(Killed):
        run_project(changed, default_registry(), warehouse_url)
    monkeypatch.undo()

    after = stored_results(changed, default_registry(), warehouse_url)
    want = old if crash_after == "write" else expected_new
    assert [r[:5] for r in rows(after)] == [r[:5] for r in rows(want)]
    assert [(s.node, s.period, s.score) for s in after.scores] == [
        (s.node, s.period, s.score) for s in want.scores
    ]
    if crash_after != "write":
        assert rows(after) != rows(old)
    folder = Path(warehouse_url.split("results=")[1].split("&")[0])
    assert not [p.name for p in folder.iterdir() if "__" in p.name], "leftovers of the commit"


def test_bad_url_parameter_is_a_clear_error(project_dir, spark_url):
    from cxspec import WarehouseError

    with pytest.raises(WarehouseError, match="unknown parameter 'colour'"):
        connect("spark://local[2]?colour=blue", load_project(project_dir), default_registry())


def test_a_table_source_is_read_from_the_catalog(make_project, spark_url, spark, tmp_path):
    """`type: table` names a table of the Spark catalog; the numbers are test_run's, by hand:
    January's NPS answers 10, 10, 9, 8, 6, 0 (3 promoters, 2 detractors of 6), February's one 10."""
    csv = tmp_path / "r.csv"
    csv.write_text(RESPONSES, encoding="utf-8")
    frame = spark.read.option("header", "true").option("inferSchema", "true").csv(str(csv))
    frame.write.mode("overwrite").saveAsTable("cxspec_test_responses")
    specs = (
        "version: 1\nsources:\n"
        "  - {id: r, type: table, table: cxspec_test_responses, time: t, key: id}\n"
        "metrics:\n  - {id: nps, type: nps, source: r, column: nps}\n"
    )
    root = make_project({"specs.yaml": specs}, config="version: 1\nproject: t\ngrain: month\n")
    from cxspec import Request, compute

    try:
        results = compute(load_project(root), Request(), default_registry(), spark_url)
        got = {r.period: (r.value, r.n, r.invalid) for r in results}
    finally:
        spark.sql("DROP TABLE IF EXISTS cxspec_test_responses")
    assert got["2026-02-01"] == (100.0, 1, 0)
    value, n, invalid = got["2026-01-01"]
    assert (n, invalid) == (6, 0) and abs(value - 100 * (3 - 2) / 6) < 1e-9
    assert set(got) == {"2026-01-01", "2026-02-01"}


def test_a_parquet_file_source(make_project, spark_url, tmp_path):
    """A Parquet file (written by pyarrow, not Spark) read by Spark: test_run's hand numbers."""
    import pyarrow.csv
    import pyarrow.parquet

    specs = (
        "version: 1\nsources:\n  - {id: r, type: file, path: r.parquet, time: t, key: id}\n"
        "metrics:\n  - {id: nps, type: nps, source: r, column: nps}\n"
        "  - {id: wait, type: mean, source: r, column: wait}\n"
    )
    root = make_project({"specs.yaml": specs, "r.csv": RESPONSES}, config="version: 1\nproject: t\n")
    pyarrow.parquet.write_table(pyarrow.csv.read_csv(root / "r.csv"), root / "r.parquet")
    (root / "r.csv").unlink()
    from cxspec import Request, compute

    results = compute(load_project(root), Request(), default_registry(), spark_url)
    got = {(r.metric, r.period): (r.value, r.n, r.invalid) for r in results}
    value, n, invalid = got[("nps", "2026-01-01")]
    assert (n, invalid) == (6, 0) and abs(value - 100 * (3 - 2) / 6) < 1e-9
    assert got[("nps", "2026-02-01")] == (100.0, 1, 0)
    assert got[("wait", "2026-01-01")] == (200.0, 2, 0)  # 100 and 300
    assert got[("wait", "2026-02-01")] == (None, 0, 0)
