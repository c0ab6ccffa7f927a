"""Drivers analyses on awkward data, thought of as an attacker or a tired operator would:
the same data on DuckDB (the SQL aggregate and the numpy path), SQLite and PostgreSQL must
give the same figures, equal to plain least squares on the rows written out here; data that
has no figures is a located error, never a traceback, a NaN or a silent null."""

from __future__ import annotations

import json
import math
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


def test_text_keys_fall_in_the_same_buckets_whatever_the_collation(make_project, run_main, postgres_url):
    """Text keys are ranked into jackknife buckets by sort order: a PostgreSQL database that
    sorts by language rules ('a' < 'B') put rows in other buckets than DuckDB (byte order,
    'B' < 'a'), so the same data had other intervals."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS icu_en")
        connection.execute(
            "CREATE DATABASE icu_en TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.utf8'"
        )
    icu_url = postgres_url.rsplit("/", 1)[0] + "/icu_en"
    data = [(["a", "B", "c", "D", "_e", "Z"][i % 6] + str(i), y, x1, x2) for i, y, x1, x2 in rows(60)]
    root = project(make_project, "id,y,x1,x2", data)
    figures = []
    for url in ("duckdb:///:memory:", icu_url):
        code, out, err = run(run_main, root, url)
        assert code in (0, None), err
        figures.append([(r["lower"], r["upper"]) for r in json.loads(out)["drivers"]])
    assert figures[0] == figures[1]


def fifteen_rows():
    rng = np.random.default_rng(15)
    x = rng.integers(1, 6, size=(120, 15)).astype(float)
    y = np.clip(np.round(x @ np.linspace(0.05, 0.6, 15) / 3 + rng.normal(0, 1, 120)), 0, 10)
    return [(i, int(y[i - 1]), *map(int, x[i - 1])) for i in range(1, 121)]


_SHAPLEY15: dict = {}


def shapley_by_subsets(data):
    """Shapley values of R² from every subset (2^15 least-squares fits), by the formula
    |S|!(p−|S|−1)!/p! · (R²(S ∪ j) − R²(S)): independent of the algebra under test."""
    key = data.tobytes()
    if key not in _SHAPLEY15:
        y, x = data[:, 0], data[:, 1:]
        n, p = x.shape
        r2 = np.zeros(1 << p)
        centred = y - y.mean()
        for mask in range(1, 1 << p):
            columns = [j for j in range(p) if mask >> j & 1]
            a = np.column_stack([np.ones(n), x[:, columns]])
            coef, *_ = np.linalg.lstsq(a, y, rcond=None)
            residual = y - a @ coef
            r2[mask] = 1 - residual @ residual / (centred @ centred)
        weight = [math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)]
        values = np.zeros(p)
        for mask in range(1 << p):
            size = bin(mask).count("1")
            for j in range(p):
                if not mask >> j & 1:
                    values[j] += weight[size] * (r2[mask | 1 << j] - r2[mask])
        _SHAPLEY15[key] = values, r2[-1]
    return _SHAPLEY15[key]


def test_fifteen_drivers_the_documented_limit_agree_with_every_subset(make_project, run_main, warehouse):
    data = fifteen_rows()
    drivers = "\n".join(f"      - {{name: x{j}, column: x{j}}}" for j in range(1, 16))
    header = "id,y," + ",".join(f"x{j}" for j in range(1, 16))
    code, out, err = run(run_main, project(make_project, header, data, drivers), warehouse)
    assert code in (0, None), err
    values, r2 = shapley_by_subsets(np.array([r[1:] for r in data], dtype=float))
    got = json.loads(out)["drivers"]
    assert [r["driver"] for r in got] == [f"x{j}" for j in range(1, 16)]
    assert [r["importance"] for r in got] == pytest.approx(list(values), abs=1e-9)
    assert got[0]["r2"] == pytest.approx(r2, abs=1e-9)


@pytest.mark.parametrize("count", [9, 10])
def test_exactly_min_sample_complete_cases_is_enough(make_project, run_main, warehouse, count):
    data = [(i, (i * 3) % 11, i % 7, (i * 5) % 9) for i in range(1, count + 1)]
    data.append((count + 1, 5, "", 3))  # not a complete case: does not count
    lines = ["id,y,x1,x2"] + [",".join(map(str, r)) for r in data]
    spec = SPEC.format(drivers=TWO, time="").replace("min_sample: 3", "min_sample: 10")
    root = make_project({"specs/a.yaml": spec, "data/s.csv": "\n".join(lines) + "\n"})
    code, out, err = run(run_main, root, warehouse)
    if count < 10:
        assert_refused(
            code, out, err, r"specs/a\.yaml:\d+:\d+: error CX602: 'a' has 9 complete cases; min_sample is 10"
        )
    else:
        assert code in (0, None), err
        assert_figures(out, [r[1:] for r in data[:-1]])


def test_too_few_complete_cases_warn_in_a_run_and_refuse_in_drivers(make_project, run_main, tmp_path):
    """A programme whose driver survey is still filling up: `run` stores its results and says
    CX602 as a warning, exit 0 (it failed every run, as an empty source does not); `cxspec
    drivers`, which asks for the analysis, still refuses it, exit 1. A time per row, so the
    run has periods (9 complete cases, min_sample 10)."""
    data = [(i, (i * 3) % 11, i % 7, (i * 5) % 9, f"2026-01-{i:02d}") for i in range(1, 10)]
    spec = SPEC.format(drivers=TWO, time="\n    time: t").replace("min_sample: 3", "min_sample: 10")
    spec += "metrics:\n  - {id: answers, type: count, source: s}\n"
    lines = ["id,y,x1,x2,t"] + [",".join(map(str, r)) for r in data]
    root = make_project({"specs/a.yaml": spec, "data/s.csv": "\n".join(lines) + "\n"})
    url = f"duckdb:///{tmp_path / 'store.db'}"
    code, out, err = run_main(
        "run", str(root), "--warehouse", url, "--out", str(tmp_path / "out"), "--as-of", "2026-02-01"
    )
    assert code in (0, None), err
    assert re.search(
        r"specs/a\.yaml:\d+:\d+: warning CX602: 'a' has 9 complete cases; min_sample is 10", err
    ), err
    code, out, err = run_main("report", str(root), "--warehouse", url, "--format", "json")
    assert code in (0, None) and json.loads(out)["drivers"] == [], err
    code, out, err = run(run_main, root, url)
    assert_refused(code, out, err, r"specs/a\.yaml:\d+:\d+: error CX602: 'a' has 9 complete cases")


def test_no_complete_case_at_all_is_too_few_not_too_large(make_project, run_main, warehouse):
    """Found by tests/test_differential_drivers.py: with no complete case (each row lacks the
    outcome or a driver, or `run --as-of` reads none), every engine said CX607 "values too
    large to square" (the means of no rows are 0/0, not finite): it is CX602, 0 cases."""
    data = [(1, 4, "", 2), (2, "", 5, 3), (3, 7, 1, ""), (4, "", "", 1)]
    code, out, err = run(run_main, project(make_project, "id,y,x1,x2", data), warehouse)
    assert_refused(
        code,
        out,
        err,
        r"specs/a\.yaml:\d+:\d+: error CX602: 'a' has 0 complete cases; 2 drivers need at least 4",
    )
    assert "CX607" not in err, err


def test_a_rating_column_with_some_text_leaves_those_rows_out(make_project, run_main, warehouse):
    """'N/A', '5 - Very satisfied', blanks among numbers: the column is text to the warehouse.
    Those rows are not complete cases (as metrics count such values invalid), with a warning;
    refusing the column sent the operator to declare it a number, which reads it as text again."""
    data = [list(r) for r in rows()]
    data[0][2], data[1][2], data[2][2], data[3][2] = "N/A", "5 - Very satisfied", "", " "
    code, out, err = run(run_main, project(make_project, "id,y,x1,x2", data), warehouse)
    assert code in (0, None), err
    assert re.search(r"specs/a\.yaml:13:\d+: warning CX608: .*'x1'.*not numbers", err), err
    assert "= hint: " in err
    assert_figures(out, [r[1:] for r in data[4:]])


def test_a_column_with_no_number_at_all_is_still_refused(make_project, run_main, warehouse):
    data = [(i, y, "abcde"[i % 5], x2) for i, y, _, x2 in rows()]
    code, out, err = run(run_main, project(make_project, "id,y,x1,x2", data), warehouse)
    assert_refused(code, out, err, r"specs/a\.yaml:13:\d+: error CX603: ")
    assert "= hint: it holds no number at all" in err, err


def test_a_column_of_blank_cells_is_refused_as_blank(make_project, run_main, warehouse):
    """Spaces in every cell of a driver: no number, but no text either; the hint said it
    "holds no number at all", as if it held words."""
    data = [(i, y, " ", x2) for i, y, _, x2 in rows()]
    code, out, err = run(run_main, project(make_project, "id,y,x1,x2", data), warehouse)
    assert_refused(code, out, err, r"specs/a\.yaml:13:\d+: error CX603: ")
    assert "= hint: its cells are all blank (spaces only, not empty fields)" in err, err
    assert "holds no number" not in err, err


def parquet_project(make_project, columns: dict):
    """The SPEC over a Parquet file of `columns`: its column types are the file's, not cxspec's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    spec = SPEC.format(drivers=TWO, time="").replace("data/s.csv", "data/s.parquet")
    root = make_project({"specs/a.yaml": spec})
    (root / "data").mkdir()
    pq.write_table(pa.table(columns), root / "data" / "s.parquet")
    return root


@pytest.mark.parametrize(
    "x1",
    [
        pytest.param(lambda i: "yes" if i % 3 else "no", id="yes-no"),
        pytest.param(lambda i: "N/A" if i < 4 else str(i % 7), id="numbers-and-n/a"),
        pytest.param(lambda i: str(i % 7), id="numbers-as-text"),
    ],
)
def test_a_text_column_of_a_parquet_file_is_refused_alike_on_every_engine(
    make_project, run_main, warehouse, x1
):
    """A text column of a Parquet file (or a table) is text to every engine, whatever its values:
    cxspec reads the numbers among text only in the CSV files it types. SQLite (which reports
    no column types) read 'N/A' as 0 and 'yes' as 0; Spark (which reads Parquet itself)
    took text holding only numbers. The hint does not say 'no number at all': it may hold some."""
    data = rows()
    root = parquet_project(
        make_project,
        {
            "id": [r[0] for r in data],
            "y": [r[1] for r in data],
            "x1": [x1(r[0]) for r in data],
            "x2": [r[3] for r in data],
        },
    )
    code, out, err = run(run_main, root, warehouse)
    assert_refused(
        code,
        out,
        err,
        r"specs/a\.yaml:13:\d+: error CX603: driver 'x1' of 'a' reads column 'x1', which is text",
    )
    assert "no number at all" not in err
    assert "= hint: the warehouse types the column as text" in err, err


def test_a_boolean_column_of_a_parquet_file_is_one_and_zero_on_every_engine(
    make_project, run_main, warehouse
):
    data = [(i, y, i % 3 == 0 or i % 5 == 0, x2) for i, y, _, x2 in rows()]
    root = parquet_project(
        make_project,
        {
            "id": [r[0] for r in data],
            "y": [r[1] for r in data],
            "x1": [r[2] for r in data],
            "x2": [r[3] for r in data],
        },
    )
    code, out, err = run(run_main, root, warehouse)
    assert code in (0, None), err
    assert_figures(out, [(y, float(flag), x2) for _, y, flag, x2 in data])


def test_all_rows_in_one_jackknife_bucket_has_figures_but_no_interval(make_project, run_main, warehouse):
    data = [(i * 20, y, x1, x2) for i, y, x1, x2 in rows()]  # every key ≡ 0 (mod 20)
    code, out, err = run(run_main, project(make_project, "id,y,x1,x2", data), warehouse)
    assert code in (0, None), err
    assert re.search(r"specs/a\.yaml:\d+:\d+: warning CX605: 'a': importance has no interval", err), err
    assert_figures(out, [r[1:] for r in data])
    assert all(r["lower"] is None and r["upper"] is None for r in json.loads(out)["drivers"])


@pytest.mark.parametrize("offset", [10**9, 10**12])
def test_large_values_with_a_small_spread_are_not_a_constant(make_project, run_main, warehouse, offset):
    """1e9 + 0…6: sums of squares of raw values cancel (Σx² − (Σx)²/n loses every digit of
    a spread of a few units), so such a driver (and outcome) was refused as constant. The
    figures equal those of the same rows without the offset (they do not depend on it;
    Python subtracts it exactly from integers), the performance is the offset plus the mean."""
    data = [(i, offset + y, offset + x1, x2) for i, y, x1, x2 in rows()]
    code, out, err = run(run_main, project(make_project, "id,y,x1,x2", data), warehouse)
    assert code in (0, None), err
    small = np.array([(y - offset, x1 - offset, x2) for _, y, x1, x2 in data], dtype=float)
    want = expected(small, "shapley")
    got = json.loads(out)["drivers"]
    assert [r["n"] for r in got] == [want["n"]] * 2
    for j, r in enumerate(got):
        assert r["importance"] == pytest.approx(want["importance"][j], abs=1e-9)
        assert r["correlation"] == pytest.approx(want["correlation"][j], abs=1e-9)
        assert r["beta"] == pytest.approx(want["beta"][j], abs=1e-9)
        assert r["r2"] == pytest.approx(want["r2"], abs=1e-9)
    x1_mean = math.fsum(x1 for _, _, x1, _ in data) / len(data)
    assert got[0]["performance"] == pytest.approx(x1_mean, rel=1e-11)  # 12 significant digits kept


def test_a_large_constant_is_still_a_constant(make_project, run_main, warehouse):
    data = [(i, y, 10**9 + 3, x2) for i, y, _, x2 in rows()]
    code, out, err = run(run_main, project(make_project, "id,y,x1,x2", data), warehouse)
    assert_refused(code, out, err, r"error CX600: driver 'x1' of 'a' has the same value \(1e\+09\) in all 40")


def test_a_small_group_far_from_the_large_mean_keeps_its_own_figures(make_project, run_main, warehouse):
    """--by g: group A's outcome is 1e9 + 0…6 (50,000 rows), group B's (5 rows) a few
    thousand. The pooled outcome has a small spread against its mean, so the source is read
    again less 1e9 (algebra.rebased): right for A, but B's values became -1e9 + a few
    thousand, whose sums of squares keep none of B's spread: B's figures were wrong from the
    5th digit on, silently (0.7350350 for 0.7350358). Each group's figures come from the read
    that suits it; both equal plain least squares on the group's rows."""
    rng = np.random.default_rng(7)
    a = [(i, "A", 10**9 + int(rng.integers(0, 7)), int(rng.integers(0, 10)), int(rng.integers(0, 10)))
         for i in range(50_000)]  # fmt: skip
    b = [(50_000 + i, "B", 1000 * x1 + 300 * x2 + int(e), x1, x2)
         for i, (x1, x2, e) in enumerate([(1, 7, 2900), (4, 2, 100), (8, 8, 1500), (3, 9, 700), (6, 1, 2200)])]  # fmt: skip
    spec = SPEC.format(drivers=TWO, time="").replace("key: id", "key: id\n    dimensions:\n      - {name: g}")
    lines = ["id,g,y,x1,x2"] + [",".join(map(str, r)) for r in a + b]
    root = make_project({"specs/a.yaml": spec, "data/s.csv": "\n".join(lines) + "\n"})
    code, out, err = run_main("drivers", str(root), "--format", "json", "--warehouse", warehouse, "--by", "g")
    assert code in (0, None), err
    got = json.loads(out)["drivers"]
    for name, rows_of_group, offset in (("A", a, 10**9), ("B", b, 0)):
        want = expected(
            np.array([(y - offset, x1, x2) for _, _, y, x1, x2 in rows_of_group], dtype=float), "shapley"
        )
        mine = [r for r in got if r["dimensions"] == {"g": name}]
        assert [r["n"] for r in mine] == [len(rows_of_group)] * 2, name
        for j, r in enumerate(mine):
            assert r["importance"] == pytest.approx(want["importance"][j], abs=1e-9), name
            assert r["beta"] == pytest.approx(want["beta"][j], abs=1e-9), name
            assert r["r2"] == pytest.approx(want["r2"], abs=1e-9), name
