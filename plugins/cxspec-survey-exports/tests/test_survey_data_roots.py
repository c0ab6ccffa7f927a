"""Export sources check their paths as file sources do: inside the project, or inside a data
root the operator allowed (`--data-root`, CXSPEC_DATA_ROOTS); a link cannot lead out."""

from __future__ import annotations

import json

import pytest
from cxspec.testing import run_cli
from layout_helpers import diagnostics, make_project, plain_nps, values, write_csv

#: (response id, recorded date, NPS answer) of a current-layout Qualtrics export.
RESPONSES = [("R_1", "2026-01-05 10:00:00", "9"), ("R_2", "2026-01-20 11:00:00", "2"),
             ("R_3", "2026-02-02 12:00:00", "10"), ("R_4", "2026-02-27 13:00:00", "7")]  # fmt: skip
EXPORT = [
    ["StartDate", "EndDate", "RecordedDate", "ResponseId", "Q1"],
    ["Start Date", "End Date", "Recorded Date", "Response ID", "How likely…?"],
    ['{"ImportId":"startDate","timeZone":"UTC"}', '{"ImportId":"endDate","timeZone":"UTC"}',
     '{"ImportId":"recordedDate","timeZone":"UTC"}', '{"ImportId":"_recordId"}', '{"ImportId":"QID1"}'],
    *[[when, when, when, rid, score] for rid, when, score in RESPONSES],
]  # fmt: skip
METRICS = """\
- id: nps
  type: nps
  source: q
  column: nps_score
"""


def source(path: str) -> str:
    return f"- id: q\n  type: qualtrics_export\n  path: {json.dumps(path)}\n  questions:\n    nps_score: Q1\n"


@pytest.fixture(autouse=True)
def no_roots_from_the_environment(monkeypatch):
    monkeypatch.delenv("CXSPEC_DATA_ROOTS", raising=False)


@pytest.fixture
def shared(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    write_csv(folder / "export.csv", EXPORT)
    return folder


def expected() -> dict:
    """month → (NPS, n), in plain Python."""
    months: dict[str, list[float]] = {}
    for _, when, score in RESPONSES:
        months.setdefault(when[:7] + "-01", []).append(float(score))
    return {month: (plain_nps(scores), len(scores)) for month, scores in months.items()}


def test_an_export_outside_the_project_needs_a_data_root(tmp_path, shared):
    root = make_project(tmp_path / "p", source(str(shared / "export.csv")), METRICS)
    found = diagnostics(root)
    assert [(code, line, column) for code, line, column, *_ in found] == [("CX420", 5, 11)]
    assert "--data-root" in found[0][4]
    code, out, err = run_cli("validate", root, "--data-root", shared)
    assert code == 0, out + err


def test_an_export_in_a_data_root_is_read_on_every_engine(tmp_path, shared, warehouse, monkeypatch):
    root = make_project(tmp_path / "p", source("../shared/export.csv"), METRICS)
    monkeypatch.setenv("CXSPEC_DATA_ROOTS", str(shared))
    assert diagnostics(root) == []
    got = values(root, ["nps"], warehouse)["nps"]
    assert got == pytest.approx(expected())
    assert got == {"2026-01-01": (0.0, 2), "2026-02-01": (50.0, 2)}


def test_a_link_out_of_the_roots_is_refused(tmp_path, shared):
    root = make_project(tmp_path / "p", source("data/export.csv"), METRICS)
    (root / "data" / "export.csv").symlink_to(shared / "export.csv")
    assert [code for code, *_ in diagnostics(root)] == ["CX421"]
    code, out, err = run_cli("query", root, "--data-root", shared, "--format", "json")
    assert code == 0, out + err
    assert {r["period"]: r["value"] for r in json.loads(out)["results"]} == {
        month: nps for month, (nps, _) in expected().items()
    }
