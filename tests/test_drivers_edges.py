"""Drivers analyses on awkward data, thought of as an attacker or a tired operator would:
the same data on DuckDB (the SQL aggregate and the numpy path), SQLite and PostgreSQL must
give the same figures, equal to plain least squares on the rows written out here; data that
has no figures is a located error, never a traceback, a NaN or a silent null."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from cxspec.drivers import compute
from tests.test_drivers import expected

ENGINES = ("duckdb", "duckdb-numpy", "sqlite", "postgres")

SPEC = """\
version: 1
sources:
  - id: s
    type: file
    path: data/s.csv
    key: id{time}
drivers:
  - id: a
    source: s
    outcome: y
    min_sample: 3
    drivers:
{drivers}
"""
TWO = "      - {name: x1, column: x1}\n      - {name: x2, column: x2}"


@pytest.fixture(params=ENGINES)
def warehouse(request, monkeypatch):
    monkeypatch.setattr(compute, "NUMPY_FROM_ROWS", 0 if request.param == "duckdb-numpy" else None)
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param.split('-')[0]}:///:memory:"


def project(make_project, header, rows, drivers=TWO, time=""):
    lines = [header] + [",".join(map(str, r)) for r in rows]
    spec = SPEC.format(drivers=drivers, time=f"\n    time: {time}" if time else "")
    return make_project({"specs/a.yaml": spec, "data/s.csv": "\n".join(lines) + "\n"})


def run(run_main, root, warehouse):
    return run_main("drivers", str(root), "--format", "json", "--warehouse", warehouse)


def assert_figures(out, data):
    want = expected(np.array(data, dtype=float), "shapley")
    got = json.loads(out)["drivers"]
    assert [r["n"] for r in got] == [want["n"]] * len(got)
    for j, r in enumerate(got):
        assert r["importance"] == pytest.approx(want["importance"][j], abs=1e-9)
        assert r["correlation"] == pytest.approx(want["correlation"][j], abs=1e-9)
        assert r["beta"] == pytest.approx(want["beta"][j], abs=1e-9)
        assert r["performance"] == pytest.approx(want["performance"][j], rel=1e-10)
        assert r["r2"] == pytest.approx(want["r2"], abs=1e-9)


def assert_refused(code, out, err, pattern):
    assert code == 1, (out, err)
    assert re.search(pattern, err), err
    assert "= hint: " in err and "Traceback" not in err
    assert "nan" not in out.lower()
    assert json.loads(out) == {"drivers": []} if out else True


def rows(n=40):
    return [(i, (i * 3) % 11, i % 7, (i * 5) % 9) for i in range(1, n + 1)]


def test_huge_values_are_a_located_error_not_null_figures(make_project, run_main, warehouse):
    # squares of 1e200 overflow a double: no engine can sum them
    data = [(i, y, x1 * 1e200, x2) for i, y, x1, x2 in rows()]
    code, out, err = run(run_main, project(make_project, "id,y,x1,x2", data), warehouse)
    assert_refused(code, out, err, r"specs/a\.yaml:\d+:\d+: error CX607: .*(too large|overflow)")


def test_an_expression_over_text_is_a_located_error(make_project, run_main, warehouse):
    data = [list(r) for r in rows()]
    data[0][2] = "N/A"
    drivers = "      - {name: x1, expr: 'x1 + 1'}\n      - {name: x2, column: x2}"
    code, out, err = run(run_main, project(make_project, "id,y,x1,x2", data, drivers), warehouse)
    if code == 0:  # SQLite reads 'N/A' + 1 as 1: a number, if a poor one
        return
    assert_refused(code, out, err, r"specs/a\.yaml:1[234]:\d+: error CX607: ")


def test_null_keys_are_one_key_and_the_same_row_on_every_engine(make_project, run_main, warehouse):
    """The NULL keys are one key (as for metrics); with no `time` its rows all tie, and each
    engine kept another one of them."""
    data = [("" if i % 3 == 0 else i, y, x1, x2) for i, y, x1, x2 in rows()]
    # of rows alike in time, the greatest value of each column in name order: x1, x2, y
    kept = [r[1:] for r in data if r[0] != ""]
    kept += [max((r[1:] for r in data if r[0] == ""), key=lambda r: (r[1], r[2], r[0]))]
    code, out, err = run(run_main, project(make_project, "id,y,x1,x2", data), warehouse)
    assert code in (0, None), err
    assert_figures(out, kept)


def test_a_repeated_key_keeps_its_latest_row_and_ties_give_one_answer(make_project, run_main, warehouse):
    data = [(i % 25, f"2026-01-{1 + i % 5:02d}", y, x1, x2) for i, y, x1, x2 in rows(60)]
    latest = {}
    for r in data:
        key = r[0]
        # the latest time wins; of rows alike in time, the greatest value of each column in
        # name order (x1, x2, y): any fixed choice would do, the same on every engine
        order = (r[1], r[3], r[4], r[2])
        if key not in latest or order > (latest[key][1], latest[key][3], latest[key][4], latest[key][2]):
            latest[key] = r
    root = project(make_project, "id,t,y,x1,x2", data, time="t")
    code, out, err = run(run_main, root, warehouse)
    assert code in (0, None), err
    assert_figures(out, [r[2:] for r in latest.values()])


@pytest.mark.parametrize(("yes", "no"), [("yes", "no"), ("true", "false"), ("1", "0")])
def test_a_yes_no_driver_is_one_and_zero_on_every_engine(make_project, run_main, warehouse, yes, no):
    """Engines read yes/no (and true/false) as BOOLEAN, or as 1/0: the same figures either way."""
    data = [(i, y, (i * 7) % 3 == 0 or i % 5 == 0, x2) for i, y, _, x2 in rows()]
    text = [(i, y, yes if flag else no, x2) for i, y, flag, x2 in data]
    code, out, err = run(run_main, project(make_project, "id,y,x1,x2", text), warehouse)
    assert code in (0, None), err
    assert_figures(out, [(y, float(flag), x2) for _, y, flag, x2 in data])
