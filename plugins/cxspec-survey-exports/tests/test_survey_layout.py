"""Reading export headers and answers: what the relation makes of the raw cells."""

from __future__ import annotations

import csv
import datetime as dt

import duckdb
import pytest
from sqlglot import exp

from cxspec_survey_exports import duckdb_sql
from cxspec_survey_exports.layout import FLAG, STATUS, TIMESTAMP
from cxspec_survey_exports.qualtrics import parse_qualtrics


def write(path, rows, *, bom=True):
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_three_header_rows_with_quoted_newlines(tmp_path):
    path = write(
        tmp_path / "q.csv",
        [
            ["RecordedDate", "Finished", "Status", "ResponseId", "Q1"],
            ["Recorded Date", "Finished", "Response Type", "Response ID", "How likely…\n(0-10)"],
            ['{"ImportId":"recordedDate","timeZone":"Z"}', '{"ImportId":"finished"}', '{"ImportId":"status"}',
             '{"ImportId":"_recordId"}', '{"ImportId":"QID1"}'],
            ["2026-04-01 10:00:00", "1", "0", "R_1", "9"],
        ],
    )  # fmt: skip
    layout = parse_qualtrics(path)
    assert layout.timezone == "UTC"  # "Z"
    assert layout.refs["QID1"] == layout.refs["Q1"] == 4
    assert [(c.name, c.kind) for c in layout.columns][:3] == [
        ("RecordedDate", TIMESTAMP),
        ("Finished", FLAG),
        ("Status", STATUS),
    ]
    assert layout.header_keys == ("Response ID", '{"ImportId":"_recordId"}')


def test_an_older_export_has_two_header_rows(tmp_path):
    path = write(
        tmp_path / "q.csv",
        [["ResponseId", "Q1"], ["Response ID", "NPS"], ["R_1", "10"]],
        bom=False,
    )
    layout = parse_qualtrics(path)
    assert layout.timezone is None and layout.header_keys == ("Response ID",)


def evaluate(expression: exp.Expression, cells: list):
    """The expression over a one-column table `c1` holding `cells`, in DuckDB."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE t (c1 VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[c] for c in cells])
    query = exp.select(expression).from_("t")
    return [row[0] for row in con.execute(query.sql(dialect="duckdb")).fetchall()]


def test_choice_text_and_numbers():
    cells = ["10 - Extremely likely", "0 - Not at all likely", "7", " 5 ", "7.5", "12", "", None, "Not sure",
             "7abc", "Very satisfied"]  # fmt: skip
    got = evaluate(duckdb_sql.number(duckdb_sql.raw(0), {"Very satisfied": 5}), cells)
    assert got == [10, 0, 7, 5, 7.5, 12, None, None, None, None, 5]


def test_flags_and_status_in_both_variants():
    assert evaluate(duckdb_sql.flag(duckdb_sql.raw(0)), ["1", "0", "True", "False", "", "x"]) == [
        1, 0, 1, 0, None, None
    ]  # fmt: skip
    cells = ["0", "1", "IP Address", "Survey Preview", "Spam"]
    assert evaluate(duckdb_sql.status(duckdb_sql.raw(0)), cells) == [0, 1, 0, 1, 8]


@pytest.mark.parametrize(
    ("cell", "zone", "utc"),
    [
        ("2026-03-31 20:30:00", "America/Denver", dt.datetime(2026, 4, 1, 2, 30)),  # MDT, UTC-6
        ("2026-01-15 08:00:00", "America/Denver", dt.datetime(2026, 1, 15, 15, 0)),  # MST, UTC-7
        ("04/30/2026 10:15:00 PM", "America/New_York", dt.datetime(2026, 5, 1, 2, 15)),
        ("2026-06-01 00:00:00", "UTC", dt.datetime(2026, 6, 1)),
        ("not a date", "UTC", None),
    ],
)
def test_local_times_become_utc(cell, zone, utc):
    assert evaluate(duckdb_sql.timestamp(duckdb_sql.raw(0), zone), [cell]) == [utc]


def test_surveymonkey_questions_are_matched_whole(tmp_path):
    """A question text holding " / " or asked twice cannot be taken for another."""
    from cxspec_survey_exports.export_source import Unresolved
    from cxspec_survey_exports.mapping import Entry
    from cxspec_survey_exports.surveymonkey import SurveyMonkeyExport, parse_surveymonkey

    path = write(
        tmp_path / "sm.csv",
        [
            ["Respondent ID", "End Date", "Price", "Price / value", "Comments?", "Comments?"],
            ["", "", "Response", "Response", "Open-Ended Response", "Open-Ended Response"],
            ["1", "04/01/2026 10:00:00 AM", "3", "4", "a", "b"],
        ],
        bom=False,
    )
    layout = parse_surveymonkey(path)
    source_type = SurveyMonkeyExport()
    assert source_type.resolve(Entry("questions", "price", "Price"), layout) == 2
    assert source_type.resolve(Entry("questions", "value", "Price / value"), layout) == 3
    with pytest.raises(Unresolved, match="more than once"):
        source_type.resolve(Entry("fields", "comments", "Comments?"), layout)
    assert [c.name for c in layout.columns] == ["respondent_id", "end_date"]
