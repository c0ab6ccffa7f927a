"""The command line: exit codes, formats, init, schema, and no tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import cxspec
from cxspec.cli import cli

pytest_plugins = ["plugin_install"]  # `core_only`: the built-ins without the installed plugins

REPO = Path(__file__).resolve().parent.parent
BROKEN = "version: 1\nowners:\n  - id: cx-team\n  - id: support\n    parent: cx-teem\n"


@pytest.fixture
def broken(make_project):
    return make_project({"specs/owners.yaml": BROKEN})


@pytest.fixture
def clean(make_project):
    return make_project({"specs/owners.yaml": "version: 1\nowners:\n  - id: cx-team\n"})


# -- exit codes ------------------------------------------------------------------------------


def test_clean_project_exits_0(runner, clean):
    result = runner.invoke(cli, ["validate", str(clean)])
    assert result.exit_code == 0, result.output
    assert result.output == "validate: ok, 2 files checked\n"


def test_problems_exit_1(runner, broken):
    result = runner.invoke(cli, ["validate", str(broken)])
    assert result.exit_code == 1
    assert "specs/owners.yaml:5:13: error CX202: unknown owner 'cx-teem'" in result.output
    assert "1 error, 0 warnings in 2 files" in result.output


def test_validate_defaults_to_the_current_folder(runner, broken, monkeypatch):
    monkeypatch.chdir(broken)
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert result.output.startswith("specs/owners.yaml:5:13: error CX202")


def test_validate_accepts_the_path_of_cxspec_yaml(runner, broken):
    result = runner.invoke(cli, ["validate", "--format", "json", str(broken / "cxspec.yaml")])
    assert result.exit_code == 1
    assert [d["code"] for d in json.loads(result.output)["diagnostics"]] == ["CX202"]


def test_warnings_alone_exit_0_unless_strict(runner, make_project):
    root = make_project({"specs/owners.yaml": "version: 1\n", "specs/empty.yaml": ""})
    result = runner.invoke(cli, ["validate", str(root)])
    assert result.exit_code == 0
    assert "warning CX013" in result.output and "0 errors, 1 warning in 3 files" in result.output
    assert runner.invoke(cli, ["validate", "--strict", str(root)]).exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--bogus"],
        ["validate", "--format", "xml"],
        ["nonsense"],
        ["schema", "--kind", "other"],
        ["init"],
    ],
)
def test_usage_errors_exit_2(run_main, args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(*args)
    assert code == 2
    assert "Usage:" in err or "Error:" in err
    assert "Traceback" not in out + err


def test_bad_format_names_the_choices(run_main, broken):
    code, _, err = run_main("validate", "--format", "xml", str(broken))
    assert code == 2
    assert "'xml' is not one of" in err and "sarif" in err


def test_missing_folder_is_cx009(run_main, tmp_path):
    code, out, err = run_main("validate", str(tmp_path / "nowhere"))
    assert code == 1
    assert "CX009" in out and "nowhere does not exist" in out
    assert "Traceback" not in out + err


def test_folder_without_cxspec_yaml_is_cx009(runner, tmp_path):
    result = runner.invoke(cli, ["validate", "--format", "json", str(tmp_path)])
    assert result.exit_code == 1
    (only,) = json.loads(result.output)["diagnostics"]
    assert only["code"] == "CX009" and "cxspec init" in only["hint"]


def test_version(run_main):
    code, out, _ = run_main("--version")
    assert code == 0
    assert out == f"cxspec, version {cxspec.__version__}\n"


def test_help(run_main):
    code, out, _ = run_main("--help")
    assert code == 0
    for command in ("validate", "schema", "init"):
        assert command in out


def test_python_dash_m_and_the_console_script_agree(broken):
    result = subprocess.run(
        [sys.executable, "-m", "cxspec", "validate", "--format", "json", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert json.loads(result.stdout)["diagnostics"][0]["code"] == "CX202"


def test_a_profiled_cli_exits_normally_so_the_profile_is_written(broken, tmp_path):
    """The CLI ends with os._exit (no heap teardown), except under a profiler or a tracer,
    which write their data at a normal exit (benchmarks/profile_validate.py relies on it)."""
    profile = tmp_path / "validate.prof"
    command = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "cxspec", "validate", str(broken)]
    result = subprocess.run([*command, "--format", "json"], capture_output=True, text=True, timeout=120)
    assert json.loads(result.stdout)["diagnostics"][0]["code"] == "CX202"  # (cProfile exits 0)
    assert profile.stat().st_size > 0


# -- internal errors -----------------------------------------------------------------------


def test_internal_error_has_no_traceback(run_main, broken, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("cxspec.validate.validate_project", explode)
    monkeypatch.delenv("CXSPEC_DEBUG", raising=False)
    code, out, err = run_main("validate", str(broken))
    assert code == 1
    assert "internal error" in err and "RuntimeError: boom" in err
    assert "CXSPEC_DEBUG" in err
    assert "Traceback" not in out + err


def test_internal_error_traceback_with_debug(run_main, broken, monkeypatch):
    monkeypatch.setattr("cxspec.validate.validate_project", lambda *a, **k: 1 / 0)
    monkeypatch.setenv("CXSPEC_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        run_main("validate", str(broken))


# -- formats through the CLI -------------------------------------------------------------------


def test_json_paths_are_relative_to_the_project(runner, broken, monkeypatch):
    monkeypatch.chdir(broken.parent)
    result = runner.invoke(cli, ["validate", "--format", "json", broken.name])
    (only,) = json.loads(result.output)["diagnostics"]
    assert (only["file"], only["line"], only["column"]) == ("specs/owners.yaml", 5, 13)


def test_github_paths_are_relative_to_the_working_folder(runner, broken, monkeypatch):
    monkeypatch.chdir(broken.parent)
    result = runner.invoke(cli, ["validate", "--format", "github", broken.name])
    assert result.exit_code == 1
    assert result.output.startswith(
        f"::error file={broken.name}/specs/owners.yaml,line=5,col=13,title=CX202::"
    )


def test_junit_and_sarif_through_the_cli(runner, broken):
    junit = runner.invoke(cli, ["validate", "--format", "junit", str(broken)])
    assert junit.exit_code == 1
    suites = ET.fromstring(junit.output.encode())
    assert suites.get("failures") == "1"
    sarif = runner.invoke(cli, ["validate", "--format", "sarif", str(broken)])
    assert sarif.exit_code == 1
    assert json.loads(sarif.output)["runs"][0]["results"][0]["ruleId"] == "CX202"


def test_no_color_when_not_a_terminal(runner, broken):
    assert "\x1b[" not in runner.invoke(cli, ["validate", str(broken)]).output


# -- init --------------------------------------------------------------------------------------


def test_init_creates_a_project_that_validates_clean(runner, tmp_path):
    target = tmp_path / "new-programme"
    result = runner.invoke(cli, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "cxspec.yaml").is_file()
    assert any(target.rglob("*.csv"))
    assert f"created {target / 'cxspec.yaml'}" in result.output
    check = runner.invoke(cli, ["validate", str(target)])
    assert check.exit_code == 0, check.output
    assert "validate: ok" in check.output
    assert "project: new-programme" in (target / "cxspec.yaml").read_text(encoding="utf-8")


def test_init_refuses_an_existing_project_without_force(run_main, tmp_path):
    target = tmp_path / "p"
    assert run_main("init", str(target))[0] == 0
    (target / "cxspec.yaml").write_text("version: 1\nproject: mine\n", encoding="utf-8")
    code, out, err = run_main("init", str(target))
    assert code == 1
    assert "already exists" in err and "--force" in err
    assert "Traceback" not in out + err
    assert "project: mine" in (target / "cxspec.yaml").read_text(encoding="utf-8")
    code, _, _ = run_main("init", "--force", str(target))
    assert code == 0
    assert "project: p" in (target / "cxspec.yaml").read_text(encoding="utf-8")


def test_init_into_a_file_is_refused(run_main, tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    code, out, err = run_main("init", str(tmp_path / "file"))
    assert code == 2
    assert "is a file" in err
    assert "Traceback" not in out + err


# -- schema ------------------------------------------------------------------------------------


def test_schema_files_are_fresh(runner, core_only):
    """schemas/*.json are what `cxspec schema` prints: regenerate with `cxspec schema --out schemas`."""
    spec = runner.invoke(cli, ["schema"])
    assert spec.exit_code == 0
    assert spec.output == (REPO / "schemas" / "spec.schema.json").read_text(encoding="utf-8")
    project = runner.invoke(cli, ["schema", "--kind", "project"])
    assert project.exit_code == 0
    assert project.output == (REPO / "schemas" / "cxspec.schema.json").read_text(encoding="utf-8")


def test_schema_out_writes_both_files(runner, tmp_path, core_only):
    result = runner.invoke(cli, ["schema", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["cxspec.schema.json", "spec.schema.json"]
    for name in written:
        assert (tmp_path / "out" / name).read_text(encoding="utf-8") == (REPO / "schemas" / name).read_text(
            encoding="utf-8"
        )


def test_schema_is_json_with_the_right_ids(runner):
    spec = json.loads(runner.invoke(cli, ["schema"]).output)
    project = json.loads(runner.invoke(cli, ["schema", "--kind", "project"]).output)
    assert spec["$id"] == "urn:cxspec:schema:spec:v1"
    assert project["$id"] == "urn:cxspec:schema:project:v1"


def test_console_script_is_installed():
    script = shutil.which(
        "cxspec", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    )
    assert script, "the cxspec console script is not installed"
    result = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and cxspec.__version__ in result.stdout
