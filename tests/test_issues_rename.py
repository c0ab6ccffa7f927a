"""An issue's state across a metric's rename (`previous_ids:`): issue ids hash the metric id,
so the renamed metric's issue has a new id; the old issue's state, history and counts carry
over to it (with the rename in its notes), and no notification fires again. On DuckDB,
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from test_issue_states import issues_json, rows
from test_issue_states import warehouse_url as warehouse_url  # a fixture
from test_notify import CONFIG, SPECS
from test_notify import hook as hook  # a fixture
from test_notify import quick_backoff as quick_backoff  # an autouse fixture

from cxspec.issues_state.ids import issue_id

RENAMED = SPECS.replace("{id: avg,", "{id: mean_rating, previous_ids: [avg],").replace(
    "{metric: avg,", "{metric: mean_rating,"
)


@pytest.mark.parametrize("action", ["ack", "resolve"])
def test_a_renamed_metric_keeps_its_issue_state(
    make_project, warehouse_url, hook, run_main, monkeypatch, action
):  # noqa: F811
    monkeypatch.setenv("CX_WEBHOOK_URL", hook.url)
    root = make_project(
        {"specs.yaml": SPECS, "data/r.csv": rows({1: [9, 9], 2: [4, 4]})},
        config=CONFIG.format(url=warehouse_url, fmt="json", timeout=2),
    )
    assert run_main("run", str(root), "-q")[0] == 0
    old_id, new_id = issue_id("goal_red", "avg", {}), issue_id("goal_red", "mean_rating", {})
    (issue,) = issues_json(run_main, root)
    assert issue["id"] == old_id and issue["status"] == "open"
    sent = len(hook.bodies)
    assert sent == 1
    code, _, err = run_main(
        "issues", action, old_id, "--note", "on it", "--by", "dana", "--project", str(root)
    )
    assert code == 0, err
    status = {"ack": "acknowledged", "resolve": "resolved"}[action]

    # Renamed, and March still red: the issue keeps its state under the new id, one period more.
    (root / "specs.yaml").write_text(RENAMED)
    (root / "data/r.csv").write_text(rows({1: [9, 9], 2: [4, 4], 3: [5, 5]}))
    code, _, err = run_main("run", str(root), "-q")
    assert code == 0, err
    (moved,) = issues_json(run_main, root)
    assert moved["id"] == new_id and moved["metric"] == "mean_rating"
    expected_status = "open" if status == "resolved" else status  # a resolved issue seen later reopens
    assert moved["status"] == expected_status
    assert moved["first_period"] == "2026-02-01" and moved["last_period"] == "2026-03-01"
    assert moved["periods_open"] == 2
    notes = moved["notes"]
    assert notes[0]["note"].startswith("new in 2026-02-01") and notes[1]["by"] == "dana"
    (renamed,) = [n for n in notes if "renamed" in n["note"]]
    assert old_id in renamed["note"] and "avg" in renamed["note"] and "mean_rating" in renamed["note"]
    assert renamed["by"] == "cxspec" and renamed["status"] == status
    assert not [n for n in notes[1:] if n["note"].startswith("new in")]
    # No second "new" notification: an acknowledged issue sends nothing, a resolved one its reopening.
    kinds = [i.get("transition") for b in hook.bodies[sent:] for i in b["body"]["issues"]]
    assert "new" not in kinds
    assert len(hook.bodies) - sent == (1 if status == "resolved" else 0)
    if status == "resolved":
        assert moved["times_reopened"] == 1

    # A rerun changes nothing; `cxspec issues` acts on the new id, the old one is gone.
    assert run_main("run", str(root), "-q")[0] == 0
    assert issues_json(run_main, root) == [moved]
    code, _, err = run_main("issues", "ack", old_id, "--note", "late", "--project", str(root))
    assert code == 1 and old_id in err


@pytest.mark.parametrize("action", ["ack", "resolve"])
def test_a_rename_rerun_on_the_same_data_keeps_the_issue(
    make_project, warehouse_url, hook, run_main, monkeypatch, action
):  # noqa: F811
    """Renamed and run again on the same months: the run leaves the moved issue as it is, and
    it was compared with itself after the move, so it was never written under its new id (its
    old row already deleted): the issue was lost, then came back as new and was notified."""
    monkeypatch.setenv("CX_WEBHOOK_URL", hook.url)
    root = make_project(
        {"specs.yaml": SPECS, "data/r.csv": rows({1: [9, 9], 2: [4, 4]})},
        config=CONFIG.format(url=warehouse_url, fmt="json", timeout=2),
    )
    assert run_main("run", str(root), "-q")[0] == 0
    old_id, new_id = issue_id("goal_red", "avg", {}), issue_id("goal_red", "mean_rating", {})
    code, _, err = run_main("issues", action, old_id, "--note", "on it", "--by", "dana", "--project", str(root))
    assert code == 0, err
    sent = len(hook.bodies)
    status = {"ack": "acknowledged", "resolve": "resolved"}[action]

    (root / "specs.yaml").write_text(RENAMED)
    for _ in range(2):  # the rename's run, then a rerun: the same one issue each time
        code, _, err = run_main("run", str(root), "-q")
        assert code == 0, err
        (moved,) = issues_json(run_main, root)
        assert moved["id"] == new_id and moved["status"] == status
        assert [n["by"] for n in moved["notes"]][1:] == ["dana", "cxspec"]
    kinds = [i.get("transition") for b in hook.bodies[sent:] for i in b["body"]["issues"]]
    assert "new" not in kinds
