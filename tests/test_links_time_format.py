"""Links over sources whose times are written in a `time_format:` (day first, as many exports
write them): the window join reads those times with the format, on every engine, as metrics do.
It cast the text as ISO instead: DuckDB and PostgreSQL refused the run, SQLite silently read
NULL times and counted no response at all. Figures against plain Python on the rows."""

from __future__ import annotations

import datetime as dt

import pytest

from cxspec import load_project
from cxspec.query import connect
from cxspec.registry import default_registry

SPECS = """\
version: 1
sources:
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    entity: customer_id
    time_format: "%d/%m/%Y %H:%M"
  - id: subs
    type: file
    path: data/subs.csv
    key: sub_id
    entity: customer_id
    start: started_at
    end: ended_at
    time_format: "%d/%m/%Y"
  - id: orders
    type: file
    path: data/orders.csv
    key: oid
    entity: customer_id
    time: at
    time_format: "%d/%m/%Y %H:%M"
links:
  - id: churn
    cx: {source: responses, column: score, groups: nps}
    outcome: {source: subs, event: end, within: 10d}
  - id: revenue
    cx: {source: responses, column: score, groups: nps}
    outcome: {source: orders, value: amount, within: 10d}
"""
FORMAT = "%d/%m/%Y %H:%M"


def test_link_times_written_in_a_time_format(make_project, warehouse):
    from cxspec.links.compute import compute_links

    start = dt.datetime(2026, 1, 3, 9, 30)
    responses = [(i, f"c{i % 5}", start + dt.timedelta(days=i % 13, hours=i % 7), i % 11) for i in range(60)]
    ends = {"c0": dt.datetime(2026, 1, 12), "c1": dt.datetime(2026, 1, 20), "c3": dt.datetime(2026, 2, 1)}
    orders = [(i, f"c{i % 4}", start + dt.timedelta(days=2 * i, hours=5), 10.0 + i) for i in range(15)]
    as_of = dt.datetime(2026, 1, 26)
    found = {
        "specs.yaml": SPECS,
        "data/responses.csv": "id,customer_id,t,score\n"
        + "".join(f"{i},{c},{t.strftime(FORMAT)},{s}\n" for i, c, t, s in responses),
        "data/subs.csv": "sub_id,customer_id,started_at,ended_at\n"
        + "".join(f"{c},{c},01/06/2025,{e.strftime('%d/%m/%Y')}\n" for c, e in ends.items()),
        "data/orders.csv": "oid,customer_id,at,amount\n"
        + "".join(f"{i},{c},{t.strftime(FORMAT)},{a}\n" for i, c, t, a in orders),
    }
    window = dt.timedelta(days=10)
    want: dict = {}
    for _, customer, t, score in responses:
        if t + window > as_of:
            continue  # its window has not ended
        group = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        end = ends.get(customer)
        ended = end is not None and t < end <= t + window
        spent = sum(a for _, c, at, a in orders if c == customer and t < at <= t + window)
        want.setdefault(("churn", group), []).append(100.0 if ended else 0.0)
        want.setdefault(("revenue", group), []).append(spent)
    sizes = {k: len(v) for k, v in want.items()}
    want = {k: sum(v) / len(v) for k, v in want.items()}
    assert sum(sizes.values()) > 40 and 0 < want[("churn", "detractor")] < 100
    project = load_project(make_project(found))
    with connect(warehouse, project, default_registry()) as connection:
        out = compute_links(connection, project, default_registry(), as_of=as_of)
    assert {(g.link, g.group): g.n for g in out.groups} == sizes
    assert {(g.link, g.group): g.value for g in out.groups} == pytest.approx(want)


def test_the_default_as_of_reads_the_outcome_times_with_their_format(make_project, warehouse):
    """Without --as-of, the latest outcome time is the cut: read with the source's format
    (the text "31/12/2025" is not later than "05/01/2026")."""
    from cxspec.links.compute import compute_links

    found = {
        "specs.yaml": SPECS,
        "data/responses.csv": "id,customer_id,t,score\n1,a,01/12/2025 10:00,10\n2,b,20/12/2025 10:00,0\n",
        "data/subs.csv": "sub_id,customer_id,started_at,ended_at\n1,a,01/01/2025,05/12/2025\n"
        "2,b,01/01/2025,28/12/2025\n3,c,01/01/2025,05/01/2026\n",
        "data/orders.csv": "oid,customer_id,at,amount\n1,a,31/12/2025 10:00,5\n",
    }
    project = load_project(make_project(found))
    with connect(warehouse, project, default_registry()) as connection:
        out = compute_links(connection, project, default_registry(), ids=["churn"])
    # the latest end is 5 January 2026 (not "28/12/2025", the greatest text): b's window, to
    # 30 December, has ended too
    got = {g.group: (g.n, g.value) for g in out.groups if g.n}
    assert got == {"promoter": (1, 100.0), "detractor": (1, 100.0)}


DRIVERS = """\
version: 1
sources:
  - id: survey
    type: file
    path: data/survey.csv
    time: t
    key: id
    time_format: "%d/%m/%Y %H:%M"
drivers:
  - id: d
    source: survey
    outcome: ltr
    drivers:
      - {name: billing, column: billing}
      - {name: network, column: network}
    method: correlation
"""


def test_drivers_per_month_read_times_in_their_format(make_project, warehouse):
    """Key drivers per period share the links' reading of times: months from the format."""
    from cxspec.drivers.compute import compute_drivers

    rows = [
        (i, dt.datetime(2025, 12 if i % 3 else 11, 1 + i % 28, 8), i % 11, (i * 7) % 5, (i * 3) % 4)
        for i in range(90)
    ]
    found = {
        "specs.yaml": DRIVERS,
        "data/survey.csv": "id,t,ltr,billing,network\n"
        + "".join(f"{i},{t.strftime(FORMAT)},{y},{b},{n}\n" for i, t, y, b, n in rows),
    }
    want: dict = {}
    for _, t, *_ in rows:
        month = t.strftime("%Y-%m-01")
        want[month] = want.get(month, 0) + 1
    project = load_project(make_project(found))
    with connect(warehouse, project, default_registry()) as connection:
        out = compute_drivers(connection, project, default_registry(), grain="month")
    got = {r.period: r.n for r in out.results if r.driver == "billing"}
    assert got == want and len(want) == 2
