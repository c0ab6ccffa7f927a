"""A table whose columns the warehouse types as text (a CSV file imported as it is: `sqlite3
.import`, a loader's VARCHAR columns) used as a condition or compared with a number: refused
alike on every engine (CX407, CX406), at the fragment. `condition: flag` over 'yes'/'no' was
0% on SQLite, silently, and `score >= 9` 33.3% there ('10' sorts below '9' as text), while
DuckDB and PostgreSQL stopped with their own errors (CX416). Comparing with text works the
same everywhere, against plain Python.
"""

from __future__ import annotations

import json

import pytest

from tests.engine_tables import table_url

CONFIG = "version: 1\nproject: imported\ngrain: month\n"
ROWS = [("1", "2026-01-05", "yes", "7"), ("2", "2026-01-06", "no", "10"), ("3", "2026-01-07", "yes", "9")]
CREATE = "CREATE TABLE answers (id TEXT, t TEXT, flag TEXT, score TEXT)"


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def url(request, tmp_path):
    return table_url(request, tmp_path, CREATE, "answers", ROWS)


def project(make_project, metric: str):
    specs = (
        f"version: 1\nsources:\n  - {{id: r, type: table, table: answers, time: t}}\nmetrics:\n  - {metric}\n"
    )
    return make_project({"specs.yaml": specs}, config=CONFIG)


@pytest.mark.parametrize(
    ("metric", "code", "hint"),
    [
        ("{id: m, type: rate, source: r, condition: flag}", "CX407", "compare it with a value: `flag = '…'`"),
        (
            '{id: m, type: rate, source: r, condition: "score >= 9"}',
            "CX406",
            "store 'score' as numbers in the warehouse, or read the source through a `sql` query",
        ),
    ],
)
def test_a_text_column_is_refused_alike(metric, code, hint, make_project, run_main, url):
    root = project(make_project, metric)
    status, _, err = run_main("query", str(root), "--warehouse", url)
    assert status == 1 and "Traceback" not in err
    assert f"error {code}" in err and "(the warehouse types it as text)" in err and hint in err
    assert "CX416" not in err


def test_compared_with_text_it_is_the_same_everywhere(make_project, run_main, url):
    root = project(make_project, "{id: m, type: rate, source: r, condition: \"flag = 'yes'\"}")
    status, out, err = run_main("query", str(root), "--warehouse", url, "--format", "json")
    assert status == 0, err
    want = 100 * sum(1 for row in ROWS if row[2] == "yes") / len(ROWS)
    rows = json.loads(out)["results"]
    assert [(r["period"], r["n"]) for r in rows] == [("2026-01-01", 3)]
    assert rows[0]["value"] == pytest.approx(want)
