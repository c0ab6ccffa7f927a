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
            customers.append((row_id, f"c{c}", rng.choice(REGIONS), rng.choice(["basic", "pro"]), day, status))
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


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse(request):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///:memory:"


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
        ("{name: region, from: plain}", "CX332", "dimension 'region' is looked up by entity, but source 'plain' has no entity"),
        ("{name: region, from: customers, expr: upper(x)}", "CX311", "dimension 'region' has both expr and from"),
        ("{name: region, column: plan}", "CX311", "column has no effect on dimension 'region', which is not looked up"),
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
