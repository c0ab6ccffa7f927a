"""Means whose values are large against their spread (wait times as epoch milliseconds, revenue
of 1e9 that differs by cents, 1e12 + 0…3): a variance from sums of raw squares,
(Σx² − (Σx)²/n)/(n − 1), keeps none of the spread's digits (the squares of 1e9 need 18, a
double keeps 16) and the margin of error reads as another number or 0, silently; so does every
test built on it (significant_drop's Welch t, below_rest's pooled t). Each mean, margin and the
rest of the total that below_rest recovers must agree with an exact computation (fractions,
statistics.variance) on the same rows, for the total, every segment and both periods, on
DuckDB, SQLite and PostgreSQL (and on Spark: plugins/cxspec-spark/tests/
test_mean_large_values_spark.py imports these tests): margins to 1e-6 and what a double
leaves of the spread next to values that large (`digits`)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from fractions import Fraction

import pytest

from cxspec.metric_type import Statistic
from cxspec.query import MetricResult, Request, compute
from cxspec.registry import default_registry
from cxspec.runs.segment_issues import rest_of
from cxspec.runs.stats import welch_t_test
from cxspec.validate import validate_project

ENGINES = ("duckdb", "sqlite", "postgres")
Z = 1.96
CONFIG = "version: 1\nproject: big\nsegments: [store]\n"
CASES = ("plain", "cents", "big", "far")
SPEC = (
    "version: 1\nsources:\n"
    "  - {id: r, type: file, path: data/r.csv, time: t, key: id, dimensions: [store, channel]}\n"
    "metrics:\n"
    + "".join(f"  - {{id: {c}, type: mean, source: r, column: {c}}}\n" for c in CASES)
    + "".join(
        f"  - {{id: {c}_web, type: mean, source: r, column: {c}, filter: \"channel = 'web'\"}}\n"
        for c in CASES
    )
    + "".join(f"  - {{id: {c}_late, type: mean, source: r, column: {c}, filter: 'id > 20'}}\n" for c in CASES)
)
FILTERS = {
    "": lambda row: True,
    "_web": lambda row: row["channel"] == "web",
    "_late": lambda row: row["id"] > 20,
}


def rows() -> list[dict]:
    """90 rows over two months and three stores, two channels; each case's column."""
    out = []
    for i in range(90):
        store = "abc"[i % 3]
        out.append(
            {
                "id": i,
                "t": dt.date(2026, 1 + i % 2, 1 + i % 28),
                "store": store,
                "channel": ("web", "phone")[i % 5 % 2],
                "plain": (i * 7 % 13) + 0.5,
                "cents": 1e9 + (i * 37 % 100) / 100,
                "big": 1e12 + i % 4,
                # store a near 1e12, the others a few units: the total's groups are far apart
                "far": 1e12 + i % 4 if store == "a" else (i % 7) * 1.5,
            }
        )
    return out


def files() -> dict:
    header = "id,t,store,channel," + ",".join(CASES)
    lines = [
        f"{r['id']},{r['t']:%Y-%m-%d},{r['store']},{r['channel']}," + ",".join(repr(r[c]) for c in CASES)
        for r in rows()
    ]
    return {"specs/a.yaml": SPEC, "data/r.csv": header + "\n" + "\n".join(lines) + "\n"}


def exact(xs: list[float]) -> tuple[Fraction, float]:
    """(mean, 95% margin 1.96·s/√n), exactly from the floats."""
    n = len(xs)
    mean = sum(map(Fraction, xs)) / n
    variance = sum((Fraction(x) - mean) ** 2 for x in xs) / (n - 1)
    assert float(variance) == pytest.approx(statistics.variance(xs), rel=1e-12)  # a second opinion
    return mean, Z * math.sqrt(variance / n)


def expected() -> dict:
    """(metric, month, store or None) → (mean, margin, n, values)."""
    found: dict = {}
    for case in CASES:
        for suffix, keep in FILTERS.items():
            for r in rows():
                if not keep(r):
                    continue
                month = f"2026-{r['t'].month:02d}-01"
                for store in (None, r["store"]):
                    found.setdefault((case + suffix, month, store), []).append(r[case])
    return {key: (*exact(xs), len(xs), xs) for key, xs in found.items()}


def close(got: float, want, margin: float) -> bool:
    """`got` within 1e-6 of the margin of `want`, or within the 12 significant digits results
    keep (query.py) of a value as large as `want` (a mean of 1e12 keeps no more)."""
    return abs(got - float(want)) <= 1e-6 * margin + 1e-11 * abs(float(want)) + 1e-9


def digits(xs: list[float]) -> float:
    """The relative error a margin of `xs` may have: 1e-6, and what a double leaves of the
    spread next to values that large (a unit in the last place of max |x| against the standard
    deviation: 1e12 + 0…3 keeps 4 digits after the point). The engines' VAR_POP (DuckDB,
    PostgreSQL, Spark) and each cell's mean as a double use those; SQLite's window about each
    cell's mean keeps about 1e-12. The sums of raw squares were wrong by 100% and more."""
    return 1e-6 + math.ulp(max(abs(x) for x in xs)) / statistics.stdev(xs)


@pytest.fixture(params=ENGINES)
def warehouse(request):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///:memory:"


@pytest.fixture
def results(make_project, warehouse) -> dict:
    root = make_project(files(), config=CONFIG)
    checked = validate_project(root, default_registry())
    assert checked.ok, checked.diagnostics
    request = Request(grain="month", segments=(("store",),))
    got = compute(checked.project, request, default_registry(), warehouse)
    return {(r.metric, str(r.period)[:10], r.dimensions.get("store")): r for r in got}


def test_the_margin_of_a_large_mean_keeps_its_digits(results):
    want = expected()
    assert set(results) == set(want)
    wrong = []
    for key, (mean, margin, n, xs) in sorted(want.items(), key=str):
        got = results[key]
        assert margin > 0.05, key  # the spread is there to be lost
        assert got.n == n, (key, got)
        if not close(got.value, mean, margin) or got.moe != pytest.approx(margin, rel=digits(xs)):
            wrong.append((key, got.value, got.moe, float(mean), margin))
    assert not wrong, wrong


def test_significant_drop_reads_the_exact_variance(results):
    """significant_drop's Welch t from the stored (value, moe, n) of two months equals the t
    of the raw rows."""
    want = expected()
    for case in CASES:
        for store in (None, "a", "b"):
            first, second = (results[(case, m, store)] for m in ("2026-01-01", "2026-02-01"))
            (m1, _, n1, x1), (m2, _, n2, x2) = (want[(case, m, store)] for m in ("2026-01-01", "2026-02-01"))
            v1, v2 = statistics.variance(x1) / n1, statistics.variance(x2) / n2
            se = math.sqrt(v1 + v2)
            t = float(m2 - m1) / se
            got = welch_t_test(first.value, first.moe / Z, n1, second.value, second.moe / Z, n2)
            # results keep 12 significant digits (query.py): a mean of 1e12 to about ±0.5
            rounding = 1e-11 * (abs(float(m1)) + abs(float(m2))) / se
            tolerance = max(digits(x1), digits(x2)) * abs(t) + rounding + 1e-9
            assert abs(got.statistic - t) <= tolerance, (case, store, got, t)


def test_below_rest_recovers_the_rest_exactly(results):
    """The rest of the total without a store (mean, standard error), as below_rest recovers
    it from the stored total and segment (12 digits each, query.py), equals the rest's own
    figures; where those digits cannot tell it (a mean of 1e12 + 0…3 is stored as a whole
    number), there is no rest (no test) rather than a wrong one."""
    want = expected()
    told = set()
    for case in CASES:
        for month in ("2026-01-01", "2026-02-01"):
            total = results[(case, month, None)]
            for store in "abc":
                got = rest_of(Statistic.MEAN, total, results[(case, month, store)])
                rest = [x for s in "abc" if s != store for x in want[(case, month, s)][3]]
                mean, margin = exact(rest)
                if got is None:
                    continue
                told.add(case)
                assert got[2] == len(rest)
                assert close(got[0], mean, 10 * margin), (case, month, store, got, float(mean))
                assert got[1] * Z == pytest.approx(margin, rel=1e-2), (case, month, store, got, margin)
                if case == "plain":
                    assert close(got[0], mean, margin), (case, month, store, got, float(mean))
                    assert got[1] * Z == pytest.approx(margin, rel=1e-6), (case, month, store, got, margin)
    assert {"plain", "far"} <= told


@pytest.mark.parametrize("case", CASES)
def test_rest_of_a_large_mean(case):
    """rest_of alone, on results written exactly from the rows (no engine): the rest's own
    figures, or none where 12 stored digits would not tell them."""
    data = [r for r in rows() if r["t"].month == 1]

    def result(xs, store=None):
        mean, margin = exact(xs)
        return MetricResult(
            "m", "2026-01-01", {"store": store} if store else {}, float(mean), len(xs), 0, margin
        )

    total = result([r[case] for r in data])
    told = []
    for store in "abc":
        got = rest_of(Statistic.MEAN, total, result([r[case] for r in data if r["store"] == store], store))
        rest = [r[case] for r in data if r["store"] != store]
        mean, margin = exact(rest)
        if got is not None:
            told.append(store)
            assert got[2] == len(rest)
            assert close(got[0], mean, margin), (store, got, float(mean))
            assert got[1] * Z == pytest.approx(margin, rel=1e-6), (store, got, margin)
    assert told == {"plain": ["a", "b", "c"], "cents": [], "big": [], "far": ["b", "c"]}[case]
