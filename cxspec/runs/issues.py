"""CX issues from stored results (docs/running.md, "What a run computes"), each routed to its owner.

For one period (the latest stored one by default) of one grain without dimensions:

- ``goal_red``: the metric's status is red;
- ``significant_drop``: it changed for the worse since the previous period that has a
  value, and a two-sided test at 95% says so (means, by the type's `statistic`: Welch's t;
  NPS and proportions: the pooled two-proportion z-test; other estimates: normal
  approximation), with each period's standard error taken as moe/1.96;
- ``below_journey``: a touch point's score is more than 10 points below its journey's mean;
- ``insufficient_sample``: the metric's n is below its ``min_sample``;
- ``no_data``: the project has the metric but the period has no value for it.

Numbers in the sentences are written by the metric type's display (cxspec/display.py), as
in every report.

Owner of a metric's issue: the metric's owner, else its touch point's, else that touch
point's journey's. Owner of a touch point's issue: its owner, else its journey's.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, replace

from cxspec.display import Display, format_count, format_p_value, format_score, format_value, format_with_unit
from cxspec.grains import leaf_period, metric_grain
from cxspec.issue_rule import IssueContext
from cxspec.issues_state.criteria import metric_criteria, project_criteria
from cxspec.issues_state.ids import id_of
from cxspec.metric_type import Statistic
from cxspec.query import MetricResult, iso_day
from cxspec.runs.rollup import INSUFFICIENT, rollup
from cxspec.runs.segment_owners import segment_label, segment_owner, total_owner
from cxspec.runs.stats import pooled_z_test, welch_t_test, z_test

#: Statistics whose changes are tested with the variance pooled over both samples.
POOLED = (Statistic.PROPORTION, Statistic.NET_PROPORTION)
#: Kinds in the order issues are listed (within a severity).
KINDS = ("goal_red", "significant_drop", "below_journey", "below_rest", "insufficient_sample", "no_data")
ERROR_KINDS = frozenset({"goal_red", "significant_drop"})
#: The default two-sided significance level of `significant_drop` (`issues: {alpha}` in
#: cxspec.yaml or on a metric changes it: cxspec/issues_state/criteria.py).
ALPHA = 0.05
#: The normal quantile stored margins of error are computed with (95%: docs/spec-reference.md,
#: "Margin of error, samples and periods").
Z_95 = 1.96
#: The default gap (0–100 score points) of `below_journey` (`issues: {below_journey_gap}`).
BELOW_JOURNEY_POINTS = 10.0
#: Scores are sums of floats: a gap of exactly 10 points must not flag by rounding noise.
_SCORE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Issue:
    kind: str  # goal_red | significant_drop | below_journey | insufficient_sample | no_data
    period: str  # 'YYYY-MM-DD', the period it is about
    owner: str | None  # the accountable owner id
    message: str  # one sentence a person reads, with numbers
    metric: str | None = None
    touchpoint: str | None = None
    journey: str | None = None
    value: float | None = None
    previous: float | None = None
    p_value: float | None = None
    severity: str = "warning"  # goal_red and significant_drop: "error"
    #: The segment it is in (`{"region": "EMEA"}`); {} for the total.
    dimensions: dict = field(default_factory=dict, hash=False)
    # What is detected is compared; the id and the stored state (cxspec/issues_state/) follow.
    #: Stable across runs (cxspec/issues_state/ids.py).
    id: str | None = field(default=None, compare=False)
    #: Its stored state: None where no states are kept (in-memory and Spark warehouses).
    status: str | None = field(default=None, compare=False)
    first_period: str | None = field(default=None, compare=False)
    periods_open: int | None = field(default=None, compare=False)
    times_reopened: int | None = field(default=None, compare=False)
    #: The latest note: {"at", "by", "status", "note"}.
    note: dict | None = field(default=None, compare=False)


def detect_issues(project, registry, results: list[MetricResult], period: str | None = None) -> list[Issue]:
    """The issues of `period` (default: the latest period in `results`), in a stable order:
    errors first, then by kind (as in KINDS), then by metric or touch point id.

    `results` are all stored periods of one grain without dimensions; results of metrics the
    project no longer has are ignored.
    """
    by_metric: dict[str, dict[str, MetricResult]] = {}
    for result in results:
        by_metric.setdefault(result.metric, {})[iso_day(result.period)] = result
    if period is None:
        periods = [p for history in by_metric.values() for p in history]
        if not periods:
            return []
        period = max(periods)
    else:
        period = iso_day(period)

    detector = _Detector(project, registry, by_metric, period)
    issues: list[Issue] = []
    for metric_id in sorted(project.metrics):
        metric = project.metrics[metric_id]
        # a metric of its own grain is judged on its period that stands for `period`
        issues.extend(detector.at(metric).metric_issues(metric))
    issues.extend(detector.touchpoint_issues())
    context = _Context(detector)
    for rule in getattr(registry, "issue_rules", {}).values():
        issues.extend(rule.detect(context))
    issues.sort(key=_order)
    return [replace(issue, id=id_of(issue)) for issue in issues]


_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def _order(issue: Issue) -> tuple:
    return (
        _SEVERITY_RANK.get(issue.severity, 1),
        KINDS.index(issue.kind) if issue.kind in KINDS else len(KINDS),
        issue.kind,
        bool(issue.dimensions),  # the total's issues before the segments' of the same kind
        issue.metric or issue.touchpoint or "",
        issue.touchpoint or "",
        sorted((k, "" if v is None else str(v)) for k, v in issue.dimensions.items()),
    )


class _Detector:
    def __init__(
        self, project, registry, by_metric: dict[str, dict[str, MetricResult]], period: str, dimensions=None
    ):
        self.project = project
        self.registry = registry
        self.by_metric = by_metric
        self.period = period
        #: The segment whose results these are ({} for the total) and the owner holding it.
        self.dimensions = dict(dimensions or {})
        self.segment_owner = segment_owner(project, self.dimensions)

    def _label(self, metric) -> str:
        """The metric's name, with the segment for a segment's issue."""
        if not self.dimensions:
            return _label(metric)
        return f"{_label(metric)} ({segment_label(self.dimensions)})"

    def at(self, metric) -> _Detector:
        """This detector, or one at the metric's own period when it has a grain of its own
        (cxspec/grains.py): it is judged on its latest period over by the end of this one."""
        own = leaf_period(self.period, self.project.config.grain, metric_grain(self.project, metric))
        if own == self.period:
            return self
        return _Detector(self.project, self.registry, self.by_metric, own, self.dimensions)

    # -- per metric ---------------------------------------------------------------------

    def metric_issues(self, metric) -> list[Issue]:
        history = self.by_metric.get(metric.id, {})
        current = history.get(self.period)
        if current is None or (current.value is None and not current.n):
            return [
                self._issue(
                    "no_data",
                    metric,
                    f"{self._label(metric)} has no data in {self.period}.",
                )
            ]
        issues = []
        if current.status == "red":
            issues.append(self._goal_red(metric, current))
        if current.status == INSUFFICIENT:
            issues.append(self._insufficient(metric, current))
        drop = self._significant_drop(metric, current, history)
        if drop is not None:
            issues.append(drop)
        return issues

    def _goal_red(self, metric, current: MetricResult) -> Issue:
        goal = self.project.goals.get(metric.id)
        display = self._display(metric)
        against = ""
        target, warn = (None, None) if goal is None else (goal.target, goal.warn)
        if goal is not None and self.dimensions and hasattr(goal, "for_segment"):
            target, warn = goal.for_segment(self.dimensions)  # the segment's own goal, if it has one
        if target is not None:
            against = f" against its goal (target {format_value(display, target)}"
            if warn is not None:
                side = "above" if metric.lower_is_better else "below"
                against += f", red {side} {format_value(display, warn)}"
            against += ")"
        return self._issue(
            "goal_red",
            metric,
            f"{self._label(metric)} is {format_with_unit(display, current.value)} in {self.period}, "
            f"red{against}.",
            value=current.value,
        )

    def _insufficient(self, metric, current: MetricResult) -> Issue:
        minimum = ""
        if metric.min_sample is not None:
            minimum = f" below its minimum sample of {format_count(metric.min_sample)}"
        return self._issue(
            "insufficient_sample",
            metric,
            f"{self._label(metric)} has n = {format_count(current.n)} in {self.period},{minimum}; "
            "its value is left out of rollups.",
            value=current.value,
        )

    def _significant_drop(self, metric, current: MetricResult, history: dict[str, MetricResult]):
        """The change from the latest earlier period with a value, when it is for the worse
        and significant at 95%; None when it is not, or cannot be tested."""
        if current.value is None or current.status == INSUFFICIENT:
            return None
        # The periods sorted in C and walked back from this one (a run with segments asks
        # this for 7,050 histories of 24 periods: a Python list of each one's earlier periods
        # took 0.1 s); usually the one just before has a value.
        periods = sorted(history)
        for latest in reversed(periods[: bisect_left(periods, self.period)]):
            previous = history[latest]
            if previous.value is not None:
                break
        else:
            return None
        # A sample the project calls too small is no base for the normal approximation.
        if previous.status == INSUFFICIENT or current.moe is None or previous.moe is None:
            return None
        worse = current.value > previous.value if metric.lower_is_better else current.value < previous.value
        if not worse:
            return None
        p_value = self._p_value(metric, previous, current)
        if p_value is None or not p_value < metric_criteria(self.project, metric).alpha:
            return None
        display = self._display(metric)
        verb = "rose" if metric.lower_is_better else "fell"
        lower = " (lower is better)" if metric.lower_is_better else ""
        return self._issue(
            "significant_drop",
            metric,
            f"{self._label(metric)} {verb} from {format_with_unit(display, previous.value)} "
            f"in {latest} to "
            f"{format_with_unit(display, current.value)} in {self.period}{lower}, a significant change "
            f"({format_p_value(p_value, metric_criteria(self.project, metric).alpha)}).",
            value=current.value,
            previous=previous.value,
            p_value=p_value,
        )

    def _p_value(self, metric, previous: MetricResult, current: MetricResult) -> float | None:
        se1, se2 = previous.moe / Z_95, current.moe / Z_95
        try:
            if self._statistic(metric) is Statistic.MEAN:
                if previous.n is None or current.n is None:
                    return None
                test = welch_t_test(previous.value, se1, previous.n, current.value, se2, current.n)
            elif self._statistic(metric) in POOLED and previous.n and current.n:
                # the pooled two-proportion test: a period at 0% of 3 (margin 0) is no certainty
                test = pooled_z_test(previous.value, se1, previous.n, current.value, se2, current.n)
            else:  # any other estimate stored with a 95% margin
                test = z_test(previous.value, se1, current.value, se2)
        except ValueError:  # both margins 0, or fewer than 2 observations: no test
            return None
        return test.p_value

    def _display(self, metric) -> Display:
        kind = self.registry.metric_types.get(metric.type)
        return kind.display(metric) if kind is not None else Display(unit=metric.unit or "", plain_whole=True)

    def _statistic(self, metric) -> Statistic:
        kind = self.registry.metric_types.get(metric.type)
        return kind.statistic(metric) if kind is not None else Statistic.ESTIMATE

    def _issue(self, kind: str, metric, message: str, *, severity: str | None = None, **fields) -> Issue:
        touchpoint = self.project.touchpoints.get(metric.touchpoint) if metric.touchpoint else None
        journey = self._journey(touchpoint)
        owner = self.segment_owner or total_owner(self.project, metric)
        return Issue(
            kind=kind,
            period=self.period,
            owner=owner,
            message=message,
            metric=metric.id,
            touchpoint=touchpoint.id if touchpoint else None,
            journey=journey.id if journey else None,
            severity=severity or ("error" if kind in ERROR_KINDS else "warning"),
            dimensions=dict(self.dimensions),
            **fields,
        )

    def _segment_words(self) -> str:
        return f" ({segment_label(self.dimensions)})" if self.dimensions else ""

    def _journey(self, touchpoint):
        if touchpoint is None or not touchpoint.journey:
            return None
        return self.project.journeys.get(touchpoint.journey)

    # -- per touch point ------------------------------------------------------------------

    def touchpoint_issues(self) -> list[Issue]:
        current = {}
        for metric_id, history in self.by_metric.items():
            metric = self.project.metrics.get(metric_id)
            if metric is None:
                continue
            own = leaf_period(self.period, self.project.config.grain, metric_grain(self.project, metric))
            if own in history:
                current[metric_id] = history[own]
        scores = rollup(self.project, self.registry, current)
        issues = []
        allowed = project_criteria(self.project).below_journey_gap
        for journey_id, tp_ids in sorted(scores.members.items()):
            if len(tp_ids) < 2:
                continue
            journey = self.project.journeys[journey_id]
            mean = scores.journeys[journey_id]
            for tp_id in tp_ids:
                gap = mean - scores.touchpoints[tp_id]
                if gap <= allowed + _SCORE_TOLERANCE:
                    continue
                touchpoint = self.project.touchpoints[tp_id]
                name = touchpoint.name or tp_id
                issues.append(
                    Issue(
                        kind="below_journey",
                        period=self.period,
                        owner=self.segment_owner or touchpoint.owner or journey.owner,
                        message=(
                            f"Touch point {name}{self._segment_words()} scores "
                            f"{format_score(scores.touchpoints[tp_id])} in "
                            f"{self.period}, {format_score(gap)} points below the mean of journey "
                            f"{journey.name or journey_id} ({format_score(mean)} over "
                            f"{len(tp_ids)} touch points)."
                        ),
                        touchpoint=tp_id,
                        journey=journey_id,
                        value=scores.touchpoints[tp_id],
                        dimensions=dict(self.dimensions),
                    )
                )
        return issues


def _label(metric) -> str:
    return metric.name or metric.id


def change_p_value(project, registry, metric, earlier: MetricResult, later: MetricResult) -> float | None:
    """The two-sided p of a change between two estimates, by the test of `significant_drop`."""
    if earlier.moe is None or later.moe is None:
        return None
    return _Detector(project, registry, {}, later.period)._p_value(metric, earlier, later)


class _Context(IssueContext):
    """The IssueContext rules get (cxspec/issue_rule.py), over the detector's histories."""

    def __init__(self, detector: _Detector):
        self._detector = detector
        self.project = detector.project
        self.registry = detector.registry
        self.period = detector.period

    def history(self, metric_id: str) -> dict[str, MetricResult]:
        return dict(self._detector.by_metric.get(metric_id, {}))

    def criteria(self, metric):
        return metric_criteria(self.project, metric)

    def p_value(self, metric, earlier: MetricResult, later: MetricResult) -> float | None:
        if earlier.moe is None or later.moe is None or INSUFFICIENT in (earlier.status, later.status):
            return None
        return self._detector._p_value(metric, earlier, later)

    def number(self, metric, value: float) -> str:
        return format_with_unit(self._detector._display(metric), value)

    def p_text(self, p_value: float) -> str:
        return format_p_value(p_value, ALPHA)

    def issue(self, rule, metric, message: str, **fields) -> Issue:
        return self._detector._issue(rule.kind, metric, message, severity=rule.severity, **fields)
