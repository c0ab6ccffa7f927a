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
import math
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


def same(got: dict, want: dict) -> bool:
    """Equal keys, and numbers equal to 1e-9 (None only where None is expected)."""

    def close(a, b):
        if isinstance(a, tuple):
            return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)

    return got.keys() == want.keys() and all(close(got[k], want[k]) for k in want)


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
    assert same(got, want), (got, want)
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


# -- a typo'd date cannot take over: --as-of ------------------------------------------------

SUBSCRIPTIONS = """\
id,customer,started,ended
s1,c1,2026-01-10T00:00:00Z,2026-03-05T00:00:00Z
s2,c2,2026-01-20T00:00:00Z,2204-02-11T17:27:40Z
s3,c3,2026-02-01T00:00:00Z,
s4,c4,2026-02-15T00:00:00Z,2026-04-20T00:00:00Z
s5,c5,2204-01-01T00:00:00Z,
"""
CHURN_SPECS = """\
version: 1
sources:
  - {id: subs, type: file, path: data/subs.csv, time: started, entity: customer, start: started, end: ended}
metrics:
  - {id: churn, type: churn_rate, source: subs}
  - {id: new_subs, type: count, source: subs}
"""
AS_OF = dt.datetime(2026, 6, 30, 23, 59, 59)


def parse_utc(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None) if text else None


def month_of(moment: dt.datetime) -> dt.date:
    return dt.date(moment.year, moment.month, 1)


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def churn_expected(rows: list[dict], as_of: dt.datetime) -> dict:
    """Plain Python: starts after as_of are left out, ends after it are no ends yet; the spine
    runs from the first start's month to the last end's (or start's) month."""
    subs = []
    for r in rows:
        start, end = parse_utc(r["started"]), parse_utc(r["ended"])
        if start > as_of:
            continue
        subs.append((r["customer"], start, end if end is not None and end <= as_of else None))
    first = min(month_of(s) for _, s, _ in subs)
    last = max(month_of(e or s) for _, s, e in subs)
    expected, month = {}, first
    while month <= last:
        begin = dt.datetime.combine(month, dt.time())
        finish = dt.datetime.combine(next_month(month), dt.time())
        active = {c for c, s, e in subs if s < begin and (e is None or e >= begin)}
        ended = {c for c, s, e in subs if s < begin and e is not None and begin <= e < finish}
        if active:
            expected[month.isoformat()] = (100.0 * len(ended) / len(active), len(active))
        month = next_month(month)
    return expected


def test_a_typo_d_year_cannot_create_periods(make_project, warehouse):
    """One end in 2204 and one start in 2204: with the as-of time, the churn spine ends in
    April 2026 (the last real end), the 2204 start is left out, the 2204 end is an active
    subscription; numbers as plain Python computes them. Without it (main), 2204 periods."""
    root = make_project(
        {"specs/m.yaml": CHURN_SPECS, "data/subs.csv": SUBSCRIPTIONS}, config=CONFIG.replace("day", "month")
    )
    results = compute(load_project(root), Request(as_of=AS_OF), REGISTRY, warehouse)
    churn = {r.period: (r.value, r.n) for r in results if r.metric == "churn"}
    want = churn_expected(rows_of(SUBSCRIPTIONS), AS_OF)
    assert same(churn, want), (churn, want)
    assert max(r.period for r in results) == "2026-04-01"
    new = {r.period: r.value for r in results if r.metric == "new_subs"}
    assert new == {"2026-01-01": 2.0, "2026-02-01": 2.0}


def test_the_as_of_time_is_counted_and_reported(make_project, run_main):
    """`query` counts what the as-of time leaves out, per source (JSON `left_out`)."""
    root = make_project(
        {"specs/m.yaml": CHURN_SPECS, "data/subs.csv": SUBSCRIPTIONS}, config=CONFIG.replace("day", "month")
    )
    code, out, err = run_main(
        "query", str(root), "-m", "new_subs", "--as-of", "2026-06-30", "--format", "json"
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["left_out"] == {
        "subs": {"rows": 5, "no_time": 0, "after_as_of": 1, "ends_after_as_of": 1}
    }
    assert {r["period"] for r in document["results"]} == {"2026-01-01", "2026-02-01"}
    code, out, err = run_main("query", str(root), "-m", "new_subs", "--as-of", "2026-06-30")
    assert "left out of source 'subs' (5 rows): 1 after the as-of time, 1 ending after the as-of time" in out
    code, out, err = run_main("validate", str(root), "--data", "--as-of", "2026-06-30")
    assert code == 0, out + err
    assert (
        "specs/m.yaml:3:55: warning CX413: 1 of 5 rows of source 'subs' have a 'started' after the as-of "
        "time 2026-06-30 23:59:59 UTC: they are left out"
    ) in out
    assert "have an 'ended' after the as-of time 2026-06-30 23:59:59 UTC: read as not ended yet" in out


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_acme_ship_date_contacts_count_zero_on_days_without_one(engine, tmp_path):
    """The issue's case: at day grain acme's `ship_date_contacts` (store tickets about the ship
    date) is 0 on each day the tickets source has rows but none of them (317 days), as
    MetricFlow returns it. Plain Python: the source's filter, its de-duplication by key
    (latest opened_at), the touch point's match."""
    import gzip
    from pathlib import Path

    acme = Path(__file__).parent.parent / "specs" / "acme"
    with gzip.open(acme / "data" / "support_tickets.csv.gz", "rt", encoding="utf-8") as file:
        rows = [r for r in csv.DictReader(file) if r["status"] and r["status"] != "merged"]
    latest: dict = {}
    for r in rows:
        moment = parse_utc(r["opened_at"])
        if r["ticket_id"] not in latest or moment > latest[r["ticket_id"]][0]:
            latest[r["ticket_id"]] = (moment, r)
    days: dict = defaultdict(int)
    for moment, r in latest.values():
        days[moment.date().isoformat()] += (r["touchpoint"] or "").strip().lower() == "store_ship_date"
    url = "duckdb:///:memory:" if engine == "duckdb" else f"sqlite:///{tmp_path / 'w.db'}"
    request = Request(metrics=("ship_date_contacts",), grain="day")
    got = {r.period: (r.value, r.n) for r in compute(load_project(acme), request, REGISTRY, url)}
    assert got == {day: (float(count), count) for day, count in days.items()}
    assert sum(1 for value, _ in got.values() if value == 0) == 317
