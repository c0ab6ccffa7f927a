"""The commands on the example project, straight on its raw exports: validate, compile,
query and run exit 0; compiled SQL is deterministic; the generator rewrites the same bytes."""

from __future__ import annotations

import importlib.util
import json
import shutil

import pytest
from cxspec.testing import run_cli
from survey_reference import EXAMPLE, expected


@pytest.fixture
def cli():
    return lambda *args: tuple(run_cli(*args))


@pytest.fixture
def example(tmp_path):
    """A copy of the example, so that runs write nothing into the package."""
    return shutil.copytree(EXAMPLE, tmp_path / "cx-survey")


def test_validate_is_clean(cli, example):
    code, out, err = cli("validate", str(example))
    assert code == 0, out + err


def test_compile_is_deterministic_and_reads_the_export(cli, example, tmp_path):
    for out in ("a", "b"):
        code, stdout, stderr = cli("compile", str(example), "--out", str(tmp_path / out))
        assert code == 0, stdout + stderr
    first = sorted((tmp_path / "a").iterdir())
    assert [p.name for p in first] == sorted(p.name for p in (tmp_path / "b").iterdir())
    for path in first:
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()
    sql = (tmp_path / "a" / "post_purchase.sql").read_text()
    assert "'data/qualtrics_post_purchase.csv'" in sql and "READ_CSV(" in sql
    assert "AT TIME ZONE 'America/Denver'" in sql


def test_compile_for_postgres_names_the_loaded_table(cli, example, tmp_path):
    code, out, err = cli("compile", str(example), "--dialect", "postgres", "--out", str(tmp_path / "pg"))
    assert code == 0, out + err
    sql = (tmp_path / "pg" / "support.sql").read_text()
    assert "READ_CSV" not in sql and "support" in sql


def test_query_json_matches_the_reference(cli, example):
    want = expected()["support_nps"]
    code, out, err = cli("query", str(example), "-m", "support_nps", "--format", "json")
    assert code == 0, err
    got = {r["period"]: (r["value"], r["n"], r["invalid"]) for r in json.loads(out)["results"]}
    assert set(got) == set(want)
    for period, (value, n, invalid, _moe) in want.items():
        assert got[period][1:] == (n, invalid)
        assert got[period][0] == pytest.approx(value, rel=1e-9, abs=1e-9)


def test_query_by_a_dimension_of_the_export(cli, example):
    code, out, err = cli("query", str(example), "-m", "onboarding_nps", "--by", "plan", "--format", "json")
    assert code == 0, err
    results = json.loads(out)["results"]
    assert {r["dimensions"]["plan"] for r in results} == {"free", "team", "enterprise"}
    assert sum(r["n"] for r in results) == sum(r[1] for r in expected()["onboarding_nps"].values())


def test_run_stores_and_reports(cli, example, tmp_path):
    code, out, err = cli("run", str(example), "--out", str(tmp_path / "out"))
    assert code == 0, out + err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report  # the report of the stored results exists
    assert "Survey CX index" in out


def test_the_generator_writes_the_committed_exports(tmp_path):
    spec = importlib.util.spec_from_file_location("make_exports", EXAMPLE.parent / "make_exports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in (
        "qualtrics_post_purchase.csv",
        "qualtrics_support_choice_text.csv",
        "surveymonkey_onboarding.csv",
    ):
        assert (tmp_path / name).read_bytes() == (EXAMPLE / "data" / name).read_bytes(), name


@pytest.mark.parametrize("url", ["duckdb:///:memory:", "sqlite:///:memory:"])
def test_a_broken_export_is_an_error_not_a_traceback(cli, example, url):
    """A row with too few cells (a hand-edited export) stops the query with the reader's message."""
    path = example / "data" / "qualtrics_support_choice_text.csv"
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join([*lines[:10], b"2026-04-01 10:00:00,broken,row", *lines[10:]]))
    code, out, err = cli("query", str(example), "-m", "support_nps", "--warehouse", url)
    assert code == 1
    assert "qualtrics_support_choice_text.csv" in err
    assert "Traceback" not in out + err and "internal error" not in err


def test_compiled_duckdb_sql_runs_on_its_own(cli, example, tmp_path):
    """The compiled SQL reads the raw exports by itself: run from the project folder in a plain
    DuckDB session, it gives the values the reference computes."""
    import duckdb

    code, out, err = cli("compile", str(example), "--out", str(tmp_path / "sql"))
    assert code == 0, out + err
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET file_search_path = ?", [str(example)])
    got = {}
    for path in sorted((tmp_path / "sql").glob("*.sql")):
        for metric, period, value, n, invalid, _moe in con.execute(path.read_text()).fetchall():
            got[(metric, period.isoformat())] = (value, n, invalid)
    want = expected()
    assert {key for key in got if key[0] in want} == {(m, p) for m, periods in want.items() for p in periods}
    for metric, periods in want.items():
        for period, (value, n, invalid, _moe) in periods.items():
            g_value, g_n, g_invalid = got[(metric, period)]
            assert (g_n, g_invalid) == (n, invalid)
            assert g_value == pytest.approx(value, rel=1e-9, abs=1e-9)
