"""Links whose outcome values are large against their spread (spend of about 1e9 that differs
by cents; 1e12 + 0…3): a variance from sums of raw squares keeps none of the spread's digits
(a double keeps 16, the squares of 1e9 use 18) and reads as some other number or 0. Each
group's mean, t interval and the Welch contrast must agree with an exact computation
(fractions, statistics.variance) on the same rows, on DuckDB, SQLite and PostgreSQL (and on
Spark: plugins/cxspec-spark/tests/test_links_spark.py imports this test)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from fractions import Fraction

import numpy as np
import pytest

from cxspec.drivers.intervals import t_quantile
from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.validate import validate_project

ENGINES = ("duckdb", "sqlite", "postgres")
WITHIN = dt.timedelta(days=10)
AS_OF = dt.datetime(2026, 6, 1)

SPEC = (
    "version: 1\nsources:\n"
    "  - {id: r, type: file, path: data/r.csv, time: at, entity: c}\n"
    "  - {id: o, type: file, path: data/o.csv, time: t, entity: c}\n"
    "links:\n"
    "  - id: by-nps\n    cx: {source: r, column: score, groups: nps}\n"
    "    outcome: {source: o, value: amount, within: 10d}\n"
    "  - id: by-thirds\n    cx: {source: r, column: score, groups: {quantiles: 3}}\n"
    "    outcome: {source: o, value: amount, within: 10d}\n"
)

SCORES = [10, 9, 10, 8, 7, 3, 0, 9, 6, 10, 2, 8, 9, 5, 10, 1, 4, 9, 7, 10]


def amount(case: str, i: int, score: int) -> float | None:
    """The first order of customer i (None: no order at all)."""
    if case == "cents":  # 1e9 and some cents
        return 1e9 + (i * 37 % 100) / 100
    if case == "1e12":
        return 1e12 + i % 4
    # far groups: promoters spend 1e12 + 0…3, the others a few units or nothing
    if score >= 9:
        return 1e12 + i % 4
    return None if i % 5 == 0 else (i % 7) * 1.5


def rows(case: str):
    """(responses, orders): 60 responses, one per customer; each customer's first order two
    days after its response, every fourth customer a small second one (a fee: the window sums
    two values), every fifth one an order after its window (not counted)."""
    responses, orders = [], []
    for i in range(60):
        at = dt.datetime(2026, 2, 1) + dt.timedelta(days=i % 10, hours=i % 24)
        score = SCORES[i % len(SCORES)]
        responses.append((f"c{i}", at, score))
        first = amount(case, i, score)
        if first is not None:
            orders.append((f"c{i}", at + dt.timedelta(days=2), first))
        if i % 4 == 1:
            orders.append((f"c{i}", at + dt.timedelta(days=5), 0.25 + (i % 3) / 100))
        if i % 5 == 2:
            orders.append((f"c{i}", at + dt.timedelta(days=11), 5e11))
    return responses, orders


def csv_text(header, lines):
    return header + "\n" + "".join(",".join(str(v) for v in line) + "\n" for line in lines)


def expected_units(case: str) -> list[tuple[int, float]]:
    """(score, the sum of the customer's amounts in (t, t + 10 days]) per response."""
    responses, orders = rows(case)
    units = []
    for c, at, score in responses:
        inside = [a for e, when, a in orders if e == c and at < when <= at + WITHIN]
        total = 0.0
        for a in inside:  # one or two values: the sum is the same in any order
            total += a
        units.append((score, total))
    return units


def nps(score):
    return "promoter" if score >= 9 else ("passive" if score >= 7 else "detractor")


def exact(ys):
    """(mean, half width of the 95% t interval, variance / n), exactly from the floats."""
    n = len(ys)
    mean = sum(map(Fraction, ys)) / n
    variance = sum((Fraction(y) - mean) ** 2 for y in ys) / (n - 1)
    assert float(variance) == pytest.approx(statistics.variance(ys), rel=1e-12)  # a second opinion
    return mean, t_quantile(0.975, n - 1) * math.sqrt(variance / n), variance / n


def close(got, want, scale):
    """`got` within 1e-6 of `scale` (the interval's half width) of `want`, or within 2 units
    in the last place of a double as large as `want` (a mean of 1e12 has no more digits)."""
    return abs(got - float(want)) <= 1e-6 * scale + 2 * math.ulp(float(want)) + 1e-8


@pytest.fixture(params=ENGINES)
def warehouse(request):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///:memory:"


@pytest.mark.parametrize("case", ["cents", "1e12", "far-groups"])
def test_large_values_with_a_small_spread_keep_their_variance(make_project, warehouse, case):
    from cxspec.links.compute import compute_links

    responses, orders = rows(case)
    root = make_project(
        {
            "specs/a.yaml": SPEC,
            "data/r.csv": csv_text(
                "c,at,score", [(c, f"{at:%Y-%m-%d %H:%M:%S}", s) for c, at, s in responses]
            ),
            "data/o.csv": csv_text(
                "c,t,amount", [(c, f"{t:%Y-%m-%d %H:%M:%S}", repr(a)) for c, t, a in orders]
            ),
        }
    )
    result = validate_project(root, default_registry())
    assert result.ok, result.diagnostics
    registry = default_registry()
    with connect(warehouse, result.project, registry) as wh:
        outcome = compute_links(wh, result.project, registry, as_of=AS_OF)
    assert outcome.diagnostics == [], outcome.diagnostics

    units = expected_units(case)
    cuts = list(np.percentile([s for s, _ in units], [100 / 3, 200 / 3]))
    groupings = {
        "by-nps": (nps, ("detractor", "promoter")),
        "by-thirds": (lambda s: f"q{1 + sum(s > c for c in cuts)}", ("q1", "q3")),
    }
    for link, (group_of, (a, b)) in groupings.items():
        by_group: dict[str, list[float]] = {}
        for score, y in units:
            by_group.setdefault(group_of(score), []).append(y)
        stats = {name: exact(ys) for name, ys in by_group.items()}
        groups = {g.group: g for g in outcome.groups if g.link == link}
        assert set(groups) == set(by_group), (link, groups)
        for name, ys in by_group.items():
            group, (mean, half, _) = groups[name], stats[name]
            assert half > 0.05, (case, link, name)  # the spread is there to be lost
            assert group.n == len(ys), (link, group)
            assert close(group.value, mean, half), (case, link, group, float(mean), half)
            assert close(group.lower, mean - Fraction(half), half), (
                case,
                link,
                group,
                float(mean - Fraction(half)),
            )
            assert close(group.upper, mean + Fraction(half), half), (
                case,
                link,
                group,
                float(mean + Fraction(half)),
            )
        (contrast,) = [c for c in outcome.contrasts if c.link == link]
        assert (contrast.a, contrast.b) == (a, b)
        (m_a, _, v_a), (m_b, _, v_b) = stats[a], stats[b]
        n_a, n_b = len(by_group[a]), len(by_group[b])
        se = math.sqrt(v_a + v_b)
        df = float((v_a + v_b) ** 2 / (v_a**2 / (n_a - 1) + v_b**2 / (n_b - 1)))
        half = t_quantile(0.975, df) * se
        d = m_a - m_b
        assert close(contrast.difference, d, half), (case, link, contrast, float(d))
        assert close(contrast.lower, d - Fraction(half), half), (case, link, contrast, float(d) - half)
        assert close(contrast.upper, d + Fraction(half), half), (case, link, contrast, float(d) + half)
        if m_a > 0 and m_b > 0:
            assert contrast.ratio == pytest.approx(float(m_a / m_b), rel=1e-8, abs=1e-8)
