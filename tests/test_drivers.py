"""Key-driver analysis: every figure against an independent computation on the raw rows
(plain numpy least squares, Shapley values by enumerating every order of entry), on DuckDB,
SQLite and PostgreSQL; relaimpo's published swiss figures; data problems as located
diagnostics; interval coverage by simulation. Origins of the data: tests/fixtures/drivers/README.md.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from cxspec.drivers.algebra import Moments, figures
from cxspec.drivers.intervals import jackknife
from cxspec.drivers.moments import BUCKETS
from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.validate import validate_project

FIXTURE = Path(__file__).parent / "fixtures" / "drivers"
ENGINES = ("duckdb", "sqlite", "postgres")
SWISS = ["agriculture", "examination", "education", "catholic", "infant_mortality"]


@pytest.fixture(params=ENGINES)
def warehouse(request):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///:memory:"


@pytest.fixture(scope="module")
def project():
    result = validate_project(FIXTURE, default_registry())
    assert result.ok, result.diagnostics
    return result.project


def computed(project, url, ids=(), **options):
    from cxspec.drivers.compute import compute_drivers

    registry = default_registry()
    with connect(url, project, registry) as wh:
        return compute_drivers(wh, project, registry, ids, **options)


# -- the independent computation -------------------------------------------------------------


def read(name):
    with open(FIXTURE / "data" / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def swiss_rows():
    rows = read("swiss.csv")
    return np.array([[float(r["fertility"])] + [float(r[c]) for c in SWISS] for r in rows])


def mtcars_rows():
    rows = read("mtcars.csv")
    return np.array([[float(r[c]) for c in ("mpg", "cyl", "disp", "hp", "wt")] for r in rows])


def ratings_rows():
    out = []
    for r in read("ratings.csv"):
        values = [r["ltr"], r["sat_billing"], r["sat_network"]]
        if "" in values or "" in (r["sat_price"], r["sat_plan"]):
            continue
        ltr, billing, network = map(float, values)
        if not 1 <= network <= 5:
            continue
        out.append([ltr, billing, network, (float(r["sat_price"]) + float(r["sat_plan"])) / 2])
    return np.array(out)


def r2_of(data, columns):
    y = data[:, 0]
    if not columns:
        return 0.0
    a = np.column_stack([np.ones(len(y)), data[:, [c + 1 for c in columns]]])
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    residual = y - a @ coef
    return 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))


def lmg_by_orders(data):
    """Every order of entry, each driver's R² gain averaged: the definition of LMG."""
    p = data.shape[1] - 1
    total = np.zeros(p)
    for order in itertools.permutations(range(p)):
        entered = []
        for j in order:
            total[j] += r2_of(data, entered + [j]) - r2_of(data, entered)
            entered.append(j)
    return total / math.factorial(p)


def relative_weights_by_regressions(data):
    """Johnson (2000) by its definition: the orthogonal counterparts Z of the standardized
    drivers (from an SVD), the outcome regressed on Z, each driver regressed on Z."""
    x = data[:, 1:]
    y = data[:, 0]
    xs = (x - x.mean(0)) / x.std(0, ddof=1)
    ys = (y - y.mean()) / y.std(ddof=1)
    u, _, vt = np.linalg.svd(xs, full_matrices=False)
    z = u @ vt * np.sqrt(len(x) - 1)  # unit variance, like the standardized drivers
    beta, *_ = np.linalg.lstsq(z, ys, rcond=None)
    loadings, *_ = np.linalg.lstsq(z, xs, rcond=None)
    return (loadings.T**2) @ (beta**2)


def standardized_betas(data):
    z = (data - data.mean(0)) / data.std(0, ddof=1)
    coef, *_ = np.linalg.lstsq(z[:, 1:], z[:, 0], rcond=None)
    return coef


def expected(data, method):
    importance = {
        "shapley": lmg_by_orders,
        "relative_weights": relative_weights_by_regressions,
        "correlation": lambda d: np.array(
            [np.corrcoef(d[:, 0], d[:, j])[0, 1] ** 2 for j in range(1, d.shape[1])]
        ),
    }[method](data)
    return {
        "importance": importance,
        "correlation": [np.corrcoef(data[:, 0], data[:, j])[0, 1] for j in range(1, data.shape[1])],
        "beta": standardized_betas(data),
        "performance": data[:, 1:].mean(0),
        "r2": r2_of(data, list(range(data.shape[1] - 1))),
        "n": len(data),
    }


CASES = {
    "swiss-lmg": (swiss_rows, "shapley", SWISS),
    "swiss-rw": (swiss_rows, "relative_weights", SWISS),
    "swiss-corr": (lambda: swiss_rows()[:, [0, 1, 3]], "correlation", ["agriculture", "education"]),
    "ratings": (ratings_rows, "shapley", ["billing", "network", "value"]),
    "mtcars-rw": (mtcars_rows, "relative_weights", ["cyl", "disp", "hp", "wt"]),
}

# relaimpo's calc.relimp(lm(Fertility ~ ., swiss), type = "lmg"). Primary source: Grömping (2006),
# J. Stat. Software 17(1), https://www.jstatsoft.org/article/view/v017i01, prints 47 observations,
# response variance 156.0425, R² 70.67%, lmg of Agriculture 0.05709122. All five values to 13
# digits (relaimpo 2.2-7, R 4.4) as recorded in a secondary source, GitHub Siamang-Labs/siamang,
# tests/test_drivers.py::test_shapley_matches_relaimpo_lmg_on_swiss.
RELAIMPO_SWISS_LMG = [0.0570912207681, 0.1711730289002, 0.2601346786244, 0.1055701503735, 0.1127659229265]
RELAIMPO_SWISS_R2 = 0.706735001593

# Johnson's (2000) relative weights as the rwa package publishes them for mtcars,
# rwa_multiregress(mtcars, "mpg", c("cyl", "disp", "hp", "wt")): raw relative weights, R² 0.8486,
# n 32 (https://martinctc.github.io/rwa/articles/regression-methods.html), 7 printed decimals.
RWA_MTCARS = [0.2096904, 0.1883043, 0.1799590, 0.2706812]


# -- tests ------------------------------------------------------------------------------------


def test_swiss_matches_relaimpos_published_figures(project, warehouse):
    results = computed(project, warehouse, ["swiss-lmg"]).results
    assert [r.driver for r in results] == SWISS
    assert results[0].importance == pytest.approx(0.05709122, abs=5e-9)  # as Grömping (2006) prints it
    assert [r.importance for r in results] == pytest.approx(RELAIMPO_SWISS_LMG, abs=1e-9)
    assert results[0].r2 == pytest.approx(0.7067, abs=5e-5)
    assert results[0].r2 == pytest.approx(RELAIMPO_SWISS_R2, abs=1e-9)
    assert all(r.n == 47 for r in results)
    assert np.var(swiss_rows()[:, 0], ddof=1) == pytest.approx(156.0425, abs=5e-5)
    assert sum(r.importance for r in results) == pytest.approx(results[0].r2, abs=1e-9)


def test_mtcars_matches_the_rwa_packages_published_relative_weights(project, warehouse):
    results = computed(project, warehouse, ["mtcars-rw"]).results
    assert [r.driver for r in results] == ["cyl", "disp", "hp", "wt"]
    assert [r.importance for r in results] == pytest.approx(RWA_MTCARS, abs=5e-8)
    assert results[0].r2 == pytest.approx(0.8486, abs=5e-5)
    assert all(r.n == 32 for r in results)
    assert sum(r.importance for r in results) == pytest.approx(results[0].r2, abs=1e-9)


@pytest.mark.parametrize("analysis", sorted(CASES))
def test_every_figure_agrees_with_plain_least_squares(project, warehouse, analysis):
    rows, method, names = CASES[analysis]
    want = expected(rows(), method)
    got = [r for r in computed(project, warehouse, [analysis]).results]
    assert [r.driver for r in got] == names
    for index, result in enumerate(got):
        assert result.n == want["n"]
        assert result.r2 == pytest.approx(want["r2"], abs=1e-6)
        for name in ("importance", "correlation", "beta", "performance"):
            assert getattr(result, name) == pytest.approx(want[name][index], abs=1e-6), (name, result.driver)
        assert result.share == pytest.approx(100 * want["importance"][index] / want["r2"], abs=1e-6)
        assert result.lower < result.importance < result.upper
    if method != "correlation":
        assert sum(want["importance"]) == pytest.approx(want["r2"], abs=1e-9)


def test_intervals_are_the_same_on_every_engine_and_every_run(project, warehouse):
    first = computed(project, "duckdb:///:memory:", ["ratings"]).results
    again = computed(project, warehouse, ["ratings"]).results
    for a, b in zip(first, again, strict=True):
        assert (a.lower, a.upper) == pytest.approx((b.lower, b.upper), abs=1e-9)


def test_intervals_are_a_jackknife_over_key_buckets(project):
    data = swiss_rows()
    keys = np.arange(1, len(data) + 1)
    buckets = []
    for b in range(BUCKETS):
        part = data[keys % BUCKETS == b]
        buckets.append(Moments(float(len(part)), part.sum(0), part.T @ part))
    total = sum(buckets[1:], buckets[0])
    estimate = figures(total, "shapley").importance
    lower, upper = jackknife(buckets, estimate, "shapley")
    got = computed(project, "duckdb:///:memory:", ["swiss-lmg"]).results
    assert [r.lower for r in got] == pytest.approx(list(lower), abs=1e-9)
    assert [r.upper for r in got] == pytest.approx(list(upper), abs=1e-9)


def ratings_split(month: str, region: str):
    """ratings_rows() restricted to one month and region, read independently."""
    out = []
    for r in read("ratings.csv"):
        if not r["responded_at"].startswith(month) or r["region"] != region:
            continue
        if "" in (r["ltr"], r["sat_billing"], r["sat_network"], r["sat_price"], r["sat_plan"]):
            continue
        network = float(r["sat_network"])
        if not 1 <= network <= 5:
            continue
        value = (float(r["sat_price"]) + float(r["sat_plan"])) / 2
        out.append([float(r["ltr"]), float(r["sat_billing"]), network, value])
    return np.array(out)


def test_grain_and_by_split_the_analysis(project):
    results = computed(project, "duckdb:///:memory:", ["ratings"], grain="month", by=("region",)).results
    keys = sorted({(r.period, r.dimensions["region"]) for r in results})
    assert keys == [(f"2026-0{m}-01", region) for m in (1, 2, 3) for region in ("north", "south")]
    for period, region in keys:
        data = ratings_split(period[:7], region)
        want = expected(data, "shapley")
        got = [r for r in results if (r.period, r.dimensions["region"]) == (period, region)]
        assert [r.driver for r in got] == ["billing", "network", "value"]
        for index, result in enumerate(got):
            assert result.n == want["n"] > 0
            assert result.r2 == pytest.approx(want["r2"], abs=1e-6)
            assert result.importance == pytest.approx(want["importance"][index], abs=1e-6)
            assert result.performance == pytest.approx(want["performance"][index], abs=1e-6)
    assert sum(r.n for r in results if r.driver == "billing") == len(ratings_rows())


def test_from_and_to_select_days(project):
    results = computed(project, "duckdb:///:memory:", ["ratings"], start=__import__("datetime").date(2026, 2, 1),
                       end=__import__("datetime").date(2026, 2, 28)).results  # fmt: skip
    data = [r for r in read("ratings.csv") if r["responded_at"].startswith("2026-02")]
    complete = [
        r for r in data
        if "" not in (r["ltr"], r["sat_billing"], r["sat_network"]) and 1 <= float(r["sat_network"]) <= 5
    ]  # fmt: skip
    assert results[0].n == len(complete)


def test_cli_json_has_the_contract_shape(run_main):
    code, out, err = run_main("drivers", str(FIXTURE), "swiss-lmg", "--format", "json")
    assert code in (0, None), err
    rows = json.loads(out)["drivers"]
    assert set(rows[0]) == {"analysis", "period", "dimensions", "driver", "importance", "share", "correlation",
                            "beta", "performance", "lower", "upper", "n", "r2"}  # fmt: skip
    assert rows[0]["period"] is None and rows[0]["dimensions"] == {}
    code, out, _ = run_main("drivers", str(FIXTURE), "swiss-lmg")
    assert "agriculture" in out and "0.057" in out


def test_cli_refuses_an_unknown_analysis(run_main):
    code, _, err = run_main("drivers", str(FIXTURE), "nope")
    assert code == 2 and "no drivers analysis 'nope'" in err


# -- bad data: located diagnostics, never a traceback or a NaN --------------------------------

SPEC = """\
version: 1
sources:
  - id: s
    type: file
    path: data/s.csv
    key: id
drivers:
  - id: a
    source: s
    outcome: y
    min_sample: {min_sample}
    drivers:
      - {{name: x1, column: x1}}
      - {{name: x2, column: x2}}
"""


def bad_project(make_project, rows, min_sample=3):
    lines = ["id,y,x1,x2"] + [",".join(map(str, (i, *r))) for i, r in enumerate(rows, 1)]
    return make_project(
        {"specs/a.yaml": SPEC.format(min_sample=min_sample), "data/s.csv": "\n".join(lines) + "\n"}
    )


@pytest.mark.parametrize(
    ("rows", "code", "line"),
    [
        ([(1, 2, 5), (2, 2, 3), (3, 2, 1), (5, 2, 2), (4, 2, 9)], "CX600", 13),  # x1 constant
        ([(1, 1, 2), (2, 2, 4), (3, 3, 6), (5, 4, 8), (4, 5, 10)], "CX601", 13),  # x2 = 2 x1
        ([(3, 1, 2), (3, 2, 1), (3, 3, 5), (3, 4, 3), (3, 5, 1)], "CX604", 10),  # y constant
        ([(1, 1, 2), (2, 2, 1), (3, 4, 4)], "CX602", 8),  # 3 rows, 2 drivers need 4
        ([(1, "a", 2), (2, "b", 1), (3, "c", 5), (4, "d", 3), (4, "e", 3)], "CX603", 13),  # text
    ],
)
def test_bad_data_is_a_located_diagnostic(make_project, run_main, warehouse, rows, code, line):
    root = bad_project(make_project, rows)
    exit_code, out, err = run_main("drivers", str(root), "--format", "json", "--warehouse", warehouse)
    assert exit_code == 1
    assert re.search(rf"specs/a\.yaml:{line}:\d+: error {code}: ", err), err
    assert "= hint: " in err
    assert "Traceback" not in err and "NaN" not in out and "nan" not in out
    assert json.loads(out) == {"drivers": []}


def test_too_few_complete_cases_for_min_sample(make_project, run_main, warehouse):
    root = bad_project(make_project, [(1, 1, 2), (2, 2, 1), (3, 4, 4), (5, 3, 3), (4, 4, 1)], min_sample=100)
    exit_code, _, err = run_main("drivers", str(root), "--warehouse", warehouse)
    assert exit_code == 1 and "min_sample is 100" in err
    assert re.search(r"specs/a\.yaml:\d+:\d+: error CX602: ", err) and "= hint: " in err, err


def test_more_than_fifteen_drivers_is_refused(make_project, validate):
    drivers = "\n".join(f"      - {{name: x{i}, column: x{i}}}" for i in range(16))
    root = make_project(
        {
            "specs/a.yaml": SPEC.split("    drivers:")[0].format(min_sample=3)
            + "    drivers:\n"
            + drivers
            + "\n"
        }
    )
    codes = [d.code for d in validate(root).diagnostics]
    assert "CX312" in codes


# -- coverage of the intervals, by simulation ---------------------------------------------------


def test_jackknife_intervals_cover_the_true_importance_about_95_percent():
    """Seeded: 300 samples of 400 rows from a known population; the population's LMG comes
    from its correlation matrix. Coverage per driver must be near 95% (binomial slack)."""
    rng = np.random.default_rng(2026)
    p = 3
    cov = np.array([[1.0, 0.5, 0.4, 0.3], [0.5, 1.0, 0.3, 0.2], [0.4, 0.3, 1.0, 0.25], [0.3, 0.2, 0.25, 1.0]])
    population = figures(Moments(1e12, np.zeros(p + 1), cov * (1e12 - 1)), "shapley").importance
    chol = np.linalg.cholesky(cov)
    covered = np.zeros(p)
    trials = 300
    for _ in range(trials):
        data = rng.standard_normal((400, p + 1)) @ chol.T
        keys = np.arange(400)
        buckets = []
        for b in range(BUCKETS):
            part = data[keys % BUCKETS == b]
            buckets.append(Moments(float(len(part)), part.sum(0), part.T @ part))
        total = sum(buckets[1:], buckets[0])
        estimate = figures(total, "shapley").importance
        lower, upper = jackknife(buckets, estimate, "shapley")
        covered += (lower <= population) & (population <= upper)
    coverage = covered / trials
    assert all(0.88 <= c <= 0.995 for c in coverage), coverage


def test_strongly_collinear_drivers_are_a_warning_with_their_vif(make_project, run_main):
    # x2 is x1 plus a little noise: VIF far over 10, but not exact collinearity
    rows = [(i % 7, i, i + (0.3 if i % 2 else -0.3)) for i in range(1, 30)]
    root = bad_project(make_project, rows)
    exit_code, out, err = run_main("drivers", str(root), "--format", "json")
    assert exit_code in (0, None) and "CX606" in err and "variance inflation factor" in err
    assert len(json.loads(out)["drivers"]) == 2


def test_a_source_without_key_or_entity_has_no_interval(make_project, run_main):
    rows = [(i % 7 + (i % 3), i % 5, (i * 7) % 11) for i in range(1, 40)]
    lines = ["id,y,x1,x2"] + [",".join(map(str, (i, *r))) for i, r in enumerate(rows, 1)]
    spec = SPEC.format(min_sample=3).replace("    key: id\n", "")
    root = make_project({"specs/a.yaml": spec, "data/s.csv": "\n".join(lines) + "\n"})
    exit_code, out, err = run_main("drivers", str(root), "--format", "json")
    assert exit_code in (0, None) and "CX605" in err
    assert all(r["lower"] is None and r["upper"] is None for r in json.loads(out)["drivers"])
