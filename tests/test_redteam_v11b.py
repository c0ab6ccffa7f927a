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


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def kept_url(request, tmp_path):
    """A warehouse that keeps results between runs, each test its own."""
    if request.param != "postgres":
        files = {"duckdb": f"duckdb:///{tmp_path}/w.duckdb", "sqlite": f"sqlite:///{tmp_path}/w.db"}
        return files[request.param]
    import os
    import time

    import psycopg

    server = request.getfixturevalue("postgres_url")
    name = f"rt11b_{os.getpid()}_{int(time.time() * 1000)}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # a test's own SQL: an empty database
    return server.rsplit("/", 1)[0] + f"/{name}"


NOTIFY = "notify:\n  - {type: webhook, url_env: RT11B_HOOK, format: json, on: [new, resolved]}\n"


def _state(root):
    """(stored results of avg without dimensions, issue status by id, outbox transitions)."""
    from cxspec import load_project
    from cxspec.notify.outbox import pending
    from cxspec.query import connect
    from cxspec.registry import default_registry
    from cxspec.runs.run import stored_results

    project = load_project(root)
    found = stored_results(project, default_registry())
    totals = [r for r in found.results if r.metric == "avg" and not r.dimensions]
    results = sorted((r.period, r.value, r.n) for r in totals)
    with connect(None, project, default_registry()) as warehouse:
        try:
            outbox = sorted((d["issue"], d["transition"]) for d in pending(warehouse, "loop"))
        except Exception:  # no outbox table yet
            outbox = []
    return results, {i: r.status for i, r in found.issue_records.items()}, outbox


@pytest.mark.parametrize("where", ["before the issues", "in the issues"])
@pytest.mark.parametrize("how", ["interrupt", "failure"])
def test_a_run_stopped_before_its_issues_move_on_stores_nothing(
    make_project, run_main, kept_url, monkeypatch, where, how
):
    """The results were stored in one transaction, the issue states (and the notifications
    they enqueue) in a later one: a Ctrl-C or an error in between left March's results stored
    with February's issue still open, and nothing repaired it (an incremental run computing
    nothing does not move issues on; a next month's run that sees it again never tells it was
    resolved in between). Results, analyses and issue states are one transaction now."""
    import os
    import signal

    import cxspec.issues_state.sync as sync
    import cxspec.notify.deliver as deliver
    import cxspec.runs.run as run
    from cxspec.diagnostics import WarehouseError
    from cxspec.issues_state.ids import issue_id

    monkeypatch.setenv("RT11B_HOOK", "http://127.0.0.1:9/hook")
    monkeypatch.setattr(deliver, "notify_after_run", lambda *a, **k: [])  # the outbox kept as enqueued
    files = {"specs.yaml": ISSUES_SPECS, "data/r.csv": month_rows({1: [9, 9], 2: [4, 4]})}
    root = make_project(files, config=ISSUES_CONFIG.format(url=kept_url) + NOTIFY)
    assert run_main("run", str(root), "-q")[0] == 0
    goal_red = issue_id("goal_red", "avg", {})
    before = _state(root)
    assert before[1] == {goal_red: "open"} and [p for p, _, _ in before[0]] == ["2026-01-01", "2026-02-01"]

    # March is green: the issue resolves by data, unless the run is stopped.
    (root / "data/r.csv").write_text(month_rows({1: [9, 9], 2: [4, 4], 3: [9, 8]}))

    def stop(*args, **kwargs):
        if how == "interrupt":  # Ctrl-C, as `cxspec run` meets it
            os.kill(os.getpid(), signal.SIGINT)
        raise WarehouseError("PostgreSQL: server closed the connection unexpectedly")

    if where == "before the issues":
        monkeypatch.setattr(run, "sync_issues", stop)
    else:
        monkeypatch.setattr(sync, "write_issues", stop)
    code, out, err = run_main("run", str(root), "-q")
    assert code == (130 if how == "interrupt" else 1), out + err
    assert "Traceback" not in err
    assert _state(root) == before, "nothing of the stopped run is stored"

    monkeypatch.undo()
    monkeypatch.setenv("RT11B_HOOK", "http://127.0.0.1:9/hook")
    monkeypatch.setattr(deliver, "notify_after_run", lambda *a, **k: [])
    assert run_main("run", str(root), "-q")[0] == 0
    results, statuses, outbox = _state(root)
    assert [(p, v) for p, v, _ in results] == [("2026-01-01", 9), ("2026-02-01", 4), ("2026-03-01", 8.5)]
    assert statuses == {goal_red: "resolved"}
    assert (goal_red, "resolved") in outbox


def test_a_refused_analysis_still_moves_the_issues_on(make_project, run_main, kept_url, monkeypatch):
    """A drivers analysis or a link the warehouse refuses fails the run (exit 1) after the
    results are stored; the issues were left as they were, every run while it failed, so the
    stored results and the issue states disagreed (March green, its issue still open)."""
    import cxspec.runs.run as run
    from cxspec.diagnostics import WarehouseError
    from cxspec.issues_state.ids import issue_id

    files = {"specs.yaml": ISSUES_SPECS, "data/r.csv": month_rows({1: [9, 9], 2: [4, 4]})}
    root = make_project(files, config=ISSUES_CONFIG.format(url=kept_url))
    assert run_main("run", str(root), "-q")[0] == 0
    (root / "data/r.csv").write_text(month_rows({1: [9, 9], 2: [4, 4], 3: [9, 8]}))

    def refused(*args, **kwargs):
        raise WarehouseError("DuckDB: out of memory")

    monkeypatch.setattr(run, "_compute_analyses", refused)
    code, out, err = run_main("run", str(root), "-q")
    assert code == 1 and "out of memory" in err, out + err
    results, statuses, _ = _state(root)
    assert [(p, v) for p, v, _ in results] == [("2026-01-01", 9), ("2026-02-01", 4), ("2026-03-01", 8.5)]
    assert statuses == {issue_id("goal_red", "avg", {}): "resolved"}


def _with_empty_column(specs_change=None, declared=False):
    """The red-team project with a column `sat_c` empty in every row of responses.csv."""
    from tests.test_redteam_v11 import SPECS, project_files

    files = project_files()
    header, *lines = files["data/responses.csv"].splitlines()
    files["data/responses.csv"] = "\n".join([header + ",sat_c"] + [line + "," for line in lines]) + "\n"
    specs = SPECS.replace(*specs_change) if specs_change else SPECS
    if declared:
        specs = specs.replace("    key: id\n", "    key: id\n    columns: {sat_c: number}\n")
    files["specs.yaml"] = specs
    return files


def _kept(warehouse: str, tmp_path) -> str:
    """The `warehouse` fixture's URL, in a file for DuckDB and SQLite."""
    return warehouse.replace(":memory:", str(tmp_path / "w.db"))


EMPTY_DRIVER = ("{name: b, column: sat_b}", "{name: b, column: sat_c}")
EMPTY_VALUE = ("value: sat_a,", "value: sat_c,")


@pytest.mark.parametrize("change", [EMPTY_DRIVER, EMPTY_VALUE], ids=["driver", "link value"])
def test_a_column_empty_in_every_row_is_said_to_be_empty(make_project, run_main, tmp_path, warehouse, change):
    """A CSV column without any value is read as text for want of values to type it by: the
    CX603 hint said it "holds no number at all" (as if it held words), and did not say how to
    have it read as numbers once they arrive."""
    from tests.test_redteam_v11 import CONFIG

    root = make_project(_with_empty_column(change), config=CONFIG)
    url = _kept(warehouse, tmp_path)
    code, out, err = run_main("run", str(root), "--warehouse", url, "--out", str(tmp_path / "o"), "-q")
    assert code == 1 and "CX603" in err, out + err
    assert "holds no number" not in err
    assert "it is empty in every row" in err and "`columns: {sat_c: number}`" in err, err


def test_a_declared_empty_column_is_no_data(make_project, run_main, tmp_path, warehouse):
    """Declared a number, the empty column is nothing to analyse yet (CX602, a warning in a
    run), and metrics over it or filtering by it have no data: n 0, no value, no error."""
    from tests.test_redteam_v11 import CONFIG, rows

    more = (
        "metrics:\n",
        "metrics:\n  - {id: mean_c, type: mean, source: responses, column: sat_c}\n"
        '  - {id: high, type: mean, source: responses, column: ltr, filter: "sat_c >= 7"}\n',
    )
    files = _with_empty_column(more, declared=True)
    files["specs.yaml"] = files["specs.yaml"].replace(*EMPTY_DRIVER)
    root = make_project(files, config=CONFIG)
    url = _kept(warehouse, tmp_path)
    code, out, err = run_main("run", str(root), "--warehouse", url, "--out", str(tmp_path / "o"), "-q")
    assert code == 0, out + err
    assert "CX603" not in err and "warning CX602: 'd1' has 0 complete cases" in err
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    latest = {m["id"]: m["latest"] for m in report["metrics"]}
    assert (latest["mean_c"]["n"], latest["mean_c"]["value"]) == (0, None)
    assert latest["high"] is None  # no row has sat_c >= 7
    ltrs = [ltr for *_, ltr, _, _ in rows()]
    assert latest["mean_ltr"]["value"] == pytest.approx(sum(ltrs) / len(ltrs))


def test_issues_of_an_owner_the_project_does_not_have_is_a_usage_error(one_open_issue, run_main):
    """`--owner caer` listed "no issues": a typo read as good news."""
    root, issue = one_open_issue
    code, out, err = run_main("issues", str(root), "--owner", "caer")
    assert code == 2, out + err
    assert "--owner" in err and "'caer'" in err and "did you mean 'care'?" in err
    code, out, err = run_main("issues", str(root), "--owner", "care", "--format", "json")
    assert code == 0 and [i["id"] for i in json.loads(out)["issues"]] == [issue]


def test_issues_of_a_former_owner_still_stored_are_listed(one_open_issue, run_main):
    """An owner no longer in the specs still owns the issues stored under it: listed, not refused."""
    root, issue = one_open_issue
    specs = root / "specs.yaml"
    specs.write_text(
        specs.read_text()
        .replace("care, name: Care team", "help, name: Help team")
        .replace("owner: care", "owner: help")
    )
    code, out, err = run_main("issues", str(root), "--owner", "care", "--format", "json")
    assert code == 0, out + err
    assert [i["id"] for i in json.loads(out)["issues"]] == [issue]


@pytest.mark.parametrize(
    "command",
    [
        ("issues",),
        ("issues", "ack", "goal-red-397618da9c", "--note", "on it", "--project"),
        ("report",),
        ("notify", "--dry-run"),
    ],
    ids=["issues", "issues ack", "report", "notify"],
)
@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_a_results_file_that_does_not_exist_is_said_so_and_not_made(
    one_open_issue, run_main, tmp_path, command, engine
):
    """`--warehouse duckdb:///resluts.duckdb` (a typo) created an empty database there, and
    `cxspec issues` answered "no issues", exit 0: a typo read as good news, and a stray file."""
    root, _ = one_open_issue
    missing = tmp_path / "elsewhere" / f"resluts.{engine}"
    missing.parent.mkdir()
    code, out, err = run_main(*command, str(root), "--warehouse", f"{engine}:///{missing}")
    assert code == 1, out + err
    assert "no issues" not in out and "Traceback" not in err
    assert f"{missing} does not exist" in err and "cxspec run" in err, err
    assert not missing.exists()
