"""Smaller cases of issue 13 (finding 12): a database path under a file is a clear error;
'NaN' text in a measured column is treated the same by `run` and `query` on every engine."""

from __future__ import annotations

import pytest

SPECS = """version: 1
sources:
  - {id: r, type: file, path: r.csv, time: t, key: id}
metrics:
  - {id: m, type: mean, source: r, column: x}
"""


@pytest.fixture
def project(make_project):
    return make_project(
        {"specs.yaml": SPECS, "r.csv": "id,t,x\n1,2026-01-03T10:00:00Z,5\n2,2026-01-04T10:00:00Z,NaN\n"},
        config="version: 1\nproject: t\ngrain: month\n",
    )


@pytest.mark.parametrize("command", ["run", "query"])
@pytest.mark.parametrize("database", ["file.txt/db.duckdb", "file.txt/deeper/db.duckdb"])
def test_a_database_path_under_a_file_is_a_clear_error(command, database, project, run_main):
    (project / "file.txt").write_text("a file\n", encoding="utf-8")
    code, _, err = run_main(command, str(project), "--warehouse", f"duckdb:///{database}")
    assert code == 1
    assert f"cannot open DuckDB database duckdb:///{database}: " in err and "is a file, not a folder" in err
    assert "internal error" not in err
    assert (project / "file.txt").read_text(encoding="utf-8") == "a file\n"


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return {"duckdb": f"duckdb:///{tmp_path}/n.duckdb", "sqlite": f"sqlite:///{tmp_path}/n.db"}[request.param]


def test_nan_text_is_treated_the_same_by_run_and_query(project, warehouse_url, run_main):
    """'NaN' in a measured column: `run` and `query` give the same answer, on every engine."""
    run = run_main("run", str(project), "--quiet", "--warehouse", warehouse_url, "--out", str(project / "o"))
    query = run_main("query", str(project), "--warehouse", warehouse_url, "--format", "json")
    assert run[0] == query[0]
    # 'NaN' is text: invalid on every engine (column_types.py), the mean is of the number.
    assert run[0] == 0 and '"value": 5.0' in query[1] and '"n": 1' in query[1] and '"invalid": 1' in query[1]
