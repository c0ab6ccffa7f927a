"""The example rule on a small project, loaded as if installed (cxspec.testing)."""

from __future__ import annotations

import json

import cxspec_issue_rule_example as example
from cxspec.testing import registered_plugin, run_cli, write_project

ROWS = "at,score\n" + "".join(f"2026-01-{d:02d},9\n" for d in range(1, 11)) + "2026-02-01,9\n2026-02-02,8\n"


def test_a_collapse_is_an_issue(tmp_path):
    specs = {
        "version": 1,
        "sources": [{"id": "a", "type": "file", "path": "a.csv", "time": "at"}],
        "metrics": [{"id": "avg", "type": "mean", "source": "a", "column": "score"}],
    }
    root = write_project(tmp_path / "p", {"specs/cx.yaml": specs, "a.csv": ROWS}, config={"grain": "month"})
    with registered_plugin(example, "response-collapse"):
        result = run_cli("run", root, "--out", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr
    issues = json.loads((tmp_path / "out" / "report.json").read_text())["issues"]
    (issue,) = [i for i in issues if i["kind"] == "response_collapse"]
    assert (issue["value"], issue["previous"]) == (2.0, 10.0)  # 2 answers in February, 10 in January
