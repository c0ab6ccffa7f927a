"""The built-in issue rules beyond v1's kinds: `declining`, `significant_rise`, `below_benchmark`
(registered through ``cxspec_register_issue_rules``, as plugins' rules are)."""

from __future__ import annotations

from cxspec.hookspecs import hookimpl
from cxspec.issue_rule import IssueRule
from cxspec.issues_state.benchmarks import benchmarks_of


def _worse(metric, later: float, earlier: float) -> bool:
    return later > earlier if metric.direction == "lower_is_better" else later < earlier


def _valued(history: dict, period: str) -> list[tuple[str, object]]:
    """The stored results with a value up to `period`, oldest first."""
    return [(p, r) for p, r in sorted(history.items()) if p <= period and r.value is not None]


class Declining(IssueRule):
    name = "declining"
    kind = "declining"
    severity = "warning"
    description = "N periods in a row, each worse than the one before (issues: consecutive_declines)."

    def detect(self, context):
        for metric_id in sorted(context.project.metrics):
            metric = context.project.metrics[metric_id]
            runs = context.criteria(metric).consecutive_declines
            if not runs:
                continue
            points = _valued(context.history(metric_id), context.period)[-(runs + 1) :]
            if len(points) < runs + 1 or points[-1][0] != context.period:
                continue
            if all(_worse(metric, b[1].value, a[1].value) for a, b in zip(points, points[1:], strict=False)):
                trail = " → ".join(context.number(metric, r.value) for _, r in points)
                yield context.issue(
                    self,
                    metric,
                    f"{metric.name or metric.id} got worse {runs} periods in a row: {trail} "
                    f"({points[0][0]} to {context.period}).",
                    value=points[-1][1].value,
                    previous=points[-2][1].value,
                )


class SignificantRise(IssueRule):
    name = "significant_rise"
    kind = "significant_rise"
    severity = "info"
    description = "A significant change for the better since the previous period: good news to share."

    def detect(self, context):
        for metric_id in sorted(context.project.metrics):
            metric = context.project.metrics[metric_id]
            criteria = context.criteria(metric)
            if not criteria.significant_rise:
                continue
            points = _valued(context.history(metric_id), context.period)[-2:]
            if len(points) < 2 or points[-1][0] != context.period:
                continue
            (p0, earlier), (_, later) = points
            if later.value == earlier.value or _worse(metric, later.value, earlier.value):
                continue
            p_value = context.p_value(metric, earlier, later)
            if p_value is None or not p_value < criteria.alpha:
                continue
            verb = "fell" if metric.direction == "lower_is_better" else "rose"
            yield context.issue(
                self,
                metric,
                f"{metric.name or metric.id} {verb} from {context.number(metric, earlier.value)} in {p0} to "
                f"{context.number(metric, later.value)} in {context.period}, a significant improvement "
                f"({context.p_text(p_value)}).",
                value=later.value,
                previous=earlier.value,
                p_value=p_value,
            )


class BelowBenchmark(IssueRule):
    name = "below_benchmark"
    kind = "below_benchmark"
    severity = "warning"
    description = "The latest value is worse than a benchmark of the metric (benchmarks: in cxspec.yaml)."

    def detect(self, context):
        by_metric = benchmarks_of(context.project)
        for metric_id in sorted(by_metric):
            metric = context.project.metrics.get(metric_id)
            current = context.history(metric_id).get(context.period)
            if metric is None or current is None or current.value is None:
                continue
            below = [b for b in by_metric[metric_id] if _worse(metric, current.value, b.value)]
            if not below:
                continue
            gaps = "; ".join(
                f"{b.name} {context.number(metric, b.value)} (gap {context.number(metric, current.value - b.value)})"
                for b in below
            )
            yield context.issue(
                self,
                metric,
                f"{metric.name or metric.id} is {context.number(metric, current.value)} in {context.period}, "
                f"worse than its benchmark{'s' if len(below) > 1 else ''}: {gaps}.",
                value=current.value,
                previous=below[0].value,
            )


BUILTIN_ISSUE_RULES = (Declining, SignificantRise, BelowBenchmark)


@hookimpl
def cxspec_register_issue_rules():
    return list(BUILTIN_ISSUE_RULES)
