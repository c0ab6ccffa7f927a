"""A metric's fragments (`filter`, `condition`, its touch point's `match`) may name the source's
lookup and expression dimensions: they read the dimension's value as `--by`, `--where` and
segments do (the looked-up value of the LEFT join: NULL for an entity missing there, the
latest row per entity after the looked-up source's filter and the as-of cut; an expression
dimension's value, even where it is named like a column of the source). Every number is
checked against plain Python on the fixture rows, on DuckDB, SQLite and PostgreSQL, for the
total, sliced by a dimension, and in a segmented run."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest

from cxspec import load_project
from cxspec.query import Request, compute
from cxspec.registry import default_registry

SPECS = """\
version: 1
journeys:
  - {id: j, name: J, stages: [use]}
touchpoints:
  - {id: apac, name: APAC, journey: j, stage: use, match: "region = 'APAC'"}
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
      - {name: region, from: customers}
      - {name: channel, expr: "lower(channel)"}   # named like its column: the dimension wins
      - {name: band, expr: "CASE WHEN score >= 9 THEN 'high' ELSE 'low' END"}
metrics:
  - {id: emea_answers, type: count, source: responses, filter: "region = 'EMEA'"}
  - {id: unknown_region, type: count, source: responses, filter: "region IS NULL"}
  - {id: emea_apac_nps, type: nps, source: responses, column: score, filter: "region IN ('EMEA', 'APAC')"}
  - id: web_high_mean
    type: mean
    source: responses
    column: score
    filter: "channel = 'web' AND band = 'high'"
  - {id: emea_rate, type: rate, source: responses, condition: "region = 'EMEA'", filter: "channel = 'web'"}
  - {id: apac_median, type: percentile, source: responses, column: score, percentile: 0.5, touchpoint: apac}
  - id: others_seen
    type: count_distinct
    source: responses
    column: customer_id
    filter: "region <> 'EMEA' OR region IS NULL"
"""
AS_OF = dt.datetime(2026, 4, 15)
REGIONS = ["EMEA", "APAC", "AMER"]


def make_data(seed: int):
    rng = random.Random(seed)
    customers = [
        # (row_id, customer, region or None, updated_at, status)
        (1, "c1", "EMEA", "2026-01-05", "live"),
        (2, "c1", "APAC", "2026-02-10", "live"),  # two versions: APAC is the latest
        (3, "c2", None, "2026-01-07", "live"),  # a NULL region
        (4, "c3", "EMEA", "2026-01-02", "live"),
        (5, "c3", "AMER", "2026-05-01", "live"),  # after the as-of day: c3 stays in EMEA
        (6, "c4", "AMER", "2026-01-03", "live"),
        (7, "c4", "EMEA", "2026-03-03", "test"),  # left out by the customers' filter
    ]
    for c in range(5, 25):
        for version in range(rng.randint(1, 2)):
            region = rng.choice([*REGIONS, None])
            day = f"2026-0{1 + version}-{rng.randint(10, 28)}"
            customers.append((len(customers) + 1, f"c{c}", region, day, "live"))
    responses = []
    for i in range(300):
        customer = f"c{rng.randint(1, 29)}"  # c25..c29 are nowhere in customers
        day = f"2026-0{rng.randint(1, 5)}-{rng.randint(10, 28)}"  # May: after the as-of day
        channel = rng.choice(["web", "Web", "WEB", "phone", "Phone"])
        responses.append((i, customer, day, rng.randint(0, 10), channel))
    return customers, responses


def files(customers, responses) -> dict[str, str]:
    return {
        "specs.yaml": SPECS,
        "data/customers.csv": "row_id,customer_id,region,updated_at,status\n"
        + "".join(f"{r},{c},{g or ''},{d},{s}\n" for r, c, g, d, s in customers),
        "data/responses.csv": "id,customer_id,t,score,channel\n"
        + "".join(",".join(map(str, row)) + "\n" for row in responses),
    }


def regions(customers) -> dict[str, str | None]:
    """customer → region of its latest row (time, then row id) among the live rows dated up to
    the as-of day."""
    best: dict[str, tuple] = {}
    for row_id, customer, region, day, status in customers:
        if status == "test" or day > AS_OF.date().isoformat():
            continue
        if customer not in best or (day, row_id) > best[customer][0]:
            best[customer] = ((day, row_id), region)
    return {c: region for c, (_, region) in best.items()}


def percentile(values: list[int], fraction: float) -> float:
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def metric_values(rows: list[dict]) -> dict[str, float]:
    """Each metric's value over one group's rows (after the as-of cut), where it has one."""
    out: dict[str, float] = {}
    out["emea_answers"] = sum(r["region"] == "EMEA" for r in rows)
    out["unknown_region"] = sum(r["region"] is None for r in rows)
    scores = [r["score"] for r in rows if r["region"] in ("EMEA", "APAC")]
    if scores:
        out["emea_apac_nps"] = 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)
    scores = [r["score"] for r in rows if r["channel"] == "web" and r["band"] == "high"]
    if scores:
        out["web_high_mean"] = sum(scores) / len(scores)
    web = [r for r in rows if r["channel"] == "web"]
    if web:
        out["emea_rate"] = 100 * sum(r["region"] == "EMEA" for r in web) / len(web)
    scores = [r["score"] for r in rows if r["region"] == "APAC"]
    if scores:
        out["apac_median"] = percentile(scores, 0.5)
    # counts are 0 in a group without a match
    out["others_seen"] = len({r["customer"] for r in rows if r["region"] != "EMEA"})
    return out


def expected(customers, responses, by: tuple[str, ...] = (), segments=None) -> dict:
    """(metric, period, dimensions as sorted (name, value) pairs) → value."""
    region_of = regions(customers)
    rows = [
        {
            "customer": customer,
            "period": day[:8] + "01",
            "score": score,
            "region": region_of.get(customer),
            "channel": channel.lower(),
            "band": "high" if score >= 9 else "low",
        }
        for _, customer, day, score, channel in responses
        if day <= AS_OF.date().isoformat()
    ]
    sets = segments if segments is not None else [by]
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        for names in sets:
            key = (row["period"], tuple((n, row[n]) for n in sorted(names)))
            groups.setdefault(key, []).append(row)
    return {
        (metric, period, dims): value
        for (period, dims), group in groups.items()
        for metric, value in metric_values(group).items()
    }


def computed(project, request, warehouse) -> dict:
    return {
        (r.metric, r.period, tuple(sorted(r.dimensions.items()))): r.value
        for r in compute(project, request, default_registry(), warehouse)
    }


def check(got: dict, want: dict) -> None:
    differ = sorted(got.keys() ^ want.keys(), key=repr)
    assert not differ, differ[:10]
    for key, value in want.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key


@pytest.mark.parametrize("seed", [3, 8])
def test_filters_on_dimensions(make_project, warehouse, seed):
    customers, responses = make_data(seed)
    project = load_project(make_project(files(customers, responses)))
    want = expected(customers, responses)
    # The fixture reaches every case: a missing entity, a NULL region, c1's latest version,
    # c3's region as of the as-of day.
    assert regions(customers)["c1"] == "APAC" and regions(customers)["c3"] == "EMEA"
    assert regions(customers)["c2"] is None and "c29" not in regions(customers)
    assert all(m in {k[0] for k in want} for m in ["apac_median", "web_high_mean", "emea_rate"])
    check(computed(project, Request(as_of=AS_OF), warehouse), want)


@pytest.mark.parametrize("by", [("region",), ("channel",), ("band",)])
def test_filters_on_dimensions_sliced(make_project, warehouse, by):
    customers, responses = make_data(5)
    project = load_project(make_project(files(customers, responses)))
    request = Request(by=by, as_of=AS_OF)
    check(computed(project, request, warehouse), expected(customers, responses, by=by))


def test_filters_on_dimensions_segmented(make_project, warehouse):
    customers, responses = make_data(13)
    project = load_project(make_project(files(customers, responses)))
    segments = ((), ("region",), ("channel",), ("region", "band"))
    request = Request(segments=segments[1:], as_of=AS_OF)
    want = expected(customers, responses, segments=segments)
    assert any(("region", None) in key[2] for key in want)  # the NULL region is a segment
    check(computed(project, request, warehouse), want)


def test_filters_on_dimensions_with_where(make_project, warehouse):
    """--where on a dimension a filter names too: both read the one value."""
    customers, responses = make_data(21)
    project = load_project(make_project(files(customers, responses)))
    request = Request(by=("channel",), where="region = 'EMEA' OR band = 'high'", as_of=AS_OF)
    region_of = regions(customers)
    kept = [
        r
        for r in responses
        if region_of.get(r[1]) == "EMEA" or r[3] >= 9  # region = 'EMEA' OR band = 'high'
    ]
    check(computed(project, request, warehouse), expected(customers, kept, by=("channel",)))


def test_names_neither_column_nor_dimension_are_located(make_project, run_main):
    """A metric's filter naming neither a column nor a dimension: CX404 at its file:line:col,
    with the close name among both. The source's own filter cannot name its dimensions (it is
    applied before the lookups are joined): CX404 there too."""
    customers, responses = make_data(1)
    found = files(customers, responses)
    found["specs.yaml"] = SPECS.replace(
        "filter: \"region = 'EMEA'\"}", "filter: \"regoin = 'EMEA'\"}"
    ).replace("    key: id\n", "    key: id\n    filter: \"band = 'low'\"\n")
    status, out, err = run_main("validate", "--data", str(make_project(found)))
    assert status == 1
    assert (
        "specs.yaml:19:14: error CX404: filter of source 'responses' names 'band', which is not a "
        "column of source 'responses'"
    ) in out, out
    assert (
        "specs.yaml:26:65: error CX404: filter of metric 'emea_answers' names 'regoin', which is "
        "neither a column nor a dimension of source 'responses'\n"
    ) in out, out
    assert "= hint: did you mean 'region'?" in out and "2 errors" in out, out


def test_a_looked_up_value_compared_with_another_type_is_refused(make_project, run_main):
    """`region = 1` over looked-up text: SQLite finds nothing, DuckDB and PostgreSQL refuse
    (as `--where region = 1` is refused): CX406 at the metric's filter, typed as the column it
    is looked up in."""
    customers, responses = make_data(2)
    found = files(customers, responses)
    found["specs.yaml"] = SPECS.replace("filter: \"region = 'EMEA'\"}", 'filter: "region = 1"}')
    status, out, err = run_main("validate", "--data", str(make_project(found)))
    assert status == 1
    assert (
        "specs.yaml:25:65: error CX406: filter of metric 'emea_answers' compares text column "
        "'region' of source 'responses' (looked up as column 'region' of source 'customers':"
    ) in out, out
    assert "1 error" in out, out


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres"])
def test_an_incremental_run_sees_a_looked_up_change(make_project, tmp_path, request, engine):
    """A customer's new region changes every period of a metric filtered by region (the latest
    row applies to older responses too), not only the period it is dated in: `run
    --incremental` computes every period when a looked-up source changed."""
    from cxspec.runs.run import run_project

    customers, responses = make_data(17)
    project_id = f"lookfilter_{engine}_{tmp_path.name}"[-60:]
    root = make_project(files(customers, responses), config=f"version: 1\nproject: {project_id}\n")
    url = {
        "duckdb": f"duckdb:///{tmp_path}/w.duckdb",
        "sqlite": f"sqlite:///{tmp_path}/w.db",
        "postgres": request.getfixturevalue("postgres_url") if engine == "postgres" else None,
    }[engine]

    def run(customers):
        (root / "data/customers.csv").write_text(files(customers, responses)["data/customers.csv"])
        stored = run_project(load_project(root), default_registry(), url, as_of=AS_OF, incremental=True)
        got = {(r.metric, r.period, ()): r.value for r in stored.results if not r.dimensions}
        check(got, expected(customers, responses))
        return stored.incremental

    run(customers)
    assert run(customers) == "nothing: no data changed since the last run"
    # c2 (a NULL region so far) moves to EMEA in March: its January responses count as EMEA too.
    assert any(r[1] == "c2" and r[2] < "2026-03" for r in responses)
    moved = [*customers, (len(customers) + 1, "c2", "EMEA", "2026-03-01", "live")]
    assert run(moved) == "every period (looked-up source 'customers' changed since the last run)"


CHURN_SPECS = """\
version: 1
sources:
  - id: customers
    type: file
    path: data/customers.csv
    entity: customer_id
    key: row_id
    time: updated_at
    filter: "status <> 'test'"
  - id: subs
    type: file
    path: data/subs.csv
    entity: customer_id
    key: sub_id
    start: started
    end: ended
    dimensions: [{name: region, from: customers}]
metrics:
  - {id: emea_churn, type: churn_rate, source: subs, filter: "region = 'EMEA'"}
  - {id: known_churn, type: churn_rate, source: subs, filter: "region IS NOT NULL"}
"""


def test_churn_filtered_on_a_looked_up_value(make_project, warehouse):
    """Churn over a spine of periods, filtered on the looked-up region: of the customers (now)
    in EMEA with a subscription active at a period's start, the % with one ending in it."""
    customers, _ = make_data(9)
    region_of = regions(customers)
    rng = random.Random(9)
    subs = []
    for i in range(120):
        start = dt.date(2025, rng.randint(10, 12), rng.randint(1, 28))
        end = None if rng.random() < 0.3 else start + dt.timedelta(days=rng.randint(5, 150))
        subs.append((i, f"c{rng.randint(1, 29)}", start, end))
    found = {
        "specs.yaml": CHURN_SPECS,
        "data/customers.csv": files(customers, [])["data/customers.csv"],
        "data/subs.csv": "sub_id,customer_id,started,ended\n"
        + "".join(f"{i},{c},{s},{e or ''}\n" for i, c, s, e in subs),
    }
    project = load_project(make_project(found))
    request = Request(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31), as_of=AS_OF)
    got = {
        (r.metric, r.period): (r.value, r.n) for r in compute(project, request, default_registry(), warehouse)
    }
    want = {}
    for first in (dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)):
        after = (first + dt.timedelta(days=31)).replace(day=1)
        for metric, keep in (("emea_churn", {"EMEA"}), ("known_churn", set(REGIONS))):
            # distinct customers: active at the start (a subscription begun before it, not
            # ended before it), and those of them with a subscription ending in the period
            mine = [(c, s, e) for _, c, s, e in subs if region_of.get(c) in keep and s < first]
            active = {c for c, _, e in mine if e is None or e >= first}
            ended = {c for c, _, e in mine if e is not None and first <= e < after}
            if active:
                want[(metric, first.isoformat())] = (100 * len(ended) / len(active), len(active))
    assert want and got.keys() == want.keys()
    for key, (value, n) in want.items():
        assert got[key][1] == n and got[key][0] == pytest.approx(value, abs=1e-9), key
