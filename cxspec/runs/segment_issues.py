"""Issues of the segments (`segments:` in cxspec.yaml; docs/running.md, "Segments").

Each segment gets the issues the total gets (goal_red by the segment's own goal,
significant_drop against the segment's previous period, below_journey, insufficient_sample;
no_data only for metrics the segment has results for in some period), routed to the owner
holding the segment (cxspec/runs/segment_owners.py), and one more kind:

``below_rest``: the segment's value is worse than the rest of the total (the total without
the segment) and a two-sided test at the metric's alpha (default 95%) says so: the test of
`significant_drop`, by the metric type's statistic (the pooled two-proportion z-test), but
Student's t for means, with the variance pooled over the segment and the rest (a store of 2
answers alike has no spread of its own: Welch's t would take it as certain). The rest is recovered exactly
from the stored total and segment (n, value, margin of error):

- proportions (rate, top box): successes k = round(value/100 · n); rest k_t − k_s of n_t − n_s;
- NPS: p_P − p_D = value/100 and p_P + p_D = n·(moe/196)² + (value/100)², so promoters and
  detractors are counts again; the rest's are differences;
- means: s = moe·√n/1.96, the sum of squared deviations (n − 1)s²; the rest's mean and
  variance by Chan's combination of (n, mean, deviations) run backwards (no sums of raw
  squares: they keep none of the spread of values far from 0); Student's t.

Totals, order statistics and computed metrics (counts, percentiles, ratios) have no
sampling error stored: no below_rest for them.
"""

from __future__ import annotations

import math
from dataclasses import replace

from cxspec.display import format_count, format_p_value, format_with_unit
from cxspec.issues_state.criteria import metric_criteria
from cxspec.issues_state.ids import id_of
from cxspec.metric_type import Statistic
from cxspec.query import Converted, MetricResult, iso_day
from cxspec.runs.issues import Z_95, Issue, _Detector, _order, detect_issues
from cxspec.runs.rollup import INSUFFICIENT
from cxspec.runs.segment_owners import segment_label
from cxspec.runs.stats import pooled_t_test, pooled_z_test
from cxspec.runs.store import segment_keys


def detect_all(project, registry, results: list[MetricResult], period: str | None = None) -> list[Issue]:
    """The issues of the total and of every segment in `results` (all stored periods of one
    grain), in a stable order; `period` defaults to the latest period of the total."""
    total = [r for r in results if not r.dimensions]
    if period is None:
        periods = {iso_day(r.period) for r in total}
        if not periods:
            return []
        period = max(periods)
    issues = detect_issues(project, registry, total, period)
    found = segment_issues(project, registry, results, iso_day(period))
    return sorted(issues + found, key=_order)  # stable: the total's first among equals


def segment_issues(project, registry, results: list[MetricResult], period: str) -> list[Issue]:
    segments: dict[str, tuple[dict, dict[str, dict[str, MetricResult]]]] = {}
    totals: dict[tuple[str, str], MetricResult] = {}
    days = Converted(iso_day)
    # Results share one dimensions dict per segment (query.py, store.load): a segment's
    # histories are found by the dict itself (`by_dict`; every dict lives while this runs),
    # its key made once per dict.
    dimensions_key = segment_keys()
    by_dict: dict[int, dict[str, dict[str, MetricResult]]] = {}
    for r in results:  # every stored row: no copy or new dict per row, only per segment and metric
        d = r.dimensions
        if not d:
            totals[(r.metric, days[r.period])] = r
            continue
        metrics = by_dict.get(id(d))
        if metrics is None:
            key = dimensions_key(d)
            entry = segments.get(key)
            if entry is None:
                entry = segments[key] = (dict(d), {})
            metrics = by_dict[id(d)] = entry[1]
        history = metrics.get(r.metric)
        if history is None:
            history = metrics[r.metric] = {}
        history[days[r.period]] = r
    issues: list[Issue] = []
    for key in sorted(segments):
        dimensions, by_metric = segments[key]
        detector = _Detector(project, registry, by_metric, period, dimensions)
        for metric_id in sorted(by_metric):
            metric = project.metrics.get(metric_id)
            if metric is None:
                continue
            at = detector.at(metric)  # a metric of its own grain: its own period (cxspec/grains.py)
            issues.extend(at.metric_issues(metric))
            total = totals.get((metric_id, at.period))
            below = _below_rest(at, metric, by_metric[metric_id].get(at.period), total)
            if below is not None:
                issues.append(below)
        issues.extend(detector.touchpoint_issues())
    return [replace(issue, id=id_of(issue)) for issue in issues]


def _below_rest(detector: _Detector, metric, segment: MetricResult | None, total: MetricResult | None):
    if segment is None or total is None or INSUFFICIENT in (segment.status, total.status):
        return None
    statistic = detector._statistic(metric)
    rest = rest_of(statistic, total, segment)
    if rest is None:
        return None
    value, se, n = rest
    worse = segment.value > value if metric.lower_is_better else segment.value < value
    if not worse:
        return None
    p_value = below_rest_p(statistic, (value, se, n), segment)
    alpha = metric_criteria(detector.project, metric).alpha
    if p_value is None or not p_value < alpha:
        return None
    display = detector._display(metric)
    return detector._issue(
        "below_rest",
        metric,
        f"{detector._label(metric)} is {format_with_unit(display, segment.value)} in {detector.period}, "
        f"{'above' if metric.lower_is_better else 'below'} the rest of the total "
        f"({format_with_unit(display, value)}, n = {format_count(n)}; {segment_label(segment.dimensions)} "
        f"n = {format_count(segment.n)}), a significant gap ({format_p_value(p_value, alpha)}).",
        severity="warning",
        value=segment.value,
        previous=value,
        p_value=p_value,
    )


def rest_of(statistic: Statistic, total: MetricResult, segment: MetricResult):
    """(value, standard error, n) of the total without the segment, or None when it cannot
    be told (no margin stored, fewer than 2 observations left, a statistic without error)."""
    if None in (total.value, total.n, total.moe, segment.value, segment.n, segment.moe):
        return None
    n = total.n - segment.n
    if n < 2:
        return None
    if statistic is Statistic.PROPORTION:
        k = round(total.value / 100 * total.n) - round(segment.value / 100 * segment.n)
        p = min(max(k / n, 0.0), 1.0)
        return 100 * p, 100 * math.sqrt(p * (1 - p) / n), n
    if statistic is Statistic.NET_PROPORTION:
        promoters_t, detractors_t = _net_counts(total)
        promoters_s, detractors_s = _net_counts(segment)
        promoters, detractors = max(promoters_t - promoters_s, 0), max(detractors_t - detractors_s, 0)
        net, both = (promoters - detractors) / n, (promoters + detractors) / n
        return 100 * net, 100 * math.sqrt(max(both - net * net, 0.0) / n), n
    if statistic is Statistic.MEAN:
        # Chan's combination of (n, mean, M2) run backwards: no sums of raw squares, which
        # keep none of the spread of values far from 0 (1e9 + cents; the squares need 18 digits).
        m, gap = segment.n, segment.value - total.value
        mean = total.value - m * gap / n
        between = m * total.n / n * gap * gap
        total_m2, segment_m2 = _deviations(total), _deviations(segment)
        m2 = total_m2 - segment_m2 - between
        # What the stored figures' 12 digits (query.py) leave of the rest: a segment far from
        # the rest (1e12 against a few units) or a mean of 1e12 + 0…3 leaves fewer digits than
        # the test needs. No test then, rather than a rest of some other spread or mean.
        digits = _STORED * (abs(total.value) * (1 + m / n) + m / n * abs(segment.value))
        spread = _STORED * (2 * (total_m2 + segment_m2) + 2 * between)
        if gap:
            spread += _STORED * 2 * between * (abs(total.value) + abs(segment.value)) / abs(gap)
        if m2 <= 0 or spread > 0.01 * m2 or digits > 0.01 * math.sqrt(m2 / (n - 1) / n):
            return None
        return mean, math.sqrt(m2 / (n - 1) / n), n
    return None


def below_rest_p(statistic: Statistic, rest: tuple, segment: MetricResult) -> float | None:
    """The two-sided p of the gap between the rest and the segment, under the hypothesis that
    the segment is like the rest: one variance per observation, pooled over both (the pooled
    two-proportion z-test, also NPS's; Student's t for means). A segment's own spread is no
    guide when it is small: 0 of 2 has a margin of 0, and the unpooled test (each side's own
    error) called every tiny store at 0% significant (p < 0.001)."""
    value, se, n = rest
    m = segment.n
    seg_se = segment.moe / Z_95
    test = pooled_t_test if statistic is Statistic.MEAN else pooled_z_test
    try:
        return test(value, se, n, segment.value, seg_se, m).p_value
    except ValueError:  # too few observations, or every one alike: no test
        return None


def _net_counts(result: MetricResult) -> tuple[int, int]:
    """(promoters, detractors) of an NPS result from its value and margin of error."""
    net = result.value / 100
    both = result.n * (result.moe / (Z_95 * 100)) ** 2 + net * net
    return round((both + net) / 2 * result.n), round((both - net) / 2 * result.n)


#: The relative error of a stored value or margin: 12 significant digits (query.py).
_STORED = 5e-12


def _deviations(result: MetricResult) -> float:
    """Σ(x − mean)² of a mean's observations, (n − 1)s², from its n and margin of error."""
    s = result.moe * math.sqrt(result.n) / Z_95
    return (result.n - 1) * s * s
