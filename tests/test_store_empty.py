"""Empty is fine: a run that computes nothing (an empty source, a period range without data)
exits 0 on every engine, says why, and leaves stored results as they were; a reversed
range is a usage error."""

from __future__ import annotations

import duckdb
import pytest

CONFIG = "version: 1\nproject: empty\ngrain: month\n"
SPECS = """\
version: 1
sources:
  - {id: r, type: file, path: data/r.parquet, time: t, key: id}
metrics:
  - {id: nps, type: nps, source: r, column: score}
  - {id: avg, type: mean, source: r, column: score}
pyramids:
  - id: idx
    children:
      - {metric: nps}
      - {metric: avg, bounds: [0, 10]}
"""
ROWS = (
    "SELECT * FROM (VALUES (1, TIMESTAMP '2026-01-05 10:00:00', 10), "
    "(2, TIMESTAMP '2026-02-06 10:00:00', 3))"
)


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return {"duckdb": f"duckdb:///{tmp_path}/w.duckdb", "sqlite": f"sqlite:///{tmp_path}/w.db"}[request.param]


def write_source(root, *, empty: bool) -> None:
    (root / "data").mkdir(exist_ok=True)
    query = f"SELECT * FROM ({ROWS}) AS v(id, t, score)" + (" WHERE false" if empty else "")
    con = duckdb.connect()
    con.execute(f"COPY ({query}) TO '{root / 'data' / 'r.parquet'}' (FORMAT parquet)")
    con.close()


def make(make_project, url, *, empty=False):
    root = make_project({"specs.yaml": SPECS}, config=CONFIG + f'warehouse: "{url}"\n')
    write_source(root, empty=empty)
    return root


def test_an_empty_source_computes_nothing_and_exits_0(make_project, warehouse_url, run_main):
    root = make(make_project, warehouse_url, empty=True)
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    assert "nothing computed: there are no rows in the sources" in err


@pytest.mark.parametrize(
    "options, words",
    [
        (["--from", "9000-01-01"], "from 9000-01-01"),
        (["--from", "2027-01-01", "--to", "2027-12-31"], "from 2027-01-01 to 2027-12-31"),
    ],
)
def test_a_range_without_data_keeps_what_is_stored(make_project, warehouse_url, run_main, options, words):
    root = make(make_project, warehouse_url)
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    code, before, err = run_main("report", str(root), "--format", "json")
    assert code == 0, err
    code, _, err = run_main("run", str(root), "--quiet", *options)
    assert code == 0, err
    assert f"nothing computed: there are no rows in the periods asked for ({words})" in err
    code, after, err = run_main("report", str(root), "--format", "json")
    assert code == 0, err
    assert after == before


@pytest.mark.parametrize("header", ["id,t,score\n", "id,t,score"])
def test_a_header_only_csv_source_computes_nothing_and_exits_0(make_project, warehouse_url, run_main, header):
    """The issue's case: DuckDB failed with "executemany requires a non-empty list"."""
    specs = SPECS.replace("data/r.parquet", "data/r.csv")
    config = CONFIG + f'warehouse: "{warehouse_url}"\n'
    root = make_project({"specs.yaml": specs, "data/r.csv": header}, config=config)
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    assert "nothing computed: there are no rows in the sources; the stored results are unchanged" in err
    assert "executemany" not in err and "internal error" not in err
    assert (root / "cxspec-out" / "report.html").is_file()  # the reports of what is stored (nothing)
    code, out, err = run_main("query", str(root), "--format", "json")
    assert code == 0, err


@pytest.mark.parametrize("command", ["run", "query"])
def test_a_reversed_range_is_a_usage_error(make_project, run_main, command, warehouse_url, tmp_path):
    root = make(make_project, warehouse_url)
    code, _, err = run_main(command, str(root), "--from", "2026-03-01", "--to", "2026-01-01")
    assert code == 2, err
    assert "--from 2026-03-01 is after --to 2026-01-01" in err
    assert not (tmp_path / "w.duckdb").exists() and not (tmp_path / "w.db").exists()  # before anything ran
