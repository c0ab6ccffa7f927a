"""An issue rule: a metric's sample (n) fell to half or less of the previous period's.

Fewer answers first make numbers noisy, then make them wrong (who still answers is not who
used to): the owner should hear of it before the score moves.
"""

from __future__ import annotations

from cxspec import IssueRule, hookimpl

#: n at or below this share of the previous period's raises the issue.
SHARE = 0.5


class ResponseCollapse(IssueRule):
    name = "response_collapse"
    kind = "response_collapse"
    severity = "warning"
    description = "A metric's n fell to half or less of the previous period's."

    def detect(self, context):
        for metric_id in sorted(context.project.metrics):
            history = context.history(metric_id)
            current = history.get(context.period)
            earlier = [p for p in history if p < context.period and history[p].n]
            if current is None or current.n is None or not earlier:
                continue
            previous = history[max(earlier)]
            if current.n <= SHARE * previous.n:
                metric = context.project.metrics[metric_id]
                yield context.issue(
                    self,
                    metric,
                    f"{metric.name or metric.id} has n = {current.n} in {context.period}, "
                    f"down from {previous.n} in {max(earlier)}.",
                    value=float(current.n),
                    previous=float(previous.n),
                )


@hookimpl
def cxspec_register_issue_rules():
    return [ResponseCollapse]
