"""Runs at once on Spark: one stores at a time into a results folder (cxspec_spark/run_lock.py).

Without the lock, two runs storing at once each rewrote whole tables from what they had read,
and the last commit dropped the other's results."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from cxspec import WarehouseError, default_registry, load_project, run_project, stored_results


def test_a_held_lock_makes_the_next_process_wait_then_fail_naming_it(tmp_path):
    from cxspec_spark.run_lock import RunLock

    path = tmp_path / "results" / "cxspec.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import fcntl, os, sys, time
            os.makedirs({str(path.parent)!r}, exist_ok=True)
            handle = open({str(path)!r}, "a+")
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            handle.seek(0); handle.truncate(); handle.write(f"{{os.getpid()}}\\n"); handle.flush()
            print("held", flush=True)
            sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        lock = RunLock(path, wait_seconds=0.5)
        started = time.monotonic()
        with pytest.raises(WarehouseError, match=rf"another cxspec process \(PID {holder.pid}\)"):
            with lock.held():
                pass
        assert time.monotonic() - started >= 0.5  # it waited first
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
        with lock.held(), lock.held():  # free now; re-entrant within a process
            assert path.read_text().strip() == str(os.getpid())
        assert path.read_text() == ""  # released: no holder named
    finally:
        holder.kill()


def write_project(root, project_id: str, rows: list[tuple[str, int]]):
    (root / "data").mkdir(parents=True)
    (root / "cxspec.yaml").write_text(f"version: 1\nproject: {project_id}\n", encoding="utf-8")
    lines = ["id,day,score", *[f"{i},{day},{score}" for i, (day, score) in enumerate(rows)]]
    (root / "data" / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "s.yaml").write_text(
        "version: 1\nsources:\n  - {id: r, type: file, path: data/r.csv, time: day}\n"
        "metrics:\n  - {id: answers, type: count, source: r}\n"
        "  - {id: total, type: sum, source: r, column: score}\n",
        encoding="utf-8",
    )
    return load_project(root)


def test_two_runs_at_once_keep_each_others_results(tmp_path, spark_url, monkeypatch):
    """Two projects stored into one results folder at the same moment (each commit slowed so
    that they would overlap): both projects' results are kept, and the commits did not overlap."""
    from spark_testing import TEST_SETTINGS

    from cxspec_spark import layouts

    url = f"spark://local[2]?results={tmp_path / 'shared-results'}&{TEST_SETTINGS}"
    projects = {
        "north": write_project(tmp_path / "north", "north", [("2026-01-05", 3), ("2026-02-10", 4)]),
        "south": write_project(tmp_path / "south", "south", [("2026-01-07", 5), ("2026-01-20", 1)]),
    }
    expected = {
        "north": {("answers", "2026-01-01"): 1.0, ("total", "2026-01-01"): 3.0,
                  ("answers", "2026-02-01"): 1.0, ("total", "2026-02-01"): 4.0},
        "south": {("answers", "2026-01-01"): 2.0, ("total", "2026-01-01"): 6.0},
    }  # fmt: skip
    commit = layouts.Layout.commit
    spans: list[tuple[float, float]] = []

    def slow_commit(self, frames):
        if not frames:
            return commit(self, frames)
        started = time.monotonic()
        time.sleep(2)  # a big table's write: the other run reaches its commit meanwhile
        commit(self, frames)
        spans.append((started, time.monotonic()))

    monkeypatch.setattr(layouts.Layout, "commit", slow_commit)
    errors: list[BaseException] = []

    def run(project):
        try:
            run_project(project, default_registry(), url)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in projects.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=900)
    assert not errors, errors
    for name, project in projects.items():
        stored = stored_results(project, default_registry(), url)
        assert {(r.metric, r.period): r.value for r in stored.results} == expected[name], name
    stored_spans = sorted(spans)
    assert len(stored_spans) >= 2
    for (_, first_end), (second_start, _) in zip(stored_spans, stored_spans[1:], strict=False):
        assert second_start >= first_end  # one commit at a time
