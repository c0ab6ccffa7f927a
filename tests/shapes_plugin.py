"""A test plugin with one metric type of each compiler shape that a plugin may add:

- net_votes ("measures"): rows voting up (column > 0) less rows voting down (< 0);
- vote_gap ("metrics"): one metric's value less another's, computed from their results;
- customers_lost ("spine"): customers whose subscription ends in the period.

Each says how its values read (`display`), so reports show them its way.
"""

from __future__ import annotations

from sqlglot import exp

from cxspec.compiler.sqlkit import MetricSql, flag, not_null, num, sub
from cxspec.display import SIGNED_WHOLE, Display
from cxspec.hookspecs import hookimpl
from cxspec.metric_type import Measure, MetricType

METRIC_REF = {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$"}


class NetVotes(MetricType):
    name = "net_votes"
    description = "Rows voting up (column above 0) less rows voting down (below 0)."
    fields = {"column": {"type": "string", "minLength": 1}}
    required = ("column",)

    def display(self, metric):
        return SIGNED_WHOLE

    def definition(self, metric, project):
        return f"up votes − down votes of {metric.get('column')}"

    def measures(self, metric, sql):
        vote = sql.number(metric.get("column"))
        return {
            "up": Measure(flag(exp.GT(this=vote, expression=num(0)))),
            "down": Measure(flag(exp.LT(this=vote.copy(), expression=num(0)))),
            "n": Measure(flag(not_null(vote.copy()))),
        }

    def result(self, metric, m, sql):
        return MetricSql(value=sub(m("up"), m("down")), n=m("n"), invalid=num(0))


class VoteGap(MetricType):
    name = "vote_gap"
    description = "One metric's value less another's, per period and dimensions."
    fields = {"minuend": METRIC_REF, "subtrahend": METRIC_REF}
    required = ("minuend", "subtrahend")
    reads_source = False
    shape = "metrics"

    def display(self, metric):
        return SIGNED_WHOLE

    def definition(self, metric, project):
        return f"{metric.get('minuend')} − {metric.get('subtrahend')}"

    def depends_on(self, metric):
        return [(metric.get(f), f) for f in ("minuend", "subtrahend") if isinstance(metric.get(f), str)]

    def computed_value(self, metric, value_of, sql):
        return sub(value_of(metric.get("minuend")), value_of(metric.get("subtrahend")))


class CustomersLost(MetricType):
    name = "customers_lost"
    description = "Customers active at the period's start whose subscription ends in it."
    shape = "spine"

    def display(self, metric):
        return Display(decimals=0, suffix=" lost", plain_whole=True)

    def definition(self, metric, project):
        return "customers whose subscription ended in the period"

    def spine_result(self, metric, spine, sql):
        return MetricSql(value=spine.ended, n=spine.active, invalid=num(0))


@hookimpl
def cxspec_register_metric_types():
    return [NetVotes, VoteGap, CustomersLost]
