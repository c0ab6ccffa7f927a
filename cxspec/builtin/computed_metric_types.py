"""The built-in metric types computed from other metrics' values, not from a source's rows:
`ratio` and `derived` (docs/metrics/ratio.md, derived.md). Registered with the others by
metric_types.py."""

from __future__ import annotations

from cxspec.compiler.sqlkit import safe_div
from cxspec.fragment_facts import referenced_names
from cxspec.lazyexp import LAZY_EXP as exp
from cxspec.metric_type import MetricType, Statistic

METRIC_REF = {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$"}


class Ratio(MetricType):
    name = "ratio"
    description = "One metric's value divided by another's, per period and dimensions."
    fields = {"numerator": METRIC_REF, "denominator": METRIC_REF}
    required = ("numerator", "denominator")
    reads_source = False
    shape = "metrics"

    def statistic(self, metric):
        return Statistic.COMPUTED

    def definition(self, metric, project):
        return f"{metric.get('numerator')} ÷ {metric.get('denominator')}"

    def formula(self, metric):
        return "numerator value ÷ denominator value at the same period and dimensions."

    def depends_on(self, metric):
        return [(metric.get(f), f) for f in ("numerator", "denominator") if isinstance(metric.get(f), str)]

    def computed_value(self, metric, value_of, sql):
        return safe_div(value_of(metric.get("numerator")), value_of(metric.get("denominator")))


class Derived(MetricType):
    name = "derived"
    description = "Arithmetic over other metrics' values (`expr`), per period and dimensions."
    fields = {"expr": {"type": "string", "minLength": 1}}
    required = ("expr",)
    metric_expression_fields = ("expr",)
    reads_source = False
    shape = "metrics"

    def statistic(self, metric):
        return Statistic.COMPUTED

    def definition(self, metric, project):
        return str(metric.get("expr"))

    def formula(self, metric):
        return "`expr` evaluated on the other metrics' values at the same period and dimensions."

    def depends_on(self, metric):
        expr = metric.get("expr")
        if not isinstance(expr, str):
            return []
        return [(name, "expr") for name in referenced_names(expr, metric.dialect)]

    def computed_value(self, metric, value_of, sql):
        expression = sql.expression(metric.get("expr"))

        def swap(old: exp.Expression, new: exp.Expression) -> None:
            nonlocal expression
            if old is expression:  # replace() cannot swap the root of a tree
                expression = new
            else:
                old.replace(new)

        for column in list(expression.find_all(exp.Column)):
            swap(column, value_of(column.name))
        # Division by zero is NULL, never an engine error. Innermost divisions first, so that
        # an outer division's copies of its operands hold the safe inner ones.
        for division in reversed(list(expression.find_all(exp.Div))):
            swap(division, safe_div(division.this.copy(), division.expression.copy()))
        return expression
