"""Sums are exact to the last unit and cent, the same from run to run.

Every value was rounded to 12 significant digits (query.DIGITS), because DuckDB adds doubles
in parallel in no fixed order: a month's revenue of 1,110,244,278,747.53 was stored and shown
as 1,110,244,278,750. A `sum` now adds its terms as DECIMAL(38, 12) on DuckDB, PostgreSQL and
Spark (exact, order-free) and keeps 15 significant digits; SQLite, which has no DECIMAL, adds
doubles in the rows' order. Expected values are
computed here with Python's Decimal from the rows written."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest

ENGINES = ("duckdb", "sqlite", "postgres")

SPECS = """\
version: 1
owners:
  - {id: fin, kind: team, name: Finance}
sources:
  - {id: o, type: file, path: data/o.csv, time: t, key: id, dimensions: [shop]}
metrics:
  - {id: revenue, name: Revenue, type: sum, source: o, column: amount, owner: fin}
  - {id: units, name: Units, type: sum, source: o, column: units, owner: fin}
  - {id: orders, name: Orders, type: count, source: o, owner: fin}
"""


def _rows(seed: int = 7, shuffled: bool = False):
    rng = random.Random(seed)
    rows = []
    for i in range(3000):
        amount = Decimal(rng.randint(10**10, 10**11)) / 100  # 100,000,000.00 to 1,000,000,000.00
        units = rng.randint(10**9, 10**10)  # whole numbers: a sum past 10^12
        rows.append((i, f"2026-0{1 + i % 2}-{1 + i % 28:02d}T10:00:00Z", f"s{i % 3}", amount, units))
    if shuffled:
        rng.shuffle(rows)
    return rows


def _csv(rows) -> str:
    return "id,t,shop,amount,units\n" + "".join(f"{i},{t},{s},{a},{u}\n" for i, t, s, a, u in rows)


def _expected(rows) -> dict:
    want: dict = {}
    for _, t, shop, amount, units in rows:
        for key in ((t[:7] + "-01", ()), (t[:7] + "-01", (("shop", shop),))):
            total = want.setdefault(key, [Decimal(0), 0, 0])
            total[0] += amount
            total[1] += units
            total[2] += 1
    return want


@pytest.fixture(params=ENGINES)
def url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///:memory:"


def _query(run_main, root, url, *by):
    code, out, err = run_main("query", str(root), "--warehouse", url, "--format", "json", *by)
    assert code == 0, err
    return {
        (r["period"], tuple(sorted(r["dimensions"].items())), r["metric"]): r["value"]
        for r in json.loads(out)["results"]
    }


def test_sums_are_exact_past_twelve_digits(make_project, run_main, url):
    rows = _rows()
    root = make_project({"specs.yaml": SPECS, "data/o.csv": _csv(rows)})
    got = {**_query(run_main, root, url), **_query(run_main, root, url, "--by", "shop")}
    want = _expected(rows)
    assert len(got) == 3 * len(want)
    for (period, dims), (amount, units, n) in want.items():
        revenue = got[(period, dims, "revenue")]
        assert amount > Decimal(10**11)  # 13+ significant digits: the 12-digit rounding lost them
        # exact to the cent: the stored double is the nearest one to the exact decimal total
        assert revenue == float(amount), (period, dims, revenue, amount)
        assert got[(period, dims, "units")] == float(units) and units > 10**12
        assert got[(period, dims, "orders")] == n


def test_a_sum_is_the_same_whatever_the_rows_order_and_threads(make_project, run_main, tmp_path):
    """DuckDB on 4 threads over the rows in two orders: the same bits."""
    values = []
    for shuffled in (False, True):
        root = make_project({"specs.yaml": SPECS, "data/o.csv": _csv(_rows(shuffled=shuffled))})
        values.append(_query(run_main, root, "duckdb:///:memory:?threads=4"))
    assert values[0] == values[1]


def test_terms_too_small_or_too_large_for_the_decimal_are_added_as_doubles(make_project, run_main, url):
    """A DECIMAL(38, 12) rounds 4e-13 to 0 and cannot hold 1e30: such terms are added as
    doubles beside the exact sum, so a sum of tiny values is not 0 and a huge one no error."""
    tiny = ["4e-13"] * 50 + ["2.5e-9", "0.000001", "7.25"]
    huge = ["1e30", "-2.5e21", "12.34", "99999999999999999999"]  # the last is 1e20: a double
    lines = ["id,t,shop,amount,units"]
    for i, amount in enumerate(tiny + huge):
        shop = "tiny" if i < len(tiny) else "huge"
        lines.append(f"{i},2026-01-05T10:00:00Z,{shop},{amount},1")
    root = make_project({"specs.yaml": SPECS, "data/o.csv": "\n".join(lines) + "\n"})
    got = _query(run_main, root, url, "--by", "shop")
    small = got[("2026-01-01", (("shop", "tiny"),), "revenue")]
    assert small == pytest.approx(sum(float(a) for a in tiny), rel=1e-12) and small > 7.25
    large = got[("2026-01-01", (("shop", "huge"),), "revenue")]
    assert large == pytest.approx(sum(float(a) for a in huge), rel=1e-12)
