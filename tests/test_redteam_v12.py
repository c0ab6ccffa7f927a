"""A red-team pass over what v1.1 added, as an attacker or a tired operator meets it: outputs
that replaced the project's own files (`report --out` over the results database), output
paths that crashed instead of saying what is wrong, notifications an interrupt left claimed,
issue actions that took terminal escapes, and segment sets too large to act on."""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

import pytest

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
ROWS = "id,t,score\n1,2026-01-05T10:00:00Z,9\n2,2026-01-06T10:00:00Z,9\n3,2026-02-05T10:00:00Z,4\n"


@pytest.fixture
def stored(make_project, run_main, tmp_path):
    """A project whose run stored results in results/w.duckdb (inside the project)."""
    root = make_project(
        {"specs.yaml": SPECS, "data/r.csv": ROWS}, config=CONFIG.format(url="duckdb:///results/w.duckdb")
    )
    assert run_main("run", str(root), "-q")[0] == 0
    return root


def _snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- outputs over the project's own files ------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "target", "what"),
    [
        (("report", "--format", "md"), "results/w.duckdb", "the results database"),
        (("report", "--format", "html"), "cxspec.yaml", "cxspec.yaml"),
        (("report", "--format", "json"), "specs.yaml", "the spec file specs.yaml"),
        (("report", "--format", "md"), "data/r.csv", "the data file of source 'r'"),
        (("owners",), "cxspec.yaml", "cxspec.yaml"),
        (("owners", "--codeowners"), "specs.yaml", "the spec file"),
    ],
)
def test_an_output_never_replaces_the_projects_own_files(stored, run_main, command, target, what):
    """`report --out cxspec-out/results.duckdb` (meant: report.md beside it) replaced the whole
    stored history with a Markdown report, exit 0; `owners --out cxspec.yaml` the configuration.
    Now a usage error before anything is read, and every file is as it was."""
    before = _snapshot(stored)
    code, out, err = run_main(*command[:1], str(stored), *command[1:], "--out", str(stored / target))
    assert code == 2, out + err
    assert "refusing to write" in err and what in err and "Traceback" not in err
    assert _snapshot(stored) == before
    assert run_main("report", str(stored), "--format", "json")[0] == 0  # the history is whole


def test_an_output_through_a_linked_folder_onto_the_database_is_refused(stored, run_main, tmp_path):
    """The same file reached by another way (a link to the folder that holds it)."""
    (tmp_path / "elsewhere").symlink_to(stored / "results")
    code, _, err = run_main(
        "report", str(stored), "--format", "md", "--out", str(tmp_path / "elsewhere" / "w.duckdb")
    )
    assert code == 2 and "the results database" in err
    assert run_main("report", str(stored), "--format", "json")[0] == 0


def test_run_and_docs_folders_never_replace_the_database(make_project, run_main):
    """`warehouse: duckdb:///out/report.json` with `output: out`: the run's report.json would
    replace the database it had just stored into."""
    config = CONFIG.format(url="duckdb:///out/report.json") + "output: out\n"
    root = make_project({"specs.yaml": SPECS, "data/r.csv": ROWS}, config=config)
    code, _, err = run_main("run", str(root), "-q")
    assert code == 2 and "refusing to write" in err and "results database" in err
    assert not (root / "out" / "report.json").exists()  # checked before storing
    code, _, err = run_main("docs", str(root), "--out", str(root), "--no-values")
    assert code == 0, err  # the catalog's names are not the project's files
    code, _, err = run_main("docs", str(root), "--out", str(root / "data"), "--no-values")
    assert code == 0, err


@pytest.mark.parametrize("where", ["under a file", "unwritable"])
def test_an_out_file_that_cannot_be_written_is_said_so(stored, run_main, where):
    """`report --out cxspec.yaml/x.md` and `--out /proc/x.md` were 'internal error: This is a
    bug in cxspec' (FileExistsError, FileNotFoundError); now a usage error naming the folder."""
    out = str(stored / "cxspec.yaml" / "x.md") if where == "under a file" else "/proc/cxspec-x.md"
    for command in (("report", str(stored), "--format", "md"), ("owners", str(stored))):
        code, _, err = run_main(*command, "--out", out)
        assert code == 2, err
        assert "internal error" not in err and "output folder" in err


# --- notifications stopped half-way ----------------------------------------------------------

TWO_HOOKS = CONFIG + (
    "notify:\n  - {{type: webhook, url_env: RT12_HOOK_A, format: json}}\n"
    "  - {{type: webhook, url_env: RT12_HOOK_B, format: slack}}\n"
)


def test_an_interrupted_delivery_keeps_what_it_sent_and_gives_back_the_rest(
    make_project, run_main, tmp_path, monkeypatch
):
    """Ctrl-C while the second webhook was being sent: every claimed delivery stayed `sending`,
    the first webhook's (sent) and the second's (not) alike. The first was sent again once the
    claim went stale (twice for one transition), and the second waited ten minutes. Now each
    batch is recorded when sent and the rest is given back: the next delivery sends only it."""
    import datetime as dt

    from cxspec.notify import deliver as deliver_module
    from cxspec.notify import outbox

    monkeypatch.setenv("RT12_HOOK_A", "http://127.0.0.1:9/a")
    monkeypatch.setenv("RT12_HOOK_B", "http://127.0.0.1:9/b")
    url = f"duckdb:///{tmp_path}/w.duckdb"
    root = make_project({"specs.yaml": SPECS, "data/r.csv": ROWS}, config=TWO_HOOKS.format(url=url))
    sent: list[int] = []

    def stopped_at_b(target, project_id, issues):
        if target.index == 2:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while it is being sent
        sent.append(target.index)

    monkeypatch.setattr(deliver_module, "send_webhook", stopped_at_b)
    code, _, err = run_main("run", str(root), "-q")
    assert code == 130 and "interrupted" in err and "Traceback" not in err, err
    assert sent == [1]

    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    monkeypatch.setattr(outbox, "_now", lambda: later)  # the claims of a dead run are stale by now
    monkeypatch.setattr(deliver_module, "send_webhook", lambda target, *_: sent.append(target.index))
    code, out, err = run_main("notify", str(root))
    assert code == 0, err
    assert sent == [1, 2]  # the first webhook once, the second once
    assert run_main("notify", str(root))[1] == "sent 0 issue change(s)\n"


# --- the issue loop's command line -----------------------------------------------------------


@pytest.fixture
def one_issue(make_project, run_main, tmp_path):
    """(project, the id of its one open issue: goal_red of avg)."""
    from cxspec.issues_state.ids import issue_id

    url = f"duckdb:///{tmp_path}/w.duckdb"
    root = make_project({"specs.yaml": SPECS, "data/r.csv": ROWS}, config=CONFIG.format(url=url))
    assert run_main("run", str(root), "-q")[0] == 0
    return root, issue_id("goal_red", "avg", {})


def _issues(run_main, root) -> list[dict]:
    code, out, err = run_main("issues", str(root), "--format", "json")
    assert code == 0, err
    return json.loads(out)["issues"]


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--by", "ev\x1b[31mil", "control characters (\\x1b)"),
        ("--by", "dana\u202e", "control characters (\\u202e)"),
        ("--note", "done \x1b]0;owned\x07 now", "control characters (\\x07, \\x1b)"),
        ("--note", "cleared\rX", "control characters (\\r)"),
        ("--note", "x" * 10_000_000, "10,000,000 characters long, more than 2,000"),
        ("--by", "d" * 101, "more than 100"),
    ],
    ids=["by-esc", "by-bidi", "note-osc", "note-cr", "note-10MB", "by-long"],
)
def test_an_action_refuses_what_no_report_can_show(one_issue, run_main, option, value, said):
    """`--by $'ev\\e[31mil'` was stored and echoed raw ('(by evil)' in red on the terminal),
    then written raw into report.html; a 10 MB note was stored and printed whole in every
    listing. Now a usage error before anything is stored."""
    root, issue = one_issue
    before = _issues(run_main, root)
    note = value if option == "--note" else "on it"
    by = value if option == "--by" else "dana"
    code, out, err = run_main("issues", "ack", issue, "--note", note, "--by", by, "--project", str(root))
    assert code == 2, out
    assert option in err and said in err and "\x1b" not in err and "Traceback" not in err
    assert _issues(run_main, root) == before


def test_a_note_keeps_its_lines(one_issue, run_main):
    """Line breaks and tabs are a note's own (Windows line ends become plain ones); listings
    show them on one line."""
    root, issue = one_issue
    code, out, err = run_main(
        "issues",
        "ack",
        issue,
        "--note",
        "called them\r\n\tback on Monday",
        "--by",
        "dana",
        "--project",
        str(root),
    )
    assert code == 0, err
    assert _issues(run_main, root)[0]["notes"][-1]["note"] == "called them\n\tback on Monday"
    code, out, _ = run_main("issues", str(root))
    assert "called them\\n\\tback on Monday" in out


def test_an_id_from_before_a_rename_names_the_issue_now(one_issue, run_main):
    """An email sent before the metric was renamed (`previous_ids:`) says `cxspec issues ack
    goal-red-<old>`; after the next run that id was 'no issue', listing five unrelated ids."""
    from cxspec.issues_state.ids import issue_id

    root, old_id = one_issue
    renamed = SPECS.replace("{id: avg,", "{id: mean_rating, previous_ids: [avg],").replace(
        "{metric: avg,", "{metric: mean_rating,"
    )
    (root / "specs.yaml").write_text(renamed)
    assert run_main("run", str(root), "-q")[0] == 0
    new_id = issue_id("goal_red", "mean_rating", {})
    code, _, err = run_main("issues", "ack", old_id, "--note", "on it", "--project", str(root))
    assert code == 1
    assert f"issue {old_id} is {new_id} now" in err and "avg was renamed mean_rating" in err
    assert [i["status"] for i in _issues(run_main, root)] == ["open"]


@pytest.mark.parametrize("typed", ["upper", "spaces", "typo"])
def test_a_mistyped_id_says_which_was_meant(one_issue, run_main, typed):
    """An id pasted from a table with its padding, in capitals, or with one digit wrong."""
    root, issue = one_issue
    given = {
        "upper": issue.upper(),
        "spaces": f" {issue}  ",
        "typo": issue[:-1] + ("0" if issue[-1] != "0" else "1"),
    }
    code, _, err = run_main("issues", "resolve", given[typed], "--note", "done", "--project", str(root))
    assert code == 1 and f"did you mean {issue!r}?" in err, err


# --- limits ----------------------------------------------------------------------------------


def many_metrics(make_project, engine: str):
    """600 metrics of three types over two sources of one file, and a ratio of two of them."""
    lines = [
        "version: 1",
        "sources:",
        "  - {id: a, type: file, path: data/r.csv, time: t, key: id, dimensions: [ch]}",
        "  - {id: b, type: file, path: data/r.csv, time: t, dimensions: [ch]}",
        "metrics:",
    ]
    for i in range(600):
        source = "a" if i % 3 else "b"
        kind = ("mean", "count", "rate")[i % 3]
        field = "condition: score >= 8" if kind == "rate" else "column: score"
        lines.append(
            f"  - {{id: m{i:03d}, type: {kind}, source: {source}, {field}, filter: \"ch = 'c{i % 7}'\"}}"
        )
    lines.append("  - {id: share, type: ratio, numerator: m599, denominator: m001}")
    rows = ["id,t,ch,score"] + [f"{n},2026-0{1 + n % 3}-05T10:00:00Z,c{n % 7},{n % 11}" for n in range(400)]
    config = f'version: 1\nproject: many\nwarehouse: "{engine}:///:memory:"\n'
    return make_project(
        {"specs.yaml": "\n".join(lines) + "\n", "data/r.csv": "\n".join(rows) + "\n"}, config=config
    )


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_a_run_of_many_metrics_computes_them_in_batches_with_the_same_numbers(make_project, tmp_path, engine):
    """10,000 metrics of one source: `run` took 21 minutes, in one query whose planning time
    grows with the square of its select list (1,000 metrics 9.8 s, four queries of 250 3.6 s).
    A run now computes at most MAX_METRICS_PER_QUERY metrics per query, a source's together,
    and a ratio's inputs with it: the same results as the one query."""
    from cxspec import load_project
    from cxspec.compiler.plan import Request
    from cxspec.query import MAX_METRICS_PER_QUERY, compute_with, connect
    from cxspec.registry import default_registry
    from cxspec.runs import grain_rows

    root = many_metrics(make_project, engine)
    project, registry = load_project(root), default_registry()
    sizes: list[int] = []

    def recording(warehouse, project, request, registry, **options):
        sizes.append(len(request.metrics))
        return compute_with(warehouse, project, request, registry, **options)

    with connect(None, project, registry) as warehouse:
        batched = grain_rows.compute_by_grain(recording, warehouse, project, Request(), registry)
        whole = compute_with(warehouse, project, Request(), registry)
    assert sizes and max(sizes) <= MAX_METRICS_PER_QUERY and sum(sizes) == 601
    key = lambda r: (r.metric, r.period)  # noqa: E731
    assert [(key(r), r.value, r.n, r.invalid) for r in sorted(batched, key=key)] == [
        (key(r), r.value, r.n, r.invalid) for r in sorted(whole, key=key)
    ]
    assert {r.metric for r in batched} >= {"share", "m000", "m599"}


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_query_of_many_metrics_computes_them_in_batches_with_the_same_output(
    make_project, run_main, monkeypatch, engine
):
    """`cxspec query` of a generated 10,000-metric project ran for over 15 minutes and took
    17.8 GB of memory in one query; it now computes them as `run` does, at most
    MAX_METRICS_PER_QUERY per query: the same JSON as one query gives."""
    from cxspec import query

    root = many_metrics(make_project, engine)
    monkeypatch.setattr(query, "MAX_METRICS_PER_QUERY", 10_000)  # one query
    code, whole, err = run_main("query", str(root), "--as-of", "2026-06-01", "--format", "json")
    assert code in (0, None), err
    sizes: list[int] = []
    original = query.compute_with

    def recording(warehouse, project, request, registry, **options):
        sizes.append(len(request.metrics))
        return original(warehouse, project, request, registry, **options)

    monkeypatch.setattr(query, "MAX_METRICS_PER_QUERY", 250)
    monkeypatch.setattr(query, "compute_with", recording)
    code, batched, err = run_main("query", str(root), "--as-of", "2026-06-01", "--format", "json")
    assert code in (0, None), err
    assert sizes and max(sizes) <= 250 and sum(sizes) == 601, sizes
    assert batched == whole and '"share"' in batched


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_batches_count_the_inputs_each_query_computes(make_project, monkeypatch, engine):
    """A generated 10,000-metric project's `query` spent two minutes in each of its first
    batches: 250 derived metrics brought their inputs' chains into one query, about a thousand
    metrics. A batch is now bounded by what its query computes, chains included (counted
    here in plain Python from the specs), and gives the numbers one query gives."""
    from cxspec import load_project, query
    from cxspec.compiler.plan import Request
    from cxspec.query import compute_batched, compute_with, connect, metric_batches
    from cxspec.registry import default_registry

    monkeypatch.setattr(query, "MAX_METRICS_PER_QUERY", 40)  # (one query of them all stays quick)

    lines = [
        "version: 1",
        "sources:",
        "  - {id: a, type: file, path: data/r.csv, time: t, key: id}",
        "  - {id: b, type: file, path: data/r.csv, time: t}",
        "metrics:",
    ]
    inputs: dict[str, list[str]] = {}
    for i in range(100):
        lines.append(
            f"  - {{id: m{i:03d}, type: mean, source: {'ab'[i % 2]}, column: score, "
            f"filter: \"ch = 'c{i % 7}'\"}}"
        )
        inputs[f"m{i:03d}"] = []
    for i in range(80):  # each of two metrics, some of an earlier derived one: chains
        first = f"d{i - 7:03d}" if i >= 7 and i % 3 == 0 else f"m{(i * 7) % 100:03d}"
        second = f"m{(i * 13 + 1) % 100:03d}"
        lines.append(f"  - {{id: d{i:03d}, type: derived, expr: '{first} - {second}'}}")
        inputs[f"d{i:03d}"] = [first, second]
    rows = ["id,t,ch,score"] + [f"{n},2026-0{1 + n % 3}-05T10:00:00Z,c{n % 7},{n % 11}" for n in range(300)]
    config = f'version: 1\nproject: chains\nwarehouse: "{engine}:///:memory:"\n'
    root = make_project(
        {"specs.yaml": "\n".join(lines) + "\n", "data/r.csv": "\n".join(rows) + "\n"}, config=config
    )
    project, registry = load_project(root), default_registry()

    def chain(metric_id: str) -> set[str]:
        found = {metric_id}
        for other in inputs[metric_id]:
            found |= chain(other)
        return found

    batches = metric_batches(project, registry, sorted(project.metrics))
    assert sorted(m for batch in batches for m in batch) == sorted(project.metrics)
    for batch in batches:
        assert len(set().union(*(chain(m) for m in batch))) <= 40
    assert len(batches) < 12  # and not one query per metric

    with connect(None, project, registry) as warehouse:
        batched = compute_batched(warehouse, project, Request(), registry)
        whole = compute_with(warehouse, project, Request(), registry)
    key = lambda r: (r.metric, r.period)  # noqa: E731
    assert [(key(r), r.value, r.n) for r in batched] == [(key(r), r.value, r.n) for r in whole]
    assert len({r.metric for r in batched}) == 180


def test_a_segment_with_too_many_values_is_refused_where_it_is_written(make_project, run_main, monkeypatch):
    """`segments: [customer]` (meant: a region): 50,000 customers ran for 22 s in 950 MB, wrote
    a 26 MB report and opened an issue (and a notification) per customer. More values than
    MAX_SEGMENT_VALUES in a segment is CX621 at its place in cxspec.yaml; nothing is stored."""
    from cxspec.runs import segment_values

    monkeypatch.setattr(segment_values, "MAX_SEGMENT_VALUES", 20)
    config = (
        "version: 1\nproject: many\ngrain: month\nwarehouse: duckdb:///w.duckdb\n"
        "segments:\n  - region\n  - customer\n"
    )
    specs = SPECS.replace("key: id}", "key: id, dimensions: [region, customer]}")
    rows = ["id,t,region,customer,score"] + [
        f"{n},2026-01-05T10:00:00Z,r{n % 3},c{n},{n % 11}" for n in range(21)
    ]
    root = make_project({"specs.yaml": specs, "data/r.csv": "\n".join(rows) + "\n"}, config=config)
    code, out, err = run_main("run", str(root), "-q")
    assert code == 1, out + err
    assert "cxspec.yaml:7:5: error CX621: segment [customer] has 21 values in the data, more than 20" in err
    assert "nothing was stored" in err and "Traceback" not in err
    assert not (root / "w.duckdb").exists() or run_main("report", str(root))[0] == 1
    (root / "data/r.csv").write_text("\n".join(rows[:-1]) + "\n")  # 20 customers: at the limit
    assert run_main("run", str(root), "-q")[0] == 0


# --- text from the data in the report files ---------------------------------------------------

UNSHOWN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def test_report_files_show_a_segments_control_characters_as_codes(make_project, run_main):
    """A region from the data with a terminal escape, a C1 code and a right-to-left override:
    report.html carried the ESC, BEL and CSI raw and the override reversed the rest of its row;
    report.md (a pull request comment) kept the override. Now both show their codes;
    report.json keeps the value exactly."""
    region = "EM\x1b[2JEA\x07\x9b\u202eTLR\u2028"
    specs = SPECS.replace("key: id}", "key: id, dimensions: [region]}")
    rows = ["id,t,region,score"]
    for n, (month, name, score) in enumerate(
        [(1, region, 9)] * 6 + [(2, region, 2)] * 6 + [(1, "APAC", 9)] * 6 + [(2, "APAC", 9)] * 6
    ):
        rows.append(f'{n},2026-0{month}-05T10:00:00Z,"{name}",{score}')
    config = "version: 1\nproject: hostile\ngrain: month\nwarehouse: duckdb:///w.duckdb\nsegments: [region]\n"
    root = make_project({"specs.yaml": specs, "data/r.csv": "\n".join(rows) + "\n"}, config=config)
    assert run_main("run", str(root), "-q")[0] == 0
    out = root / "cxspec-out"
    for name in ("report.html", "report.md"):
        text = (out / name).read_text(encoding="utf-8")
        assert not UNSHOWN.findall(text), (name, sorted(set(UNSHOWN.findall(text))))
        shown = text.replace("\\\\", "\\")  # Markdown doubles the backslash
        assert "EM\\x1b" in shown and "\\x07\\x9b\\u202eTLR" in shown
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    strings: list[str] = []

    def walk(value):
        if isinstance(value, dict):
            strings.extend(k for k in value if isinstance(k, str))
            value = list(value.values())
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            strings.append(value)

    walk(data)
    assert any(region in text for text in strings)


def test_error_messages_quoting_the_data_reach_the_terminal_escaped(make_project, run_main):
    """`report --segment region=X` answers with the stored segments: a region from the data
    with an OSC (window title), a BEL and a CR went raw to the operator's terminal. Every error
    message and diagnostic is now shown with its controls as escapes (line breaks kept)."""
    from cxspec.diagnostics import Diagnostic, Location, Severity
    from cxspec.formats import RenderContext, render

    region = "EM\x1b]0;owned\x07\rEA\u202e"
    specs = SPECS.replace("key: id}", "key: id, dimensions: [region]}")
    rows = ["id,t,region,score", f'1,2026-01-05T10:00:00Z,"{region}",9', "2,2026-01-05T10:00:00Z,APAC,8"]
    config = "version: 1\nproject: hostile\ngrain: month\nwarehouse: duckdb:///w.duckdb\nsegments: [region]\n"
    root = make_project({"specs.yaml": specs, "data/r.csv": "\n".join(rows) + "\n"}, config=config)
    assert run_main("run", str(root), "-q")[0] == 0
    code, _, err = run_main("report", str(root), "--segment", "region=X")
    assert code == 2 and "region=EM\\x1b]0;owned\\x07\\rEA\\u202e" in err
    assert not UNSHOWN.findall(err.replace("\n", "")), err
    hostile = Diagnostic(
        "CX410", "cell 'a\x1b[2J' of\nx", Location("a.yaml", 1, 1), Severity.ERROR, hint="b\x07"
    )
    text = render("text", [hostile], RenderContext(root=root))
    assert "'a\\x1b[2J' of\nx" in text and "hint: b\\x07" in text


@pytest.mark.parametrize("headline", [("--period", "2026-01-01"), ("--as-of", "2026-02-10")])
def test_periods_counts_back_from_the_period_reported(stored, run_main, headline):
    """`report --periods 1 --period 2026-01-01` kept the latest stored period (February) and
    then reported January from nothing: no value, no index, exit 0. `--periods N` now counts
    back from the period reported (or from --as-of)."""
    code, out, err = run_main("report", str(stored), "--format", "json", "--periods", "1", *headline)
    assert code == 0, err
    (metric,) = json.loads(out)["metrics"]
    assert metric["latest"]["period"] == "2026-01-01" and metric["latest"]["value"] == 9


@pytest.mark.parametrize("command", ["run", "docs"])
def test_a_linked_project_output_folder_is_refused(make_project, run_main, tmp_path, command):
    """A pull request that commits `cxspec-out -> /somewhere` made `cxspec run` write report.*
    (and `cxspec docs` its catalog) there. The project's own output folder may not be a link;
    an --out the operator names may."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "report.json").write_text("precious\n")
    root = make_project(
        {"specs.yaml": SPECS, "data/r.csv": ROWS}, config=CONFIG.format(url="duckdb:///w.duckdb")
    )
    (root / "cxspec-out").symlink_to(elsewhere)
    args = (command, str(root), "-q") if command == "run" else (command, str(root), "--no-values")
    code, _, err = run_main(*args)
    assert code == 2 and "is a symbolic link" in err and "--out" in err, err
    assert sorted(p.name for p in elsewhere.iterdir()) == ["report.json"]
    assert (elsewhere / "report.json").read_text() == "precious\n"
    assert not (root / "w.duckdb").exists()  # checked before anything is stored
    assert run_main(*args, "--out", str(root / "cxspec-out"))[0] == 0


def test_an_email_shows_a_values_control_characters_as_codes():
    """An email's text quoted a segment's value from the data raw: an ESC reached a terminal
    mail reader (mutt, mail) as it reached the terminal before."""
    from cxspec.notify.senders import email_message

    issue = {"transition": "new", "kind": "goal_red", "period": "2026-02-01", "id": "goal-red-1",
             "message": "Average (region=EM\x1b[2JEA\x1b]0;owned\x07) is 2.00"}  # fmt: skip
    body = email_message("cx@example.com", "care@example.com", "loop", [issue]).get_content()
    assert "region=EM\\x1b[2JEA\\x1b]0;owned\\x07" in body and "\x1b" not in body and "\x07" not in body


def test_diff_out_never_replaces_a_spec_file(make_project, run_main):
    """`cxspec diff base head --out head/specs.yaml` replaced the spec file with the diff."""
    base = make_project({"specs.yaml": SPECS, "data/r.csv": ROWS})
    head = make_project({"specs.yaml": SPECS.replace("target: 8", "target: 7"), "data/r.csv": ROWS})
    before = (head / "specs.yaml").read_text()
    code, out, err = run_main("diff", str(base), str(head), "--out", str(head / "specs.yaml"))
    assert code == 2 and "the spec file specs.yaml" in err, out + err
    assert (head / "specs.yaml").read_text() == before


def test_a_flood_of_issue_changes_is_sent_in_parts(make_project, run_main, tmp_path, monkeypatch):
    """A first run with 250 issue changes sent one Slack message of them all: past Slack's
    size it is cut or refused with a 4xx, which is not retried but kept, and refused again on
    every run with every later change to that target. Now at most MAX_PER_MESSAGE a request."""
    from cxspec.notify import deliver as deliver_module

    monkeypatch.setattr(deliver_module, "MAX_PER_MESSAGE", 4)  # the rule at a small scale
    monkeypatch.setenv("RT12_HOOK_A", "http://127.0.0.1:9/a")
    monkeypatch.setenv("RT12_HOOK_B", "http://127.0.0.1:9/b")
    specs = SPECS.replace("key: id}", "key: id, dimensions: [region]}")
    rows = ["id,t,region,score"] + [f"{n},2026-01-05T10:00:00Z,r{n % 10},4" for n in range(40)]
    config = TWO_HOOKS.format(url=f"duckdb:///{tmp_path}/w.duckdb") + "segments: [region]\n"
    root = make_project({"specs.yaml": specs, "data/r.csv": "\n".join(rows) + "\n"}, config=config)
    sizes: dict[int, list[int]] = {1: [], 2: []}
    monkeypatch.setattr(
        deliver_module, "send_webhook", lambda target, _, issues: sizes[target.index].append(len(issues))
    )
    assert run_main("run", str(root), "-q")[0] == 0
    assert sum(sizes[1]) == 11 and max(sizes[1]) == 4 and len(sizes[1]) == 3  # the total and 10 regions
    assert sizes[2] == sizes[1]
    assert run_main("notify", str(root))[1] == "sent 0 issue change(s)\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="a link in /dev is made by root only")
def test_out_to_a_dev_link_to_a_file_writes_into_the_file(tmp_path):
    """`report --out /dev/stdout > report.md` (stdout a file): the rename replaced the
    /dev/stdout link itself with a regular file, as root, and report.md stayed empty."""
    from cxspec.safe_write import write_text

    target = tmp_path / "report.md"
    target.write_text("earlier\n")  # `>>`: kept
    link = Path(f"/dev/cxspec-rt12-{os.getpid()}")
    link.symlink_to(target)
    try:
        write_text(link, "# report\n")
        assert link.is_symlink() and target.read_text() == "earlier\n# report\n"
    finally:
        link.unlink()
