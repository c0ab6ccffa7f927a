"""Excel (.xlsx) downloads of both platforms, read with openpyxl: the example's exports saved
as workbooks give the numbers plain Python computes from the CSV files, on every engine."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil

import pytest
from layout_helpers import diagnostics, make_project
from survey_reference import EXAMPLE, expected

openpyxl = pytest.importorskip("openpyxl")

WHOLE = re.compile(r"^-?\d+$")
SURVEYMONKEY_DATE = "%m/%d/%Y %I:%M:%S %p"


def save_as_xlsx(source, target, *, header_rows: int) -> None:
    """The CSV's records in a workbook as a spreadsheet holds them: whole numbers as numbers,
    SurveyMonkey's dates as date-times (below the header rows), the rest as text."""
    with source.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, row in enumerate(rows):
        cells = []
        for cell in row:
            value: object = cell if cell != "" else None
            if number >= header_rows and WHOLE.match(cell) and len(cell) < 10:
                value = int(cell)
            elif number >= header_rows and re.match(r"^\d\d/\d\d/\d{4} ", cell):
                value = dt.datetime.strptime(cell, SURVEYMONKEY_DATE)
            cells.append(value)
        sheet.append(cells)
    workbook.save(target)


@pytest.fixture
def xlsx_example(tmp_path):
    root = shutil.copytree(EXAMPLE, tmp_path / "cx-survey")
    for path in sorted((root / "data").glob("*.csv")):
        save_as_xlsx(path, path.with_suffix(".xlsx"), header_rows=2 if "surveymonkey" in path.name else 3)
        path.unlink()
    sources = root / "specs" / "sources.yaml"
    sources.write_text(sources.read_text().replace(".csv", ".xlsx"))
    return root


def test_xlsx_exports_match_plain_python(xlsx_example, warehouse):
    from cxspec import Request
    from cxspec import compute
    from cxspec import default_registry
    from cxspec import validate_project

    result = validate_project(xlsx_example, default_registry())
    assert result.ok, result.diagnostics
    want = expected()
    got: dict[str, dict] = {}
    for r in compute(result.project, Request(metrics=tuple(want)), default_registry(), warehouse):
        got.setdefault(r.metric, {})[r.period] = (r.value, r.n, r.invalid)
    assert set(got) == set(want)
    for metric, periods in want.items():
        assert set(got[metric]) == set(periods), metric
        for period, (value, n, invalid, _moe) in periods.items():
            assert got[metric][period][1:] == (n, invalid), (metric, period)
            assert got[metric][period][0] == pytest.approx(value, rel=1e-9, abs=1e-9), (metric, period)


def test_an_xlsx_export_validates_like_its_csv(xlsx_example):
    assert diagnostics(xlsx_example) == []


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    root = make_project(
        tmp_path / "p",
        """\
        - id: q
          type: qualtrics_export
          path: data/q.xlsx
          timezone: UTC
        """,
        files={"q.xlsx": b"StartDate,ResponseId\n"},
    )
    ((code, line, column, message, hint),) = diagnostics(root)
    assert (code, line, column) == ("SVX001", 5, 11)
    assert "not a readable .xlsx workbook" in message and "CSV" in hint
