"""Smaller cases of issue 13 (finding 12): a database path under a file is a clear error;
'NaN' text in a measured column is treated the same by `run` and `query` on every engine."""

from __future__ import annotations

import json

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


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
@pytest.mark.parametrize("command", ["run", "query", "report", "migrate"])
@pytest.mark.parametrize("database", ["file.txt/db", "file.txt/deeper/db"])
def test_a_database_path_under_a_file_is_a_clear_error(engine, command, database, project, run_main):
    (project / "file.txt").write_text("a file\n", encoding="utf-8")
    code, _, err = run_main(command, str(project), "--warehouse", f"{engine}:///{database}")
    assert code == 1, err
    name = {"duckdb": "DuckDB", "sqlite": "SQLite"}[engine]
    assert f"cannot open {name} database {engine}:///{database}: " in err, err
    assert f"{project / 'file.txt'} is a file, not a folder" in err, err
    assert "internal error" not in err
    assert (project / "file.txt").read_text(encoding="utf-8") == "a file\n"


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return {"duckdb": f"duckdb:///{tmp_path}/n.duckdb", "sqlite": f"sqlite:///{tmp_path}/n.db"}[request.param]


def test_a_missing_sqlite_folder_is_made_as_for_duckdb(project, run_main):
    (project / "r.csv").write_text("id,t,x\n1,2026-01-03T10:00:00Z,5\n", encoding="utf-8")
    code, _, err = run_main("run", str(project), "--quiet", "--warehouse", "sqlite:///new/folder/w.db")
    assert code == 0, err
    assert (project / "new" / "folder" / "w.db").is_file()


def test_nan_text_is_treated_the_same_by_run_and_query(project, warehouse_url, run_main):
    """DuckDB and PostgreSQL read 'NaN' as NaN: `run` refused to store the mean, `query` printed
    `nan`; SQLite made it a blank cell. Now a `NaN` cell is text in a number column, so it is
    invalid (docs/warehouses.md, column types) for every command on every engine: the mean of
    the one number, n 1, invalid 1."""
    run = run_main("run", str(project), "--quiet", "--warehouse", warehouse_url, "--out", str(project / "o"))
    assert run[0] == 0, run[2]
    query = run_main("query", str(project), "--warehouse", warehouse_url, "--format", "json")
    assert query[0] == 0, query[2]
    (row,) = json.loads(query[1])["results"]
    assert (row["value"], row["n"], row["invalid"]) == (5.0, 1, 1)
    stored = json.loads((project / "o" / "report.json").read_text(encoding="utf-8"))
    latest = stored["metrics"][0]["latest"]
    assert (latest["value"], latest["n"], latest["invalid"]) == (5.0, 1, 1)
