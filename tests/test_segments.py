"""Segments (`segments:` of cxspec.yaml): the total and every segment from one read of each
source, told apart by their grouping set, not by NULLs (a NULL region is a real group). Numbers
are checked against plain Python on DuckDB, SQLite and PostgreSQL, through `run` (stored rows
with their dimensions, per-segment min_sample)."""

from __future__ import annotations

import datetime as dt

import pytest
from test_lookup_dimensions import files, latest_attributes, make_data

from cxspec import load_project
from cxspec.model import segment_key
from cxspec.query import Request, compute
from cxspec.registry import default_registry
from cxspec.runs.run import run_project

SEGMENTS = (("region",), ("region", "channel"))
CONFIG = "version: 1\nproject: seg\nsegments: [region, [region, channel]]\n"
EXTRA = """\
  - {id: median_score, type: percentile, source: responses, column: score, percentile: 0.5}
  - {id: web_promoters, type: rate, source: responses, condition: "score >= 9", filter: "channel = 'web'"}
  - {id: customers_seen, type: count_distinct, source: responses, column: customer_id}
  - {id: per_customer, type: ratio, numerator: answers, denominator: customers_seen}
  - {id: live_customers, type: count, source: customers, min_sample: 1000}
pyramids:
  - id: idx
    children:
      - {metric: nps, weight: 2}
      - {metric: mean_score, bounds: [0, 10]}
goals:
  - metric: mean_score
    target: 5
    warn: 4
    segments:
      - {where: {region: APAC}, target: 6, warn: 5.5}
      - {where: {region: APAC, channel: web}, target: 3}
      - {where: {region: null}, target: 100}
"""


def status(value, target, warn):
    """Status of a higher-is-better metric, written out plainly."""
    if value >= target:
        return "green"
    if warn is None:
        return "red"
    return "amber" if value >= warn else "red"


def goal_of(dimensions: dict):
    if dimensions.get("region") == "APAC" and dimensions.get("channel") == "web":
        return 3, None
    if dimensions.get("region") == "APAC":
        return 6, 5.5
    if "region" in dimensions and dimensions["region"] is None and "channel" not in dimensions:
        return 100, None
    if "region" in dimensions and dimensions["region"] is None:
        return 100, None  # {region: null} matches the [region, channel] rows too
    return 5, 4


def percentile(values, p):
    values = sorted(values)
    position = (len(values) - 1) * p
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (position - low) * (values[high] - values[low])


def expected(customers, responses) -> dict:
    """(metric, period, segment dimensions as sorted items) → value, in plain Python."""
    attributes = latest_attributes(customers)
    groups: dict[tuple, list] = {}
    for _, customer, day, score, channel in responses:
        region = attributes.get(customer, (None, None))[0]
        values = {"region": region, "channel": channel}
        for names in ((), *SEGMENTS):
            key = (day[:8] + "01", tuple(sorted((n, values[n]) for n in names)))
            groups.setdefault(key, []).append((customer, score, channel))
    out = {}
    for (period, dims), rows in groups.items():
        scores = [s for _, s, _ in rows]
        n = len(scores)
        out[("nps", period, dims)] = 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / n
        out[("answers", period, dims)] = n
        out[("mean_score", period, dims)] = sum(scores) / n
        out[("median_score", period, dims)] = percentile(scores, 0.5)
        web = [s for _, s, c in rows if c == "web"]
        if web:
            out[("web_promoters", period, dims)] = 100 * sum(s >= 9 for s in web) / len(web)
        distinct = len({c for c, _, _ in rows})
        out[("customers_seen", period, dims)] = distinct
        out[("per_customer", period, dims)] = n / distinct
    # customers has no region or channel: its metric is computed for the total only.
    live: dict[str, int] = {}
    for _, _, _, _, day, status in customers:
        if status != "test":
            live[day[:8] + "01"] = live.get(day[:8] + "01", 0) + 1
    for period, count in live.items():
        out[("live_customers", period, ())] = count
    return out


def project_files(seed=7):
    customers, responses = make_data(seed)
    found = files(customers, responses)
    found["specs.yaml"] += EXTRA
    return customers, responses, found


def keyed(results) -> dict:
    return {(r.metric, r.period, tuple(sorted(r.dimensions.items()))): r for r in results}


def test_segment_numbers(make_project, warehouse):
    customers, responses, found = project_files()
    project = load_project(make_project(found, config=CONFIG))
    assert project.segments == [("region",), ("region", "channel")]
    got = keyed(compute(project, Request(segments=tuple(project.segments)), default_registry(), warehouse))
    want = expected(customers, responses)
    assert set(got) == set(want)
    assert any(("region", None) in key[2] for key in want)  # a NULL region: a real group, kept
    for key, value in want.items():
        assert got[key].value == pytest.approx(value, abs=1e-9), key


def test_run_stores_segments(make_project, warehouse, tmp_path):
    customers, responses, found = project_files(11)
    project = load_project(make_project(found, config=CONFIG))
    if warehouse.endswith(":memory:"):
        warehouse = warehouse.replace(":memory:", str(tmp_path / "store.db"))
    stored = run_project(project, default_registry(), warehouse)
    want = expected(customers, responses)
    got = keyed(stored.results)
    assert set(got) == set(want)
    for key, value in want.items():
        assert got[key].value == pytest.approx(value, abs=1e-9), key
    assert {segment_key(r.dimensions) for r in stored.results} == {(), ("region",), ("channel", "region")}
    # min_sample applies per row: every live_customers row is below 1000.
    assert {r.status for r in got.values() if r.metric == "live_customers"} == {"insufficient_sample"}
    # Goal overrides per segment: the most specific match wins.
    checked = 0
    for (metric, _, dims), row in got.items():
        if metric == "mean_score":
            assert row.status == status(row.value, *goal_of(dict(dims))), (dims, row.value)
            checked += 1
    assert checked == len([k for k in want if k[0] == "mean_score"])
    assert {r.status for r in got.values() if r.metric == "mean_score"} >= {"green", "red"}
    # Pyramids are scored per segment, with the same tree and weights.
    roots = {
        (x.period, tuple(sorted(x.dimensions.items()))): x.score
        for x in stored.scores + stored.segment_scores
        if x.node == "idx"
    }
    assert all(not x.dimensions for x in stored.scores) and stored.segment_scores
    segments_and_total = {(k[1], k[2]) for k in want if k[0] == "nps"}
    assert set(roots) == segments_and_total
    for period, dims in segments_and_total:
        nps, mean = want[("nps", period, dims)], want[("mean_score", period, dims)]
        expected_score = (2 * (nps + 100) / 2 + mean * 10) / 3
        assert roots[(period, dims)] == pytest.approx(expected_score, abs=1e-9), (period, dims)
    # A second run replaces the rows, segments included: no duplicates.
    again = run_project(project, default_registry(), warehouse)
    assert len(again.results) == len(want)


def test_by_and_segments_refused(make_project):
    _, _, found = project_files()
    project = load_project(make_project(found, config=CONFIG))
    from cxspec.compiler.plan import RequestError

    with pytest.raises(RequestError):
        compute(project, Request(by=("region",), segments=(("region",),)), default_registry())


TYPED = """\
version: 1
sources:
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    dimensions: [store, vip, band, opened]
metrics:
  - {id: answers, type: count, source: responses}
  - {id: mean_score, type: mean, source: responses, column: score}
  - {id: median_score, type: percentile, source: responses, column: score, percentile: 0.5}
goals:
  - metric: mean_score
    target: 5
    segments:
      - {where: {vip: true}, target: 9}
      - {where: {band: 2.0}, target: 1}
"""


def test_segment_values_of_numbers_and_booleans(make_project, warehouse, tmp_path):
    """Segment values are the same text on every engine: a boolean is true/false (SQLite said
    1/0), a whole number 2 (PostgreSQL said 2, the others 2.0), and YAML's `true` and `2.0` in
    a goal's `where:` match them."""
    rows = [
        (1, 5, 7, "true", "1.5", "2026-01-03T10:00:00"),
        (2, 6, 7, "false", "2.0", "2026-01-03 10:00:00Z"),
        (3, 7, 10, "", "1.25", "2026-01-03 12:00:00+02:00"),
        (4, 9, "", "true", "2", ""),
        (5, 2, 10, "false", "", "2026-01-04 00:00:00"),
    ]
    found = {
        "specs.yaml": TYPED,
        "data/responses.csv": "id,t,score,store,vip,band,opened\n"
        + "".join(f"{i},2026-01-10,{s},{st},{v},{b},{o}\n" for i, s, st, v, b, o in rows),
    }
    config = "version: 1\nproject: typed\nsegments: [store, vip, band, opened]\n"
    project = load_project(make_project(found, config=config))
    if warehouse.endswith(":memory:"):
        warehouse = warehouse.replace(":memory:", str(tmp_path / "store.db"))
    got = keyed(run_project(project, default_registry(), warehouse).results)

    def text(name, value):  # the value as written, as text: 2.0 is the whole number 2
        if value == "":
            return None
        if name == "opened":  # a time: in UTC, one way of writing it
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
            return moment.isoformat(" ")
        return str(int(float(value))) if name == "band" and float(value).is_integer() else value

    groups: dict = {}
    for _, score, store, vip, band, opened in rows:
        groups.setdefault((), []).append(score)
        for name, value in (("store", store), ("vip", vip), ("band", band), ("opened", opened)):
            groups.setdefault(((name, text(name, str(value))),), []).append(score)
    want = {}
    for dims, scores in groups.items():
        want[("answers", "2026-01-01", dims)] = len(scores)
        want[("mean_score", "2026-01-01", dims)] = sum(scores) / len(scores)
        want[("median_score", "2026-01-01", dims)] = percentile(scores, 0.5)
    assert (("vip", "true"),) in groups and (("band", "2"),) in groups
    assert len([k for k in groups if k and k[0][0] == "opened" and k[0][1] == "2026-01-03 10:00:00"]) == 1
    assert set(got) == set(want)
    for key, value in want.items():
        assert got[key].value == pytest.approx(value), key
    for (metric, _, dims), row in got.items():
        if metric == "mean_score":
            target = {(("vip", "true"),): 9, (("band", "2"),): 1}.get(dims, 5)
            assert row.status == status(row.value, target, None), dims
