"""An export re-saved by a spreadsheet with two-digit years ("8/22/22 15:44") is refused at
validation, and no date with a two-digit year is read as the year 22."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil

import pytest
from layout_helpers import diagnostics, write_csv
from survey_reference import EXAMPLE
from test_survey_layouts import evaluate_timestamp

SURVEYMONKEY = EXAMPLE / "data" / "surveymonkey_onboarding.csv"


def two_digit(cell: str) -> str:
    """'03/13/2026 10:49:47 AM' as a spreadsheet re-saves it: '3/13/26 10:49'."""
    month, day, year, clock, half = re.match(r"(\d+)/(\d+)/\d\d(\d\d) (\d+:\d+):\d+ (AM|PM)", cell).groups()
    hour, minute = map(int, clock.split(":"))
    hour = hour % 12 + (12 if half == "PM" else 0)
    return f"{int(month)}/{int(day)}/{year} {hour}:{minute:02d}"


def test_a_resaved_surveymonkey_export_is_refused_where_its_path_is(tmp_path):
    root = shutil.copytree(EXAMPLE, tmp_path / "cx-survey")
    with SURVEYMONKEY.open(newline="", encoding="utf-8-sig") as handle:
        questions, answers, *rows = list(csv.reader(handle))
    rows = [[two_digit(c) if i in (2, 3) else c for i, c in enumerate(r)] for r in rows]
    write_csv(root / "data" / SURVEYMONKEY.name, [questions, answers, *rows])
    found = [(code, message, hint) for code, _line, _col, message, hint in diagnostics(root)]
    assert [code for code, *_ in found] == ["SVX001"]
    assert "two-digit year ('3/13/26 10:49')" in found[0][1] and "download the export again" in found[0][2]


def test_a_qualtrics_export_with_two_digit_years_is_refused(tmp_path):
    rows = [["StartDate", "EndDate", "RecordedDate", "ResponseId", "Q1"],
            ["3/15/22 12:33", "3/15/22 12:34", "3/15/22 12:34", "R_sni2WzOxHCTnhZL", "9"]]  # fmt: skip
    from cxspec_survey_exports.layout import ExportError
    from cxspec_survey_exports.qualtrics import parse_qualtrics

    with pytest.raises(ExportError, match="two-digit year"):
        parse_qualtrics(write_csv(tmp_path / "q.csv", rows))


def test_no_date_reads_as_the_year_22():
    got = evaluate_timestamp(["8/22/22 15:44", "08/22/2022 15:44"], "UTC")
    assert got == [None, dt.datetime(2022, 8, 22, 15, 44)]
