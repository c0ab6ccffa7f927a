"""Deterministic 95% intervals for importance: a delete-a-group jackknife over the hash
buckets of one scan (moments.py). Each replicate leaves one bucket out; the spread of the
replicates gives the standard error, and Student's t with G−1 degrees of freedom the limits.
"""

from __future__ import annotations

import numpy as np

from cxspec.drivers.algebra import Degenerate, Moments, importance_of_many
from cxspec.runs.stats import t_cdf

LEVEL = 0.95


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t by bisection on its CDF (stdlib only, exact to 1e-12)."""
    low, high = 0.0, 1000.0
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def jackknife(buckets: list[Moments], estimate: np.ndarray, method: str):
    """(lower, upper) arrays, or None when fewer than 2 buckets or a replicate is degenerate."""
    total = sum(buckets[1:], buckets[0]) if buckets else None
    groups = len(buckets)
    if groups < 2:
        return None
    try:
        replicates = importance_of_many([total - bucket for bucket in buckets], method)
    except (Degenerate, np.linalg.LinAlgError):
        return None
    mean = replicates.mean(axis=0)
    se = np.sqrt((groups - 1) / groups * ((replicates - mean) ** 2).sum(axis=0))
    half = t_quantile(1 - (1 - LEVEL) / 2, groups - 1) * se
    return estimate - half, estimate + half
