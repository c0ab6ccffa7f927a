"""A second red-team pass over v1.1: values a command line accepted that said or did nothing
(an empty note), misleading words about all-empty columns, and a run interrupted between
storing its results and moving its issues on."""

from __future__ import annotations

import json

import pytest

ISSUES_CONFIG = "version: 1\nproject: loop\ngrain: month\nwarehouse: {url}\n"
ISSUES_SPECS = """\
version: 1
owners:
  - {id: care, name: Care team, email: care@example.com}
sources:
  - {id: r, type: file, path: data/r.csv, time: t, key: id}
metrics:
  - {id: avg, name: Average score, type: mean, source: r, column: score, owner: care}
goals:
  - {metric: avg, target: 8, warn: 6}
"""


def month_rows(month_scores: dict[int, list[int]]) -> str:
    lines, n = ["id,t,score"], 0
    for month, scores in sorted(month_scores.items()):
        for score in scores:
            n += 1
            lines.append(f"{n},2026-{month:02d}-05T10:00:00Z,{score}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def one_open_issue(make_project, run_main, tmp_path):
    """A project whose run opened one issue (goal_red of avg): (root, issue id)."""
    from cxspec.issues_state.ids import issue_id

    url = f"duckdb:///{tmp_path}/w.duckdb"
    files = {"specs.yaml": ISSUES_SPECS, "data/r.csv": month_rows({1: [9, 9], 2: [4, 4]})}
    root = make_project(files, config=ISSUES_CONFIG.format(url=url))
    assert run_main("run", str(root), "-q")[0] == 0
    return root, issue_id("goal_red", "avg", {})


def issues_json(run_main, root):
    code, out, err = run_main("issues", str(root), "--format", "json")
    assert code == 0, err
    return json.loads(out)["issues"]


@pytest.mark.parametrize("action", ["ack", "resolve", "reopen"])
@pytest.mark.parametrize("note", ["", "   ", "\t\n"])
def test_an_empty_note_is_a_usage_error_and_stores_nothing(one_open_issue, run_main, action, note):
    """`--note TEXT` is the contract: an empty note was accepted (and stored as the action's
    name, a note that says nothing someone did or decided)."""
    root, issue = one_open_issue
    if action == "reopen":
        assert run_main("issues", "resolve", issue, "--note", "fixed", "--project", str(root))[0] == 0
    before = issues_json(run_main, root)
    code, out, err = run_main("issues", action, issue, "--note", note, "--by", "dana", "--project", str(root))
    assert code == 2, out + err
    assert "--note" in err and "empty" in err and "Traceback" not in err
    assert issues_json(run_main, root) == before


def test_an_empty_by_is_a_usage_error(one_open_issue, run_main):
    """`--by "  "` stored a note by nobody readable."""
    root, issue = one_open_issue
    code, out, err = run_main("issues", "ack", issue, "--note", "on it", "--by", " ", "--project", str(root))
    assert code == 2 and "--by" in err and "empty" in err, out + err
    assert [i["status"] for i in issues_json(run_main, root)] == ["open"]
