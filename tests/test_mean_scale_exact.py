"""Means on a scale (csat and ces means, a mean with `scale`) sum their whole answers and
those answers' squares about the scale's midpoint, and take the margin's numerator
n·Q − (S − n·K)² as a DECIMAL (sqlkit.scale_center, scale_deviations): each value, margin
and count must equal an exact computation (fractions) on the same rows, for the total and
every segment, on DuckDB, SQLite and PostgreSQL: answers far from the midpoint with little
spread (the numerator's two terms nearly cancel), a negative scale, a scale far from 0, one
whose sums are too large for a double to add exactly (1e15: the engines' own variance then),
answers that are not whole numbers or off the scale (invalid), one answer (no margin) and
equal answers (margin 0). Also the numerator's arithmetic alone at a billion answers."""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import pytest
import sqlglot
from sqlglot import exp

from cxspec.compiler.sqlkit import scale_center, scale_deviations
from cxspec.query import Request, compute
from cxspec.registry import default_registry
from cxspec.validate import validate_project

Z = 1.96
CONFIG = "version: 1\nproject: scales\nsegments: [store]\n"
HUGE = 10**15  # Σx of 80 answers near 1e15 is beyond 2⁵³: not exact as a double
#: metric id → (spec fields, column, scale)
METRICS = {
    "five": ("type: mean, column: a, scale: [1, 5]", "a", (1, 5)),
    "csat": ("type: csat, column: a, aggregate: mean", "a", (1, 5)),
    "ces": ("type: ces, column: c", "c", (1, 7)),
    "wide": ("type: mean, column: w, scale: [0, 1000]", "w", (0, 1000)),
    "neg": ("type: mean, column: g, scale: [-1000, -1]", "g", (-1000, -1)),
    "far": ("type: mean, column: f, scale: [999000, 1000000]", "f", (999000, 1000000)),
    "huge": (f"type: mean, column: h, scale: [{HUGE}, {HUGE + 1000}]", "h", (HUGE, HUGE + 1000)),
    "same": ("type: mean, column: s, scale: [1, 5]", "s", (1, 5)),
    "one": ("type: mean, column: a, scale: [1, 5], filter: 'id = 7'", "a", (1, 5)),
}
SPEC = (
    "version: 1\nsources:\n"
    "  - {id: r, type: file, path: data/r.csv, time: t, key: id, dimensions: [store]}\n"
    "metrics:\n" + "".join(f"  - {{id: {m}, source: r, {fields}}}\n" for m, (fields, _, _) in METRICS.items())
)
COLUMNS = ("a", "c", "w", "g", "f", "h", "s")


def rows() -> list[dict]:
    """80 answers over two months and three stores; some of `a` not whole, off the scale or text."""
    out = []
    for i in range(80):
        a = 1 + i * 7 % 5
        if i % 11 == 3:
            a = 2.5  # not a whole number: invalid
        elif i % 13 == 4:
            a = 6  # off the scale
        elif i % 17 == 5:
            a = "n/a"
        out.append(
            {
                "id": i,
                "t": dt.date(2026, 1 + i % 2, 1 + i % 28),
                "store": "abc"[i % 3],
                "a": a,
                "c": 1 + i * 3 % 7,
                "w": 1000 - i % 3 if i % 19 else 999,
                "g": -1 - i % 4,
                "f": 1000000 - i % 5,
                "h": HUGE + i % 4,
                "s": 4,
            }
        )
    return out


def files() -> dict:
    lines = [",".join(str(r[k]) for k in ("id", "t", "store", *COLUMNS)) for r in rows()]
    header = "id,t,store," + ",".join(COLUMNS)
    return {"specs/a.yaml": SPEC, "data/r.csv": header + "\n" + "\n".join(lines) + "\n"}


def valid(x, scale) -> bool:
    return isinstance(x, int) and scale[0] <= x <= scale[1]


def expected() -> dict:
    """(metric, month, store or None) → (mean, margin or None, n, invalid), exactly."""
    found: dict = {}
    for metric, (_, column, scale) in METRICS.items():
        for r in rows():
            if metric == "one" and r["id"] != 7:
                continue
            for store in (None, r["store"]):
                cell = found.setdefault((metric, f"2026-{r['t'].month:02d}-01", store), ([], [0]))
                if valid(r[column], scale):
                    cell[0].append(r[column])
                else:
                    cell[1][0] += 1
    want = {}
    for key, (xs, invalid) in found.items():
        n = len(xs)
        mean = Fraction(sum(xs), n)
        margin = None
        if n > 1:
            variance = sum((x - mean) ** 2 for x in xs) / (n - 1)
            margin = Z * math.sqrt(variance / n)
        want[key] = (mean, margin, n, invalid[0])
    return want


@pytest.fixture(params=("duckdb", "sqlite", "postgres"))
def warehouse(request):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///:memory:"


def test_means_on_a_scale_equal_plain_python(make_project, warehouse):
    root = make_project(files(), config=CONFIG)
    checked = validate_project(root, default_registry())
    assert checked.ok, checked.diagnostics
    got = compute(
        checked.project, Request(grain="month", segments=(("store",),)), default_registry(), warehouse
    )
    results = {(r.metric, str(r.period)[:10], r.dimensions.get("store")): r for r in got}
    want = expected()
    assert set(results) == set(want)
    assert sum(1 for k in want if k[0] == "one") == 2  # the total and its store, one answer each
    wrong = []
    for key, (mean, margin, n, invalid) in sorted(want.items(), key=str):
        r = results[key]
        # 12 significant digits kept (query.py); 1e15 + 0…3 keeps what a double leaves of
        # its spread in the engines' own variance: a unit in the last place against the
        # standard deviation (as test_mean_large_values.digits)
        rel = 1e-11 if key[0] != "huge" or n < 2 else 1e-6 + math.ulp(HUGE) / (margin / Z * math.sqrt(n))
        ok = (r.n, r.invalid) == (n, invalid) and r.value == pytest.approx(float(mean), rel=1e-11)
        if margin is None or margin == 0:
            ok = ok and r.moe == margin
        else:
            ok = ok and r.moe == pytest.approx(margin, rel=rel)
        if not ok:
            wrong.append((key, (r.value, r.moe, r.n, r.invalid), (float(mean), margin, n, invalid)))
    assert not wrong, wrong
    assert all(results[("same", m, None)].moe == 0 for m in ("2026-01-01", "2026-02-01"))
    assert results[("wide", "2026-01-01", None)].moe > 0


def test_which_scales_sum_squares():
    """The midpoint for a scale whose sums a double adds exactly; none for one too wide or
    too far from 0, nor on SQLite (no DECIMAL: its double numerator would lose digits)."""
    assert scale_center((1, 5), "duckdb") == 3
    assert scale_center((-1000, -1), "postgres") == -501
    assert scale_center((999000, 1000000), "spark") == 999500
    assert scale_center((0, 1001), "duckdb") is None
    assert scale_center((HUGE, HUGE + 10), "duckdb") is None
    assert scale_center((1, 5), "sqlite") is None
    assert scale_center(None, "duckdb") is None


@pytest.mark.parametrize("engine", ("duckdb", "postgres"))
def test_the_numerator_is_exact_at_a_billion_answers(engine, request):
    """(n·Q − (S − n·K)²)/n from sums as doubles, n a billion answers on [0, 1000] that are
    999 or 1000: the two terms are about 2.5e23 and cancel to 2.5e17; in doubles their
    difference would be off by millions, in DECIMAL it is exact."""
    n, nines = 10**9, 10**9 // 3
    total = 999 * nines + 1000 * (n - nines)
    squares = 499**2 * nines + 500**2 * (n - nines)
    deviations = Fraction(n * squares - (total - 500 * n) ** 2, n)
    assert float(n) * float(squares) - float(total - 500 * n) ** 2 != n * deviations  # doubles lose it
    dialect = "postgres" if engine == "postgres" else "duckdb"
    cols = {name: exp.column(name) for name in ("s", "n", "q")}
    formula = scale_deviations(cols["s"], cols["n"], cols["q"], 500)
    inputs = ", ".join(
        f"CAST({v} AS DOUBLE PRECISION) AS {k}" for k, v in (("s", total), ("n", n), ("q", squares))
    )
    sql = f"SELECT {formula.sql(dialect)} FROM (SELECT {inputs}) AS t"
    if engine == "duckdb":
        import duckdb

        got = duckdb.connect().execute(sql).fetchone()[0]
    else:
        import psycopg

        with psycopg.connect(request.getfixturevalue("postgres_url")) as conn:
            got = conn.execute(sql).fetchone()[0]
    assert got == float(deviations)
    assert sqlglot.parse_one(sql, read=dialect)  # one statement
