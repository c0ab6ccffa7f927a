"""Tests of the net_sentiment plugin: its schema, its check, and its numbers on DuckDB.

They load the plugin with `build_registry(external=False, extra=...)`: cxspec's built-ins
plus this plugin only, whether or not it (or anything else) is installed.
"""

from __future__ import annotations

import csv
import io
import math
import textwrap

import cxspec_example_plugin
import pytest

from cxspec.compiler.plan import Request
from cxspec.query import compute
from cxspec.registry import build_registry
from cxspec.validate import validate_project

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


@pytest.fixture(scope="module")
def registry():
    return build_registry(external=False, extra=(("example", cxspec_example_plugin),))


def project(tmp_path, specs=SPECS):
    (tmp_path / "cxspec.yaml").write_text("version: 1\nproject: t\ngrain: month\n", encoding="utf-8")
    (tmp_path / "specs.yaml").write_text(textwrap.dedent(specs), encoding="utf-8")
    (tmp_path / "comments.csv").write_text(COMMENTS, encoding="utf-8")
    return tmp_path


def expected(rows):
    """value, n, invalid and moe from the rows, in plain Python."""
    labels = [r["label"] for r in rows if r["label"]]
    valid = [x for x in labels if x in ("positive", "negative", "neutral")]
    n = len(valid)
    p_pos, p_neg = valid.count("positive") / n, valid.count("negative") / n
    moe = 1.96 * 100 * math.sqrt((p_pos + p_neg - (p_pos - p_neg) ** 2) / n)
    return 100 * (p_pos - p_neg), n, len(labels) - n, moe


def test_numbers_per_month(tmp_path, registry):
    result = validate_project(project(tmp_path), registry)
    assert result.ok, result.diagnostics
    rows = list(csv.DictReader(io.StringIO(COMMENTS)))
    got = {r.period: r for r in compute(result.project, Request(metrics=("sentiment",)), registry)}
    assert sorted(got) == ["2026-03-01", "2026-04-01"]
    for period, month in (("2026-03-01", "2026-03"), ("2026-04-01", "2026-04")):
        value, n, invalid, moe = expected([r for r in rows if r["at"].startswith(month)])
        assert (got[period].n, got[period].invalid) == (n, invalid)
        assert got[period].value == pytest.approx(value)
        assert got[period].moe == pytest.approx(moe)


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
