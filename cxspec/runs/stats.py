"""The few statistical tests CX issue detection needs, in pure Python (stdlib only).

- the standard normal distribution and its two-sided p-value (via ``math.erfc``);
- the regularized incomplete beta function I_x(a, b), by its continued fraction evaluated
  with the modified Lentz method;
- Student's t distribution (CDF and two-sided p-value, any real df > 0) through I_x;
- Welch's t-test and the z-test for the difference of two independent estimates, both from
  the estimates' standard errors (what a stored result carries: se = moe / 1.96).

The tests of a difference are oriented as *second minus first*: a positive statistic means
the second estimate is larger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "TestResult",
    "normal_cdf",
    "normal_two_sided_p",
    "regularized_incomplete_beta",
    "t_cdf",
    "t_two_sided_p",
    "welch_df",
    "welch_t_test",
    "z_test",
]

_EPS = 1e-15  # relative precision the continued fraction is evaluated to
_TINY = 1e-300  # keeps Lentz's method away from division by zero
_MAX_ITERATIONS = 10_000


@dataclass(frozen=True)
class TestResult:
    """A test statistic, its two-sided p-value and, for t-tests, the degrees of freedom."""

    __test__ = False  # not a pytest test class, whatever its name

    statistic: float
    p_value: float
    df: float | None = None


# -- normal ---------------------------------------------------------------------------------


def normal_cdf(z: float) -> float:
    """P(Z ≤ z) for a standard normal Z."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def normal_two_sided_p(z: float) -> float:
    """P(|Z| ≥ |z|) for a standard normal Z: erfc(|z|/√2), accurate far into the tails."""
    if math.isnan(z):
        raise ValueError("z is NaN")
    return math.erfc(abs(z) / math.sqrt(2.0))


# -- incomplete beta ----------------------------------------------------------------------


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) = B(x; a, b) / B(a, b) for a, b > 0 and 0 ≤ x ≤ 1.

    The continued fraction converges quickly for x < (a + 1)/(a + b + 2); above that the
    symmetry I_x(a, b) = 1 − I_{1−x}(b, a) is used instead.
    """
    if not (a > 0 and b > 0):
        raise ValueError(f"a and b must be positive, got a={a!r}, b={b!r}")
    if not 0.0 <= x <= 1.0:  # also rejects NaN
        raise ValueError(f"x must be within [0, 1], got {x!r}")
    if x == 0.0 or x == 1.0:
        return x
    if x > (a + 1.0) / (a + b + 2.0):
        return 1.0 - _incomplete_beta_cf(b, a, 1.0 - x)
    return _incomplete_beta_cf(a, b, x)


def _incomplete_beta_cf(a: float, b: float, x: float) -> float:
    """I_x(a, b) = x^a (1−x)^b / (a·B(a, b)) · 1 / (1 + d1/(1 + d2/(1 + …))), where

    d(2m+1) = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
    d(2m)   = m (b − m) x / ((a + 2m − 1)(a + 2m)).

    The fraction K = 1 + d1/(1 + d2/(1 + …)) is evaluated forwards by the modified Lentz
    method: with f = C = 1 and D = 0, every term updates D ← 1/(1 + d·D), C ← 1 + d/C and
    multiplies f by C·D, until that factor is 1 within the precision asked for.
    """
    log_front = a * math.log(x) + b * math.log1p(-x) + math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    front = math.exp(log_front) / a

    f, c, d = 1.0, 1.0, 0.0
    for step in range(1, _MAX_ITERATIONS + 1):
        m = step // 2
        if step % 2:  # odd: d(2m+1)
            term = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        else:  # even: d(2m), m ≥ 1
            term = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d = 1.0 + term * d
        if abs(d) < _TINY:
            d = _TINY
        d = 1.0 / d
        c = 1.0 + term / c
        if abs(c) < _TINY:
            c = _TINY
        factor = c * d
        f *= factor
        if abs(factor - 1.0) < _EPS:
            return front / f
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}, x={x}")


# -- Student's t --------------------------------------------------------------------------


def _check_df(df: float) -> None:
    if not df > 0:  # also rejects NaN
        raise ValueError(f"degrees of freedom must be positive, got {df!r}")


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| ≥ |t|) for T ~ Student's t with df degrees of freedom (df may be fractional).

    P(|T| ≥ |t|) = I_{df/(df + t²)}(df/2, 1/2); df = ∞ is the normal distribution.
    """
    if math.isnan(t):
        raise ValueError("t is NaN")
    _check_df(df)
    if math.isinf(df):
        return normal_two_sided_p(t)
    if math.isinf(t):
        return 0.0
    return regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t * t))


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for T ~ Student's t with df degrees of freedom."""
    if math.isnan(t):
        raise ValueError("t is NaN")
    _check_df(df)
    if math.isinf(df):
        return normal_cdf(t)
    tail = 0.5 * t_two_sided_p(t, df)  # P(T ≥ |t|)
    return 1.0 - tail if t > 0 else tail


# -- tests of a difference -------------------------------------------------------------------


def _combined_se(se1: float, se2: float) -> float:
    if se1 < 0 or se2 < 0 or math.isnan(se1) or math.isnan(se2):
        raise ValueError(f"standard errors must be non-negative numbers, got {se1!r} and {se2!r}")
    se = math.hypot(se1, se2)
    if se == 0.0:
        raise ValueError("both standard errors are 0: the difference has no sampling distribution")
    return se


def z_test(estimate1: float, se1: float, estimate2: float, se2: float) -> TestResult:
    """Two-sided z-test of estimate2 − estimate1 for two independent, normally distributed
    estimates with standard errors se1 and se2: z = (e2 − e1)/√(se1² + se2²)."""
    z = (estimate2 - estimate1) / _combined_se(se1, se2)
    return TestResult(statistic=z, p_value=normal_two_sided_p(z))


def welch_df(se1: float, n1: int, se2: float, n2: int) -> float:
    """The Welch–Satterthwaite degrees of freedom from the standard errors of two means:

    ν = (se1² + se2²)² / (se1⁴/(n1 − 1) + se2⁴/(n2 − 1))
    """
    if n1 < 2 or n2 < 2:
        raise ValueError(f"each sample needs at least 2 observations, got n1={n1!r}, n2={n2!r}")
    v1, v2 = se1 * se1, se2 * se2
    total = v1 + v2
    if total == 0.0:
        raise ValueError("both standard errors are 0: the degrees of freedom are undefined")
    return total * total / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))


def welch_t_test(mean1: float, se1: float, n1: int, mean2: float, se2: float, n2: int) -> TestResult:
    """Welch's two-sided t-test of mean2 − mean1 (unequal variances), from each mean's
    standard error s/√n and sample size: t = (m2 − m1)/√(se1² + se2²) on the
    Welch–Satterthwaite degrees of freedom."""
    se = _combined_se(se1, se2)
    df = welch_df(se1, n1, se2, n2)
    t = (mean2 - mean1) / se
    return TestResult(statistic=t, p_value=t_two_sided_p(t, df), df=df)


def pooled_z_test(estimate1: float, se1: float, n1: int, estimate2: float, se2: float, n2: int) -> TestResult:
    """Two-sided z-test of estimate2 − estimate1 for two proportions (or NPS nets) with the
    variance pooled over both samples, as the hypothesis of no difference has it: the
    textbook two-proportion z-test. Each variance per observation is se²·n, each second
    moment se²·n + estimate²; the pooled variance is the mixed second moment less the mixed
    estimate². Unlike `z_test` it does not take a sample at 0% (a margin of 0) as certain."""
    if n1 < 1 or n2 < 1:
        raise ValueError(f"each sample needs an observation, got n1={n1!r}, n2={n2!r}")
    mixed = (estimate1 * n1 + estimate2 * n2) / (n1 + n2)
    moments = (se1 * se1 * n1 + estimate1 * estimate1) * n1 + (se2 * se2 * n2 + estimate2 * estimate2) * n2
    second = moments / (n1 + n2)
    error = math.sqrt(max(second - mixed * mixed, 0.0) * (1 / n1 + 1 / n2))
    if error == 0.0:
        raise ValueError("every observation alike: no test")
    z = (estimate2 - estimate1) / error
    return TestResult(statistic=z, p_value=normal_two_sided_p(z))


def pooled_t_test(mean1: float, se1: float, n1: int, mean2: float, se2: float, n2: int) -> TestResult:
    """Student's two-sided t-test of mean2 − mean1 with the variance pooled over both samples
    (each sample's variance se²·n), on n1 + n2 − 2 degrees of freedom: the means' analogue of
    `pooled_z_test`, for a sample whose own spread is no guide (a small one)."""
    if n1 + n2 < 3:
        raise ValueError(f"the samples need 3 observations together, got n1={n1!r}, n2={n2!r}")
    df = n1 + n2 - 2
    pooled = ((n1 - 1) * se1 * se1 * n1 + (n2 - 1) * se2 * se2 * n2) / df
    error = math.sqrt(max(pooled, 0.0) * (1 / n1 + 1 / n2))
    if error == 0.0:
        raise ValueError("every observation alike: no test")
    t = (mean2 - mean1) / error
    return TestResult(statistic=t, p_value=t_two_sided_p(t, df), df=df)
