"""A table's 0/1 column used as a condition (`condition: resolved`, `filter: resolved`): SQLite
read its numbers as true and false and gave a number, DuckDB and PostgreSQL refused the query
(CX416, `count_if(INTEGER)`, `argument of CASE/WHEN must be type boolean`). As a CSV file's
column of 0/1 is (typed a whole number, column_types.py), it is refused alike on every engine
at the fragment (CX407) with the hint to write `resolved = 1`, which gives the same number
everywhere, against plain Python. A number column compared with text that is no number
(`resolved = 'yes'`: no rows on SQLite, a conversion error on the others) is CX406 as in a file.
"""

from __future__ import annotations

import json

import pytest

from tests.engine_tables import table_url

CONFIG = "version: 1\nproject: tickets\ngrain: month\n"
ROWS = [
    ("1", "2026-01-05", 1, 1.0),
    ("2", "2026-01-06", 0, 0.0),
    ("3", "2026-01-07", 1, 1.0),
    ("4", "2026-01-08", None, None),
    ("5", "2026-02-02", 0, 0.0),
]
CREATE = "CREATE TABLE tickets (id TEXT, t TIMESTAMP, resolved INTEGER, share DOUBLE PRECISION)"


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def url(request, tmp_path):
    return table_url(request, tmp_path, CREATE, "tickets", ROWS)


def project(make_project, metric: str):
    specs = (
        f"version: 1\nsources:\n  - {{id: r, type: table, table: tickets, time: t}}\nmetrics:\n  - {metric}\n"
    )
    return make_project({"specs.yaml": specs}, config=CONFIG)


@pytest.mark.parametrize(
    ("metric", "column", "word"),
    [
        ("{id: m, type: rate, source: r, condition: resolved}", "resolved", "whole-number"),
        ("{id: m, type: count, source: r, filter: resolved}", "resolved", "whole-number"),
        ("{id: m, type: rate, source: r, condition: \"share AND id = '1'\"}", "share", "number"),
    ],
)
def test_a_number_column_as_a_condition_is_refused_alike(metric, column, word, make_project, run_main, url):
    root = project(make_project, metric)
    status, out, err = run_main("query", str(root), "--warehouse", url, "--format", "json")
    assert status == 1 and "Traceback" not in err and out == ""
    assert "specs.yaml:5:" in err and "error CX407" in err, err
    assert f"uses {word} column {column!r} of source 'r' (the warehouse types it as a" in err
    assert f"hint: compare it with a value: `{column} = 1`" in err
    assert "CX416" not in err


def test_validate_data_refuses_it_too(make_project, run_main, url):
    root = project(make_project, "{id: m, type: rate, source: r, condition: resolved}")
    status, out, err = run_main("validate", str(root), "--data", "--warehouse", url, "--format", "json")
    assert status == 1, out + err
    found = json.loads(out)["diagnostics"]
    assert [(d["code"], d["file"], d["line"], d["column"]) for d in found] == [("CX407", "specs.yaml", 5, 47)]


def test_compared_with_one_it_is_the_same_number_everywhere(make_project, run_main, url):
    root = project(make_project, '{id: m, type: rate, source: r, condition: "resolved = 1"}')
    status, out, err = run_main("query", str(root), "--warehouse", url, "--format", "json")
    assert status == 0, err
    want = {}
    for _, t, resolved, _ in ROWS:
        period = t[:8] + "01"
        rows, true = want.get(period, (0, 0))
        want[period] = (rows + 1, true + (resolved == 1))
    got = {r["period"]: (r["n"], r["value"]) for r in json.loads(out)["results"]}
    assert sorted(got) == sorted(want)
    for period, (rows, true) in want.items():
        assert got[period][0] == rows
        assert got[period][1] == pytest.approx(100 * true / rows)


def test_a_number_compared_with_a_word_is_refused_alike(make_project, run_main, url):
    root = project(make_project, "{id: m, type: rate, source: r, condition: \"resolved = 'yes'\"}")
    status, _, err = run_main("query", str(root), "--warehouse", url)
    assert status == 1 and "Traceback" not in err
    assert "error CX406" in err and "hint: the column holds numbers: write `resolved = 1` for yes" in err, err
    assert "CX416" not in err


def test_a_files_column_of_zeros_and_ones_is_refused_the_same_way(make_project, run_main, warehouse):
    """The rule tables now follow: a CSV file's 0/1 column is a whole number (column_types.py),
    refused as a condition with the same hint, on every engine."""
    specs = (
        "version: 1\nsources:\n  - {id: r, type: file, path: t.csv, time: t}\n"
        "metrics:\n  - {id: m, type: rate, source: r, condition: resolved}\n"
    )
    data = "t,resolved\n2026-01-05,1\n2026-01-06,0\n2026-01-07,\n"
    root = make_project({"specs.yaml": specs, "t.csv": data}, config=CONFIG)
    status, _, err = run_main("query", str(root), "--warehouse", warehouse)
    assert status == 1 and "Traceback" not in err
    assert "specs.yaml:5:47: error CX407" in err and "uses whole-number column 'resolved'" in err, err
    assert "hint: compare it with a value: `resolved = 1`" in err


@pytest.mark.parametrize(
    ("condition", "code"),
    [("resolved", "CX407"), ("resolved = 'yes'", "CX406")],
)
def test_read_through_a_query_it_is_refused_alike(condition, code, make_project, run_main, url):
    """A `sql` source's columns: SQLite gives a view over the query the declared types of its
    table's columns (DuckDB and PostgreSQL type the query themselves); SQLite computed 50%."""
    specs = (
        "version: 1\nsources:\n"
        '  - {id: r, type: sql, query: "SELECT id, t, resolved FROM tickets", time: t}\n'
        f'metrics:\n  - {{id: m, type: rate, source: r, condition: "{condition}"}}\n'
    )
    root = make_project({"specs.yaml": specs}, config=CONFIG)
    status, out, err = run_main("query", str(root), "--warehouse", url)
    assert status == 1 and "Traceback" not in err and out == ""
    assert f"specs.yaml:5:48: error {code}" in err and "'resolved'" in err, err
    assert "CX416" not in err


def test_a_query_of_expressions_still_runs(make_project, run_main, url):
    """A query whose column is an expression has no declared type on SQLite: it is not
    checked there, and `resolved = 1` over it is the same number everywhere."""
    specs = (
        "version: 1\nsources:\n"
        '  - {id: r, type: sql, query: "SELECT t, resolved + 0 AS done FROM tickets", time: t}\n'
        'metrics:\n  - {id: m, type: rate, source: r, condition: "done = 1"}\n'
    )
    root = make_project({"specs.yaml": specs}, config=CONFIG)
    status, out, err = run_main("query", str(root), "--warehouse", url, "--format", "json")
    assert status == 0, err
    got = {r["period"]: (r["n"], r["value"]) for r in json.loads(out)["results"]}
    assert got["2026-01-01"] == (4, pytest.approx(100 * 2 / 4))
    assert got["2026-02-01"] == (1, pytest.approx(0.0))


def test_a_query_column_of_words_is_refused_on_sqlite_too(make_project, run_main, url):
    """A query's expression has no declared type on SQLite: `CASE … THEN 'yes' ELSE 'no' END`
    as a condition was 0% there, silently ('yes' is false to SQLite), and refused elsewhere.
    Its values are text, so it is CX407 on every engine; a comparison (`resolved = 1 AS ok`:
    a 0/1 integer on SQLite, a yes/no elsewhere) gives the same number everywhere."""
    words = "CASE WHEN resolved = 1 THEN 'yes' ELSE 'no' END"
    specs = (
        "version: 1\nsources:\n"
        f"  - {{id: r, type: sql, time: t,\n"
        f'      query: "SELECT t, {words} AS said, resolved = 1 AS ok FROM tickets"}}\n'
        "metrics:\n  - {id: m, type: rate, source: r, condition: said}\n"
    )
    root = make_project({"specs.yaml": specs}, config=CONFIG)
    status, out, err = run_main("query", str(root), "--warehouse", url)
    assert status == 1 and "Traceback" not in err and out == "", out + err
    assert "specs.yaml:6:47: error CX407" in err and "text column 'said'" in err, err
    root = make_project({"specs.yaml": specs.replace("condition: said", "condition: ok")}, config=CONFIG)
    status, out, err = run_main("query", str(root), "--warehouse", url, "--format", "json")
    assert status == 0, err
    got = {r["period"]: (r["n"], r["value"]) for r in json.loads(out)["results"]}
    january = [r for r in ROWS if r[1].startswith("2026-01")]
    assert got["2026-01-01"] == (
        len(january),
        pytest.approx(100 * sum(r[2] == 1 for r in january) / len(january)),
    )
