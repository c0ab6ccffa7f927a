"""Issues with a life (cxspec/issues_state/): stable ids, states over runs, people's actions,
stored in cxspec_issues on DuckDB, SQLite and PostgreSQL; a stateful test of the machine."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from cxspec.issues_state.ids import id_of, issue_id
from cxspec.issues_state.machine import StateError, act, advance

CONFIG = "version: 1\nproject: loop\ngrain: month\nwarehouse: {url}\n"
SPECS = """\
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


def rows(month_scores: dict[int, list[int]]) -> str:
    lines, n = ["id,t,score"], 0
    for month, scores in sorted(month_scores.items()):
        for score in scores:
            n += 1
            lines.append(f"{n},2026-{month:02d}-05T10:00:00Z,{score}")
    return "\n".join(lines) + "\n"


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param != "postgres":
        return {"duckdb": f"duckdb:///{tmp_path}/w.duckdb", "sqlite": f"sqlite:///{tmp_path}/w.db"}[request.param]
    import psycopg

    server = request.getfixturevalue("postgres_url")
    name = f"issues_{os.getpid()}_{int(time.time() * 1000)}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # a test's own SQL: an empty database
    return server.rsplit("/", 1)[0] + f"/{name}"


def issues_json(run_main, root, *args):
    code, out, err = run_main("issues", str(root), "--format", "json", *args)
    assert code == 0, err
    return json.loads(out)["issues"]


def test_an_issue_lives_through_runs_and_actions(make_project, warehouse_url, run_main):
    # January: mean 9 (green). February: mean 4 (red below 6) → goal_red opens.
    root = make_project(
        {"specs.yaml": SPECS, "data/r.csv": rows({1: [9, 9], 2: [4, 4]})}, config=CONFIG.format(url=warehouse_url)
    )
    assert run_main("run", str(root), "-q")[0] == 0
    (issue,) = issues_json(run_main, root)
    expected_id = issue_id("goal_red", "avg", {})
    assert issue["id"] == expected_id
    assert list(issue) == [
        "id", "kind", "metric", "dimensions", "owner", "status", "first_period", "last_period",
        "periods_open", "times_reopened", "notes",
    ]  # fmt: skip
    assert (issue["kind"], issue["metric"], issue["owner"], issue["status"]) == ("goal_red", "avg", "care", "open")
    assert (issue["first_period"], issue["last_period"], issue["periods_open"]) == ("2026-02-01", "2026-02-01", 1)

    # A rerun of the same data changes nothing.
    assert run_main("run", str(root), "-q")[0] == 0
    assert issues_json(run_main, root) == [issue]

    code, out, err = run_main("issues", "ack", expected_id, "--note", "Retraining booked", "--by", "dana",
                              "--project", str(root))  # fmt: skip
    assert code == 0, err
    (acked,) = issues_json(run_main, root, "--status", "acknowledged")
    assert acked["notes"][-1]["by"] == "dana" and acked["notes"][-1]["note"] == "Retraining booked"
    assert issues_json(run_main, root, "--status", "open") == []
    assert run_main("issues", str(root), "--owner", "someone-else")[0] == 2  # no such owner

    # March still red: stays acknowledged, one period more.
    (root / "data/r.csv").write_text(rows({1: [9, 9], 2: [4, 4], 3: [5, 5]}))
    assert run_main("run", str(root), "-q")[0] == 0
    (still,) = issues_json(run_main, root)
    assert (still["status"], still["last_period"], still["periods_open"]) == ("acknowledged", "2026-03-01", 2)

    # April green: not seen in the latest period → resolved by data.
    (root / "data/r.csv").write_text(rows({1: [9, 9], 2: [4, 4], 3: [5, 5], 4: [9, 8]}))
    assert run_main("run", str(root), "-q")[0] == 0
    (resolved,) = issues_json(run_main, root)
    assert (resolved["status"], resolved["last_period"]) == ("resolved", "2026-03-01")
    assert resolved["notes"][-1]["by"] == "cxspec"
    # The transition is in every report the run wrote.
    out = root / "cxspec-out"
    (listed,) = [i for i in json.loads((out / "report.json").read_text())["issues"] if i["id"] == expected_id]
    assert (listed["status"], listed["periods_open"], listed["first_period"]) == ("resolved", 2, "2026-02-01")
    line = "resolved · 2 periods since 2026-02-01"
    assert line in (out / "report.md").read_text() and line in (out / "report.html").read_text()

    # May red again → reopened, counted.
    (root / "data/r.csv").write_text(rows({1: [9, 9], 2: [4, 4], 3: [5, 5], 4: [9, 8], 5: [3, 3]}))
    assert run_main("run", str(root), "-q")[0] == 0
    (reopened,) = issues_json(run_main, root)
    assert (reopened["status"], reopened["times_reopened"], reopened["periods_open"]) == ("open", 1, 3)
    assert reopened["first_period"] == "2026-02-01" and reopened["last_period"] == "2026-05-01"

    # A person resolves it; reopening by hand is counted too; a second reopen is refused.
    assert run_main("issues", "resolve", expected_id, "--note", "fixed", "--by", "dana", "--project", str(root))[0] == 0
    assert run_main("issues", "reopen", expected_id, "--by", "dana", "--project", str(root))[0] == 0
    code, _, err = run_main("issues", "reopen", expected_id, "--project", str(root))
    assert code == 1 and "is open: cannot reopen" in err and "Traceback" not in err
    (final,) = issues_json(run_main, root)
    assert final["times_reopened"] == 2
    assert [n["status"] for n in final["notes"]] == ["open", "acknowledged", "resolved", "open", "resolved", "open"]


def test_unknown_issue_and_missing_note_are_refused(make_project, tmp_path, run_main):
    url = f"duckdb:///{tmp_path}/w.duckdb"
    root = make_project({"specs.yaml": SPECS, "data/r.csv": rows({1: [4]})}, config=CONFIG.format(url=url))
    assert run_main("run", str(root), "-q")[0] == 0
    code, _, err = run_main("issues", "ack", "goal-red-0000000000", "--note", "x", "--project", str(root))
    assert code == 1 and "no issue 'goal-red-0000000000'" in err
    code, _, err = run_main("issues", "ack", issue_id("goal_red", "avg", {}), "--project", str(root))
    assert code == 2 and "--note" in err


def test_table_and_markdown_listings(make_project, tmp_path, run_main):
    url = f"duckdb:///{tmp_path}/w.duckdb"
    root = make_project({"specs.yaml": SPECS, "data/r.csv": rows({1: [4]})}, config=CONFIG.format(url=url))
    assert run_main("run", str(root), "-q")[0] == 0
    code, out, _ = run_main("issues", str(root))
    assert code == 0 and issue_id("goal_red", "avg", {}) in out and "open" in out and "care" in out
    code, out, _ = run_main("issues", str(root), "--format", "md")
    assert code == 0 and out.startswith("| id | status |")


# -- the state machine, driven by hypothesis ------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    kind: str
    metric: str
    owner: str = "care"
    severity: str = "error"
    message: str = "m"
    touchpoint: str | None = None


SUBJECTS = [Seen("goal_red", m) for m in ("a", "b", "c")]
PERIODS = [f"2026-{m:02d}-01" for m in range(1, 13)]


class IssueLives(RuleBasedStateMachine):
    """A model of what each issue's state must be, kept independently of the machine."""

    @initialize()
    def start(self):
        self.records = {}
        self.period_index = 0
        self.model = {}  # id → (status, times_reopened, last_period, periods_open)
        self.runs = 0
        self.last_seen = None
        self.acted = False  # a person acted since the last run

    def _run(self, seen_subjects, period):
        at = f"t{self.runs:04d}"
        self.runs += 1
        seen = [SUBJECTS[i] for i in seen_subjects]
        self.records, transitions = advance(self.records, seen, period, at, escalate_after=99)
        seen_ids = {id_of(s) for s in seen}
        expected = []
        for issue_id_, (status, reopened, last, periods) in list(self.model.items()):
            if issue_id_ not in seen_ids and status != "resolved":
                self.model[issue_id_] = ("resolved", reopened, last, periods)
                expected.append((issue_id_, "resolved"))
        for issue_id_ in sorted(seen_ids):
            if issue_id_ not in self.model:
                self.model[issue_id_] = ("open", 0, period, 1)
                expected.append((issue_id_, "new"))
                continue
            status, reopened, last, periods = self.model[issue_id_]
            later = period > last
            if status == "resolved" and later:
                self.model[issue_id_] = ("open", reopened + 1, period, periods + 1)
                expected.append((issue_id_, "reopened"))
            else:
                self.model[issue_id_] = (status, reopened, max(last, period), periods + (1 if later else 0))
        assert sorted((t.record.id, t.kind) for t in transitions) == sorted(expected)
        return transitions

    @rule(seen=st.sets(st.integers(0, 2)), step=st.sampled_from([0, 1, 1, 2]))
    def run(self, seen, step):
        self.period_index = min(self.period_index + step, len(PERIODS) - 1)
        self._run(sorted(seen), PERIODS[self.period_index])
        self.last_seen = sorted(seen)
        self.acted = False

    @precondition(lambda self: self.last_seen is not None and not self.acted)
    @rule()
    def rerun_changes_nothing(self):
        """A rerun of the same period finding the same issues makes no transition. (After a
        person's action it may: an issue reopened by hand that the data no longer shows is
        resolved by data again.)"""
        before = dict(self.records)
        transitions = self._run(self.last_seen, PERIODS[self.period_index])
        assert transitions == []
        assert {i: (r.status, r.last_period, r.periods_open) for i, r in self.records.items()} == {
            i: (r.status, r.last_period, r.periods_open) for i, r in before.items()
        }

    @rule(which=st.integers(0, 2), action=st.sampled_from(["ack", "resolve", "reopen"]))
    def person_acts(self, which, action):
        issue_id_ = id_of(SUBJECTS[which])
        record = self.records.get(issue_id_)
        if record is None:
            return
        allowed = {"ack": {"open", "acknowledged"}, "resolve": {"open", "acknowledged"}, "reopen": {"resolved"}}
        if record.status not in allowed[action]:
            with pytest.raises(StateError):
                act(record, action, "n", "dana", "t")
            return
        changed = act(record, action, "n", "dana", "t")
        self.acted = True
        self.records[issue_id_] = changed
        status, reopened, last, periods = self.model[issue_id_]
        new_status = {"ack": "acknowledged", "resolve": "resolved", "reopen": "open"}[action]
        self.model[issue_id_] = (new_status, reopened + (action == "reopen"), last, periods)

    @invariant()
    def records_match_the_model(self):
        for issue_id_, (status, reopened, last, periods) in self.model.items():
            record = self.records[issue_id_]
            assert (record.status, record.times_reopened, record.last_period, record.periods_open) == (
                status, reopened, last, periods,
            )  # fmt: skip
            assert record.notes[-1].status == record.status  # every change of state is a note
            assert record.first_period <= record.last_period


IssueLives.TestCase.settings = settings(max_examples=100, stateful_step_count=30, deadline=None)
test_issue_lives = IssueLives.TestCase


def test_an_open_issue_escalates_once_in_its_nth_period():
    seen = [Seen("goal_red", "a")]
    records, made = {}, []
    for month in (1, 2, 3, 4):
        records, transitions = advance(records, seen, f"2026-{month:02d}-01", "t", escalate_after=3)
        made.append([t.kind for t in transitions])
    assert made == [["new"], [], ["escalated"], []]
    # An acknowledged issue does not escalate: someone owns it.
    records, made = {}, []
    records, _ = advance(records, seen, "2026-01-01", "t", escalate_after=2)
    records = {i: act(r, "ack", "on it", "dana", "t") for i, r in records.items()}
    records, transitions = advance(records, seen, "2026-02-01", "t", escalate_after=2)
    assert transitions == []
