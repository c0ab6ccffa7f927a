"""Data roots: file sources read inside the project, or inside folders the operator allows
with `--data-root DIR` or CXSPEC_DATA_ROOTS; nothing in a spec can allow more, and a
symbolic link cannot lead out of what was allowed (docs/security.md)."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from cxspec import data_roots
from cxspec.data_roots import ENV_VAR, DataRootError, operator_roots
from cxspec.registry import default_registry
from cxspec.validate import validate_project

#: (id, day, NPS answer) of the shared export, outside every project.
ROWS = [("r1", "2026-01-05", 9), ("r2", "2026-01-20", 3), ("r3", "2026-02-02", 10), ("r4", "2026-02-27", 10)]
METRICS = """\
metrics:
  - {id: responses, type: count, source: s}
  - {id: nps, type: nps, source: s, column: score}
"""


def source_spec(path: str) -> str:
    return f"version: 1\nsources:\n  - id: s\n    type: file\n    path: {json.dumps(path)}\n    time: day\n"


@pytest.fixture(autouse=True)
def no_roots_from_the_environment(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture
def shared(tmp_path) -> Path:
    """A folder of exports outside the project: /srv/shared on a real machine."""
    folder = tmp_path / "shared"
    folder.mkdir()
    lines = ["id,day,score", *[f"{i},{d},{s}" for i, d, s in ROWS]]
    (folder / "responses.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A folder nobody allowed."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "secret.csv").write_text("id,day,score\nx,2026-01-01,0\n", encoding="utf-8")
    return folder


def project(make_project, path: str) -> Path:
    return make_project({"specs/s.yaml": source_spec(path) + METRICS})


def expected_by_month() -> dict[str, tuple[float, float]]:
    """month → (responses, NPS) of ROWS, in plain Python."""
    months: dict[str, list[int]] = {}
    for _, day, score in ROWS:
        months.setdefault(day[:7] + "-01", []).append(score)
    out = {}
    for month, scores in months.items():
        kinds = Counter("p" if s >= 9 else "d" if s <= 6 else "n" for s in scores)
        out[month] = (float(len(scores)), 100 * (kinds["p"] - kinds["d"]) / len(scores))
    return out


def query_json(run_main, root: Path, warehouse: str, *extra: str) -> dict:
    code, out, err = run_main("query", str(root), "--warehouse", warehouse, "--format", "json", *extra)
    assert code == 0, err
    got: dict[str, dict[str, float]] = {}
    for r in json.loads(out)["results"]:
        got.setdefault(r["period"], {})[r["metric"]] = r["value"]
    return {period: (v["responses"], v["nps"]) for period, v in got.items()}


# -- refused without a root ----------------------------------------------------------------


@pytest.mark.parametrize("written", ["{shared}/responses.csv", "../shared/responses.csv"])
def test_a_path_outside_the_project_is_refused_with_a_hint_naming_data_root(
    written, make_project, shared, run_main
):
    root = project(make_project, written.format(shared=shared))
    code, out, err = run_main("validate", str(root))
    assert code == 1
    assert "specs/s.yaml:5:11: error CX420:" in out, out
    assert "leads outside the project" in out
    assert f"--data-root {shared}" in out  # the hint names the option and the folder to allow


def test_a_path_outside_every_root_is_refused(make_project, shared, elsewhere):
    root = project(make_project, str(elsewhere / "secret.csv"))
    result = validate_project(root, default_registry(), data_roots=(shared.resolve(),))
    found = [(d.code, d.line, d.column) for d in result.diagnostics]
    assert found == [("CX420", 5, 11)]
    assert "outside the project and the data roots" in result.diagnostics[0].message


# -- allowed by the operator ---------------------------------------------------------------


@pytest.mark.parametrize("written", ["{shared}/responses.csv", "../shared/responses.csv"])
@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_data_root_option_allows_the_folder_on_every_engine(
    written, engine, make_project, shared, run_main
):
    root = project(make_project, written.format(shared=shared))
    code, out, err = run_main("validate", str(root), "--data-root", str(shared))
    assert code == 0, out + err
    got = query_json(run_main, root, f"{engine}:///:memory:", "--data-root", str(shared))
    assert got == pytest.approx(expected_by_month())
    assert got == {"2026-01-01": (2.0, 0.0), "2026-02-01": (2.0, 100.0)}


def test_the_environment_variable_allows_folders(make_project, shared, elsewhere, run_main, monkeypatch):
    root = project(make_project, str(shared / "responses.csv"))
    # Two roots, an empty entry and a trailing separator: empty entries are left out.
    monkeypatch.setenv(ENV_VAR, os.pathsep.join([str(elsewhere), "", str(shared), ""]))
    code, out, err = run_main("validate", str(root))
    assert code == 0, out + err
    assert query_json(run_main, root, "duckdb:///:memory:") == pytest.approx(expected_by_month())


def test_option_and_environment_add_up(make_project, shared, elsewhere, run_main, monkeypatch):
    other = json.dumps(str(elsewhere / "secret.csv"))
    spec = source_spec(str(shared / "responses.csv")) + (
        f"  - id: other\n    type: file\n    path: {other}\n    time: day\n"
    )
    root = make_project({"specs/s.yaml": spec})
    monkeypatch.setenv(ENV_VAR, str(elsewhere))
    assert run_main("validate", str(root), "--data-root", str(shared))[0] == 0
    assert run_main("validate", str(root))[0] == 1  # the environment's root alone


def test_the_library_reads_the_environment_unless_told(make_project, shared, monkeypatch):
    root = project(make_project, str(shared / "responses.csv"))
    monkeypatch.setenv(ENV_VAR, str(shared))
    assert validate_project(root, default_registry()).ok
    refused = validate_project(root, default_registry(), data_roots=())
    assert [d.code for d in refused.diagnostics] == ["CX420"]


def test_a_root_that_is_not_a_folder_is_a_usage_error(make_project, shared, tmp_path, run_main, monkeypatch):
    root = project(make_project, str(shared / "responses.csv"))
    code, out, err = run_main("validate", str(root), "--data-root", str(tmp_path / "missing"))
    assert code == 2 and "--data-root" in err
    monkeypatch.setenv(ENV_VAR, str(shared / "responses.csv"))  # a file, not a folder
    code, out, err = run_main("validate", str(root))
    assert code == 2 and f"{ENV_VAR} " in err and "is not a folder" in err


# -- links ---------------------------------------------------------------------------------


def test_a_link_inside_the_project_to_an_allowed_folder_is_read(make_project, shared, run_main):
    root = project(make_project, "data/responses.csv")
    (root / "data").mkdir()
    (root / "data" / "responses.csv").symlink_to(shared / "responses.csv")
    code, out, _ = run_main("validate", str(root))
    assert code == 1 and "error CX421:" in out and "symbolic link" in out
    got = query_json(run_main, root, "duckdb:///:memory:", "--data-root", str(shared))
    assert got == pytest.approx(expected_by_month())


def test_a_link_inside_a_root_that_leads_out_is_refused(make_project, shared, elsewhere):
    (shared / "sneaky.csv").symlink_to(elsewhere / "secret.csv")
    (shared / "sub").symlink_to(elsewhere, target_is_directory=True)
    for written in (shared / "sneaky.csv", shared / "sub" / "secret.csv"):
        root = project(make_project, str(written))
        result = validate_project(root, default_registry(), data_roots=(shared.resolve(),))
        assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("CX421", 5, 11)]
        assert str((elsewhere / "secret.csv").resolve()) in result.diagnostics[0].message


def test_a_root_given_through_a_link_is_the_folder_it_names(make_project, shared, tmp_path):
    (tmp_path / "via").symlink_to(shared, target_is_directory=True)
    root = project(make_project, str(shared / "responses.csv"))
    result = validate_project(root, default_registry(), data_roots=operator_roots([tmp_path / "via"]))
    assert result.ok, result.diagnostics


# -- specs cannot widen the roots ----------------------------------------------------------


def test_specs_cannot_name_data_roots(make_project, shared):
    config = f"version: 1\nproject: test\ndata_roots: [{json.dumps(str(shared))}]\n"
    root = make_project({"specs/s.yaml": source_spec(str(shared / "responses.csv"))}, config=config)
    codes = {d.code for d in validate_project(root, default_registry()).diagnostics}
    assert "CX420" in codes and codes - {"CX420"}, codes  # the key is unknown, the path refused
    spec = source_spec(str(shared / "responses.csv")) + f"    data_root: {json.dumps(str(shared))}\n"
    root = make_project({"specs/s.yaml": spec})
    assert not validate_project(root, default_registry()).ok


# -- every command that loads a project takes --data-root -----------------------------------

COMMANDS = ["validate", "lint", "compile", "query", "run", "report", "docs", "export", "owners",
            "diff", "migrate"]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_that_loads_a_project_takes_data_root(command, run_main):
    code, out, _ = run_main(command, "--help")
    assert code == 0 and "--data-root" in out


@pytest.mark.parametrize(
    "args",
    [
        ["compile", "--dialect", "sqlite"],
        ["lint"],
        ["docs", "--no-values", "--out", "{tmp}/catalog"],
        ["run", "--warehouse", "duckdb:///{tmp}/w.db", "--out", "{tmp}/out"],
        ["export", "--to", "dbt", "--out", "{tmp}/dbt"],
    ],
    ids=lambda a: a[0],
)
def test_commands_read_the_allowed_folder(args, make_project, shared, tmp_path, run_main):
    root = project(make_project, str(shared / "responses.csv"))
    args = [a.format(tmp=tmp_path) for a in args]
    refused = run_main(args[0], str(root), *args[1:])
    assert refused[0] == 1 and "CX420" in refused[1] + refused[2]
    code, out, err = run_main(args[0], str(root), *args[1:], "--data-root", str(shared))
    assert "CX420" not in out + err
    assert code == 0 or args[0] == "lint", out + err  # lint finds the owners missing, and says so


def test_a_run_stores_the_numbers_of_the_allowed_file(make_project, shared, tmp_path, run_main):
    root = project(make_project, str(shared / "responses.csv"))
    url = f"duckdb:///{tmp_path}/w.db"
    code, _, err = run_main("run", str(root), "--warehouse", url, "--quiet", "--data-root", str(shared))
    assert code == 0, err
    code, out, err = run_main("report", str(root), "--warehouse", url, "--format", "json",
                              "--data-root", str(shared))  # fmt: skip
    assert code == 0, err
    assert '"responses"' in out


# -- the module ------------------------------------------------------------------------------


def test_environment_entries(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    environ = {ENV_VAR: os.pathsep.join(["", str(a), str(b), str(a), ""])}
    assert data_roots.from_environment(environ) == [str(a), str(b), str(a)]
    assert operator_roots([b], environ) == (b.resolve(), a.resolve())  # no repeats, options first
    assert operator_roots([], {}) == ()
    with pytest.raises(DataRootError, match=ENV_VAR):
        operator_roots([], {ENV_VAR: str(tmp_path / "none")})
