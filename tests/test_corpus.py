"""The corpus of broken projects: tests/corpus/<case>/ with the diagnostics it must give.

Each case is a project folder (cxspec.yaml and spec files, or deliberately not) and
`expected.json`: the golden list of {"code", "file", "line"} that `validate` reports, in the
order it reports them (sorted by file, then line). Every problem of every file comes out of one
run, so a case may hold several broken files.

To write a new case: make the folder, run `python tests/test_corpus.py CASE` to see what cxspec
says, check each line by hand, then write expected.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cxspec import project_files, validate, yamlread
from cxspec.codes import CODES
from cxspec.validate import validate_project
from cxspec.registry import default_registry

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())

#: Codes no corpus case holds, each with the reason and the test that covers it instead.
EXEMPT = {
    "CX407": "needs a data file read at compile time: tests/test_differential.py and tests/test_column_types.py",
    "CX006": "a file over the 8 MiB limit does not belong in the repository: "
    "test_file_too_large_is_reported_in_a_project lowers the limit",
    "CX012": "20,000 spec files do not belong in the repository: test_too_many_spec_files lowers the limit",
    "CX014": "a file with 1,000 problems does not belong in the repository: "
    "tests/test_hostile_files.py::test_problems_per_file_are_bounded lowers the limit",
    "CX410": "checked against data (validate --data, query, run), not by the spec corpus: "
    "tests/test_data_faults.py (a missing or binary data file)",
    "CX411": "checked against data (validate --data, query, run), not by the spec corpus: "
    "tests/test_data_checks.py::test_times_that_do_not_parse_are_counted",
    "CX412": "checked against data (validate --data, query, run), not by the spec corpus: "
    "tests/test_data_checks.py::test_two_digit_years_are_refused_without_a_time_format",
    "CX413": "checked against data (validate --data, query, run), not by the spec corpus: "
    "tests/test_data_as_is.py::test_the_as_of_time_is_counted_and_reported",
    "CX414": "checked against data (validate --data, query, run), not by the spec corpus: "
    "tests/test_data_checks.py::test_rows_without_a_time_are_counted_in_query_and_reports",
    "CX415": "checked against data (validate --data, query, run), not by the spec corpus: "
    "tests/test_data_checks.py::test_an_empty_source_is_a_warning",
    "CX416": "checked against data (validate --data, query, run), not by the spec corpus: "
    "tests/test_data_checks.py::test_a_run_stores_every_metric_it_can (a metric the warehouse refuses)",
    "CX417": "checked against data (validate --data), not by the spec corpus: "
    "tests/test_blank_cells.py::test_validate_data_warns_of_blank_cells_in_a_measured_column",
    "CX421": "a symbolic link out of the project does not belong in the repository (it breaks "
    "checkouts on systems without links): tests/test_data_roots.py makes them",
    **{
        code: "found when a drivers analysis or a link reads its data, not by validate: "
        "tests/test_drivers.py, tests/test_drivers_edges.py, tests/test_links.py, "
        "tests/test_links_outcomes.py, tests/test_links_counted.py and tests/test_drivers_segments.py give it"
        for code in (
            "CX600", "CX601", "CX602", "CX603", "CX604", "CX605", "CX606", "CX607", "CX608", "CX609",
            "CX610", "CX611", "CX612", "CX613", "CX614", "CX615", "CX622", "CX623",
        )  # fmt: skip
    },
    "CX620": "found when `run` stores segments (the values are in the data), not by validate: "
    "tests/test_segment_edges.py::test_segments_named_but_not_stored_are_warned",
    "CX621": "found when `run` has the segments' values (they are in the data), not by validate: "
    "tests/test_redteam_v12.py::test_a_segment_with_too_many_values_is_refused_where_it_is_written",
}


def expected_of(case: str) -> list[dict]:
    return json.loads((CORPUS / case / "expected.json").read_text(encoding="utf-8"))


def actual_of(case: str, monkeypatch) -> list[dict]:
    monkeypatch.chdir(CORPUS / case)  # paths in diagnostics are relative to the project
    result = validate_project(".", default_registry())
    return [{"code": d.code, "file": d.file, "line": d.line} for d in result.diagnostics]


def test_corpus_is_there():
    assert len(CASES) >= 40
    for case in CASES:
        assert (CORPUS / case / "expected.json").is_file(), f"{case} has no expected.json"


@pytest.mark.parametrize("case", CASES)
def test_case(case, monkeypatch):
    expected = expected_of(case)
    actual = actual_of(case, monkeypatch)
    assert actual == expected


@pytest.mark.parametrize("case", CASES)
def test_expected_is_sorted_by_file_and_line(case):
    expected = expected_of(case)
    keys = [(e["file"], e["line"]) for e in expected]
    assert keys == sorted(keys)
    for entry in expected:
        assert set(entry) == {"code", "file", "line"}
        assert entry["code"] in CODES, entry


def test_every_code_is_in_the_corpus_or_exempt():
    covered = {entry["code"] for case in CASES for entry in expected_of(case)}
    missing = sorted(set(CODES) - covered - set(EXEMPT))
    assert not missing, f"no corpus case gives {missing}"
    # an exemption that a case now covers (or a code that no longer exists) is stale
    assert not set(EXEMPT) & covered
    assert set(EXEMPT) <= set(CODES)


def test_one_run_reports_every_problem_of_every_file(monkeypatch):
    actual = actual_of("many-problems-many-files", monkeypatch)
    files = {entry["file"] for entry in actual}
    codes = {entry["code"] for entry in actual}
    assert len(files) >= 5 and len(codes) >= 8
    # a file that does not parse stops neither the other files nor the semantic checks
    assert {"CX001", "CX202", "CX304", "CX306"} <= codes


def test_ignored_files_are_never_read(monkeypatch):
    # .drafts/ (hidden), generated/ (its `output:` folder) and notes.txt hold broken YAML
    assert actual_of("clean-project", monkeypatch) == []
    assert (CORPUS / "clean-project" / ".drafts" / "broken.yaml").is_file()
    assert (CORPUS / "clean-project" / "generated" / "broken.yaml").is_file()
    assert "output: generated" in (CORPUS / "clean-project" / "cxspec.yaml").read_text(encoding="utf-8")


def test_duplicate_id_points_at_the_second_and_names_the_first(monkeypatch):
    monkeypatch.chdir(CORPUS / "duplicate-ids-across-files")
    found = [d for d in validate_project(".", default_registry()).diagnostics if d.code == "CX201"]
    owner = next(d for d in found if "owner" in d.message)
    assert (owner.file, owner.line, owner.column) == ("specs/b-more-owners.yaml", 4, 9)
    assert "'support'" in owner.message
    assert owner.hint == "first defined at specs/a-owners.yaml:5:9"
    third = next(d for d in found if d.file == "specs/z/more-metrics.yaml")
    assert third.hint == "first defined at specs/metrics.yaml:7:9"


def test_duplicate_goal_names_the_first(monkeypatch):
    monkeypatch.chdir(CORPUS / "duplicate-goal")
    found = [d for d in validate_project(".", default_registry()).diagnostics if d.code == "CX208"]
    assert [d.hint for d in found] == ["first defined at specs/metrics.yaml:8:13"] * 2


# -- the exempt codes ----------------------------------------------------------------------


def test_file_too_large_is_reported_in_a_project(make_project, monkeypatch):
    root = make_project(
        {"specs/big.yaml": "version: 1\n# " + "x" * 200 + "\n", "specs/small.yaml": "version: 1\n"}
    )
    monkeypatch.setattr(yamlread, "MAX_FILE_BYTES", 100)
    result = validate_project(root, default_registry())
    assert [(d.code, d.file, d.line) for d in result.diagnostics] == [("CX006", "specs/big.yaml", 1)]
    assert not result.ok


def test_too_many_spec_files(make_project, monkeypatch):
    root = make_project({f"specs/s{i}.yaml": "version: 1\n" for i in range(4)})
    assert validate_project(root, default_registry()).diagnostics == []
    monkeypatch.setattr(project_files, "MAX_SPEC_FILES", 3)
    monkeypatch.setattr(validate, "MAX_SPEC_FILES", 3)
    result = validate_project(root, default_registry())
    assert [(d.code, d.file, d.line) for d in result.diagnostics] == [("CX012", "cxspec.yaml", 1)]
    assert "paths" in result.diagnostics[0].hint
    assert result.project is None


if __name__ == "__main__":  # print what cxspec says about cases, to write expected.json
    import os

    for name in sys.argv[1:] or CASES:
        os.chdir(CORPUS / name)
        print(f"== {name}")
        for d in validate_project(".", default_registry()).diagnostics:
            print(f"  {d.code} {d.file}:{d.line}:{d.column} {d.message} | hint: {d.hint}")
