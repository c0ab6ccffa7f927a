"""Every file cxspec writes: atomic (a kill or a full disk leaves the old file or the new one),
never through a symbolic link, never outside the named folder; output paths checked before
anything is computed; a failure after storing says the results are stored (issue 13,
findings 1, 2 and 4)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxspec import load_project
from cxspec.registry import default_registry
from cxspec.runs.run import stored_results
from cxspec.safe_write import OutputPathError, check_output_folder, write_file

ROOT = Path(__file__).resolve().parent.parent
SPECS = """version: 1
sources:
  - {id: r, type: file, path: r.csv, time: t, key: id}
metrics:
  - {id: nps, type: nps, source: r, column: nps}
  - {id: csat, type: csat, source: r, column: csat}
goals:
  - {metric: nps, target: 50, warn: 10}
pyramids:
  - id: cx-index
    children:
      - {metric: nps}
      - {metric: csat}
"""
CSV = "id,t,nps,csat\n1,2026-01-03T10:00:00Z,10,5\n2,2026-01-04T10:00:00Z,3,2\n3,2026-02-04T10:00:00Z,9,4\n"
REPORTS = ("report.html", "report.md", "report.json")


@pytest.fixture
def project(make_project):
    root = make_project(
        {"specs.yaml": SPECS, "r.csv": CSV},
        config="version: 1\nproject: t\ngrain: month\nwarehouse: duckdb:///results.duckdb\n",
    )
    return root


@pytest.fixture
def outside(tmp_path):
    """A file outside every output folder that links point at; it must never change."""
    target = tmp_path / "outside" / "precious.txt"
    target.parent.mkdir()
    target.write_text("precious\n", encoding="utf-8")
    return target


def stored_rows(project):
    return stored_results(load_project(project), default_registry()).results


def replaced_link(path: Path, outside: Path) -> None:
    """The link at `path` was replaced by a regular file; its target is unchanged."""
    assert outside.read_text(encoding="utf-8") == "precious\n"
    assert not path.is_symlink() and path.is_file()


# --- the writer itself ---------------------------------------------------------------------


def test_a_write_that_fails_midway_leaves_the_old_file(tmp_path, monkeypatch):
    write_file(tmp_path, "report.html", "<html>old, complete</html>\n")

    def disk_full(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("cxspec.safe_write.os.fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_file(tmp_path, "report.html", "<html>new " + "x" * 1_000_000)
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == "<html>old, complete</html>\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temporary left


@pytest.mark.parametrize("name", ["../x.md", "/tmp/x.md", "a/../../x.md", "", "."])
def test_names_outside_the_folder_are_refused(tmp_path, name):
    with pytest.raises(OutputPathError):
        write_file(tmp_path / "out", name, "x")
    assert not (tmp_path / "x.md").exists()


def test_a_linked_folder_on_the_way_is_refused(tmp_path, outside):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "markdown").symlink_to(outside.parent)
    with pytest.raises(OutputPathError, match="symbolic link"):
        write_file(tmp_path / "out", "markdown/precious.txt", "overwritten")
    assert outside.read_text(encoding="utf-8") == "precious\n"


def test_modes_are_kept_and_new_files_are_readable(tmp_path):
    path = write_file(tmp_path, "a.txt", "1")
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()
    path.chmod(0o640)
    write_file(tmp_path, "a.txt", "2")
    assert path.stat().st_mode & 0o777 == 0o640 and path.read_text() == "2"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- links are replaced, never followed, by every command ----------------------------------


@pytest.mark.parametrize("name", ["report.md", "report.html", "report.json"])
def test_run_does_not_follow_a_linked_report(project, outside, run_main, name):
    (project / "cxspec-out").mkdir()
    (project / "cxspec-out" / name).symlink_to(outside)
    code, _, err = run_main("run", str(project), "--quiet")
    assert code == 0, err
    replaced_link(project / "cxspec-out" / name, outside)
    assert "precious" not in (project / "cxspec-out" / name).read_text(encoding="utf-8")


def test_compile_out_does_not_follow_a_linked_manifest(project, outside, tmp_path, run_main):
    out = tmp_path / "sql"
    out.mkdir()
    (out / "manifest.json").symlink_to(outside)
    code, _, err = run_main("compile", str(project), "--out", str(out))
    assert code == 0, err
    replaced_link(out / "manifest.json", outside)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["project"] == "t"


def test_docs_out_does_not_follow_linked_catalog_files(project, outside, tmp_path, run_main):
    out = tmp_path / "catalog"
    (out / "markdown").mkdir(parents=True)
    (out / "index.html").symlink_to(outside)
    (out / "markdown" / "README.md").symlink_to(outside)
    code, _, err = run_main("docs", str(project), "--out", str(out), "--no-values")
    assert code == 0, err
    replaced_link(out / "index.html", outside)
    replaced_link(out / "markdown" / "README.md", outside)


def test_diff_out_does_not_follow_a_linked_output(project, outside, tmp_path, run_main):
    (tmp_path / "cxspec-diff.md").symlink_to(outside)
    code, _, err = run_main("diff", str(project), str(project), "--format", "md",
                            "--out", str(tmp_path / "cxspec-diff.md"))  # fmt: skip
    assert code == 0, err
    replaced_link(tmp_path / "cxspec-diff.md", outside)


def test_export_does_not_follow_a_linked_file(project, outside, tmp_path, run_main):
    out = tmp_path / "dbt"
    out.mkdir()
    (out / "dbt_project.yml").symlink_to(outside)
    code, _, err = run_main("export", str(project), "--to", "dbt", "--out", str(out))
    assert code == 0, err
    replaced_link(out / "dbt_project.yml", outside)


def test_owners_and_report_out_do_not_follow_links(project, outside, tmp_path, run_main):
    assert run_main("run", str(project), "--quiet")[0] == 0
    for command in (("owners",), ("report", "--format", "md")):
        link = tmp_path / f"{command[0]}.txt"
        link.symlink_to(outside)
        code, _, err = run_main(*command[:1], str(project), *command[1:], "--out", str(link))
        assert code == 0, err
        replaced_link(link, outside)


# --- output paths are checked before anything is computed ----------------------------------


@pytest.mark.parametrize("shape", ["a file", "under a file", "a report name that is a folder"])
def test_an_unusable_output_is_a_usage_error_before_storing(shape, project, run_main):
    (project / "taken").write_text("not a folder\n", encoding="utf-8")
    outputs = {"a file": "taken", "under a file": "taken/reports", "a report name that is a folder": "out"}
    output = outputs[shape]
    if shape == "a report name that is a folder":
        (project / "out" / "report.json").mkdir(parents=True)
    config = (project / "cxspec.yaml").read_text(encoding="utf-8")
    (project / "cxspec.yaml").write_text(config + f"output: {output}\n", encoding="utf-8")
    code, _, err = run_main("run", str(project), "--quiet")
    assert code == 2, err
    assert "cxspec: error:" in err and "This is a bug" not in err
    assert not (project / "results.duckdb").exists()  # nothing computed, nothing stored


def test_an_unwritable_output_is_a_usage_error(project, run_main, monkeypatch):
    """Tests run as root, for which permission bits do not stop a write; the check asks the
    kernel by creating a probe file, so a refusal is simulated at that call."""
    real = __import__("tempfile").mkstemp

    def refused(*args, **kwargs):
        if str(kwargs.get("prefix", "")).startswith(".cxspec-probe"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(*args, **kwargs)

    monkeypatch.setattr("cxspec.safe_write.tempfile.mkstemp", refused)
    code, _, err = run_main("run", str(project), "--quiet")
    assert code == 2 and "cannot be written: Permission denied" in err
    assert not (project / "results.duckdb").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_a_usage_error(project, run_main):
    (project / "cxspec-out").mkdir(mode=0o500)
    code, _, err = run_main("run", str(project), "--quiet")
    assert code == 2, err


@pytest.mark.parametrize("command", [("compile", "--out"), ("docs", "--no-values", "--out"),
                                     ("export", "--to", "dbt", "--out")])  # fmt: skip
def test_other_outputs_are_checked_first(command, project, run_main):
    (project / "taken").write_text("x\n", encoding="utf-8")
    code, _, err = run_main(command[0], str(project), *command[1:], str(project / "taken" / "out"))
    assert code == 2 and "which is a file" in err


def test_check_output_folder_creates_nothing(tmp_path):
    check_output_folder(tmp_path / "a" / "b", ["report.md"])
    assert list(tmp_path.iterdir()) == []


def test_a_failure_after_storing_says_the_results_are_stored(project, run_main, monkeypatch):
    assert run_main("run", str(project), "--quiet")[0] == 0
    before = {name: (project / "cxspec-out" / name).read_bytes() for name in REPORTS}
    (project / "r.csv").write_text(CSV.replace(",10,5", ",0,1"), encoding="utf-8")

    def disk_full(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("cxspec.safe_write.os.fsync", disk_full)
    code, _, err = run_main("run", str(project), "--quiet")
    assert code == 1
    assert "cxspec: error: results stored; the reports could not be written: " in err
    assert "No space left on device" in err and "This is a bug" not in err
    assert {name: (project / "cxspec-out" / name).read_bytes() for name in REPORTS} == before
    january = next(r for r in stored_rows(project) if r.metric == "nps" and r.period == "2026-01-01")
    assert january.value == -100.0  # the new results were stored


def test_reports_name_the_stored_run(project, run_main):
    assert run_main("run", str(project), "--quiet")[0] == 0
    report = json.loads((project / "cxspec-out" / "report.json").read_text(encoding="utf-8"))
    times = {r.computed_at for r in stored_rows(project)}
    assert report["run"]["time"] == max(times) and len(report["run"]["id"]) == 12
    markdown = (project / "cxspec-out" / "report.md").read_text(encoding="utf-8")
    assert f"computed {report['run']['time']} UTC" in markdown


# --- a real kill while a report is being written -------------------------------------------

KILL_WHILE_WRITING = """
import io, os, signal, sys
from cxspec.cli import main

real_open = io.open

class Dying:
    def __init__(self, stream):
        self.stream = stream
    def write(self, data):
        self.stream.write(data[: len(data) // 2])
        self.stream.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    def __getattr__(self, name):
        return getattr(self.stream, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.stream.__exit__(*exc)

def opening(file, mode="r", *args, **kwargs):
    stream = real_open(file, mode, *args, **kwargs)
    return Dying(stream) if any(m in mode for m in "wax") else stream

io.open = opening
import builtins
builtins.open = opening
main(["run", sys.argv[1], "--quiet"])
"""


def test_a_kill_while_writing_reports_leaves_the_old_ones(project, run_main):
    assert run_main("run", str(project), "--quiet")[0] == 0
    before = {name: (project / "cxspec-out" / name).read_bytes() for name in REPORTS}
    (project / "r.csv").write_text(CSV.replace(",10,5", ",0,1"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    killed = subprocess.run([sys.executable, "-c", KILL_WHILE_WRITING, str(project)],
                            capture_output=True, env=env, timeout=120)  # fmt: skip
    assert killed.returncode == -9, killed.stderr.decode()
    assert {name: (project / "cxspec-out" / name).read_bytes() for name in REPORTS} == before
    json.loads(before["report.json"])


@pytest.mark.parametrize("command", ["docs", "export"])
def test_a_linked_output_subfolder_is_neither_cleaned_nor_written(
    command, project, outside, tmp_path, run_main
):
    """Both commands remove pages of metrics that are gone; through a link that would delete
    files elsewhere."""
    out = tmp_path / "out"
    (outside.parent / "stale.html").write_text("keep\n", encoding="utf-8")
    (outside.parent / "stale.sql").write_text("keep\n", encoding="utf-8")
    if command == "docs":
        out.mkdir()
        (out / "metrics").symlink_to(outside.parent)
        args = ("docs", str(project), "--no-values", "--out", str(out))
    else:
        (out / "models").mkdir(parents=True)
        (out / "models" / "metrics").symlink_to(outside.parent)
        args = ("export", str(project), "--to", "dbt", "--out", str(out))
    code, _, err = run_main(*args)
    assert code == 2 and "symbolic link" in err, err
    assert sorted(p.name for p in outside.parent.iterdir()) == ["precious.txt", "stale.html", "stale.sql"]
    assert outside.read_text(encoding="utf-8") == "precious\n"


def test_diff_out_is_checked_before_comparing(project, tmp_path, run_main):
    (tmp_path / "taken").write_text("x\n", encoding="utf-8")
    code, _, err = run_main("diff", str(project), str(project), "--out", str(tmp_path / "taken" / "d.md"))
    assert code == 2 and "taken is a file, not a folder" in err


def test_init_replaces_a_linked_file(tmp_path, outside, run_main):
    (tmp_path / "new" / "schemas").mkdir(parents=True)
    (tmp_path / "new" / "schemas" / "spec.schema.json").symlink_to(outside)
    code, _, err = run_main("init", str(tmp_path / "new"))
    assert code == 0, err
    replaced_link(tmp_path / "new" / "schemas" / "spec.schema.json", outside)


#: Files that may write without safe_write, and why.
WRITERS_ALLOWED = {
    "cxspec/safe_write.py": "the writer itself",
    "cxspec/testing.py": "builds test projects in temporary folders: inputs of a test, not outputs",
    "plugins/cxspec-spark/cxspec_spark/layouts.py": "the Spark warehouse's stored results, not an output; "
    "its marker file is written and renamed into place the same way",
}
WRITING = __import__("re").compile(r"\.write_text\(|\.write_bytes\(|\bopen\([^)]*[\"'][wax]b?[\"']")


def test_every_output_is_written_through_safe_write():
    """One way to write a file: a new write site that writes in place (and follows links) fails here."""
    sources = [*ROOT.joinpath("cxspec").rglob("*.py"), *ROOT.joinpath("plugins").glob("*/cxspec_*/**/*.py")]
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}:{number}: {line.strip()}"
        for path in sources
        if path.relative_to(ROOT).as_posix() not in WRITERS_ALLOWED
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if WRITING.search(line)
    ]
    assert offenders == []
