"""Key-driver figures from moments (count, sums, cross-products): correlations, R² of every
subset of drivers, Shapley values of R² (LMG, as R's relaimpo computes them), Johnson's
relative weights, standardized betas. Plain numpy on a (p+1)×(p+1) matrix: the rows never
leave the warehouse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: A variance this small relative to the squared mean (plus one) is no variance at all.
CONSTANT = 1e-12
#: A mean whose square is over this many times the variance is summed again less itself
#: (`rebased`): raw sums of squares would keep fewer than 12 of a double's 16 digits.
REBASE = 1e4
#: An eigenvalue of the drivers' correlation matrix below this means exact collinearity.
COLLINEAR = 1e-10

METHODS = ("shapley", "relative_weights", "correlation")


@dataclass
class Moments:
    """n, Σv and Σv·vᵀ of the outcome (index 0) and the drivers (1…p), of the values less
    `shift` (none: 0), which only the means add back: the rest does not depend on it."""

    n: float
    sums: np.ndarray
    cross: np.ndarray
    shift: np.ndarray | None = None

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.sums + other.sums, self.cross + other.cross, self.shift)

    def __sub__(self, other: Moments) -> Moments:
        return Moments(self.n - other.n, self.sums - other.sums, self.cross - other.cross, self.shift)

    @property
    def means(self) -> np.ndarray:
        return self.centred_means if self.shift is None else self.centred_means + self.shift

    @property
    def centred_means(self) -> np.ndarray:
        """The means of the shifted values (those the sums are of)."""
        return self.sums / self.n

    def spreads(self) -> np.ndarray:
        """Each variable's variance over n (not n − 1) from the sums as they are: what raw sums
        of squares keep of it (`rebased`, compute._nearer)."""
        return np.diag(self.cross) / self.n - self.centred_means**2

    def covariance(self) -> np.ndarray:
        mean = self.centred_means
        return (self.cross - self.n * np.outer(mean, mean)) / (self.n - 1)


def rebased(m: Moments) -> list[float] | None:
    """Per variable, a round number near its mean to subtract from its values before they are
    summed, when its spread is small against its mean (1e9 + 0…6): Σv² − (Σv)²/n of raw
    values then cancels (a double keeps 16 digits of 1e18: none of a variance of 4), and the
    variable would be a constant. 0 for the others; None when none needs it (or n < 2)."""
    if m.n < 2:
        return None
    with np.errstate(all="ignore"):
        mean = m.centred_means
        wanted = np.isfinite(mean) & (mean != 0) & (mean**2 > REBASE * np.maximum(m.spreads(), 0.0))
    if not wanted.any():
        return None
    return [float(f"{value:.6g}") if want else 0.0 for value, want in zip(mean, wanted, strict=True)]


class Degenerate(Exception):
    """Data whose figures do not exist: `kind` is constant | collinear | outcome | few."""

    def __init__(self, kind: str, which: list[int] | None = None, value: float | None = None):
        super().__init__(kind)
        self.kind = kind
        self.which = which or []
        self.value = value


def correlations(m: Moments) -> np.ndarray:
    """The correlation matrix, after checking that every variable varies."""
    if m.n < 3:
        raise Degenerate("few")
    cov = m.covariance()
    variances = np.diag(cov).copy()
    scale = m.centred_means**2 + 1.0
    flat = variances <= CONSTANT * scale
    if flat[0]:
        raise Degenerate("outcome", [0], float(m.means[0]))
    if flat[1:].any():
        raise Degenerate("constant", [int(i) for i in np.nonzero(flat)[0]], None)
    sd = np.sqrt(variances)
    corr = cov / np.outer(sd, sd)
    np.fill_diagonal(corr, 1.0)
    rxx = corr[1:, 1:]
    values, vectors = np.linalg.eigh(rxx)
    if values[0] < COLLINEAR:
        involved = np.nonzero(np.abs(vectors[:, 0]) > 1e-6)[0]
        raise Degenerate("collinear", [int(i) + 1 for i in involved])
    return corr


@lru_cache(maxsize=16)
def _subsets(p: int):
    """For Shapley values: the masks without each driver and the weight of each. Built once
    per number of drivers."""
    masks = np.arange(1 << p)
    sizes = np.array([int(m).bit_count() for m in masks])
    weight_of_size = np.array(
        [
            math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p) if k < p else 0.0
            for k in range(p + 1)
        ]
    )
    without = [masks[(masks >> j & 1) == 0] for j in range(p)]
    weights = [weight_of_size[sizes[w]] for w in without]
    return without, weights


def subset_r2(corr: np.ndarray) -> np.ndarray:
    """R² of the regression of the outcome on every subset of drivers, by bitmask (bit j is
    driver j), by sweeping: the correlation matrix with the drivers of S partialled out has
    1 − R²(S) in its outcome corner, and adding a driver j to S is one Schur complement on j.
    Subsets are built in order of their highest driver: those whose highest is j are every
    earlier subset plus j, and only the outcome and drivers after j matter to them (they are
    swept on nothing before j), so their matrices shrink as j grows: 2^p small matrices in
    p batches. `corr` may be a stack of correlation matrices (the jackknife's replicates),
    swept together."""
    stack = corr if corr.ndim == 3 else corr[None]
    p = stack.shape[1] - 1
    r2 = np.zeros((stack.shape[0], 1 << p))
    # per highest driver (first: the empty subset): the subsets' masks and their swept
    # matrices over the outcome and the drivers after it, (replicates, subsets, k, k)
    groups = [(np.zeros(1, dtype=np.int64), stack[:, None])]
    for j in range(p):
        masks, swept = [], []
        for g, (before, matrices) in enumerate(groups):
            at = j - g + 1  # driver j's position: the group's matrices start at driver g
            keep = [0, *range(at + 1, matrices.shape[-1])]
            column = matrices[:, :, keep, at]
            block = matrices[:, :, keep][:, :, :, keep]
            swept.append(
                block - column[..., :, None] * column[..., None, :] / matrices[:, :, at, at, None, None]
            )
            masks.append(before | 1 << j)
        group = (np.concatenate(masks), np.concatenate(swept, axis=1))
        r2[:, group[0]] = 1.0 - group[1][:, :, 0, 0]
        groups.append(group)
    return r2 if corr.ndim == 3 else r2[0]


def shapley(corr: np.ndarray) -> np.ndarray:
    """LMG: each driver's R² gain averaged over every order of entry, computed as a weighted
    sum over subsets: weight |S|!(p−|S|−1)!/p! for the gain of adding j to S. A stack of
    correlation matrices gives a stack of results."""
    p = corr.shape[-1] - 1
    r2 = subset_r2(corr)
    without, weights = _subsets(p)
    return np.stack(
        [(r2[..., without[j] | (1 << j)] - r2[..., without[j]]) @ weights[j] for j in range(p)], axis=-1
    )


def relative_weights(corr: np.ndarray) -> np.ndarray:
    """Johnson (2000): regress the outcome on the orthogonal counterparts of the drivers and
    share each counterpart's contribution back by its squared loadings."""
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    values, vectors = np.linalg.eigh(rxx)
    lam = vectors @ np.diag(np.sqrt(values)) @ vectors.T
    beta = np.linalg.solve(lam, rxy)
    return (lam**2) @ (beta**2)


def squared_correlations(corr: np.ndarray) -> np.ndarray:
    return corr[1:, 0] ** 2


IMPORTANCE = {"shapley": shapley, "relative_weights": relative_weights, "correlation": squared_correlations}


@dataclass
class Figures:
    n: int
    r2: float
    importance: np.ndarray
    correlation: np.ndarray
    beta: np.ndarray
    performance: np.ndarray
    #: Variance inflation factor of each driver: 1/(1 − R²) of it on the other drivers.
    vif: np.ndarray


def figures(m: Moments, method: str) -> Figures:
    corr = correlations(m)
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    beta = np.linalg.solve(rxx, rxy)
    return Figures(
        n=int(round(m.n)),
        r2=float(rxy @ beta),
        importance=IMPORTANCE[method](corr),
        correlation=rxy.copy(),
        beta=beta,
        performance=m.means[1:].copy(),
        vif=np.diag(np.linalg.inv(rxx)).copy(),
    )


def importance_only(m: Moments, method: str) -> np.ndarray:
    return IMPORTANCE[method](correlations(m))


def importance_of_many(moments: list[Moments], method: str) -> np.ndarray:
    """Importances of several samples (the jackknife's replicates); Shapley values in one batch."""
    corrs = np.array([correlations(m) for m in moments])
    if method == "shapley":
        return shapley(corrs)
    return np.array([IMPORTANCE[method](c) for c in corrs])
