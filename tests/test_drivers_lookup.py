"""Lookup dimensions in drivers analyses: `cxspec drivers --by region` where `region` is looked
up in another source, and a drivers `filter` or driver `expr` naming a lookup dimension, joined
as metrics join it (compiler/lookups.py): the looked-up source's latest row per entity (after
its filter, as of `until`), LEFT-joined on entity, a response whose entity has none in the NULL
group (never dropped), the looked-up values taken as written ("NA" is a region).

Every figure is checked against plain Python on the CSV rows: OLS R² by numpy.linalg.lstsq,
Shapley (LMG) importance by brute force over every subset of drivers, per group, with n; on
DuckDB (the numpy and the SQL moments), SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import random

import numpy as np
import pytest

from cxspec.drivers import compute
from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.validate import validate_project

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
      - {name: version, from: customers, column: row_id}
drivers:
  - id: loyalty
    source: responses
    outcome: ltr
    drivers:
      - {name: a, column: sat_a}
      - {name: b, column: sat_b, scale: [1, 5]}
      - {name: c, column: sat_c}
  - id: pro-loyalty
    source: responses
    outcome: ltr
    filter: "tier = 'pro' AND channel = 'web'"
    drivers:
      - {name: a, column: sat_a}
      - {name: b, column: sat_b, scale: [1, 5]}
  - id: recent
    source: responses
    outcome: ltr
    filter: "version >= 40"
    drivers:
      - {name: a, column: sat_a}
      - {name: c, column: sat_c}
  - id: tiered
    source: responses
    outcome: ltr
    drivers:
      - {name: a, column: sat_a}
      - {name: pro, expr: "CASE WHEN tier = 'pro' THEN 1 ELSE 0 END"}
      - {name: c, column: sat_c}
"""
REGIONS = ["EMEA", "APAC", "AMER", "NA"]  # "NA" is a region, as written
#: The as-of instant of `until`: customer rows dated after it are not read.
UNTIL = dt.datetime(2026, 4, 1)


def make_data(seed: int = 20261207):
    rng = random.Random(seed)
    customers, row_id = [], 0
    for c in range(50):
        for version in range(rng.randint(1, 3)):  # several rows per customer: the latest counts
            row_id += 1
            status = "test" if rng.random() < 0.08 else "live"
            day = f"2026-0{1 + version}-{rng.randint(10, 28)}"
            customers.append(
                (row_id, f"c{c}", rng.choice(REGIONS), rng.choice(["basic", "pro"]), day, status)
            )
        if c % 7 == 0:  # a move after UNTIL: as of UNTIL the customer is still where it was
            row_id += 1
            customers.append((row_id, f"c{c}", "LATER", "pro", "2026-06-15", "live"))
    responses = []
    for i in range(900):
        customer = f"c{rng.randint(0, 57)}"  # c50..c57 are nowhere in customers: the NULL group
        day = f"2026-0{rng.randint(1, 3)}-{rng.randint(10, 28)}"
        a, c = rng.randint(1, 5), rng.randint(0, 10)
        b = rng.choice([None, 0, 1, 2, 3, 4, 5, 6])  # missing, or off its 1-5 scale
        ltr = round(0.9 * a + 0.4 * (b or 3) + 0.3 * c + rng.gauss(0, 1.5), 3)
        if rng.random() < 0.03:
            ltr = None
        responses.append((i, customer, day, ltr, a, b, c, rng.choice(["web", "phone"])))
    return customers, responses


def cell(value) -> str:
    return "" if value is None else str(value)


def files(customers, responses) -> dict[str, str]:
    return {
        "specs.yaml": SPECS,
        "data/customers.csv": "row_id,customer_id,region,plan,updated_at,status\n"
        + "".join(",".join(map(cell, row)) + "\n" for row in customers),
        "data/responses.csv": "id,customer_id,t,ltr,sat_a,sat_b,sat_c,channel\n"
        + "".join(",".join(map(cell, row)) + "\n" for row in responses),
    }


def latest_attributes(customers, until=None) -> dict[str, tuple[str, str, int]]:
    """customer → (region, plan, row id) of its latest live row (by time, then row id), as of
    `until`."""
    best: dict[str, tuple] = {}
    for row_id, customer, region, plan, day, status in customers:
        if status == "test" or (until is not None and dt.datetime.fromisoformat(day) >= until):
            continue
        if customer not in best or (day, row_id) > best[customer][0]:
            best[customer] = ((day, row_id), region, plan)
    return {c: (region, plan, key[1]) for c, (key, region, plan) in best.items()}


def r_squared(y: np.ndarray, x: np.ndarray, subset) -> float:
    if not subset:
        return 0.0
    design = np.column_stack([np.ones(len(y)), x[:, list(subset)]])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    return 1.0 - float(residual @ residual) / float(((y - y.mean()) ** 2).sum())


def shapley(y: np.ndarray, x: np.ndarray) -> list[float]:
    """LMG: each driver's R² gain averaged over every order of the drivers (brute force)."""
    p = x.shape[1]
    out = []
    for j in range(p):
        others = [k for k in range(p) if k != j]
        total = 0.0
        for size in range(p):
            weight = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
            for subset in itertools.combinations(others, size):
                total += weight * (r_squared(y, x, (*subset, j)) - r_squared(y, x, subset))
        out.append(total)
    return out


def expected(customers, responses, analysis: str, by=(), until=None) -> dict:
    """(dimension values…) → {"n", "r2", "importance": {driver: …}, "performance": {…},
    "correlation": {…}} from the CSV rows."""
    attributes = latest_attributes(customers, until)
    groups: dict[tuple, list] = {}
    for _, customer, day, ltr, a, b, c, channel in responses:
        if until is not None and dt.datetime.fromisoformat(day) >= until:
            continue
        region, plan, version = attributes.get(customer, (None, None, None))
        values = {"region": region, "tier": plan, "channel": channel}
        if analysis == "loyalty":
            row = [ltr, a, b, c]
            complete = None not in row and 1 <= b <= 5
            names = ["a", "b", "c"]
        elif analysis == "recent":  # a number compared with a number, on every engine
            row = [ltr, a, c]
            complete = None not in row and version is not None and version >= 40
            names = ["a", "c"]
        elif analysis == "pro-loyalty":
            row = [ltr, a, b]
            complete = None not in row and 1 <= b <= 5 and plan == "pro" and channel == "web"
            names = ["a", "b"]
        else:
            row = [ltr, a, 1 if plan == "pro" else 0, c]
            complete = None not in row
            names = ["a", "pro", "c"]
        if complete:
            groups.setdefault(tuple(values[d] for d in by), []).append(row)
    out = {}
    for key, rows in groups.items():
        data = np.array(rows, float)
        y, x = data[:, 0], data[:, 1:]
        full = tuple(range(x.shape[1]))
        out[key] = {
            "n": len(rows),
            "constant": bool((x.std(axis=0) == 0).any()),  # a driver without figures here
            "r2": r_squared(y, x, full),
            "importance": dict(zip(names, shapley(y, x), strict=True)),
            "performance": dict(zip(names, x.mean(axis=0), strict=True)),
            "correlation": {n: float(np.corrcoef(x[:, i], y)[0, 1]) for i, n in enumerate(names)},
        }
    return out


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture
def project(make_project, data):
    result = validate_project(make_project(files(*data)), default_registry())
    assert result.ok, result.diagnostics
    return result.project


def computed(project, warehouse, ids, **options):
    registry = default_registry()
    with connect(warehouse, project, registry) as wh:
        outcome = compute.compute_drivers(wh, project, registry, ids, **options)
    # CX609: the data's sat_b holds 0 and 6, off its scale (counted: tests/test_drivers_off_scale.py)
    assert not [d for d in outcome.diagnostics if d.code not in ("CX606", "CX609")], outcome.diagnostics
    return outcome.results


def assert_figures(results, want, by):
    got: dict[tuple, dict] = {}
    for r in results:
        got.setdefault(tuple(r.dimensions[d] for d in by), []).append(r)
    assert set(got) == set(want)
    for key, figures in want.items():
        rows = got[key]
        assert {r.driver for r in rows} == set(figures["importance"])
        for r in rows:
            assert r.n == figures["n"], key
            assert r.r2 == pytest.approx(figures["r2"], abs=1e-8), key
            assert r.importance == pytest.approx(figures["importance"][r.driver], abs=1e-8), (key, r.driver)
            assert r.performance == pytest.approx(figures["performance"][r.driver], rel=1e-9)
            assert r.correlation == pytest.approx(figures["correlation"][r.driver], abs=1e-8)
        assert sum(r.importance for r in rows) == pytest.approx(figures["r2"], abs=1e-8)


@pytest.mark.parametrize(
    ("analysis", "by"),
    [
        ("loyalty", ("region",)),
        ("loyalty", ("region", "channel")),
        ("loyalty", ("tier", "region")),
        ("pro-loyalty", ()),
        ("pro-loyalty", ("region",)),
        ("tiered", ()),
        ("tiered", ("channel",)),
        ("recent", ("region",)),
    ],
)
def test_drivers_by_and_naming_lookup_dimensions(project, data, warehouse, analysis, by):
    results = computed(project, warehouse, [analysis], by=by)
    want = expected(*data, analysis, by)
    if "region" in by and analysis == "loyalty":
        assert any(key[by.index("region")] is None for key in want)  # customers nowhere in customers
        assert any(key[by.index("region")] == "NA" for key in want)  # as written
        assert any(key[by.index("region")] == "LATER" for key in want)  # the latest row wins
    assert_figures(results, want, by)


@pytest.mark.parametrize("in_numpy", [True, False], ids=["numpy", "sql"])
@pytest.mark.parametrize(("analysis", "by"), [("loyalty", ("region",)), ("pro-loyalty", ("channel",))])
def test_both_moments_paths_on_duckdb(project, data, monkeypatch, in_numpy, analysis, by):
    monkeypatch.setattr(compute, "NUMPY_FROM_ROWS", 0 if in_numpy else None)
    results = computed(project, "duckdb:///:memory:", [analysis], by=by)
    assert_figures(results, expected(*data, analysis, by), by)
    assert all(r.lower is not None and r.upper is not None for r in results)  # the jackknife


def test_both_moments_paths_give_the_same_figures(project, monkeypatch):
    figures = []
    for threshold in (0, None):
        monkeypatch.setattr(compute, "NUMPY_FROM_ROWS", threshold)
        results = computed(project, "duckdb:///:memory:", ["loyalty", "pro-loyalty"], by=("region",))
        figures.append([r.as_dict() for r in results])
    assert figures[0] == figures[1]


@pytest.mark.parametrize(("analysis", "by"), [("loyalty", ("region",)), ("tiered", ("channel",))])
def test_until_leaves_out_a_later_lookup_row(project, data, warehouse, analysis, by):
    results = computed(project, warehouse, [analysis], by=by, until=UNTIL)
    want = expected(*data, analysis, by, until=UNTIL)
    assert want != expected(*data, analysis, by)  # the later rows change the figures
    if by == ("region",):
        assert ("LATER",) not in want and (None,) in want
    assert_figures(results, want, by)


def test_cli_drivers_by_a_lookup_dimension(project, data, run_main):
    code, out, err = run_main("drivers", str(project.root), "loyalty", "--by", "region", "--format", "json")
    assert code == 0, out + err
    rows = json.loads(out)["drivers"]
    want = expected(*data, "loyalty", ("region",))
    assert {(r["dimensions"]["region"],) for r in rows} == set(want)
    assert [r for r in rows if r["dimensions"] == {"region": None}]  # the NULL group, shown as null
    for r in rows:
        figures = want[(r["dimensions"]["region"],)]
        assert r["n"] == figures["n"]
        assert r["importance"] == pytest.approx(figures["importance"][r["driver"]], abs=1e-8)
    code, out, err = run_main("drivers", str(project.root), "loyalty", "--by", "region")
    assert code == 0, out + err
    assert "region=EMEA" in out and "region=None" in out


def test_a_name_neither_column_nor_dimension_is_cx404(make_project, data, run_main):
    specs = SPECS.replace("tier = 'pro' AND", "teir = 'pro' AND")
    root = make_project({**files(*data), "specs.yaml": specs})
    code, out, err = run_main("drivers", str(root), "pro-loyalty")
    assert code == 1, out + err
    assert "CX404" in err and "'teir', which is neither a column nor a dimension" in err
    assert "did you mean 'tier'" in err.lower()
