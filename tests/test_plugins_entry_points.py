"""A plugin installed through a real entry point (a `.dist-info` with entry_points.txt on
sys.path) that adds a metric type with its own fields and a source type: its fields are
validated as strictly as a built-in's, at file:line:col; it joins `cxspec schema`; it
compiles; and its numbers on DuckDB are the ones computed here in plain Python."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import pytest
from jsonschema import Draft202012Validator

from cxspec.yamlread import load_bytes

pytest_plugins = ["plugin_install"]  # the `site` fixture: plugins installed for one test

PLUGIN = '''
"""Survey exports with a preamble before the header, and the share of answers at or above a mark."""

from sqlglot import exp

from cxspec import MetricType, SourceType, hookimpl
from cxspec.compiler.sqlkit import flag, not_null, num, proportion
from cxspec.metric_type import Measure


class CsvAfterPreamble(SourceType):
    name = "csv_after_preamble"
    description = "A CSV file whose header comes after `preamble_rows` lines of notes."
    fields = {
        "path": {"type": "string", "minLength": 1},
        "preamble_rows": {"type": "integer", "minimum": 0},
    }
    required = ("path",)

    def relation(self, source, reading):
        arguments = [
            exp.Literal.string(source.raw["path"]),
            exp.EQ(this=exp.var("skip"), expression=num(source.raw.get("preamble_rows", 0))),
            exp.EQ(this=exp.var("header"), expression=exp.true()),
        ]
        return reading.local(source, exp.Anonymous(this="read_csv", expressions=arguments))


class ShareAtLeast(MetricType):
    name = "share_at_least"
    description = "% of answers at or above `at_least`."
    fields = {"column": {"type": "string", "minLength": 1}, "at_least": {"type": "number"}}
    required = ("column", "at_least")
    unit = "%"

    def natural_range(self, metric):
        return (0.0, 100.0)

    def measures(self, metric, sql):
        value = sql.number(metric.get("column"))
        mark = exp.GTE(this=value.copy(), expression=num(metric.get("at_least")))
        return {"n": Measure(flag(not_null(value))), "hits": Measure(flag(mark))}

    def result(self, metric, m, sql):
        return proportion(m("hits"), m("n"))


@hookimpl
def cxspec_register_source_types():
    return [CsvAfterPreamble]


@hookimpl
def cxspec_register_metric_types():
    return [ShareAtLeast]
'''

EXPORT = """Effort survey export,,,
Generated 2026-05-01 by the survey tool,,,
response_id,answered_at,channel,effort
1,2026-03-02T09:00:00Z,web,7
2,2026-03-03T09:00:00Z,web,5
3,2026-03-04T09:00:00Z,phone,4
4,2026-03-05T09:00:00Z,phone,6
5,2026-03-06T09:00:00Z,web,
6,2026-04-01T09:00:00Z,web,2
7,2026-04-02T09:00:00Z,phone,5
8,2026-04-03T09:00:00Z,phone,5.5
"""
SPECS = """\
version: 1
sources:
  - id: effort
    type: csv_after_preamble
    path: export.csv
    preamble_rows: 2
    time: answered_at
    dimensions: [channel]
metrics:
  - id: low_effort
    type: share_at_least
    source: effort
    column: effort
    at_least: 5
  - id: effort_mean
    type: mean
    source: effort
    column: effort
"""


@pytest.fixture
def installed(site):
    site.install("acme-cx-survey", {"acme-survey": "acme_survey"}, {"acme_survey": PLUGIN}, version="0.3.0")
    return site


@pytest.fixture
def project(make_project):
    return make_project({"specs.yaml": SPECS, "export.csv": EXPORT})


def rows() -> list[dict]:
    lines = EXPORT.splitlines(keepends=True)[2:]
    return list(csv.DictReader(io.StringIO("".join(lines))))


def expected(group: list[dict]) -> dict:
    """Both metrics from the rows, in plain Python."""
    values = [float(r["effort"]) for r in group if r["effort"] != ""]
    n = len(values)
    p = sum(v >= 5 for v in values) / n
    mean = sum(values) / n
    # The sample standard deviation needs two values: one value has no margin (NULL).
    s = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return {
        "low_effort": {
            "value": 100 * p,
            "n": n,
            "invalid": 0,
            "moe": 1.96 * 100 * math.sqrt(p * (1 - p) / n),
        },
        "effort_mean": {"value": mean, "n": n, "invalid": 0, "moe": s and 1.96 * s / math.sqrt(n)},
    }


def query(run_main, project, *args) -> list[dict]:
    code, stdout, stderr = run_main("query", str(project), "--format", "json", *args)
    assert code == 0, stderr
    return json.loads(stdout)["results"]


def check(results: list[dict], groups: dict) -> None:
    """Each result equals the expectation of its (period, dimensions) group; none is missing."""
    got = {(r["metric"], r["period"], tuple(r["dimensions"].values())): r for r in results}
    want = {
        (metric, period, key): numbers
        for (period, key), group in groups.items()
        for metric, numbers in expected(group).items()
    }
    assert sorted(got) == sorted(want)
    for key, numbers in want.items():
        assert got[key]["n"] == numbers["n"] and got[key]["invalid"] == numbers["invalid"], key
        assert got[key]["value"] == pytest.approx(numbers["value"], rel=1e-9), key
        if numbers["moe"] is None:
            assert got[key]["moe"] is None, key
        else:
            assert got[key]["moe"] == pytest.approx(numbers["moe"], rel=1e-9), key


def month(row) -> str:
    return row["answered_at"][:7] + "-01"


# -- the numbers -----------------------------------------------------------------------------


def test_numbers_per_month_on_duckdb(installed, project, run_main):
    groups: dict = {}
    for row in rows():
        groups.setdefault((month(row), ()), []).append(row)
    check(query(run_main, project), groups)


def test_numbers_per_month_and_channel_on_duckdb(installed, project, run_main):
    groups: dict = {}
    for row in rows():
        groups.setdefault((month(row), (row["channel"],)), []).append(row)
    check(query(run_main, project, "--by", "channel"), groups)


def test_it_compiles_through_the_plugin_source_type(installed, project, run_main):
    code, sql, stderr = run_main("compile", str(project), "-m", "low_effort")
    assert code == 0, stderr
    assert re.search(r"READ_CSV\('export\.csv', skip = 2, header = TRUE\)", sql, re.I), sql
    assert ">= 5" in sql


# -- strict validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    at_least: 5\n",
            "    at_least: 5\n    at_leest: 4\n",
            ("CX101", 15, 5, "did you mean 'at_least'?"),
        ),
        ("    at_least: 5\n", "    at_least: five\n", ("CX103", 14, 15, None)),
        ("    at_least: 5\n", "", ("CX102", 10, 5, None)),
        ("    preamble_rows: 2\n", "    preamble_rows: -1\n", ("CX106", 6, 20, None)),
        ("    preamble_rows: 2\n", "    preamble_rows: two\n", ("CX103", 6, 20, None)),
        ("    preamble_rows: 2\n", "    skip_rows: 2\n", ("CX101", 6, 5, None)),
        ("    path: export.csv\n", "", ("CX102", 3, 5, None)),
        ("    at_least: 5\n", "    at_least: 5\n    condition: x > 1\n", ("CX101", 15, 5, None)),
    ],
)
def test_plugin_fields_are_checked_like_builtin_ones(installed, make_project, run_main, old, new, expected):
    assert old in SPECS
    root = make_project({"specs.yaml": SPECS.replace(old, new), "export.csv": EXPORT})
    code, stdout, _ = run_main("validate", str(root), "--format", "json")
    assert code == 1
    [problem] = json.loads(stdout)["diagnostics"]
    code_, line, column, hint = expected
    assert (problem["code"], problem["file"], problem["line"], problem["column"]) == (
        code_,
        "specs.yaml",
        line,
        column,
    )
    if hint:
        assert problem["hint"] == hint


def test_a_misspelt_plugin_type_is_suggested(installed, make_project, run_main):
    root = make_project({"specs.yaml": SPECS.replace("type: share_at_least", "type: share_at_lest")})
    code, stdout, _ = run_main("validate", str(root), "--format", "json")
    [problem] = [d for d in json.loads(stdout)["diagnostics"] if d["code"] == "CX107"]
    assert (problem["line"], problem["column"], problem["hint"]) == (11, 11, "did you mean 'share_at_least'?")


def test_without_the_plugin_its_types_are_unknown(site, project, run_main):
    code, stdout, _ = run_main("validate", str(project), "--format", "json")
    assert code == 1
    problems = [(d["code"], d["line"], d["column"]) for d in json.loads(stdout)["diagnostics"]]
    assert problems == [("CX107", 4, 11), ("CX107", 11, 11)]


# -- the composed schema ----------------------------------------------------------------------


def test_the_types_join_cxspec_schema(installed, run_main):
    code, stdout, _ = run_main("schema")
    assert code == 0
    schema = json.loads(stdout)
    metric, source = schema["$defs"]["metric"], schema["$defs"]["source"]
    assert "share_at_least" in metric["properties"]["type"]["enum"]
    assert "csv_after_preamble" in source["properties"]["type"]["enum"]
    [branch] = [b for b in metric["allOf"] if b["if"]["properties"]["type"] == {"const": "share_at_least"}]
    assert branch["then"]["properties"]["at_least"] == {"type": "number"}
    assert branch["then"]["required"] == ["source", "column", "at_least"]
    [branch] = [
        b for b in source["allOf"] if b["if"]["properties"]["type"] == {"const": "csv_after_preamble"}
    ]
    assert branch["then"]["properties"]["preamble_rows"] == {"type": "integer", "minimum": 0}


def test_the_composed_schema_is_as_strict_for_editors(installed, run_main):
    """What editors check (`cxspec schema` with jsonschema) rejects the same mistakes."""
    schema = json.loads(run_main("schema")[1])
    validator = Draft202012Validator(schema)

    def errors(text: str) -> list[str]:
        return [e.message for e in validator.iter_errors(load_bytes(text.encode()).data)]

    assert errors(SPECS) == []
    assert errors(SPECS.replace("    at_least: 5\n", "    at_least: 5\n    at_leest: 4\n"))
    assert errors(SPECS.replace("    at_least: 5\n", "    at_least: five\n"))
    assert errors(SPECS.replace("    preamble_rows: 2\n", "    preamble_rows: -1\n"))
    assert errors(SPECS.replace("    preamble_rows: 2\n", "    skip_rows: 2\n"))


def test_cxspec_plugins_lists_what_it_registers(installed, run_main):
    code, stdout, _ = run_main("plugins", "--format", "json")
    assert code == 0
    [plugin] = [p for p in json.loads(stdout)["plugins"] if p["name"] == "acme-survey"]
    assert (plugin["distribution"], plugin["version"], plugin["status"]) == ("acme-cx-survey", "0.3.0", "ok")
    assert plugin["registers"] == {"metric_types": ["share_at_least"], "source_types": ["csv_after_preamble"]}
