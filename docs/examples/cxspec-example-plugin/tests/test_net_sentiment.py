"""Tests of the net_sentiment plugin: its schema, its check, and its numbers on DuckDB.

`registered_plugin` loads it for one test, with cxspec's built-ins only, whether or not it
(or anything else) is installed; `write_project` writes the project and `run_cli` runs the
commands in-process, as a user would.
"""

from __future__ import annotations

import csv
import io
import json
import math

import cxspec_example_plugin
import pytest

from cxspec import validate_project
from cxspec.testing import registered_plugin, run_cli, write_project

COMMENTS = """id,at,channel,label
1,2026-03-02T09:00:00Z,web,positive
2,2026-03-03T09:00:00Z,web,positive
3,2026-03-04T09:00:00Z,web,negative
4,2026-03-05T09:00:00Z,phone,neutral
5,2026-03-06T09:00:00Z,phone,mixed
6,2026-03-07T09:00:00Z,phone,
7,2026-04-01T09:00:00Z,web,negative
8,2026-04-02T09:00:00Z,phone,positive
9,2026-04-03T09:00:00Z,phone,negative
"""
SPECS = """\
version: 1
sources:
  - {id: comments, type: file, path: comments.csv, time: at, dimensions: [channel]}
metrics:
  - id: sentiment
    type: net_sentiment
    source: comments
    column: label
    positive: [positive]
    negative: [negative]
    neutral: [neutral]
"""


@pytest.fixture
def registry():
    with registered_plugin(cxspec_example_plugin, "example") as registry:
        yield registry


def project(tmp_path, specs=SPECS):
    files = {"specs.yaml": specs, "comments.csv": COMMENTS}
    return write_project(tmp_path, files, config={"grain": "month"})


def expected(rows):
    """value, n, invalid and moe from the rows, in plain Python."""
    labels = [r["label"] for r in rows if r["label"]]
    valid = [x for x in labels if x in ("positive", "negative", "neutral")]
    n = len(valid)
    p_pos, p_neg = valid.count("positive") / n, valid.count("negative") / n
    moe = 1.96 * 100 * math.sqrt((p_pos + p_neg - (p_pos - p_neg) ** 2) / n)
    return 100 * (p_pos - p_neg), n, len(labels) - n, moe


def test_numbers_per_month(tmp_path, registry):
    code, stdout, stderr = run_cli("query", project(tmp_path), "--format", "json")
    assert code == 0, stderr
    rows = list(csv.DictReader(io.StringIO(COMMENTS)))
    got = {r["period"]: r for r in json.loads(stdout)["results"]}
    assert sorted(got) == ["2026-03-01", "2026-04-01"]
    for period, month in (("2026-03-01", "2026-03"), ("2026-04-01", "2026-04")):
        value, n, invalid, moe = expected([r for r in rows if r["at"].startswith(month)])
        assert (got[period]["n"], got[period]["invalid"]) == (n, invalid)
        assert got[period]["value"] == pytest.approx(value)
        assert got[period]["moe"] == pytest.approx(moe)


def test_unknown_field_is_reported_where_it_is(tmp_path, registry):
    specs = SPECS.replace("    neutral: [neutral]\n", "    neutral: [neutral]\n    positve: [good]\n")
    result = validate_project(project(tmp_path, specs), registry)
    [problem] = result.diagnostics
    assert (problem.code, problem.file, problem.line, problem.column) == ("CX101", "specs.yaml", 12, 5)
    assert problem.hint == "did you mean 'positive'?"


def test_label_on_both_sides(tmp_path, registry):
    specs = SPECS.replace("negative: [negative]", "negative: [negative, positive]")
    [problem] = validate_project(project(tmp_path, specs), registry).diagnostics
    assert (problem.code, problem.line, problem.column) == ("EX001", 10, 15)


def test_it_reads_as_a_signed_whole_number(registry):
    from cxspec import Display

    metric_type = registry.metric_types["net_sentiment"]
    assert metric_type.display(None) == Display(decimals=0, signed=True, change_decimals=1)
