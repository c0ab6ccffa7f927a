"""Intervals and contrasts of a link (stdlib only): Wilson score intervals for rates, t
intervals for means, Newcombe's hybrid score interval (his method 10, Statistics in Medicine
1998) for a difference of rates, Welch's interval for a difference of means."""

from __future__ import annotations

import math

from cxspec.drivers.intervals import t_quantile
from cxspec.runs.stats import welch_df

#: The 97.5% point of the standard normal distribution.
Z = 1.959963984540054


def wilson(events: float, n: float) -> tuple[float, float]:
    p = events / n
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(events_a: float, n_a: float, events_b: float, n_b: float) -> tuple[float, float, float]:
    """(difference, lower, upper) of p_a − p_b by the hybrid score method."""
    p_a, p_b = events_a / n_a, events_b / n_b
    l_a, u_a = wilson(events_a, n_a)
    l_b, u_b = wilson(events_b, n_b)
    d = p_a - p_b
    return (
        d,
        d - math.sqrt((p_a - l_a) ** 2 + (u_b - p_b) ** 2),
        d + math.sqrt((u_a - p_a) ** 2 + (p_b - l_b) ** 2),
    )


def mean_interval(
    total: float, squares: float, n: float
) -> tuple[float, float | None, float | None, float | None]:
    """(mean, lower, upper, standard error); no interval for fewer than 2 responses."""
    mean = total / n
    if n < 2:
        return mean, None, None, None
    variance = max(0.0, (squares - n * mean * mean) / (n - 1))
    se = math.sqrt(variance / n)
    half = t_quantile(0.975, n - 1) * se
    return mean, mean - half, mean + half, se


def welch(mean_a: float, se_a: float, n_a: float, mean_b: float, se_b: float, n_b: float):
    """(difference, lower, upper) of mean_a − mean_b by Welch's t."""
    d = mean_a - mean_b
    se = math.sqrt(se_a * se_a + se_b * se_b)
    if se == 0:
        return d, d, d
    df = welch_df(se_a, int(n_a), se_b, int(n_b))
    half = t_quantile(0.975, df) * se
    return d, d - half, d + half
