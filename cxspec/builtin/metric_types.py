"""The built-in metric types of spec language v1 (PRODUCT.md, "Metric types")."""

from __future__ import annotations

from cxspec.hookspecs import hookimpl
from cxspec.metric_type import MetricType
from cxspec.sqlfrag import referenced_names

SCALE = {
    "type": "array",
    "items": {"type": "integer"},
    "minItems": 2,
    "maxItems": 2,
    "description": "The [low, high] points of the answer scale; other values are invalid.",
}
TOP_BOX = {"type": "integer", "description": "How many of the scale's top points count as satisfied."}
COLUMN = {"type": "string", "minLength": 1, "description": "The column measured."}
METRIC_REF = {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$"}
PERCENT = (0.0, 100.0)


def scale_of(metric, default: tuple[int, int]) -> tuple[int, int]:
    scale = metric.get("scale")
    if isinstance(scale, list) and len(scale) == 2 and all(isinstance(v, int) for v in scale):
        return scale[0], scale[1]
    return default


class SourceMetric(MetricType):
    """A metric computed from a source's rows."""

    def check_scale(self, metric, sink, default: tuple[int, int], *, top_box_default=None):
        low, high = scale_of(metric, default)
        if low >= high:
            sink.add(
                "CX301",
                f"scale [{low}, {high}] of metric {metric.id!r} is empty: low must be below high",
                metric.loc("scale"),
                hint=f"write it as [{min(low, high)}, {max(low, high)}]" if low != high else None,
            )
            return
        if top_box_default is not None and self.uses_top_box(metric):
            top_box = metric.get("top_box", top_box_default)
            if isinstance(top_box, int) and not 1 <= top_box <= high - low:
                sink.add(
                    "CX302",
                    f"top_box {top_box} of metric {metric.id!r} does not fit the scale [{low}, {high}]",
                    metric.loc("top_box" if "top_box" in metric.raw else "scale"),
                    hint=f"top_box counts the top points: between 1 and {high - low}",
                )

    def uses_top_box(self, metric) -> bool:
        return False


class Nps(SourceMetric):
    name = "nps"
    description = "Net Promoter Score: % promoters − % detractors, −100…100."
    fields = {"column": COLUMN, "scale": SCALE}
    required = ("column",)
    unit = "score"

    def natural_range(self, metric):
        return (-100.0, 100.0)

    def check(self, metric, project, sink):
        self.check_scale(metric, sink, (0, 10))
        low, high = scale_of(metric, (0, 10))
        if low < high and high - low < 4:
            sink.add(
                "CX301",
                f"scale [{low}, {high}] is too short for NPS (promoters, passives, detractors)",
                metric.loc("scale"),
                hint="NPS is asked on [0, 10]",
            )


class Csat(SourceMetric):
    name = "csat"
    description = "Customer satisfaction: % in the top box, or the mean score."
    fields = {
        "column": COLUMN,
        "scale": SCALE,
        "top_box": TOP_BOX,
        "aggregate": {"enum": ["top_box", "mean"]},
    }
    required = ("column",)
    default_scale = (1, 5)
    default_top_box = 2
    default_aggregate = "top_box"

    def uses_top_box(self, metric) -> bool:
        return metric.get("aggregate", self.default_aggregate) == "top_box"

    def natural_range(self, metric):
        if self.uses_top_box(metric):
            return PERCENT
        low, high = scale_of(metric, self.default_scale)
        return (float(low), float(high))

    def check(self, metric, project, sink):
        self.check_scale(metric, sink, self.default_scale, top_box_default=self.default_top_box)
        if "top_box" in metric.raw and not self.uses_top_box(metric):
            sink.add(
                "CX311",
                f"top_box has no effect on metric {metric.id!r}, which takes the mean",
                metric.loc("top_box", key=True),
                hint="remove top_box, or set aggregate: top_box",
            )


class Ces(Csat):
    name = "ces"
    description = "Customer effort score: the mean score, or % in the top box."
    default_scale = (1, 7)
    default_top_box = 3
    default_aggregate = "mean"


class Rate(SourceMetric):
    name = "rate"
    description = "% of rows where `condition` holds."
    fields = {"condition": {"type": "string", "minLength": 1}}
    required = ("condition",)
    predicate_fields = ("condition",)
    unit = "%"

    def natural_range(self, metric):
        return PERCENT


class Mean(SourceMetric):
    name = "mean"
    description = "The mean of a column (values outside an optional `scale` are invalid)."
    fields = {"column": COLUMN, "scale": SCALE}
    required = ("column",)

    def natural_range(self, metric):
        scale = metric.get("scale")
        return (float(scale[0]), float(scale[1])) if isinstance(scale, list) and len(scale) == 2 else None

    def check(self, metric, project, sink):
        if "scale" in metric.raw:
            self.check_scale(metric, sink, (0, 1))


class Sum(SourceMetric):
    name = "sum"
    description = "The sum of a column."
    fields = {"column": COLUMN}
    required = ("column",)


class Min(Sum):
    name = "min"
    description = "The smallest value of a column."


class Max(Sum):
    name = "max"
    description = "The largest value of a column."


class Count(SourceMetric):
    name = "count"
    description = "Rows, or rows where `column` is not NULL."
    fields = {"column": COLUMN}


class CountDistinct(SourceMetric):
    name = "count_distinct"
    description = "Distinct values of `column` (the source's entity when absent)."
    fields = {"column": COLUMN}

    def check(self, metric, project, sink):
        source = project.sources.get(metric.source or "")
        if "column" not in metric.raw and source is not None and source.valid and not source.entity:
            sink.add(
                "CX309",
                f"metric {metric.id!r} counts distinct entities, but source {source.id!r} declares no `entity`",
                metric.loc(),
                hint="give the metric a `column`, or the source an `entity`",
            )


class Percentile(SourceMetric):
    name = "percentile"
    description = "A continuous percentile (linear interpolation) of a column."
    fields = {"column": COLUMN, "percentile": {"type": "number"}}
    required = ("column", "percentile")

    def check(self, metric, project, sink):
        p = metric.get("percentile")
        if isinstance(p, (int, float)) and not isinstance(p, bool) and not 0 < p < 1:
            hint = f"did you mean {p / 100:g}?" if 1 < p < 100 else "0.5 is the median, 0.9 the p90"
            sink.add(
                "CX303",
                f"percentile {p:g} of metric {metric.id!r} is not strictly between 0 and 1",
                metric.loc("percentile"),
                hint=hint,
            )


class Ratio(MetricType):
    name = "ratio"
    description = "One metric's value divided by another's, per period and dimensions."
    fields = {"numerator": METRIC_REF, "denominator": METRIC_REF}
    required = ("numerator", "denominator")
    reads_source = False

    def depends_on(self, metric):
        return [(metric.get(f), f) for f in ("numerator", "denominator") if isinstance(metric.get(f), str)]


class Derived(MetricType):
    name = "derived"
    description = "Arithmetic over other metrics' values (`expr`), per period and dimensions."
    fields = {"expr": {"type": "string", "minLength": 1}}
    required = ("expr",)
    reads_source = False

    def depends_on(self, metric):
        expr = metric.get("expr")
        if not isinstance(expr, str):
            return []
        return [(name, "expr") for name in referenced_names(expr)]


class ChurnRate(SourceMetric):
    name = "churn_rate"
    description = "% of the entities active at a period's start whose end falls in the period."
    fields = {}
    unit = "%"

    def natural_range(self, metric):
        return PERCENT

    def check(self, metric, project, sink):
        source = project.sources.get(metric.source or "")
        if source is None or not source.valid:
            return
        missing = [f for f in ("start", "end", "entity") if not getattr(source, f)]
        if missing:
            sink.add(
                "CX309",
                f"metric {metric.id!r} ({self.name}) needs source {source.id!r} to declare "
                + ", ".join(f"`{m}`" for m in missing),
                metric.loc("source"),
                hint="a subscription source names the columns where each entity starts and ends",
            )


class RetentionRate(ChurnRate):
    name = "retention_rate"
    description = "100 − churn_rate."


BUILTIN_METRIC_TYPES = [
    Nps, Csat, Ces, Rate, Mean, Sum, Min, Max, Count, CountDistinct, Percentile,
    Ratio, Derived, ChurnRate, RetentionRate,
]  # fmt: skip


@hookimpl
def cxspec_register_metric_types():
    return BUILTIN_METRIC_TYPES
