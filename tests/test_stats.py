"""cxspec.runs.stats against textbook values, closed forms and independent integration."""

from __future__ import annotations

import importlib.util
import math
import random
import statistics

import pytest

from cxspec.runs.stats import (
    TestResult,
    normal_cdf,
    normal_two_sided_p,
    regularized_incomplete_beta,
    t_cdf,
    t_two_sided_p,
    welch_df,
    welch_t_test,
    z_test,
)

approx = pytest.approx


# -- normal ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("z", "p"),
    [
        (0.0, 1.0),
        (1.0, 0.3173105078629141),  # the 68-95-99.7 rule: 1 - 0.6827
        (1.6449, 0.10),
        (1.96, 0.05),
        (2.5758, 0.01),
        (3.2905, 0.001),
    ],
)
def test_normal_two_sided_p_textbook_values(z, p):
    assert normal_two_sided_p(z) == approx(p, rel=1e-3, abs=1e-12)
    assert normal_two_sided_p(-z) == normal_two_sided_p(z)


def test_normal_two_sided_p_far_tail_does_not_underflow_to_zero_early():
    # 2·(1 − Φ(10)) = 1.5239706e-23: 1 − Φ would lose it entirely.
    assert normal_two_sided_p(10.0) == approx(1.523970604832e-23, rel=1e-9)


def test_normal_cdf():
    assert normal_cdf(0.0) == 0.5
    assert normal_cdf(1.6449) == approx(0.95, abs=1e-5)
    assert normal_cdf(-1.96) == approx(0.025, abs=1e-5)
    assert normal_cdf(1.3) + normal_cdf(-1.3) == approx(1.0)


def test_normal_nan_is_an_error():
    with pytest.raises(ValueError):
        normal_two_sided_p(float("nan"))


# -- incomplete beta ----------------------------------------------------------------------

XS = [0.001, 0.05, 0.2, 0.37, 0.5, 0.63, 0.8, 0.95, 0.999]


@pytest.mark.parametrize("x", XS)
def test_incomplete_beta_closed_forms(x):
    assert regularized_incomplete_beta(1, 1, x) == approx(x, rel=1e-12)  # uniform
    assert regularized_incomplete_beta(3.5, 1, x) == approx(x**3.5, rel=1e-12)
    assert regularized_incomplete_beta(1, 4.2, x) == approx(1 - (1 - x) ** 4.2, rel=1e-12)
    assert regularized_incomplete_beta(2, 2, x) == approx(3 * x**2 - 2 * x**3, rel=1e-12)
    # arcsine distribution
    arcsine = 2 / math.pi * math.asin(math.sqrt(x))
    assert regularized_incomplete_beta(0.5, 0.5, x) == approx(arcsine, rel=1e-12)


@pytest.mark.parametrize("x", XS)
@pytest.mark.parametrize(("a", "b"), [(0.3, 7.0), (2.5, 0.5), (40.0, 60.0), (500.0, 0.5)])
def test_incomplete_beta_symmetry(a, b, x):
    assert regularized_incomplete_beta(a, b, x) + regularized_incomplete_beta(b, a, 1 - x) == approx(1.0)


@pytest.mark.parametrize("a", [0.5, 1.0, 3.0, 17.5, 250.0])
def test_incomplete_beta_at_one_half_for_equal_parameters(a):
    assert regularized_incomplete_beta(a, a, 0.5) == approx(0.5, rel=1e-12)


@pytest.mark.parametrize(("n", "p"), [(5, 0.3), (12, 0.5), (30, 0.1)])
def test_incomplete_beta_is_the_binomial_tail(n, p):
    # P(X ≥ k) for X ~ Binomial(n, p) = I_p(k, n − k + 1)
    for k in range(1, n + 1):
        tail = math.fsum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1))
        assert regularized_incomplete_beta(k, n - k + 1, p) == approx(tail, rel=1e-10, abs=1e-300)


def test_incomplete_beta_hand_value():
    # P(Bin(5, 0.3) ≥ 2) = 1 − 0.7⁵ − 5·0.3·0.7⁴ = 1 − 0.16807 − 0.36015
    assert regularized_incomplete_beta(2, 4, 0.3) == approx(0.47178, abs=1e-12)


def test_incomplete_beta_edges_and_errors():
    assert regularized_incomplete_beta(2.0, 3.0, 0.0) == 0.0
    assert regularized_incomplete_beta(2.0, 3.0, 1.0) == 1.0
    for a, b, x in [(0, 1, 0.5), (1, -1, 0.5), (1, 1, -0.1), (1, 1, 1.5), (1, 1, float("nan"))]:
        with pytest.raises(ValueError):
            regularized_incomplete_beta(a, b, x)


def test_incomplete_beta_is_monotonic_in_x():
    values = [regularized_incomplete_beta(7.3, 2.1, i / 200) for i in range(201)]
    assert values == sorted(values)


# -- Student's t ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "df", "p"),
    [
        # two-sided critical values from the t table (3 decimals)
        (12.706, 1, 0.05),
        (4.303, 2, 0.05),
        (2.571, 5, 0.05),
        (2.228, 10, 0.05),
        (2.086, 20, 0.05),
        (2.042, 30, 0.05),
        (1.980, 120, 0.05),
        (63.657, 1, 0.01),
        (3.169, 10, 0.01),
        (1.812, 10, 0.10),
    ],
)
def test_t_two_sided_p_table_values(t, df, p):
    assert t_two_sided_p(t, df) == approx(p, abs=2e-4)
    assert t_two_sided_p(-t, df) == t_two_sided_p(t, df)


@pytest.mark.parametrize("t", [-30.0, -3.0, -1.0, -0.2, 0.0, 0.7, 2.0, 9.0, 250.0])
def test_t_cdf_closed_forms(t):
    # df = 1 is the Cauchy distribution; df = 2 has the closed form ½ + t/(2√(2 + t²)).
    assert t_cdf(t, 1) == approx(0.5 + math.atan(t) / math.pi, rel=1e-11)
    assert t_cdf(t, 2) == approx(0.5 + t / (2 * math.sqrt(2 + t * t)), rel=1e-11)


def test_t_cdf_properties():
    assert t_cdf(0.0, 7) == 0.5
    assert t_two_sided_p(0.0, 7) == 1.0
    assert t_cdf(1.5, 9.5) + t_cdf(-1.5, 9.5) == approx(1.0)
    assert t_cdf(2.0, 9.5) == approx(1 - t_two_sided_p(2.0, 9.5) / 2)
    assert t_two_sided_p(float("inf"), 3) == 0.0
    # a t with infinite df is the normal; with huge df it is very close
    assert t_two_sided_p(1.96, math.inf) == normal_two_sided_p(1.96)
    assert t_two_sided_p(1.96, 1e7) == approx(normal_two_sided_p(1.96), rel=1e-6)
    assert t_cdf(-1.0, math.inf) == normal_cdf(-1.0)
    # heavier tails with fewer degrees of freedom
    assert t_two_sided_p(2.0, 3) > t_two_sided_p(2.0, 10) > t_two_sided_p(2.0, 100) > normal_two_sided_p(2.0)


def test_t_errors():
    for df in (0, -1, float("nan")):
        with pytest.raises(ValueError):
            t_two_sided_p(1.0, df)
    with pytest.raises(ValueError):
        t_cdf(float("nan"), 3)


def _t_pdf(x: float, df: float) -> float:
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1) / 2 * math.log1p(x * x / df))


def _two_sided_by_simpson(t: float, df: float, steps: int = 4000) -> float:
    """1 − 2·∫₀^|t| pdf: an independent route to the same p-value."""
    h = abs(t) / steps
    total = _t_pdf(0, df) + _t_pdf(abs(t), df)
    total += math.fsum((4 if i % 2 else 2) * _t_pdf(i * h, df) for i in range(1, steps))
    return 1 - 2 * total * h / 3


@pytest.mark.parametrize(("t", "df"), [(2.3, 3.7), (1.1, 27.7777), (0.4, 0.8), (3.9, 14.25), (2.0, 250.5)])
def test_t_two_sided_p_matches_numerical_integration_for_fractional_df(t, df):
    assert t_two_sided_p(t, df) == approx(_two_sided_by_simpson(t, df), abs=1e-9)


# -- z-test and Welch ---------------------------------------------------------------------


def test_z_test_by_hand():
    # z = (30 − 40)/√(3² + 4²) = −10/5 = −2; two-sided p = erfc(2/√2) = 0.0455003
    result = z_test(40.0, 3.0, 30.0, 4.0)
    assert isinstance(result, TestResult)
    assert result.statistic == approx(-2.0)
    assert result.p_value == approx(0.04550026389635842, rel=1e-12)
    assert result.df is None
    assert z_test(30.0, 4.0, 40.0, 3.0).statistic == approx(2.0)  # second minus first


def test_z_test_one_zero_standard_error_is_fine_two_are_not():
    assert z_test(50.0, 0.0, 45.0, 2.5).statistic == approx(-2.0)
    with pytest.raises(ValueError):
        z_test(50.0, 0.0, 45.0, 0.0)
    with pytest.raises(ValueError):
        z_test(50.0, -1.0, 45.0, 1.0)


def test_welch_df_by_hand():
    # ν = (1 + 4)² / (1²/10 + 2⁴/20) = 25 / (0.1 + 0.8) = 27.777…
    assert welch_df(1.0, 11, 2.0, 21) == approx(250 / 9)
    # equal standard errors and sizes: ν = 2(n − 1)
    assert welch_df(0.7, 16, 0.7, 16) == approx(30.0)
    # one error zero: only the other sample's n − 1 remains
    assert welch_df(0.0, 5, 1.3, 40) == approx(39.0)


def test_welch_t_test_by_hand():
    # t = (14 − 10)/√(1² + 2²) = 4/√5 = 1.78885…, ν = 250/9
    result = welch_t_test(10.0, 1.0, 11, 14.0, 2.0, 21)
    assert result.statistic == approx(4 / math.sqrt(5))
    assert result.df == approx(250 / 9)
    assert result.p_value == approx(_two_sided_by_simpson(4 / math.sqrt(5), 250 / 9), abs=1e-9)
    assert 0.08 < result.p_value < 0.09


# Welch's t-test, Wikipedia "Welch's t-test", example 1: t = −2.46, ν ≈ 25.0, p = 0.021.
A1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
A2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]


def _mean_se_n(sample):
    return statistics.fmean(sample), statistics.stdev(sample) / math.sqrt(len(sample)), len(sample)


def test_welch_t_test_textbook_example():
    result = welch_t_test(*_mean_se_n(A1), *_mean_se_n(A2))
    assert result.statistic == approx(2.46, abs=0.005)  # A2 − A1
    assert result.df == approx(25.0, abs=0.05)
    assert result.p_value == approx(0.021, abs=0.0005)


def test_welch_errors():
    with pytest.raises(ValueError):
        welch_t_test(1.0, 0.5, 1, 2.0, 0.5, 10)  # n < 2: no variance
    with pytest.raises(ValueError):
        welch_t_test(1.0, 0.0, 10, 2.0, 0.0, 10)


# -- cross-check with scipy where it happens to be installed ---------------------------------


@pytest.mark.skipif(importlib.util.find_spec("scipy") is None, reason="scipy is not installed")
def test_against_scipy():
    from scipy import special
    from scipy import stats as scipy_stats

    rng = random.Random(20260401)
    for _ in range(500):
        a, b, x = 10 ** rng.uniform(-1.5, 3), 10 ** rng.uniform(-1.5, 3), rng.random()
        expected_beta = float(special.betainc(a, b, x))
        assert regularized_incomplete_beta(a, b, x) == approx(expected_beta, rel=1e-9, abs=1e-250)
        t, df = rng.uniform(-40, 40), 10 ** rng.uniform(-0.5, 3.5)
        assert t_cdf(t, df) == approx(float(scipy_stats.t.cdf(t, df)), rel=1e-9, abs=1e-250)
    expected = scipy_stats.ttest_ind(A2, A1, equal_var=False)
    result = welch_t_test(*_mean_se_n(A1), *_mean_se_n(A2))
    assert result.statistic == approx(float(expected.statistic), rel=1e-10)
    assert result.p_value == approx(float(expected.pvalue), rel=1e-9)
    assert result.df == approx(float(expected.df), rel=1e-10)
