"""Data as it really is (issue 12): zero is a number, rows left out are counted, a typo'd
date cannot create periods, data checks before computing, runs that survive one bad metric.

Every number is checked against plain Python over the fixture rows, on DuckDB, SQLite and
PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict

import pytest

from cxspec import load_project
from cxspec.compiler.plan import Request
from cxspec.query import compute
from cxspec.registry import default_registry

REGISTRY = default_registry()
ENGINES = ("duckdb", "sqlite", "postgres")
CONFIG = "version: 1\nproject: asis\ngrain: day\n"


@pytest.fixture(params=ENGINES)
def warehouse(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'w.db'}"
    return "duckdb:///:memory:"


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# -- zero is a number ----------------------------------------------------------------------

TICKETS = """\
id,at,reason,amount,customer
1,2026-01-01T09:00:00Z,ship,10,c1
2,2026-01-01T10:00:00Z,other,5,c2
3,2026-01-02T09:00:00Z,other,7,c1
4,2026-01-04T09:00:00Z,ship,3,c3
5,2026-01-04T11:00:00Z,ship,,c3
6,2026-01-05T08:00:00Z,other,1,c2
"""
ZERO_SPECS = """\
version: 1
sources:
  - {id: tickets, type: file, path: data/tickets.csv, time: at, entity: customer}
metrics:
  - {id: ship_contacts, type: count, source: tickets, filter: "reason = 'ship'"}
  - {id: ship_amount, type: sum, source: tickets, column: amount, filter: "reason = 'ship'"}
  - {id: ship_customers, type: count_distinct, source: tickets, filter: "reason = 'ship'"}
  - {id: ship_share, type: rate, source: tickets, condition: "amount > 4", filter: "reason = 'ship'"}
  - {id: ship_mean, type: mean, source: tickets, column: amount, filter: "reason = 'ship'"}
"""


def zero_fill_expected(rows: list[dict]) -> dict:
    """Plain Python: days the source has rows on; counts and sums of nothing are 0 (n 0),
    a rate or mean of nothing has no result."""
    days = sorted({r["at"][:10] for r in rows})
    expected = {}
    for day in days:
        ship = [r for r in rows if r["at"][:10] == day and r["reason"] == "ship"]
        amounts = [float(r["amount"]) for r in ship if r["amount"]]
        expected[("ship_contacts", day)] = (float(len(ship)), len(ship))
        expected[("ship_amount", day)] = (float(sum(amounts)), len(amounts))
        customers = [r["customer"] for r in ship if r["customer"]]
        expected[("ship_customers", day)] = (float(len(set(customers))), len(customers))
        if ship:
            hits = sum(1 for r in ship if r["amount"] and float(r["amount"]) > 4)
            expected[("ship_share", day)] = (100.0 * hits / len(ship), len(ship))
        if amounts:
            expected[("ship_mean", day)] = (sum(amounts) / len(amounts), len(amounts))
    return expected


def test_zero_is_a_number_in_periods_the_source_covers(make_project, warehouse):
    """Jan 2 and Jan 5 have tickets but none about shipping: count, sum and distinct count
    are 0 there (n 0); the rate and the mean have no result. Jan 3 has no ticket at all:
    nothing (the source does not cover it)."""
    root = make_project({"specs/m.yaml": ZERO_SPECS, "data/tickets.csv": TICKETS}, config=CONFIG)
    results = compute(load_project(root), Request(), REGISTRY, warehouse)
    got = {(r.metric, r.period): (r.value, r.n) for r in results}
    want = zero_fill_expected(rows_of(TICKETS))
    assert got == pytest.approx(want)
    assert got[("ship_contacts", "2026-01-02")] == (0.0, 0)
    assert ("ship_share", "2026-01-02") not in got
    assert not any(period == "2026-01-03" for _, period in got)


def test_zero_fill_by_dimension(make_project, warehouse):
    """Sliced by a dimension, a group the source has rows in counts 0 where nothing matches."""
    specs = ZERO_SPECS.replace("entity: customer}", "entity: customer, dimensions: [customer]}")
    root = make_project({"specs/m.yaml": specs, "data/tickets.csv": TICKETS}, config=CONFIG)
    request = Request(metrics=("ship_contacts",), by=("customer",))
    results = compute(load_project(root), request, REGISTRY, warehouse)
    got = {(r.period, r.dimensions["customer"]): r.value for r in results}
    rows = rows_of(TICKETS)
    want = defaultdict(float)
    for r in rows:
        want[(r["at"][:10], r["customer"])] += r["reason"] == "ship"
    assert got == dict(want)
