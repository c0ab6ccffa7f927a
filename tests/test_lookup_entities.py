"""Joins by entity with real-world ids: lookup dimensions and links where one source's entity
is a number and the other's text. The ids are compared as text, the number written as a person
writes it (7.0 is "7"): every engine the same, each figure against plain Python on the rows.
DuckDB and SQLite wrote a DOUBLE 7.0 as "7.0", PostgreSQL as "7": one customer in the EMEA
group on PostgreSQL and in no group on the others."""

from __future__ import annotations

import datetime as dt

import pytest

from cxspec import load_project
from cxspec.query import Request, compute, connect
from cxspec.registry import default_registry


def as_text(value) -> str:
    """An id compared as text: a whole number without its ".0"."""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


LOOKUP = """\
version: 1
sources:
  - id: customers
    type: file
    path: data/customers.csv
    entity: customer_id
    key: customer_id
    time: updated_at
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    entity: customer_id
    columns: {customer_id: number}
    dimensions:
      - {name: region, from: customers}
metrics:
  - {id: answers, type: count, source: responses}
  - {id: mean_score, type: mean, source: responses, column: score}
"""

CUSTOMERS = [("7", "EMEA"), ("008", "APAC"), ("8.5", "AMER"), ("12", "LATAM"), ("C1", "NORDICS")]
RESPONSES = [(7.0, 3), (7.0, 9), (8.0, 5), (8.5, 6), (12.0, 10), (13.0, 1)]


def test_a_number_entity_looks_up_text_ids_alike_on_every_engine(make_project, warehouse):
    found = {
        "specs.yaml": LOOKUP,
        "data/customers.csv": "customer_id,region,updated_at\n"
        + "".join(f"{c},{r},2026-01-01\n" for c, r in CUSTOMERS),
        # written "7.0" and "7": one number, declared so
        "data/responses.csv": "id,customer_id,t,score\n"
        + "".join(f"{i},{c if i % 2 else repr(c)},2026-01-10,{s}\n" for i, (c, s) in enumerate(RESPONSES)),
    }
    regions = dict(CUSTOMERS)
    groups: dict = {}
    for customer, score in RESPONSES:
        groups.setdefault(regions.get(as_text(customer)), []).append(score)
    want = {}
    for region, scores in groups.items():
        want[("answers", region)] = len(scores)
        want[("mean_score", region)] = sum(scores) / len(scores)
    assert want[("answers", "EMEA")] == 2 and ("answers", "APAC") not in want  # 8 is not "008"
    project = load_project(make_project(found))
    got = {
        (r.metric, r.dimensions["region"]): r.value
        for r in compute(project, Request(by=["region"]), default_registry(), warehouse)
    }
    assert got == pytest.approx(want)


LINK = """\
version: 1
sources:
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    entity: customer_id
    columns: {customer_id: number}
  - id: subs
    type: file
    path: data/subs.csv
    key: sub_id
    entity: customer_id
    start: started_at
    end: ended_at
  - id: orders
    type: file
    path: data/orders.csv
    key: oid
    entity: customer_id
    time: at
links:
  - id: churn
    cx: {source: responses, column: score, groups: nps}
    outcome: {source: subs, event: end, within: 30d}
  - id: revenue
    cx: {source: responses, column: score, groups: nps}
    outcome: {source: orders, value: amount, within: 30d}
"""


def test_a_number_entity_links_to_text_ids_alike_on_every_engine(make_project, warehouse):
    from cxspec.links.compute import compute_links

    responses = [(i, [7.0, 8.0, 9.5, 12.0][i % 4], i % 11) for i in range(44)]
    ends = {"7": "2026-01-20", "9.5": "2026-01-25", "x": "2026-01-20"}  # "x" makes the ids text
    orders = [("7", 40.0), ("7", 2.5), ("12", 10.0), ("008", 99.0), ("x", 1.0)]
    found = {
        "specs.yaml": LINK,
        "data/responses.csv": "id,customer_id,t,score\n"
        + "".join(f"{i},{c},2026-01-10,{s}\n" for i, c, s in responses),
        "data/subs.csv": "sub_id,customer_id,started_at,ended_at\n"
        + "".join(f"{c},{c},2025-06-01,{e}\n" for c, e in ends.items()),
        "data/orders.csv": "oid,customer_id,at,amount\n"
        + "".join(f"{i},{c},2026-01-15,{a}\n" for i, (c, a) in enumerate(orders)),
    }
    want: dict = {}
    for _, customer, score in responses:
        group = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        ended = as_text(customer) in ends
        spent = sum(a for c, a in orders if c == as_text(customer))
        want.setdefault(("churn", group), []).append(100.0 if ended else 0.0)
        want.setdefault(("revenue", group), []).append(spent)
    sizes = {k: len(v) for k, v in want.items()}
    want = {k: sum(v) / len(v) for k, v in want.items()}
    assert want[("churn", "promoter")] > 0 and want[("revenue", "detractor")] > 0
    project = load_project(make_project(found))
    with connect(warehouse, project, default_registry()) as connection:
        out = compute_links(connection, project, default_registry(), as_of=dt.datetime(2026, 6, 1))
    assert {(g.link, g.group): g.n for g in out.groups} == sizes
    assert {(g.link, g.group): g.value for g in out.groups} == pytest.approx(want)


KEPT = """\
version: 1
sources:
  - id: customers
    type: file
    path: data/customers.csv
    entity: customer_id
    key: {key}
    time: updated_at
    {keep}
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    entity: customer_id
    dimensions:
      - {{name: region, from: customers}}
metrics:
  - {{id: answers, type: count, source: responses}}
  - {{id: mean_score, type: mean, source: responses, column: score}}
"""


def deduplicated_regions(rows, key: str, earliest: bool) -> dict:
    """The looked-up source de-duplicated as usual (one row per key: the latest time, or the
    earliest with keep: earliest), then each entity's latest row (ties by key)."""
    kept: dict = {}
    for row in rows:
        k = row[key]
        if k not in kept or (
            (row["updated_at"] < kept[k]["updated_at"])
            if earliest
            else (row["updated_at"] > kept[k]["updated_at"])
        ):
            kept[k] = row
    best: dict = {}
    for row in kept.values():
        rank = (row["updated_at"], row[key])
        if row["customer_id"] not in best or rank > best[row["customer_id"]][0]:
            best[row["customer_id"]] = (rank, row["region"])
    return {c: region for c, (_, region) in best.items()}


@pytest.mark.parametrize(
    "key, keep",
    [
        ("customer_id", "keep: earliest"),  # the region a customer signed up in
        ("row_id", ""),  # row 3 was c1's, then corrected to c2's: it is c1's no more
        ("row_id", "keep: earliest"),
    ],
)
def test_the_looked_up_source_is_deduplicated_as_usual(make_project, warehouse, key, keep):
    """Of the looked-up source's rows, de-duplication by key (with its `keep:`) comes first,
    as for every other use of the source: the lookup took each entity's latest row of all,
    the region a customer moved to where `keep: earliest` asked for the first one."""
    rows = [
        {"row_id": "1", "customer_id": "c1", "region": "FIRST", "updated_at": "2026-01-01"},
        {"row_id": "2", "customer_id": "c1", "region": "MOVED", "updated_at": "2026-01-03"},
        {"row_id": "3", "customer_id": "c1", "region": "WRONG", "updated_at": "2026-01-04"},
        {"row_id": "3", "customer_id": "c2", "region": "FIXED", "updated_at": "2026-01-05"},
        {"row_id": "4", "customer_id": "c2", "region": "SOUTH", "updated_at": "2026-01-02"},
        {"row_id": "5", "customer_id": "c3", "region": "EAST", "updated_at": "2026-01-02"},
    ]
    responses = [("c1", 3), ("c1", 9), ("c2", 5), ("c3", 10), ("c4", 7)]
    found = {
        "specs.yaml": KEPT.format(key=key, keep=keep),
        "data/customers.csv": "row_id,customer_id,region,updated_at\n"
        + "".join(",".join(r.values()) + "\n" for r in rows),
        "data/responses.csv": "id,customer_id,t,score\n"
        + "".join(f"{i},{c},2026-01-10,{s}\n" for i, (c, s) in enumerate(responses)),
    }
    regions = deduplicated_regions(rows, key, earliest=bool(keep))
    groups: dict = {}
    for customer, score in responses:
        groups.setdefault(regions.get(customer), []).append(score)
    want = {("answers", r): len(s) for r, s in groups.items()}
    want.update({("mean_score", r): sum(s) / len(s) for r, s in groups.items()})
    project = load_project(make_project(found))
    got = {
        (r.metric, r.dimensions["region"]): r.value
        for r in compute(project, Request(by=["region"]), default_registry(), warehouse)
    }
    assert got == pytest.approx(want)


def test_a_lookup_sees_no_row_after_as_of(make_project, warehouse):
    """Times after --as-of are left out of results, the looked-up source's too: a customer's
    row dated after it (a typo'd 2204, or a move after the as-of day of a rerun) set the
    region of every response; the row it replaced is the one as of then."""
    import datetime as dt

    rows = [
        ("1", "c1", "OLD", "2026-01-01"),
        ("2", "c1", "TYPO", "2204-01-01"),
        ("3", "c2", "SOUTH", "2026-01-02"),
        ("4", "c2", "NORTH", "2026-03-01"),  # moved after the as-of day
        ("5", "c3", "LATER", "2026-03-01"),  # nothing as of then
        ("6", "c4", "UNDATED", ""),  # no time: not in the future
    ]
    responses = [("c1", 3), ("c2", 9), ("c2", 4), ("c3", 10), ("c4", 7), ("c5", 8)]
    as_of = dt.datetime(2026, 2, 1, 23, 59, 59)
    found = {
        "specs.yaml": KEPT.format(key="row_id", keep=""),
        "data/customers.csv": "row_id,customer_id,region,updated_at\n"
        + "".join(",".join(r) + "\n" for r in rows),
        "data/responses.csv": "id,customer_id,t,score\n"
        + "".join(f"{i},{c},2026-01-10,{s}\n" for i, (c, s) in enumerate(responses)),
    }
    best: dict = {}
    for row_id, customer, region, day in rows:
        if day and dt.datetime.fromisoformat(day) > as_of:
            continue
        rank = (day, row_id)
        if customer not in best or rank > best[customer][0]:
            best[customer] = (rank, region)
    groups: dict = {}
    for customer, score in responses:
        groups.setdefault(best[customer][1] if customer in best else None, []).append(score)
    want = {("answers", r): len(s) for r, s in groups.items()}
    want.update({("mean_score", r): sum(s) / len(s) for r, s in groups.items()})
    assert set(groups) == {"OLD", "SOUTH", "UNDATED", None}
    project = load_project(make_project(found))
    request = Request(by=["region"], as_of=as_of)
    got = {
        (r.metric, r.dimensions["region"]): r.value
        for r in compute(project, request, default_registry(), warehouse)
    }
    assert got == pytest.approx(want)


def test_a_lookup_named_like_a_column_of_its_own_source_is_refused(make_project, run_main, warehouse):
    """Responses with a `region` of their own and `{name: region, from: customers}`: `--by
    region` read the customer's region and a metric's filter `region = 'EMEA'` the response's
    (an "EMEA" count of 0 in the EMEA group, 2 in APAC). CX409 at the dimension, from the data."""
    specs = KEPT.format(key="customer_id", keep="").replace(
        "metrics:\n",
        "metrics:\n  - {id: emea, type: count, source: responses, filter: \"region = 'EMEA'\"}\n",
    )
    root = make_project(
        {
            "specs.yaml": specs,
            "data/customers.csv": "customer_id,region,updated_at\nc1,EMEA,2026-01-01\nc2,APAC,2026-01-01\n",
            "data/responses.csv": "id,customer_id,t,score,region\n"
            "1,c1,2026-01-10,9,APAC\n2,c2,2026-01-10,3,EMEA\n",
        }
    )
    status, out, err = run_main("query", str(root), "--by", "region", "--warehouse", warehouse)
    assert status == 1, out + err
    assert "specs.yaml:17:16: error CX409: dimension 'region' of source 'responses'" in out + err, out + err
    assert "name it apart: {name: customers_region, from: customers, column: region}" in out + err


SAME_IDS = """\
version: 1
sources:
  - id: customers
    type: file
    path: data/customers.csv
    entity: customer_id
    key: customer_id
    time: updated_at
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    entity: customer_id
    {dimensions}
  - id: subs
    type: file
    path: data/subs.csv
    key: sub_id
    entity: customer_id
    start: started_at
    end: ended_at
links:
  - id: churn
    cx: {{source: responses, column: score, groups: nps}}
    outcome: {{source: subs, event: end, within: 30d}}
"""


@pytest.mark.parametrize("dimensions", ["", "dimensions: [{name: region, from: customers}]"])
def test_a_link_joins_ids_as_written_with_or_without_a_lookup(make_project, warehouse, dimensions):
    """Ids of only digits, "007" in both files: a lookup dimension on the responses made
    their entity text ("007") while the subscriptions' stayed a number (7), and every
    customer with a leading zero lost its churn (100% to 0% in both groups, on every engine)
    by adding a dimension. The entities of files joined by a link are read as written too:
    the same numbers with or without the lookup, "7" not "007", as in a lookup."""
    from cxspec.links.compute import compute_links

    responses = [(i, ["007", "008", "7", "010", "011"][i % 5], i % 11) for i in range(55)]
    ends = {"007": "2026-01-20", "7": "2026-03-20", "010": "2026-01-25", "99": "2026-01-20"}
    found = {
        "specs.yaml": SAME_IDS.format(dimensions=dimensions),
        "data/customers.csv": "customer_id,region,updated_at\n007,EMEA,2026-01-01\n",
        "data/responses.csv": "id,customer_id,t,score\n"
        + "".join(f"{i},{c},2026-01-10,{s}\n" for i, c, s in responses),
        "data/subs.csv": "sub_id,customer_id,started_at,ended_at\n"
        + "".join(f"{n},{c},2025-01-01,{e}\n" for n, (c, e) in enumerate(ends.items())),
    }
    rates: dict = {}
    for _, customer, score in responses:
        group = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        end = ends.get(customer)  # compared as written
        churned = end is not None and dt.date(2026, 1, 10) < dt.date.fromisoformat(end) <= dt.date(2026, 2, 9)
        rates.setdefault(group, []).append(100.0 if churned else 0.0)
    want = {g: sum(v) / len(v) for g, v in rates.items()}
    assert 0 < want["detractor"] < 100
    project = load_project(make_project(found))
    with connect(warehouse, project, default_registry()) as connection:
        out = compute_links(connection, project, default_registry(), as_of=dt.datetime(2026, 6, 1))
    assert {g.group: g.n for g in out.groups} == {g: len(v) for g, v in rates.items()}
    assert {g.group: g.value for g in out.groups} == pytest.approx(want)
