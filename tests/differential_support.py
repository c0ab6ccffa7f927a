"""What the differential tests of links and drivers share (tests/test_differential_links.py,
tests/test_differential_drivers.py): the hypothesis budget of tests/test_differential.py, the
engines, times written in several ways, and the statistics of the plain-Python references,
written again here from their textbook definitions (nothing of cxspec's own computation is
imported: a reference that shares the code under test cannot disagree with it).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from test_differential import EXAMPLES, PHASES

#: A file to append each example's outcome to (what it came to), to see what a long profile
#: exercised (as tests/test_differential_segments.py).
LOG = os.environ.get("CXSPEC_DIFFERENTIAL_LOG")

#: The budget and phases of tests/test_differential.py (CXSPEC_DIFFERENTIAL_EXAMPLES,
#: CXSPEC_DIFFERENTIAL_PROFILE=long).
differential = settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: The 97.5% point of the standard normal distribution.
Z = 1.959963984540054


def engine_urls(tmp: str | Path, postgres_url: str) -> dict[str, str]:
    """Each engine as a warehouse URL: DuckDB and SQLite in files of `tmp`, the session's PostgreSQL."""
    return {
        "duckdb": f"duckdb:///{tmp}/w.duckdb",
        "sqlite": f"sqlite:///{tmp}/w.db",
        "postgres": postgres_url,
    }


# -- times ---------------------------------------------------------------------------------------

TIME_STYLES = ["naive", "naive_t", "utc", "offset"]


def render_moment(moment: dt.datetime, style: str, zone: int = 0) -> str:
    """A naive UTC instant as a CSV field: `2026-01-05 10:00:00`, `…T…`, `…Z`, or the local
    time at a whole-hour `zone` with its offset."""
    if style == "naive":
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if style == "naive_t":
        return moment.strftime("%Y-%m-%dT%H:%M:%S")
    if style == "utc":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    local = moment + dt.timedelta(hours=zone)
    sign = "-" if zone < 0 else "+"
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(zone):02d}:00"


def as_number(field: str | None) -> float | None:
    """A CSV field as a number the way a person reads it (' 7 ' is 7), else None."""
    if field is None or not field.strip():
        return None
    try:
        value = float(field.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# -- statistics ----------------------------------------------------------------------------------


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), by Lentz's continued fraction."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1.0 - _incomplete_beta(b, a, 1.0 - x)
    front = (
        math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
        / a
    )
    tiny = 1e-300
    f, c, d = 1.0, 1.0, 0.0
    for i in range(0, 400):
        m = i // 2
        if i == 0:
            numerator = 1.0
        elif i % 2 == 0:
            numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        else:
            numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1.0 + numerator * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + numerator / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        f *= c * d
        if abs(1.0 - c * d) < 1e-15:
            break
    return front * (f - 1.0)


def student_t_cdf(x: float, df: float) -> float:
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + x * x))
    return 1.0 - tail if x >= 0 else tail


def student_t_quantile(p: float, df: float) -> float:
    """The p-quantile (p > 0.5) of Student's t with df degrees of freedom, by bisection."""
    low, high = 0.0, 1e4
    for _ in range(200):
        middle = (low + high) / 2
        if student_t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def wilson_interval(events: int, n: int) -> tuple[float, float]:
    """Wilson's score interval for events / n, inside [0, 1]."""
    p = events / n
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def close(got, want, *, rel: float = 1e-9, places: int | None = None) -> bool:
    """Equal within `rel`, or within the last of `places` decimals cxspec rounds to (and a
    little: an engine's sums differ in their last bits)."""
    if got is None or want is None:
        return got is None and want is None
    tolerance = 1.5 * 10.0**-places if places is not None else 0.0
    return math.isclose(got, want, rel_tol=rel, abs_tol=tolerance)
