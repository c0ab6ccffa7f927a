"""A cxspec plugin with one metric type, `net_sentiment`: the worked example of docs/writing-plugins.md.

Text analytics label each comment positive, neutral or negative; net sentiment is
100·(positive − negative)/n over the labelled comments, −100…100, like NPS over labels.
"""

from __future__ import annotations

from sqlglot import exp

from cxspec import (
    Z,
    Display,
    Measure,
    MetricSql,
    MetricType,
    add,
    case_when,
    div,
    double,
    flag,
    hookimpl,
    mul,
    not_null,
    num,
    paren,
    safe_div,
    sqrt_nonneg,
    sub,
)

LABELS = {
    "type": "array",
    "items": {"type": "string", "minLength": 1},
    "minItems": 1,
    "uniqueItems": True,
}


class NetSentiment(MetricType):
    name = "net_sentiment"
    description = "% positive − % negative comments, −100…100."
    # The JSON Schema of this type's own fields: cxspec adds the common ones (id, source,
    # filter, owner…) and rejects any other key, as for a built-in type.
    fields = {
        "column": {"type": "string", "minLength": 1, "description": "The column holding the label."},
        "positive": {**LABELS, "description": "Labels that count as positive."},
        "negative": {**LABELS, "description": "Labels that count as negative."},
        "neutral": {
            **LABELS,
            "description": "Labels that count as neutral; when given, any other label is invalid.",
        },
    }
    required = ("column", "positive", "negative")
    unit = "score"

    def natural_range(self, metric):
        return (-100.0, 100.0)  # scores it in pyramids, like NPS

    def display(self, metric):
        return Display(decimals=0, signed=True, change_decimals=1)  # +34, a change of +1.5

    def definition(self, metric, project):
        positive, negative = "/".join(metric.get("positive")), "/".join(metric.get("negative"))
        return f"% {positive} − % {negative} in {metric.get('column')}"

    def check(self, metric, ctx):
        both = sorted(set(metric.get("positive") or ()) & set(metric.get("negative") or ()))
        if both:
            ctx.sink.add(
                "EX001",
                f"label {both[0]!r} of metric {metric.id!r} is both positive and negative",
                metric.loc("negative"),
                hint="a label counts one way: remove it from one of the lists",
            )

    # -- SQL: per-row measures, summed per period and dimension, then the formula -------------

    def measures(self, metric, sql):
        label = sql.column(metric.get("column"))
        known = metric.get("neutral")
        if known is None:
            valid = not_null(label)
            invalid = None
        else:
            labels = [*metric.get("positive"), *metric.get("negative"), *known]
            valid = self.is_one_of(label, labels)
            invalid = exp.and_(not_null(label), exp.Not(this=paren(valid.copy())))
        measures = {
            "n": Measure(flag(valid)),
            "positive": Measure(flag(self.is_one_of(label, metric.get("positive")))),
            "negative": Measure(flag(self.is_one_of(label, metric.get("negative")))),
        }
        if invalid is not None:
            measures["invalid"] = Measure(flag(invalid))
        return measures

    def result(self, metric, m, sql):
        n = m("n")
        p_pos, p_neg = safe_div(m("positive"), n), safe_div(m("negative"), n.copy())
        difference = sub(p_pos, p_neg)
        # The margin of a difference of two shares of one sample, as for NPS.
        spread = sub(add(p_pos.copy(), p_neg.copy()), mul(difference.copy(), difference.copy()))
        moe = case_when(
            exp.GT(this=paren(n.copy()), expression=num(0)),
            mul(num(Z), num(100), sqrt_nonneg(div(spread, double(n.copy())))),
        )
        invalid = m("invalid") if metric.get("neutral") is not None else num(0)
        return MetricSql(value=mul(num(100), difference), n=n.copy(), invalid=invalid, moe=moe)

    @staticmethod
    def is_one_of(label, labels):
        """label IN ('a', 'b'): the labels are values, built as literals, never as SQL text."""
        return exp.In(this=label.copy(), expressions=[exp.Literal.string(v) for v in labels])


@hookimpl
def cxspec_register_metric_types():
    return [NetSentiment]
