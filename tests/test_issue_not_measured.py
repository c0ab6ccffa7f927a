"""An issue whose metric, touch point or segment the project no longer measures is resolved
with a note that says so, not "resolved by data" (cxspec/issues_state/machine.py).

Removing `segments:` from cxspec.yaml resolved every segment's issue with the note "not seen in
2026-02-01: resolved by data", in the very period whose data had raised it: nothing was seen
because nothing looked. The same for a metric taken out of the specs."""

from __future__ import annotations

import json

from test_issue_states import issues_json, warehouse_url  # noqa: F401 - the fixture, every engine

from cxspec.issues_state.machine import IssueRecord, advance

SPECS = """\
version: 1
owners:
  - {id: care, name: Care team, email: care@example.com}
sources:
  - {id: r, type: file, path: data/r.csv, time: t, key: id, dimensions: [region]}
metrics:
  - {id: avg, name: Average score, type: mean, source: r, column: score, owner: care}
  - {id: top, name: Top scores, type: rate, source: r, condition: "score >= 9", owner: care}
goals:
  - {metric: avg, target: 8, warn: 6}
  - {metric: top, target: 80, warn: 70}
"""


def _rows() -> str:
    # February: EMEA's mean 4.5 (red below 6, well below the rest); APAC's 9.75 (green)
    scores = {"EMEA": [5, 5, 4, 4], "APAC": [10, 10, 10, 10, 10, 10, 9, 9]}
    lines, n = ["id,t,region,score"], 0
    for region, values in scores.items():
        for value in values:
            n += 1
            lines.append(f"{n},2026-02-05T10:00:00Z,{region},{value}")
    return "\n".join(lines) + "\n"


def _config(url: str, segments: bool) -> str:
    config = f"version: 1\nproject: loop\ngrain: month\nwarehouse: {url}\n"
    return config + ("segments: [region]\n" if segments else "")


def test_removing_segments_or_a_metric_resolves_its_issues_as_not_measured(
    make_project, warehouse_url, run_main  # noqa: F811
):
    root = make_project({"specs.yaml": SPECS, "data/r.csv": _rows()}, config=_config(warehouse_url, True))
    assert run_main("run", str(root), "-q")[0] == 0
    before = {i["id"]: i for i in issues_json(run_main, root)}
    emea = {"region": "EMEA"}
    segment_issues = [i for i in before.values() if i["dimensions"] == emea and i["metric"] == "avg"]
    assert {i["kind"] for i in segment_issues} >= {"below_rest"}
    assert all(i["status"] == "open" for i in before.values())
    top_issues = [i for i in before.values() if i["metric"] == "top"]
    # 8 of 12 scores >= 9: 66.7%, red below 70%; EMEA's 0 of 4 too (its own issues say so)
    assert ("goal_red", {}) in [(i["kind"], i["dimensions"]) for i in top_issues]

    # The same data, the same period: segments removed from cxspec.yaml, metric 'top' from the specs.
    (root / "cxspec.yaml").write_text(_config(warehouse_url, False))
    specs = SPECS.replace(
        '  - {id: top, name: Top scores, type: rate, source: r, condition: "score >= 9", owner: care}\n', ""
    ).replace("  - {metric: top, target: 80, warn: 70}\n", "")
    (root / "specs.yaml").write_text(specs)
    assert run_main("run", str(root), "-q")[0] == 0
    after = {i["id"]: i for i in issues_json(run_main, root)}
    for issue in segment_issues:
        now = after[issue["id"]]
        assert now["status"] == "resolved"
        assert now["notes"][-1]["note"] == (
            "not measured in 2026-02-01: cxspec.yaml has no segment by region any more; resolved"
        )
        assert "resolved by data" not in json.dumps(now)
    for issue in top_issues:
        note = after[issue["id"]]["notes"][-1]["note"]
        assert note == (
            "not measured in 2026-02-01: 'top' is no longer a metric or touch point of the project; resolved"
        )
    # the total's issues of a metric still measured: seen again, unchanged
    kept = [i for i in before.values() if i["metric"] == "avg" and not i["dimensions"]]
    assert all(after[i["id"]] == i for i in kept)


def _record(issue_id, metric, dimensions=None):
    return IssueRecord(
        issue_id, "goal_red", metric, dimensions or {}, "care", "open", "2026-01-01", "2026-01-01"
    )


def test_advance_tells_not_seen_from_not_measured():
    records = {
        "a": _record("a", "kept"), "b": _record("b", "gone"), "c": _record("c", "kept", {"region": "EMEA"})
    }
    gone = {"b": "'gone' is no longer a metric or touch point of the project"}
    after, transitions = advance(records, [], "2026-02-01", "t", gone=lambda r: gone.get(r.id))
    assert [t.kind for t in transitions] == ["resolved"] * 3
    assert after["a"].notes[-1].note == "not seen in 2026-02-01: resolved by data"
    assert after["b"].notes[-1].note == f"not measured in 2026-02-01: {gone['b']}; resolved"
    assert after["c"].notes[-1].note == "not seen in 2026-02-01: resolved by data"
