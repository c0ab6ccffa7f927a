"""CX609 counts the rows off a variable's `scale` with a query over the analysis's rows. When
the least and greatest value of every scaled column over the whole source already lie on
their scales (moments.py `_scale_bounds`: on a Parquet file DuckDB answers from the file's
statistics), no row can be off one and that query is skipped. The shortcut must never hide a
value off a scale: here, with and without it, the same diagnostics and figures on DuckDB,
SQLite and PostgreSQL, over CSV and Parquet files with values off a scale inside the
analysis, only outside it (its filter), NaN, NULL, an expression and a text column; and the
count query runs only when a bound lies off its scale."""

from __future__ import annotations

import json
import math
import random

import duckdb
import pytest

from cxspec.drivers import compute, moments

SPEC = """version: 1
sources:
  - {{id: r, type: file, path: data/r.{suffix}, entity: c, key: id}}
drivers:
  - id: loyalty
    source: r
    outcome: ltr
    outcome_scale: [0, 10]
    filter: "wave <> 'pilot'"
    drivers:
      - {{name: billing, column: b, scale: [1, 5]}}
      - {{name: network, column: n, scale: [1, 5]}}
      - {{name: value, column: v, scale: [0, 10]}}
{extra}"""

#: A driver that only the analysis's rows can check: the shortcut is not taken.
EXPRESSION = "      - {name: squared, expr: 'n * n', scale: [1, 25]}\n"


def make_rows(seed: int, *, off: str | None, nan: bool = False) -> list[dict]:
    """240 rows: `off` puts a 99 in billing in rows the analysis reads ("inside"), only in
    rows its filter leaves out ("outside"), or nowhere (None). `nan`: a NaN value in v."""
    rng = random.Random(seed)
    rows = []
    for i in range(240):
        b, n = rng.randint(1, 5), rng.randint(1, 5)
        wave = "pilot" if i % 13 == 0 else "main"
        row = {"id": i, "c": f"c{i}", "ltr": min(10, b + n + i % 3), "b": b, "n": n,
               "v": float(rng.randint(0, 10)), "wave": wave}  # fmt: skip
        if i % 29 == 0:
            row["n"] = None
        if off == "inside" and i % 10 == 1 and wave == "main":
            row["b"] = 99
        if off == "outside" and wave == "pilot":
            row["b"] = 99
        if nan and i == 7:
            row["v"] = math.nan
        rows.append(row)
    return rows


def write_data(root, suffix: str, rows: list[dict]) -> None:
    (root / "data").mkdir(exist_ok=True)
    columns = list(rows[0])
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE r (id INTEGER, c VARCHAR, ltr INTEGER, b INTEGER, n INTEGER, v DOUBLE, wave VARCHAR)"
    )
    con.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?, ?)", [[r[k] for k in columns] for r in rows])
    path = root / "data" / f"r.{suffix}"
    con.execute(f"COPY r TO '{path}' ({'FORMAT parquet' if suffix == 'parquet' else 'HEADER'})")
    con.close()


CASES = [
    ("parquet", None, False, ""),
    ("parquet", "inside", False, ""),
    ("parquet", "outside", False, ""),
    ("parquet", None, True, ""),
    ("csv", None, False, ""),
    ("csv", "inside", False, ""),
    ("csv", "outside", True, ""),
    ("parquet", None, False, EXPRESSION),
]


@pytest.mark.parametrize("suffix, off, nan, extra", CASES)
def test_the_shortcut_changes_nothing(
    make_project, run_main, warehouse, monkeypatch, suffix, off, nan, extra
):
    rows = make_rows(1, off=off, nan=nan)
    root = make_project({"specs/a.yaml": SPEC.format(suffix=suffix, extra=extra)})
    write_data(root, suffix, rows)
    counts: list[str] = []
    original = compute._on_scales

    def spied(warehouse, analysis, query):
        taken = original(warehouse, analysis, query)
        counts.append("skipped" if taken else "counted")
        return taken

    monkeypatch.setattr(compute, "_on_scales", spied)
    with_it = run_main("drivers", str(root), "--warehouse", warehouse, "--format", "json")
    monkeypatch.setattr(moments, "_scale_bounds", lambda *args: None)
    without = run_main("drivers", str(root), "--warehouse", warehouse, "--format", "json")
    assert "Traceback" not in with_it[2] + without[2]
    assert with_it == without

    # the count ran exactly when a value off a scale (or NaN, or an expression) could hide
    proven = off is None and not nan and not extra
    assert counts[0] == ("skipped" if proven else "counted"), counts

    # and what CX609 says is what plain Python counts among the analysis's rows
    kept = [r for r in rows if r["wave"] != "pilot"]
    billing_off = sum(1 for r in kept if r["b"] is not None and not 1 <= r["b"] <= 5)
    assert ("driver 'billing' of 'loyalty' is off its scale [1, 5] in" in with_it[2]) == (billing_off > 0)
    if billing_off:
        assert f"in {billing_off:,} rows (values 99)" in with_it[2]
    complete = [
        r for r in kept
        if r["n"] is not None and 1 <= r["b"] <= 5 and not math.isnan(r["v"]) and 0 <= r["ltr"] <= 10
    ]  # fmt: skip
    assert {d["n"] for d in json.loads(with_it[1])["drivers"]} == {len(complete)}


def test_a_numeric_nan_on_postgresql_is_counted_not_a_crash(make_project, run_main, postgres_url):
    """PostgreSQL gives a NUMERIC column's NaN as Decimal('NaN'), which raises when compared:
    the shortcut gives way to the count (a traceback before)."""
    import psycopg

    rows = [(i, f"c{i}", 1 + i % 5, 1 + (i * 3) % 5, min(10, i % 11)) for i in range(60)]
    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS rated")
        con.execute("CREATE TABLE rated (id INTEGER, c TEXT, b NUMERIC, n NUMERIC, ltr NUMERIC)")
        with con.cursor() as cursor:
            cursor.executemany("INSERT INTO rated VALUES (%s, %s, %s, %s, %s)", rows)
        con.execute("UPDATE rated SET b = 'NaN' WHERE id = 7")
    specs = (
        "version: 1\nsources:\n  - {id: r, type: table, table: rated, entity: c, key: id}\n"
        "drivers:\n  - id: loyalty\n    source: r\n    outcome: ltr\n    drivers:\n"
        "      - {name: billing, column: b, scale: [1, 5]}\n      - {name: network, column: n}\n"
    )
    root = make_project({"specs.yaml": specs})
    code, out, err = run_main("drivers", str(root), "--warehouse", postgres_url, "--format", "json")
    assert "Traceback" not in err and code in (0, None), err
    assert "driver 'billing' of 'loyalty' is off its scale [1, 5] in 1 rows (values nan)" in err, err
    assert {d["n"] for d in json.loads(out)["drivers"]} == {59}
