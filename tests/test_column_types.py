"""Column types of CSV files hold on every engine (docs/warehouses.md, "Column types of file
sources"): typed from every value, never from a sample that later rows contradict; `columns:`
fixes types; a value that does not fit is invalid in a measured column, never converted.

Each case is one of issue 12's: the expected numbers are computed here, in plain Python,
from the rows written, and every engine must give them.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

CONFIG = "version: 1\nproject: types\ngrain: month\n"


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def engine(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return {"duckdb": "duckdb:///:memory:", "sqlite": f"sqlite:///{tmp_path}/w.db"}[request.param]


def project(make_project, csv: str, specs: str):
    root = make_project({"specs.yaml": "version: 1\n" + specs}, config=CONFIG)
    (root / "data").mkdir()
    (root / "data" / "r.csv").write_text(csv, encoding="utf-8")
    return root


def query(run_main, root, url, *metrics):
    args = ["query", str(root), "--warehouse", url, "--format", "json"]
    for metric in metrics:
        args += ["-m", metric]
    code, out, err = run_main(*args)
    assert code == 0, err
    return json.loads(out)["results"]


def by_period(results, metric):
    return {r["period"]: r for r in results if r["metric"] == metric}


def month_of(text: str) -> str:
    """The UTC month of an ISO time (naive: UTC), as cxspec names periods."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return f"{moment:%Y-%m}-01"


SOURCE = "sources:\n  - {id: r, type: file, path: data/r.csv, time: t%s}\n"


def test_an_offset_after_30000_times_without_one_keeps_its_offset(make_project, run_main, engine):
    times = ["2026-03-10T12:00:00"] * 30_000 + ["2026-03-31T23:30:00-02:00"]
    csv = "t,x\n" + "".join(f"{t},1\n" for t in times)
    root = project(make_project, csv, SOURCE % "" + "metrics:\n  - {id: c, type: count, source: r}\n")
    expected: dict[str, int] = {}
    for t in times:
        expected[month_of(t)] = expected.get(month_of(t), 0) + 1
    assert expected == {"2026-03-01": 30_000, "2026-04-01": 1}
    got = by_period(query(run_main, root, engine, "c"), "c")
    assert {p: r["value"] for p, r in got.items()} == expected


def test_30000_ones_then_a_decimal_give_the_right_mean(make_project, run_main, engine):
    values = ["1"] * 30_000 + ["2.5"]
    csv = "t,x\n" + "".join(f"2026-01-05,{v}\n" for v in values)
    root = project(
        make_project, csv, SOURCE % "" + "metrics:\n  - {id: m, type: mean, source: r, column: x}\n"
    )
    numbers = [float(v) for v in values]
    got = by_period(query(run_main, root, engine, "m"), "m")["2026-01-01"]
    assert got["value"] == pytest.approx(sum(numbers) / len(numbers), rel=1e-9)
    assert (got["n"], got["invalid"]) == (30_001, 0)


def test_decimal_scores_after_25000_whole_ones_are_invalid(make_project, run_main, engine):
    rng_scores = [i % 11 for i in range(25_000)]
    values = [str(s) for s in rng_scores] + ["8.5"] * 5
    csv = "t,s\n" + "".join(f"2026-02-03T10:00:00Z,{v}\n" for v in values)
    root = project(
        make_project, csv, SOURCE % "" + "metrics:\n  - {id: nps, type: nps, source: r, column: s}\n"
    )
    whole = [float(v) for v in values if float(v).is_integer()]
    promoters, detractors = sum(s >= 9 for s in whole), sum(s <= 6 for s in whole)
    got = by_period(query(run_main, root, engine, "nps"), "nps")["2026-02-01"]
    assert (got["n"], got["invalid"]) == (len(whole), 5) == (25_000, 5)
    assert got["value"] == pytest.approx(100 * (promoters - detractors) / len(whole), rel=1e-9)


def test_a_zoned_time_after_25000_dates_is_not_cut_to_a_date(make_project, run_main, engine):
    times = ["2026-01-15"] * 25_000 + ["2026-01-31T23:30:00-02:00"]
    csv = "t,x\n" + "".join(f"{t},1\n" for t in times)
    root = project(make_project, csv, SOURCE % "" + "metrics:\n  - {id: c, type: count, source: r}\n")
    expected: dict[str, int] = {}
    for t in times:
        expected[month_of(t)] = expected.get(month_of(t), 0) + 1
    assert expected == {"2026-01-01": 25_000, "2026-02-01": 1}
    got = by_period(query(run_main, root, engine, "c"), "c")
    assert {p: r["value"] for p, r in got.items()} == expected


YES_NO = [(f"2026-01-{1 + i % 28:02d}", "yes" if i % 13 < 9 else "no") for i in range(104)]


def test_a_yes_no_column_gives_one_rate_on_every_engine(make_project, run_main, engine):
    csv = "t,resolved\n" + "".join(f"{t},{v}\n" for t, v in YES_NO)
    specs = SOURCE % "" + "metrics:\n  - {id: fcr, type: rate, source: r, condition: resolved}\n"
    root = project(make_project, csv, specs)
    expected = 100 * sum(v == "yes" for _, v in YES_NO) / len(YES_NO)
    got = by_period(query(run_main, root, engine, "fcr"), "fcr")["2026-01-01"]
    assert got["value"] == pytest.approx(expected, rel=1e-9)
    assert round(expected, 2) == 69.23  # not 0 (SQLite comparing 0/1 with 'yes' found nothing)


@pytest.mark.parametrize("condition", ["resolved = 'yes'", "resolved IN ('yes')", "resolved <> 'no'"])
def test_a_boolean_compared_with_text_is_refused_on_every_engine(make_project, run_main, engine, condition):
    csv = "t,resolved\n" + "".join(f"{t},{v}\n" for t, v in YES_NO)
    specs = SOURCE % "" + f'metrics:\n  - {{id: fcr, type: rate, source: r, condition: "{condition}"}}\n'
    root = project(make_project, csv, specs)
    code, _, err = run_main("query", str(root), "--warehouse", engine, "-m", "fcr")
    assert code == 1
    assert "Traceback" not in err
    line = "  - {id: fcr, type: rate, source: r, condition: "
    assert f"specs.yaml:5:{len(line) + 2}: error CX405:" in err, err
    hint = "`NOT resolved` or `resolved = false`" if "<>" in condition else "`resolved` or `resolved = true`"
    assert hint in err


#: A flag exported as 1/0: typed a whole number, not a boolean.
ONE_ZERO = [(f"2026-01-{1 + i % 9:02d}T10:00:00Z", "1" if i % 3 else "0", f"{i / 2:g}") for i in range(13)]


@pytest.mark.parametrize(
    "condition",
    [
        "flag = 'yes'",
        "flag IN ('yes', 'y')",
        "flag <> 'no'",
        "flag = '1.0'",
        "flag < '9223372036854775808'",
        "score >= 'ten'",
        "score < '2e308'",
        "score > '1e-400'",
    ],
)
def test_a_number_compared_with_text_that_is_no_number_is_refused_on_every_engine(
    make_project, run_main, engine, condition
):
    """`flag = 'yes'` over 1/0: SQLite compared the numbers with the text and found nothing
    (0%), DuckDB and PostgreSQL stopped with a conversion error; '1.0' is a whole number to
    DuckDB and SQLite, not to PostgreSQL."""
    csv = "t,flag,score\n" + "".join(f"{t},{f},{s}\n" for t, f, s in ONE_ZERO)
    specs = SOURCE % "" + f'metrics:\n  - {{id: yes, type: rate, source: r, condition: "{condition}"}}\n'
    root = project(make_project, csv, specs)
    code, _, err = run_main("query", str(root), "--warehouse", engine, "-m", "yes")
    assert code == 1
    assert "Traceback" not in err
    line = "  - {id: yes, type: rate, source: r, condition: "
    assert f"specs.yaml:5:{len(line) + 2}: error CX406:" in err, err
    column = condition.split()[0]
    assert f"number column {column!r}" in err
    if "e-400" in condition or "2e308" in condition or "922" in condition:
        assert "beyond the range of the column's numbers" in err
    if "'y" in condition or "'no'" in condition:  # the hint says how to ask for yes or no
        assert ("`flag = 0` for no" if "'no'" in condition else "`flag = 1` for yes") in err


@pytest.mark.parametrize(
    "condition", ["flag = '1'", "flag IN (' 1 ', '+1')", "score >= '2.5'", "score < '5e0'"]
)
def test_a_number_compared_with_text_holding_a_number_is_the_same_on_every_engine(
    make_project, run_main, engine, condition
):
    csv = "t,flag,score\n" + "".join(f"{t},{f},{s}\n" for t, f, s in ONE_ZERO)
    specs = SOURCE % "" + f'metrics:\n  - {{id: yes, type: rate, source: r, condition: "{condition}"}}\n'
    root = project(make_project, csv, specs)
    test = {
        "flag = '1'": lambda f, s: f == 1,
        "flag IN (' 1 ', '+1')": lambda f, s: f == 1,
        "score >= '2.5'": lambda f, s: s >= 2.5,
        "score < '5e0'": lambda f, s: s < 5,
    }[condition]
    expected = {}
    for t, f, s in ONE_ZERO:
        period = month_of(t)
        hits, n = expected.get(period, (0, 0))
        expected[period] = (hits + test(int(f), float(s)), n + 1)
    got = by_period(query(run_main, root, engine, "yes"), "yes")
    assert {p: (r["value"], r["n"]) for p, r in got.items()} == {
        p: (pytest.approx(100 * hits / n, rel=1e-12), n) for p, (hits, n) in expected.items()
    }
    assert 0 < expected["2026-01-01"][0] < 13  # neither none nor all


def test_numbers_with_any_ascii_space_around_them_are_a_number_column_on_every_engine(
    make_project, run_main, engine
):
    """A vertical tab or form feed around a number: the conversion of a measured value read
    5, while the file's typing (RE2's \\s has no \\v) made the column text, so `s >= 7` was
    refused (CX406). One language of number text now, with the same six spaces everywhere; a
    no-break space is not one of them (the value is invalid, the column text)."""
    values = ["5\v", "\v7", "\f8 ", "9", "6\t"]
    csv = "t,s\n" + "".join(f"2026-03-01T08:00:00Z,{v}\n" for v in values)
    specs = SOURCE % "" + (
        "metrics:\n  - {id: high, type: rate, source: r, condition: \"s >= 7\"}\n"
        "  - {id: avg, type: mean, source: r, column: s}\n"
    )
    root = project(make_project, csv, specs)
    numbers = [int(v.strip(" \t\v\f")) for v in values]
    got = query(run_main, root, engine, "high", "avg")
    high, avg = by_period(got, "high")["2026-03-01"], by_period(got, "avg")["2026-03-01"]
    assert high["value"] == pytest.approx(100 * sum(n >= 7 for n in numbers) / len(numbers), rel=1e-9)
    assert (avg["value"], avg["n"], avg["invalid"]) == (pytest.approx(sum(numbers) / len(numbers)), 5, 0)


def test_a_declared_boolean_is_checked_without_reading_data(make_project, validate):
    root = project(
        make_project,
        "t,resolved\n2026-01-01,yes\n",
        SOURCE % ", columns: {resolved: boolean}"
        + "metrics:\n  - {id: fcr, type: rate, source: r, condition: \"resolved = 'yes'\"}\n",
    )
    assert [d.code for d in validate(root).diagnostics] == ["CX405"]


def test_text_and_nan_in_a_measured_column_are_invalid_on_every_engine(make_project, run_main, engine):
    values = ["10", "9", "ten", "NaN", "", "3", "inf", "1e400", "7"]
    csv = "t,s\n" + "".join(f"2026-03-0{1 + i % 9}T08:00:00Z,{v}\n" for i, v in enumerate(values))
    specs = SOURCE % "" + (
        "metrics:\n  - {id: nps, type: nps, source: r, column: s}\n"
        "  - {id: avg, type: mean, source: r, column: s}\n"
        "  - {id: p50, type: percentile, source: r, column: s, percentile: 0.5}\n"
        "  - {id: total, type: sum, source: r, column: s}\n"
    )
    root = project(make_project, csv, specs)
    numbers = [float(v) for v in values if v and v.lstrip("-").replace(".", "", 1).isdigit()]
    not_numbers = [v for v in values if v and not v.lstrip("-").replace(".", "", 1).isdigit()]
    results = query(run_main, root, engine)
    got = {r["metric"]: r for r in results}
    for metric in ("nps", "avg", "p50", "total"):
        assert (got[metric]["n"], got[metric]["invalid"]) == (len(numbers), len(not_numbers)) == (4, 4), (
            metric
        )
    assert got["avg"]["value"] == pytest.approx(sum(numbers) / len(numbers))
    assert got["total"]["value"] == pytest.approx(sum(numbers))
    ordered = sorted(numbers)
    assert got["p50"]["value"] == pytest.approx((ordered[1] + ordered[2]) / 2)
    assert got["nps"]["value"] == pytest.approx(100 * (2 - 1) / 4)


def test_a_value_that_does_not_fit_a_declared_type_is_invalid(make_project, run_main, engine):
    values = ["4", "5", "2.5", "3"]
    csv = "t,s\n" + "".join(f"2026-03-01T08:00:00Z,{v}\n" for v in values)
    specs = SOURCE % ", columns: {s: integer}" + "metrics:\n  - {id: avg, type: mean, source: r, column: s}\n"
    root = project(make_project, csv, specs)
    whole = [int(v) for v in values if v.isdigit()]
    got = by_period(query(run_main, root, engine, "avg"), "avg")["2026-03-01"]
    assert (got["n"], got["invalid"]) == (len(whole), 1)
    assert got["value"] == pytest.approx(sum(whole) / len(whole))


def test_a_declared_type_fixes_an_all_empty_column(make_project, run_main, engine):
    csv = "t,s\n2026-03-01T08:00:00Z,\n2026-03-02T08:00:00Z,\n"
    condition = 'metrics:\n  - {id: high, type: rate, source: r, condition: "s >= 9"}\n'
    refused = project(make_project, csv, SOURCE % "" + condition)
    code, _, err = run_main("query", str(refused), "--warehouse", engine)
    assert code == 1 and "error CX406" in err and "columns: {s: number}" in err
    root = project(make_project, csv, SOURCE % ", columns: {s: number}" + condition)
    got = by_period(query(run_main, root, engine, "high"), "high")["2026-03-01"]
    assert (got["value"], got["n"]) == (0.0, 2)


def test_an_empty_source_is_typed_by_how_fragments_use_its_columns(make_project, run_main, engine):
    """A header-only file has no values to type its columns from: each is typed by how the
    specs use it (a condition is boolean, a column compared with a number or measured is a
    number, the time column a time), so every engine computes nothing instead of refusing
    `CASE WHEN resolved` over text (PostgreSQL, Spark) or comparing text with 9."""
    band = "CASE WHEN s >= 9 THEN 'high' ELSE 'low' END"
    specs = SOURCE % f', dimensions: [{{name: band, expr: "{band}"}}]' + (
        "metrics:\n"
        "  - {id: fcr, type: rate, source: r, condition: resolved}\n"
        '  - {id: unresolved, type: rate, source: r, condition: "NOT resolved AND s < 7"}\n'
        '  - {id: high, type: rate, source: r, condition: "s >= 9", filter: "channel = \'web\'"}\n'
        "  - {id: nps, type: nps, source: r, column: s}\n"
        "  - {id: tickets, type: count, source: r, filter: resolved}\n"
        "  - {id: since, type: rate, source: r, condition: \"t >= DATE '2026-01-01'\"}\n"
    )
    for header in ("t,resolved,s,channel\n", "t,resolved,s,channel"):
        root = project(make_project, header, specs)
        assert query(run_main, root, engine) == []


def test_text_and_n_a_in_a_parquet_file_are_invalid(make_project, run_main, engine):
    """A Parquet file's text column of numbers and 'N/A' (its type is the file's, not cxspec's):
    the numbers are measured and the rest is invalid, as in a CSV file. Spark cast 'N/A' and
    failed the metric (CAST_INVALID_INPUT), SQLite read it as 0 (a valid score), PostgreSQL
    failed the metric (it has no TRY_CAST: dialects.safe_number)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    # "4x": SQLite's CAST reads its leading 4; " 3 ": a number between spaces, on every engine
    scores = [
        "N/A" if i % 5 == 0 else "4x" if i % 7 == 3 else " 3 " if i % 9 == 4 else str(1 + i % 5)
        for i in range(26)
    ]
    amounts = ["refunded" if i % 7 == 0 else f"{i * 1.25}" for i in range(26)]
    days = [datetime(2026, 1, 1 + i) for i in range(26)]
    specs = (
        "sources:\n  - {id: r, type: file, path: data/r.parquet, time: t}\n"
        "metrics:\n  - {id: sat, type: csat, source: r, column: score, aggregate: mean}\n"
        "  - {id: spend, type: sum, source: r, column: amount}\n"
    )
    root = make_project({"specs.yaml": "version: 1\n" + specs}, config=CONFIG)
    (root / "data").mkdir()
    pq.write_table(pa.table({"t": days, "score": scores, "amount": amounts}), root / "data" / "r.parquet")
    got = query(run_main, root, engine)
    sat, spend = by_period(got, "sat")["2026-01-01"], by_period(got, "spend")["2026-01-01"]
    numbers = [int(s) for s in scores if s.strip().isdigit()]
    assert (sat["n"], sat["invalid"]) == (len(numbers), len(scores) - len(numbers))
    assert 0 < len(numbers) < len(scores) - 5
    assert sat["value"] == pytest.approx(sum(numbers) / len(numbers), rel=1e-9)
    values = [float(a) for a in amounts if a != "refunded"]
    assert spend["invalid"] == amounts.count("refunded")
    assert spend["value"] == pytest.approx(sum(values), rel=1e-9)


def test_text_holding_integers_past_2_53_is_measured_on_every_engine(make_project, run_main, engine):
    """Text of a whole number too large for a double to hold exactly (2**53 + 1, 2**63 - 1) is
    a number, read as the nearest double, as DuckDB's TRY_CAST reads it. SQLite's safe reading
    compared the text with its REAL reading: the text became the exact INTEGER, unequal to the
    rounded REAL, so the value was invalid (a silent wrong sum and count)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    amounts = ["9007199254740993", "9223372036854775807", "12345678901234567", "N/A", "7", "2.5"]
    days = [datetime(2026, 1, 1 + i) for i in range(len(amounts))]
    specs = "sources:\n  - {id: r, type: file, path: data/r.parquet, time: t}\n"
    specs += "metrics:\n  - {id: spend, type: sum, source: r, column: amount}\n"
    root = make_project({"specs.yaml": "version: 1\n" + specs}, config=CONFIG)
    (root / "data").mkdir()
    pq.write_table(pa.table({"t": days, "amount": amounts}), root / "data" / "r.parquet")
    spend = by_period(query(run_main, root, engine), "spend")["2026-01-01"]
    values = [float(a) for a in amounts if a != "N/A"]
    assert (spend["n"], spend["invalid"]) == (len(values), 1)
    assert spend["value"] == pytest.approx(sum(values), rel=1e-12)


def test_text_that_only_duckdb_reads_as_a_number_is_invalid_on_every_engine(make_project, run_main, engine):
    """DuckDB's TRY_CAST reads '1_000' as 1000 and '+-1' as -1; SQLite and PostgreSQL (and
    cxspec's own typing of a CSV file's column) hold them not numbers: the same Parquet file
    gave another sum and count on DuckDB. A number between spaces (a vertical tab too) is one
    on every engine; 'NaN' and 'inf' are not (DuckDB read them, and stopped the query)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    amounts = ["1_000", "+-1", "7", "2.5", "N/A", "\x0b4\t", "1e3", "-.5", "NaN", "inf"]
    days = [datetime(2026, 1, 1 + i) for i in range(len(amounts))]
    specs = "sources:\n  - {id: r, type: file, path: data/r.parquet, time: t}\n"
    specs += "metrics:\n  - {id: spend, type: sum, source: r, column: amount}\n"
    root = make_project({"specs.yaml": "version: 1\n" + specs}, config=CONFIG)
    (root / "data").mkdir()
    pq.write_table(pa.table({"t": days, "amount": amounts}), root / "data" / "r.parquet")
    spend = by_period(query(run_main, root, engine), "spend")["2026-01-01"]
    values = [7.0, 2.5, 4.0, 1000.0, -0.5]  # float() would take '1_000': the numbers by hand
    assert [float(a) for a in amounts[2:4] + amounts[5:8]] == values
    assert (spend["n"], spend["invalid"]) == (len(values), 5)
    assert spend["value"] == pytest.approx(sum(values), rel=1e-12)


def test_a_boolean_column_of_a_parquet_file_is_measured_as_one_and_zero(make_project, run_main, engine):
    """A BOOLEAN column measured by a mean (or summed) reads true as 1 and false as 0 on every
    engine: DuckDB's TRY_CAST made it 1/0, SQLite stores it as 1/0, but PostgreSQL's text
    test of a number made every value invalid (and its CAST of a boolean to a number fails)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    flags = [None if i % 6 == 0 else i % 3 != 1 for i in range(25)]
    days = [datetime(2026, 1, 1 + i) for i in range(25)]
    specs = (
        "sources:\n  - {id: r, type: file, path: data/r.parquet, time: t}\n"
        "metrics:\n  - {id: share, type: mean, source: r, column: resolved}\n"
        "  - {id: total, type: sum, source: r, column: resolved}\n"
    )
    root = make_project({"specs.yaml": "version: 1\n" + specs}, config=CONFIG)
    (root / "data").mkdir()
    pq.write_table(
        pa.table({"t": days, "resolved": pa.array(flags, pa.bool_())}), root / "data" / "r.parquet"
    )
    got = query(run_main, root, engine)
    share, total = by_period(got, "share")["2026-01-01"], by_period(got, "total")["2026-01-01"]
    known = [1.0 if f else 0.0 for f in flags if f is not None]
    assert 0 < sum(known) < len(known)
    assert (share["n"], share["invalid"]) == (len(known), 0)
    assert share["value"] == pytest.approx(sum(known) / len(known), rel=1e-12)
    assert total["value"] == pytest.approx(sum(known), rel=1e-12)


def parquet_amounts(make_project, amounts: list[str], metrics: str = ""):
    """A project whose source r is a Parquet file of one text column `amount`, a day each,
    measured by a sum (spend) and any `metrics` more."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    days = [datetime(2026, 1, 1 + i) for i in range(len(amounts))]
    specs = "sources:\n  - {id: r, type: file, path: data/r.parquet, time: t}\n"
    specs += "metrics:\n  - {id: spend, type: sum, source: r, column: amount}\n" + metrics
    root = make_project({"specs.yaml": "version: 1\n" + specs}, config=CONFIG)
    (root / "data").mkdir()
    pq.write_table(pa.table({"t": days, "amount": amounts}), root / "data" / "r.parquet")
    return root


def test_text_that_only_spark_reads_as_a_number_is_invalid_on_every_engine(make_project, run_main, engine):
    """Spark's TRY_CAST reads Java's numbers: 'Infinity', '-inf', 'NaN', '1d', '2.5f' (a
    Java type suffix); the other engines and a CSV file's typing hold them not numbers, so
    Spark stopped the query on an infinite sum (or gave another sum and count). Every engine
    reads the same numbers: a sign, '5.', '.5', an exponent, spaces around."""
    amounts = ["Infinity", "-inf", "NaN", "1d", "2.5f", "0x10",
               "+5", "5.", ".5", " 6 ", "1E2", "-2e-1", "++1"]  # fmt: skip
    root = parquet_amounts(make_project, amounts)
    spend = by_period(query(run_main, root, engine), "spend")["2026-01-01"]
    values = [5.0, 5.0, 0.5, 6.0, 100.0, -0.2]  # float() would take 'Infinity' and 'NaN': by hand
    assert [float(a) for a in amounts[6:12]] == values
    assert (spend["n"], spend["invalid"]) == (len(values), len(amounts) - len(values))
    assert spend["value"] == pytest.approx(sum(values), rel=1e-12)


def test_text_beyond_the_range_of_a_double_is_invalid_on_every_engine(make_project, run_main, engine):
    """Text of a number beyond the range of a double ('2e308', '-2e308', '1e99999') is no
    double: it counts as invalid, as in a CSV file's typing (a DOUBLE is a finite number),
    where DuckDB, SQLite and Spark read it as infinity and stopped the metric on an infinite
    sum, and PostgreSQL's cast failed the query (CX416). A number too small for a double
    ('1e-400', '1e-99999') is read as the nearest double, 0, on every engine (PostgreSQL's
    cast failed there too), and the largest double is a number. Text of more than 6,000
    characters is no number (what PostgreSQL's NUMERIC reads exactly), on every engine."""
    import math

    amounts = [
        "2e308", "-2e308", "1.7976931348623159e308", "1e99999", "N/A",
        "1e-400", "-4e-324", "1e-99999", "0e99999", "7", "2.5", "1e308", "-1.7976931348623158e308",
        "1" + "0" * 5000 + "e-4998", " " * 5999 + "3", " " * 6000 + "4",
    ]  # fmt: skip
    root = parquet_amounts(make_project, amounts)
    csv = "t,amount\n" + "".join(f"2026-01-{1 + i:02d},{a}\n" for i, a in enumerate(amounts))
    (root / "data" / "r.csv").write_text(csv, encoding="utf-8")
    specs = (root / "specs.yaml").read_text(encoding="utf-8")
    specs += "  - {id: spend_csv, type: sum, source: c, column: amount}\n"
    specs = specs.replace("sources:\n", "sources:\n  - {id: c, type: file, path: data/r.csv, time: t}\n")
    (root / "specs.yaml").write_text(specs, encoding="utf-8")
    got = query(run_main, root, engine)
    numbers = [a for a in amounts if a != "N/A" and len(a) <= 6000]  # longer: no number (docs)
    values = [float(a) for a in numbers if math.isfinite(float(a))]
    assert len(values) == 10 and 5e-324 in [abs(v) for v in values] and 100.0 in values
    for metric in ("spend", "spend_csv"):
        spend = by_period(got, metric)["2026-01-01"]
        assert (spend["n"], spend["invalid"]) == (len(values), len(amounts) - len(values)), metric
        assert spend["value"] == pytest.approx(sum(values), rel=1e-12), metric


# -- a time column compared with a constant ---------------------------------------------------

#: t: times (a midnight one written as a date, a fraction of a second, a T); d: dates.
TIME_ROWS = [
    ("2026-01-01 00:00:00", "2026-01-01"),
    ("2026-01-09 00:00:00", "2026-01-09"),
    ("2026-01-09 12:00:00.25", "2026-01-09"),
    ("2026-01-10 10:00:00", "2026-01-10"),
    ("2026-01-09", "2026-01-12"),
    ("2026-02-01T08:30:00", "2026-02-01"),
]


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _day(text: str):
    """Text cast to a date, as DuckDB and PostgreSQL cast it (a time after the date dropped)."""
    return _moment(text).date()


#: filter → which rows it keeps, in plain Python with DuckDB's meaning: text cast to the
#: column's type, a date compared with a time as midnight of that date.
TIME_FILTERS = {
    "t >= '2026-01-05'": lambda t, d: t >= _moment("2026-01-05"),
    "t >= '2026-01-09 12:00'": lambda t, d: t >= _moment("2026-01-09 12:00"),
    "t >= TIMESTAMP '2026-01-09 12:00:00'": lambda t, d: t >= _moment("2026-01-09 12:00:00"),
    "t > '2026-01-09 12:00:00.25'": lambda t, d: t > _moment("2026-01-09 12:00:00.25"),
    "t >= '2026-01-09 12:00:00.25'": lambda t, d: t >= _moment("2026-01-09 12:00:00.25"),
    "t < '2026-01-09T12:00:00'": lambda t, d: t < _moment("2026-01-09T12:00:00"),
    "t >= '2026-01-09T00:00:00Z'": lambda t, d: t >= _moment("2026-01-09T00:00:00"),
    "t = DATE '2026-01-09'": lambda t, d: t == _moment("2026-01-09"),
    "t = '2026-01-09'": lambda t, d: t == _moment("2026-01-09"),
    "t <> '2026-01-09 00:00:00'": lambda t, d: t != _moment("2026-01-09"),
    "t <= DATE '2026-01-09'": lambda t, d: t <= _moment("2026-01-09"),
    "'2026-01-09' < t": lambda t, d: _moment("2026-01-09") < t,
    "t BETWEEN DATE '2026-01-09' AND '2026-01-10 10:00'": lambda t, d: (
        _moment("2026-01-09") <= t <= _moment("2026-01-10 10:00")
    ),
    "t IN ('2026-01-09', TIMESTAMP '2026-01-10 10:00:00')": lambda t, d: (
        t in (_moment("2026-01-09"), _moment("2026-01-10 10:00:00"))
    ),
    "t NOT IN (DATE '2026-01-09')": lambda t, d: t != _moment("2026-01-09"),
    "d = TIMESTAMP '2026-01-09 00:00:00'": lambda t, d: d == _day("2026-01-09"),
    "d < TIMESTAMP '2026-01-09 12:00:00'": lambda t, d: _moment(d.isoformat()) < _moment("2026-01-09 12:00"),
    "d >= TIMESTAMP '2026-01-09 12:00:00'": lambda t, d: (
        _moment(d.isoformat()) >= _moment("2026-01-09 12:00")
    ),
    "d >= '2026-01-09 12:00'": lambda t, d: d >= _day("2026-01-09 12:00"),
    "d = '2026-01-09 12:00'": lambda t, d: d == _day("2026-01-09 12:00"),
    "d > DATE '2026-01-09'": lambda t, d: d > _day("2026-01-09"),
    "d IN ('2026-01-09', '2026-01-12')": lambda t, d: d in (_day("2026-01-09"), _day("2026-01-12")),
    "d BETWEEN '2026-01-02' AND TIMESTAMP '2026-01-10 00:00:00'": lambda t, d: (
        _day("2026-01-02") <= d <= _day("2026-01-10")
    ),
}


def wrong_counts(got, rows) -> dict:
    """Filter → (counted, expected) where metric m<i> (TIME_FILTERS' i-th filter) counted
    other than plain Python over `rows`."""
    wrong = {}
    for i, (condition, keeps) in enumerate(TIME_FILTERS.items()):
        expected = sum(1 for t, d in rows if keeps(t, d))
        counted = sum(r["value"] for r in got if r["metric"] == f"m{i}")
        if counted != expected:
            wrong[condition] = (counted, expected)
    return wrong


def test_a_time_column_compared_with_a_constant_gives_the_same_rows_on_every_engine(
    make_project, run_main, engine
):
    """SQLite kept times as text with a T ('2026-01-09T00:00:00') and compared them with
    literals written with a space, and compared text it could not read as a time as text:
    `t >= '2026-01-09 12:00'` counted a row of 00:00 that day, `t = DATE '2026-01-09'` none."""
    csv = "id,t,d\n" + "".join(f"{i},{t},{d}\n" for i, (t, d) in enumerate(TIME_ROWS))
    metrics = "".join(
        f'  - {{id: m{i}, type: count, source: r, filter: "{f}"}}\n' for i, f in enumerate(TIME_FILTERS)
    )
    root = project(make_project, csv, SOURCE % ", columns: {d: date}" + "metrics:\n" + metrics)
    got = query(run_main, root, engine)
    rows = [(_moment(t), _day(d)) for t, d in TIME_ROWS]
    assert wrong_counts(got, rows) == {}
    assert sum(1 for t, d in rows if TIME_FILTERS["t = DATE '2026-01-09'"](t, d)) == 2


@pytest.mark.parametrize(
    "condition",
    ["t >= '2026-1-5'", "t < 'yesterday'", "d = '01/05/2026'", "t >= DATE '2026-1-5'",
     "t IN ('2026-01-09', 'now')", "t >= '2026-01-09T12:00:00+02:00'"],
)  # fmt: skip
def test_a_time_column_compared_with_text_that_is_not_a_time_is_refused_on_every_engine(
    make_project, run_main, engine, condition
):
    csv = "id,t,d\n" + "".join(f"{i},{t},{d}\n" for i, (t, d) in enumerate(TIME_ROWS))
    specs = (
        SOURCE % ", columns: {d: date}"
        + f'metrics:\n  - {{id: late, type: count, source: r, filter: "{condition}"}}\n'
    )
    root = project(make_project, csv, specs)
    code, _, err = run_main("query", str(root), "--warehouse", engine, "-m", "late")
    assert code == 1, err
    assert "Traceback" not in err
    line = '  - {id: late, type: count, source: r, filter: "'
    assert f"specs.yaml:5:{len(line) + 1}: error CX408:" in err, err
    assert "hint:" in err


def test_time_constants_hold_in_every_place_a_fragment_goes(make_project, run_main, engine):
    """A source's filter, a touch point's match, a rate's condition and a dimension's `expr`
    compare a time column with constants as DuckDB does, on every engine."""
    csv = "id,t,d\n" + "".join(f"{i},{t},{d}\n" for i, (t, d) in enumerate(TIME_ROWS))
    specs = """journeys:
  - {id: buy, stages: [pay]}
touchpoints:
  - {id: web, journey: buy, stage: pay, match: "t < TIMESTAMP '2026-01-09 12:00:00'"}
sources:
  - id: r
    type: file
    path: data/r.csv
    time: t
    filter: "t >= '2026-01-05' AND d <= TIMESTAMP '2026-01-12 00:00:00'"
    columns: {d: date}
    dimensions: [{name: half, expr: "CASE WHEN t >= '2026-01-09 12:00' THEN 'late' ELSE 'early' END"}]
metrics:
  - {id: all, type: count, source: r}
  - {id: web, type: count, source: r, touchpoint: web}
  - {id: midnight, type: rate, source: r, condition: "t = DATE '2026-01-09'"}
"""
    root = project(make_project, csv, specs)
    args = ["--warehouse", engine, "--format", "json", "--grain", "year", "--by", "half"]
    code, out, err = run_main("query", str(root), *args)
    assert code == 0, err
    got = {(r["metric"], r["dimensions"]["half"]): (r["value"], r["n"]) for r in json.loads(out)["results"]}
    kept = [
        (t, d)
        for t, d in ((_moment(t), _day(d)) for t, d in TIME_ROWS)
        if t >= _moment("2026-01-05") and _moment(d.isoformat()) <= _moment("2026-01-12")
    ]
    expected = {}
    for half in ("early", "late"):
        rows = [(t, d) for t, d in kept if (t >= _moment("2026-01-09 12:00")) == (half == "late")]
        midnight = [t for t, _ in rows if t == _moment("2026-01-09")]
        expected[("all", half)] = (len(rows), len(rows))
        web = sum(1 for t, _ in rows if t < _moment("2026-01-09 12:00"))
        expected[("web", half)] = (web, web)
        expected[("midnight", half)] = (100 * len(midnight) / len(rows), len(rows))
    assert expected[("midnight", "early")] == (100.0, 2) and expected[("all", "late")] == (2, 2)
    assert got == expected


def test_time_constants_hold_for_a_parquet_file(make_project, run_main, engine):
    """A Parquet file's times and dates (typed by the file, not by cxspec's CSV typing) are
    compared with constants as DuckDB compares them: SQLite did not know their types."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [(_moment(t), _day(d)) for t, d in TIME_ROWS]
    metrics = "".join(
        f'  - {{id: m{i}, type: count, source: r, filter: "{f}"}}\n' for i, f in enumerate(TIME_FILTERS)
    )
    specs = "sources:\n  - {id: r, type: file, path: data/r.parquet, time: t}\nmetrics:\n" + metrics
    root = make_project({"specs.yaml": "version: 1\n" + specs}, config=CONFIG)
    (root / "data").mkdir()
    table = pa.table({"t": [t for t, _ in rows], "d": [d for _, d in rows]})
    pq.write_table(table, root / "data" / "r.parquet")
    got = query(run_main, root, engine)
    assert wrong_counts(got, rows) == {}
    assert "t = DATE '2026-01-09'" in TIME_FILTERS and "d = TIMESTAMP '2026-01-09 00:00:00'" in TIME_FILTERS


@pytest.mark.parametrize("condition", ["t >= '2026-1-5'", "d < 'yesterday'"])
def test_a_parquet_time_compared_with_text_that_is_not_a_time_is_refused_on_every_engine(
    make_project, run_main, engine, condition
):
    import pyarrow as pa
    import pyarrow.parquet as pq

    specs = "sources:\n  - {id: r, type: file, path: data/r.parquet, time: t}\n"
    specs += f'metrics:\n  - {{id: late, type: count, source: r, filter: "{condition}"}}\n'
    root = make_project({"specs.yaml": "version: 1\n" + specs}, config=CONFIG)
    (root / "data").mkdir()
    rows = [(_moment(t), _day(d)) for t, d in TIME_ROWS]
    pq.write_table(
        pa.table({"t": [t for t, _ in rows], "d": [d for _, d in rows]}), root / "data" / "r.parquet"
    )
    code, _, err = run_main("query", str(root), "--warehouse", engine, "-m", "late")
    assert code == 1, err
    line = '  - {id: late, type: count, source: r, filter: "'
    assert f"specs.yaml:5:{len(line) + 1}: error CX408:" in err, err
    assert "its Parquet file types it as a" in err


@pytest.mark.parametrize(
    "where", ["t = DATE '2026-01-09'", "t >= '2026-01-09 12:00'", "d < TIMESTAMP '2026-01-09 12:00:00'"]
)
def test_where_on_a_time_dimension_keeps_the_same_rows_on_every_engine(make_project, run_main, engine, where):
    csv = "id,t,d\n" + "".join(f"{i},{t},{d}\n" for i, (t, d) in enumerate(TIME_ROWS))
    specs = SOURCE % ", columns: {d: date}, dimensions: [{name: t}, {name: d}]"
    root = project(make_project, csv, specs + "metrics:\n  - {id: c, type: count, source: r}\n")
    code, out, err = run_main("query", str(root), "--warehouse", engine, "--format", "json", "--where", where)
    assert code == 0, err
    rows = [(_moment(t), _day(d)) for t, d in TIME_ROWS]
    expected = sum(1 for t, d in rows if TIME_FILTERS[where](t, d))
    assert expected > 0
    assert sum(r["value"] for r in json.loads(out)["results"]) == expected


def test_a_text_column_computed_with_and_compared_is_reported_once(make_project, run_main):
    """Both uses would point at its first use: one CX406, not one per way of using it."""
    root = project(
        make_project,
        "t,s\n2026-01-01,ten\n2026-01-02,9\n",
        SOURCE % "" + 'metrics:\n  - {id: high, type: rate, source: r, condition: "s / 2 > 1 OR s > 9"}\n',
    )
    code, _, err = run_main("query", str(root), "--warehouse", "duckdb:///:memory:")
    assert code == 1 and "Traceback" not in err
    assert err.count("error CX406") == 1, err
