"""Rows read in Python reach Spark whole: `load_rows` (a plugin's export source, read through
DuckDB) keeps every type's values, and a survey export gives on Spark the numbers plain Python
computes from the file."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from decimal import Decimal

import pytest

from cxspec import Request, compute, connect, default_registry, load_project


@pytest.fixture
def warehouse_url(spark_url, tmp_path):
    from spark_testing import TEST_SETTINGS

    return f"spark://local[2]?results={tmp_path / 'spark-results'}&{TEST_SETTINGS}"


@pytest.fixture
def tiny_project(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    (root / "cxspec.yaml").write_text("version: 1\nproject: p\n", encoding="utf-8")
    return load_project(root)


def test_load_rows_keeps_every_type(tiny_project, warehouse_url):
    columns = ["flag", "small", "whole", "big", "wide", "real", "exact", "text", "day", "at"]
    types = ["BOOLEAN", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "DOUBLE", "DECIMAL(10,3)", "VARCHAR",
             "DATE", "TIMESTAMP"]  # fmt: skip
    rows = [
        (True, 3, 7, 2**40, 2**70, 2.5, Decimal("1.250"), "héllo", dt.date(2026, 3, 31),
         dt.datetime(2026, 3, 31, 23, 30)),
        (None, None, None, None, None, None, None, None, None, None),
    ]  # fmt: skip
    with connect(warehouse_url, tiny_project, default_registry()) as warehouse:
        table = warehouse.load_rows("loaded", columns, types, rows)
        names, got = warehouse.execute(f"SELECT * FROM {table.sql('spark')} ORDER BY whole NULLS LAST")
        assert names == columns
        assert got[0] == (True, 3, 7, 2**40, Decimal(2**70), 2.5, Decimal("1.250"), "héllo",
                          dt.date(2026, 3, 31), dt.datetime(2026, 3, 31, 23, 30))  # fmt: skip
        assert got[1] == (None,) * len(columns)
        # The time is the UTC instant it names: March in a UTC session, not April or another day.
        month_and_hour = "SELECT CAST(DATE_TRUNC('MONTH', at) AS DATE), HOUR(at) FROM {} WHERE at IS NOT NULL"
        _, month = warehouse.execute(month_and_hour.format(table.sql("spark")))
        assert month == [(dt.date(2026, 3, 1), 23)]


#: A Qualtrics export (current layout): (response id, recorded at, NPS, channel).
ANSWERS = [("R_1", "2026-01-05 10:00:00", "9", "web"), ("R_2", "2026-01-20 11:00:00", "2", "app"),
           ("R_3", "2026-01-31 23:30:00", "10", "web"), ("R_4", "2026-02-01 00:30:00", "7", "web"),
           ("R_5", "2026-02-27 13:00:00", "", "app"), ("R_6", "2026-02-28 09:00:00", "6", "app")]  # fmt: skip


def write_export(path):
    rows = [
        ["StartDate", "EndDate", "RecordedDate", "ResponseId", "Q1", "channel"],
        ["Start Date", "End Date", "Recorded Date", "Response ID", "How likely…?", "channel"],
        ['{"ImportId":"startDate","timeZone":"UTC"}', '{"ImportId":"endDate","timeZone":"UTC"}',
         '{"ImportId":"recordedDate","timeZone":"UTC"}', '{"ImportId":"_recordId"}', '{"ImportId":"QID1"}',
         '{"ImportId":"channel"}'],
        *[[when, when, when, rid, score, channel] for rid, when, score, channel in ANSWERS],
    ]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def expected():
    """(metric, month, channel) → value, in plain Python from ANSWERS."""
    groups: dict = {}
    for _, when, score, channel in ANSWERS:
        groups.setdefault((when[:7] + "-01", channel), []).append(score)
    out = {}
    for (month, channel), scores in groups.items():
        out[("responses", month, channel)] = float(len(scores))
        answered = [int(s) for s in scores if s]
        if answered:
            kinds = Counter("p" if s >= 9 else "d" if s <= 6 else "n" for s in answered)
            out[("nps", month, channel)] = 100 * (kinds["p"] - kinds["d"]) / len(answered)
    return out


def test_a_survey_export_source_works_on_spark(tmp_path, warehouse_url):
    pytest.importorskip("cxspec_survey_exports")
    root = tmp_path / "survey"
    (root / "data").mkdir(parents=True)
    (root / "cxspec.yaml").write_text("version: 1\nproject: survey\n", encoding="utf-8")
    write_export(root / "data" / "export.csv")
    spec = {
        "version": 1,
        "sources": [{"id": "q", "type": "qualtrics_export", "path": "data/export.csv",
                     "questions": {"nps_score": "Q1"}, "dimensions": ["channel"]}],
        "metrics": [{"id": "nps", "type": "nps", "source": "q", "column": "nps_score"},
                    {"id": "responses", "type": "count", "source": "q"}],
    }  # fmt: skip
    (root / "s.yaml").write_text(json.dumps(spec), encoding="utf-8")  # JSON is YAML
    project = load_project(root)
    request = Request(metrics=("nps", "responses"), grain="month", by=("channel",))
    got = {
        (r.metric, r.period, r.dimensions["channel"]): r.value
        for r in compute(project, request, default_registry(), warehouse_url)
    }
    assert got == pytest.approx(expected())
    on_duckdb = {
        (r.metric, r.period, r.dimensions["channel"]): r.value
        for r in compute(project, request, default_registry(), "duckdb:///:memory:")
    }
    assert got == pytest.approx(on_duckdb)
