"""A red-team pass over what v1.1 added, as an attacker or a tired operator meets it: outputs
that replaced the project's own files (`report --out` over the results database), output
paths that crashed instead of saying what is wrong, notifications an interrupt left claimed,
issue actions that took terminal escapes, and segment sets too large to act on."""

from __future__ import annotations

import os
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
