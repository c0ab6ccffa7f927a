"""Intervals and contrasts of a link (stdlib only): Wilson score intervals for rates, t
intervals for means, Newcombe's hybrid score interval (his method 10, Statistics in Medicine
1998) for a difference of rates, Welch's interval for a difference of means; scores' spreads
pooled into groups without sums of raw squares."""

from __future__ import annotations

import math
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Pooled:
    """A group's values: `n`, their mean as `reference + offset` (the reference is one score's
    mean, so that the offset of a large mean, 1e12 + 1.5, keeps its small digits) and
    `squares`, the sum of their squared deviations from that mean."""

    n: int
    reference: float
    offset: float
    squares: float

    @property
    def mean(self) -> float:
        return self.reference + self.offset


def pool(parts) -> Pooled:
    """Scores' (n, mean, sum of deviations from it, sum of their squares) added up to one
    group (sql.py): each score's own spread, corrected for its mean's rounding (the deviations'
    sum), plus the spread of the scores' means about the group's, all as small numbers about
    the largest score's mean (Chan, Golub and LeVeque's pairwise formula)."""
    parts = list(parts)
    n = sum(p[0] for p in parts)
    reference = max(parts, key=lambda p: p[0])[1]
    offsets = [(mean - reference) + deviations / count for count, mean, deviations, _ in parts]
    offset = math.fsum(count * o for (count, *_), o in zip(parts, offsets, strict=True)) / n
    within = math.fsum(max(0.0, sq - dev * dev / count) for count, _, dev, sq in parts)
    between = math.fsum(count * (o - offset) ** 2 for (count, *_), o in zip(parts, offsets, strict=True))
    return Pooled(n, reference, offset, within + between)


def mean_interval(group: Pooled) -> tuple[float, float | None, float | None, float | None]:
    """(mean, lower, upper, standard error); no interval for fewer than 2 responses."""
    mean = group.mean
    if group.n < 2:
        return mean, None, None, None
    se = math.sqrt(group.squares / (group.n - 1) / group.n)
    half = t_quantile(0.975, group.n - 1) * se
    return mean, mean - half, mean + half, se


def difference(a: Pooled, b: Pooled) -> float:
    """a's mean − b's: the references' difference and the offsets' apart (two means of 1e12
    differ by their small digits, which a.mean − b.mean would round away)."""
    return (a.reference - b.reference) + (a.offset - b.offset)


def welch(a: Pooled, se_a: float, b: Pooled, se_b: float):
    """(difference, lower, upper) of a's mean − b's by Welch's t."""
    d = difference(a, b)
    se = math.sqrt(se_a * se_a + se_b * se_b)
    if se == 0:
        return d, d, d
    df = welch_df(se_a, a.n, se_b, b.n)
    half = t_quantile(0.975, df) * se
    return d, d - half, d + half
