"""Real Qualtrics exports from public repositories (tests/data/real, origins in its README.md),
in the legacy, 2016, current and cleaned layouts: every response is read (as many as the csv
module counts below the header rows), and a score metric equals plain Python over the same
rows; as CSV and saved as .xlsx, on DuckDB, SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from layout_helpers import csv_records, make_project, number, plain_nps, total, values
from test_survey_xlsx import save_as_xlsx

REAL = Path(__file__).resolve().parent / "data" / "real"

#: file → (header rows, as the README says; the layout the reader must find)
FILES = {
    "qualtrics_legacy_qualtRics.csv": (2, "legacy"),
    "qualtrics_legacy_no_basis_QualtricsTools.csv": (2, "legacy"),
    "qualtrics_2016_single_answer_QualtricsTools.csv": (3, "2016"),
    "qualtrics_2016_multiple_answer_QualtricsTools.csv": (3, "2016"),
    "qualtrics_current_qualtRics.csv": (3, "current"),
    "qualtrics_cleaned_resaved_w241.csv": (1, "current, header rows removed"),
}


def test_every_file_is_in_the_readme():
    readme = (REAL / "README.md").read_text()
    assert sorted(p.name for p in REAL.glob("*.csv")) == sorted(FILES)
    assert all(f"`{name}`" in readme for name in FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_layout_is_recognised(name):
    from cxspec_survey_exports.qualtrics import parse_qualtrics

    layout = parse_qualtrics(REAL / name)
    assert (layout.header_rows, layout.variant) == FILES[name]


def project_over(tmp_path, name: str, file_format: str, questions: str = "", metrics: str = ""):
    header_rows = FILES[name][0]
    target = name if file_format == "csv" else name.replace(".csv", ".xlsx")
    source = f"- id: q\n  type: qualtrics_export\n  path: data/{target}\n  timezone: UTC\n"
    root = make_project(
        tmp_path / "p",
        source + (f"  questions:\n    {questions}\n" if questions else ""),
        "- id: responses\n  type: count\n  source: q\n" + textwrap.dedent(metrics),
    )
    if file_format == "csv":
        shutil.copy(REAL / name, root / "data" / target)
    else:
        save_as_xlsx(REAL / name, root / "data" / target, header_rows=header_rows)
    return root


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("name", sorted(FILES))
def test_every_response_is_read(tmp_path, warehouse, name, file_format):
    records = [r for r in csv_records(REAL / name, FILES[name][0]) if any(r)]
    root = project_over(tmp_path, name, file_format)
    got = values(root, ["responses"], warehouse)
    assert total(got["responses"]) == len(records) > 0


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_nps_of_a_legacy_export_equals_plain_python(tmp_path, warehouse, file_format):
    name = "qualtrics_legacy_no_basis_QualtricsTools.csv"
    header, columns_text, *records = csv_records(REAL / name, 0)
    q1 = columns_text.index("Indicate how you feel about squash")  # legacy: ids in row 2
    scores = [number(r[q1]) for r in records if r[q1]]
    root = project_over(
        tmp_path,
        name,
        file_format,
        "squash: Q1",
        """\
        - id: squash_nps
          type: nps
          source: q
          column: squash
        """,
    )
    got = values(root, ["squash_nps"], warehouse)["squash_nps"]
    ((value, n),) = got.values()  # one month
    assert n == sum(1 for s in scores if 0 <= s <= 10) and n < len(scores)  # -1 is off the scale
    assert value == pytest.approx(plain_nps(scores))
    assert header[q1] == "Q1"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_csat_of_a_2016_export_equals_plain_python(tmp_path, warehouse, file_format):
    name = "qualtrics_2016_single_answer_QualtricsTools.csv"
    records = csv_records(REAL / name, 3)
    ids = csv_records(REAL / name, 0)[0]
    scores = [number(r[ids.index("Q3")]) for r in records]
    root = project_over(
        tmp_path,
        name,
        file_format,
        "satisfaction: QID3",  # by its 2016 ImportId
        """\
        - id: csat
          type: csat
          source: q
          column: satisfaction
        """,
    )
    ((value, n),) = values(root, ["csat"], warehouse)["csat"].values()
    assert n == len(scores) == 5
    assert value == pytest.approx(100 * sum(s >= 4 for s in scores) / len(scores))
