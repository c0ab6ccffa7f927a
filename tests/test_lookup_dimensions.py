"""Lookup dimensions: `{name: region, from: customers}` slices a source by an attribute of its
entity held in another source: a LEFT join on entity (a missing entity is its own NULL group,
never dropped), the latest row per entity, after the looked-up source's filter. Numbers are
checked against plain Python on DuckDB, SQLite and PostgreSQL."""

from __future__ import annotations

import random

import pytest

from cxspec import load_project
from cxspec.query import Request, compute
from cxspec.registry import default_registry

SPECS = """\
version: 1
sources:
  - id: customers
    type: file
    path: data/customers.csv
    entity: customer_id
    key: row_id
    time: updated_at
    filter: "status <> 'test'"
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    entity: customer_id
    dimensions:
      - channel
      - {name: region, from: customers}
      - {name: tier, from: customers, column: plan}
metrics:
  - {id: nps, type: nps, source: responses, column: score}
  - {id: answers, type: count, source: responses}
  - {id: mean_score, type: mean, source: responses, column: score}
"""
REGIONS = ["EMEA", "APAC", "AMER", "NA"]  # "NA" is a region, not a missing value


def make_data(seed: int = 7):
    rng = random.Random(seed)
    customers, row_id = [], 0
    for c in range(60):
        for version in range(rng.randint(1, 3)):  # several rows per customer: the latest counts
            row_id += 1
            status = "test" if rng.random() < 0.1 else "live"
            day = f"2026-0{1 + version}-{rng.randint(10, 28)}"
            customers.append(
                (row_id, f"c{c}", rng.choice(REGIONS), rng.choice(["basic", "pro"]), day, status)
            )
    responses = []
    for i in range(400):
        customer = f"c{rng.randint(0, 69)}"  # c60..c69 are nowhere in customers
        day = f"2026-0{rng.randint(1, 3)}-{rng.randint(10, 28)}"
        responses.append((i, customer, day, rng.randint(0, 10), rng.choice(["web", "phone"])))
    return customers, responses


def files(customers, responses) -> dict[str, str]:
    return {
        "specs.yaml": SPECS,
        "data/customers.csv": "row_id,customer_id,region,plan,updated_at,status\n"
        + "".join(",".join(map(str, row)) + "\n" for row in customers),
        "data/responses.csv": "id,customer_id,t,score,channel\n"
        + "".join(",".join(map(str, row)) + "\n" for row in responses),
    }


def latest_attributes(customers) -> dict[str, tuple[str, str]]:
    """customer → (region, plan) of its latest live row (time, then row id)."""
    best: dict[str, tuple] = {}
    for row_id, customer, region, plan, day, status in customers:
        if status == "test":
            continue
        if customer not in best or (day, row_id) > best[customer][0]:
            best[customer] = ((day, row_id), region, plan)
    return {c: (region, plan) for c, (_, region, plan) in best.items()}


def expected(customers, responses, by: tuple[str, ...], where=None) -> dict:
    attributes = latest_attributes(customers)
    groups: dict[tuple, list[int]] = {}
    for _, customer, day, score, channel in responses:
        region, plan = attributes.get(customer, (None, None))
        values = {"region": region, "tier": plan, "channel": channel}
        if where and values[where[0]] != where[1]:
            continue
        key = (day[:8] + "01", *[values[b] for b in by])
        groups.setdefault(key, []).append(score)
    out = {}
    for key, scores in groups.items():
        promoters = sum(s >= 9 for s in scores) / len(scores)
        detractors = sum(s <= 6 for s in scores) / len(scores)
        out[("nps", *key)] = 100 * (promoters - detractors)
        out[("answers", *key)] = len(scores)
        out[("mean_score", *key)] = sum(scores) / len(scores)
    return out


@pytest.mark.parametrize("by", [("region",), ("region", "channel"), ("tier", "region")])
def test_lookup_numbers(make_project, warehouse, by):
    customers, responses = make_data()
    project = load_project(make_project(files(customers, responses)))
    got = {
        (r.metric, r.period, *[r.dimensions[b] for b in by]): r.value
        for r in compute(project, Request(by=list(by)), default_registry(), warehouse)
    }
    want = expected(customers, responses, by)
    assert got.keys() == want.keys()
    assert any(key[2] is None for key in want)  # responses of customers nowhere in customers
    for key, value in want.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key


def test_lookup_in_where(make_project, warehouse):
    customers, responses = make_data(11)
    project = load_project(make_project(files(customers, responses)))
    request = Request(by=["channel"], where="region = 'NA'")
    got = {
        (r.metric, r.period, r.dimensions["channel"]): r.value
        for r in compute(project, request, default_registry(), warehouse)
    }
    want = expected(customers, responses, ("channel",), where=("region", "NA"))
    assert got.keys() == want.keys() and want
    for key, value in want.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key


@pytest.mark.parametrize(
    "dimension, code, message",
    [
        ("{name: region, from: customer}", "CX202", "unknown source 'customer'"),
        (
            "{name: region, from: plain}",
            "CX332",
            "dimension 'region' is looked up by entity, but source 'plain' has no entity",
        ),
        (
            "{name: region, from: customers, expr: upper(x)}",
            "CX311",
            "dimension 'region' has both expr and from",
        ),
        (
            "{name: region, column: plan}",
            "CX311",
            "column has no effect on dimension 'region', which is not looked up",
        ),
    ],
)
def test_lookup_mistakes_are_located(make_project, run_main, dimension, code, message):
    customers, responses = make_data()
    specs = files(customers, responses)
    specs["specs.yaml"] = SPECS.replace("{name: region, from: customers}", dimension).replace(
        "metrics:\n", "  - {id: plain, type: file, path: data/customers.csv}\nmetrics:\n"
    )
    root = make_project(specs)
    status, out, err = run_main("validate", str(root))
    assert status == 1
    assert "specs.yaml:18:" in out + err and f"error {code}: {message}" in out + err, out + err


TIES = """\
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
    dimensions:
      - {name: region, from: customers}
metrics:
  - {id: answers, type: count, source: responses}
  - {id: mean_score, type: mean, source: responses, column: score}
"""


def by_region(customers, responses) -> dict:
    """(metric, region) → value in plain Python: ids compared as written; of an entity's rows,
    the latest time wins, ties (same time, the key being the entity) to the greatest region."""
    best: dict[str, tuple] = {}
    for customer, region, day in customers:
        rank = (day, region is not None, region or "")
        if customer not in best or rank > best[customer]:
            best[customer] = rank
    groups: dict = {}
    for customer, score in responses:
        rank = best.get(customer)
        groups.setdefault(rank[2] if rank and rank[1] else None, []).append(score)
    out = {}
    for region, scores in groups.items():
        out[("answers", region)] = len(scores)
        out[("mean_score", region)] = sum(scores) / len(scores)
    return out


def test_lookup_ties_and_ids_as_written(make_project, warehouse):
    """Rows of one entity with the same time and key: every engine takes the same one (the
    greatest value; each engine used to pick its own). Ids are compared as written: "007" in
    both files is one customer even where one file holds only digits; 7 is not "007"."""
    customers = [
        ("007", "EMEA", "2026-01-05"),
        ("007", "APAC", "2026-01-05"),  # tie: EMEA wins (the greater)
        ("C8", "emea", "2026-01-05"),
        ("C8", "EMEA", "2026-01-05"),  # tie on case: "emea" > "EMEA" (binary order)
        ("C9", "AMER", "2026-01-01"),
        ("C9", None, "2026-01-01"),  # a NULL value never beats a value
        ("C10", "old", "2026-01-01"),
        ("C10", "new", "2026-01-02"),
        ("12", "LATAM", "2026-01-01"),
    ]
    responses = [("007", 5), ("C8", 6), ("C9", 7), ("C10", 8), ("7", 9), ("12", 3), ("C11", 1), ("007", 10)]
    found = {
        "specs.yaml": TIES,
        "data/customers.csv": "customer_id,region,updated_at\n"
        + "".join(f"{c},{r or ''},{d}\n" for c, r, d in customers),
        "data/responses.csv": "id,customer_id,t,score\n"
        + "".join(f"{i},{c},2026-01-10,{s}\n" for i, (c, s) in enumerate(responses)),
    }
    project = load_project(make_project(found))
    got = {
        (r.metric, r.dimensions["region"]): r.value
        for r in compute(project, Request(by=["region"]), default_registry(), warehouse)
    }
    want = by_region(customers, responses)
    assert want[("answers", "EMEA")] == 2 and want[("answers", None)] == 2  # "7" and "C11"
    assert got == pytest.approx(want)


def test_a_tied_lookup_row_is_the_same_whichever_dimensions_a_query_uses(make_project, warehouse):
    """Tied rows (A, silver) and (B, gold) of one customer: ordering only by the dimensions a
    query used put the customer in silver by tier but in B by region, a row the data does not
    have. Every query keeps one row: the greatest values of every column, in name order."""
    specs = TIES.replace(
        "      - {name: region, from: customers}\n",
        "      - {name: region, from: customers}\n      - {name: tier, from: customers}\n",
    )
    found = {
        "specs.yaml": specs,
        "data/customers.csv": "customer_id,region,tier,updated_at\nc1,A,silver,2026-01-05\nc1,B,gold,2026-01-05\n",
        "data/responses.csv": "id,customer_id,t,score\n1,c1,2026-01-10,5\n",
    }
    project = load_project(make_project(found))
    kept = {
        by: {r.dimensions[by] for r in compute(project, Request(by=[by]), default_registry(), warehouse)}
        for by in ("region", "tier")
    }
    assert kept == {"region": {"B"}, "tier": {"gold"}}  # region sorts before tier: B's row


def test_lookup_entities_of_different_types(make_project, warehouse):
    """An entity typed as a number on one side and as text on the other (declared so) is
    compared as text on every engine, not refused by DuckDB and PostgreSQL."""
    found = {
        "specs.yaml": TIES.replace(
            "    entity: customer_id\n    dimensions:",
            "    entity: customer_id\n    columns: {customer_id: integer}\n    dimensions:",
        ),
        "data/customers.csv": "customer_id,region,updated_at\n"
        "7,EMEA,2026-01-01\n008,APAC,2026-01-01\nC9,AMER,2026-01-01\n",
        "data/responses.csv": "id,customer_id,t,score\n"
        "1,7,2026-01-10,4\n2,8,2026-01-10,6\n3,9,2026-01-10,8\n",
    }
    project = load_project(make_project(found))
    got = {
        (r.metric, r.dimensions["region"]): r.value
        for r in compute(project, Request(by=["region"]), default_registry(), warehouse)
    }
    want = by_region(
        [("7", "EMEA", "d"), ("008", "APAC", "d"), ("C9", "AMER", "d")], [("7", 4), ("8", 6), ("9", 8)]
    )
    assert got == pytest.approx(want)


def test_link_from_a_source_with_lookups_to_numeric_ids(make_project, warehouse):
    """The entity of a file joined by a lookup is read as text; a link from it to a source
    whose ids are numbers still joins them (as text) on every engine: PostgreSQL refused
    `text = bigint`. Groups and outcome rates as in plain Python."""
    import datetime as dt

    from cxspec.links.compute import compute_links
    from cxspec.query import connect

    specs = TIES.replace(
        "metrics:\n",
        "  - {id: subs, type: file, path: data/subs.csv, key: sub_id, entity: customer_id,"
        " start: started_at, end: ended_at}\nmetrics:\n",
    )
    specs += "links:\n  - id: l\n    cx: {source: responses, column: score, groups: nps}\n"
    specs += "    outcome: {source: subs, event: end, within: 90d}\n"
    responses = [(i, 1 + i % 3, f"2026-01-{1 + i % 20:02d}", i % 11) for i in range(60)]
    ends = {1: "2026-02-15", 2: "2026-09-01"}  # customer 3 has none; 2 ends after 90 days
    found = {
        "specs.yaml": specs,
        "data/customers.csv": "customer_id,region,updated_at\n1,EMEA,2026-01-01\n2,APAC,2026-01-01\n",
        "data/responses.csv": "id,customer_id,t,score\n"
        + "".join(f"{i},{c},{t},{s}\n" for i, c, t, s in responses),
        "data/subs.csv": "sub_id,customer_id,started_at,ended_at\n"
        + "".join(f"{c},{c},2025-06-01,{e}\n" for c, e in ends.items()),
    }
    project = load_project(make_project(found))
    with connect(warehouse, project, default_registry()) as connection:
        out = compute_links(connection, project, default_registry(), as_of=dt.datetime(2026, 12, 1))
    groups: dict = {}
    for _, customer, day, score in responses:
        group = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        end = ends.get(customer)
        days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(day)).days if end else None
        groups.setdefault(group, []).append(days is not None and 0 < days <= 90)
    want = {g: (len(v), 100 * sum(v) / len(v)) for g, v in groups.items()}
    assert {g.group: (g.n, g.value) for g in out.groups} == pytest.approx(want)
