"""The built-in metric types of spec language v1 (docs/metrics/, one page per type)."""

from __future__ import annotations

from dataclasses import replace

from cxspec.builtin.computed_metric_types import Derived, Ratio
from cxspec.compiler.dialects import percentile
from cxspec.compiler.sqlkit import (
    MetricSql,
    Z,
    add,
    case_when,
    div,
    double,
    exact_sum_terms,
    exact_sum_value,
    flag,
    mean_with_moe,
    mul,
    not_null,
    num,
    paren,
    proportion,
    safe_div,
    scale_center,
    scale_deviations,
    sqrt_nonneg,
    sub,
)
from cxspec.display import SIGNED_WHOLE
from cxspec.hookspecs import hookimpl
from cxspec.lazyexp import LAZY_EXP as exp
from cxspec.metric_type import Measure, MetricType, Statistic

SCALE = {
    "type": "array",
    "items": {"type": "integer"},
    "minItems": 2,
    "maxItems": 2,
    "description": "The [low, high] points of the answer scale; other values are invalid.",
}
TOP_BOX = {"type": "integer", "description": "How many of the scale's top points count as satisfied."}
COLUMN = {"type": "string", "minLength": 1, "description": "The column measured."}
PERCENT = (0.0, 100.0)
_MOE_PROPORTION = "95% margin of error 1.96·100·√(p(1 − p)/n)"


def scale_of(metric, default: tuple[int, int]) -> tuple[int, int]:
    scale = metric.get("scale")
    if isinstance(scale, list) and len(scale) == 2 and all(isinstance(v, int) for v in scale):
        return scale[0], scale[1]
    return default


class SourceMetric(MetricType):
    """A metric computed from a source's rows."""

    #: The source fields this type needs to place rows in periods.
    needs_time: tuple[str, ...] = ("time",)

    def check(self, metric, ctx):
        self.check_source_time(metric, ctx)

    def check_source_time(self, metric, ctx) -> None:
        source = ctx.project.sources.get(metric.source or "")
        if source is None or not source.valid or self.needs_time != ("time",) or source.time or source.start:
            return
        if "taken" in source.raw:
            return  # a snapshot's day that is no day: CX100 says so (checks/values.py)
        ctx.sink.add(
            "CX309",
            f"metric {metric.id!r} needs source {source.id!r} to declare `time` (or `start`), the column "
            "that places each row in a period",
            metric.loc("source"),
            hint="add time: <event time column> to the source; a file without one (a snapshot such as a "
            "customer list) declares the day it was taken: taken: YYYY-MM-DD",
        )

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

    def scale(self, metric) -> tuple[int, int] | None:
        """The scale its values must be on, if any."""
        return None

    def validity(self, metric, sql):
        """(value, valid, invalid) predicates over a row's measured column: a value that is
        not a number (text, NaN) or is off the scale is invalid; an empty one is neither."""
        checked = sql.checked_number(metric.get("column"), self.scale(metric))
        return checked.value, checked.valid, checked.invalid

    def base_measures(self, metric, sql) -> dict:
        value, valid, invalid = self.validity(metric, sql)
        center = scale_center(self.scale(metric), sql.dialect)
        if center is None:  # Σ(x − the group's mean)², not Σx² (compiler/deviations.py)
            spread = Measure(case_when(valid.copy(), value.copy()), "deviations")
        else:  # whole numbers on a scale: Σ(x − K)², exact (sqlkit.scale_center); as a
            # double: an integer column's SUM is an INT on T-SQL, which n·500² overflows
            offset = paren(sub(value.copy(), num(center))) if center else value.copy()
            spread = Measure(case_when(valid.copy(), double(mul(offset, offset.copy()))))
        return {
            "n": Measure(flag(valid)),
            "sum": Measure(case_when(valid.copy(), value.copy())),
            "deviations" if center is None else "squares": spread,
            "invalid": Measure(flag(invalid)),
        }

    def mean_with_moe(self, metric, m, sql) -> tuple:
        center = scale_center(self.scale(metric), sql.dialect)
        if center is None:
            return mean_with_moe(m("sum"), m("n"), deviations=m("deviations"))
        return mean_with_moe(
            m("sum"), m("n"), deviations=scale_deviations(m("sum"), m("n"), m("squares"), center)
        )

    def invalid_count(self, m, metric):
        return m("invalid")


class Nps(SourceMetric):
    name = "nps"
    measured_fields = ("column",)
    description = "Net Promoter Score: % promoters − % detractors, −100…100."
    fields = {"column": COLUMN, "scale": SCALE}
    required = ("column",)
    unit = "score"
    field_defaults = {"scale": [0, 10]}

    def statistic(self, metric):
        return Statistic.NET_PROPORTION

    def display(self, metric):
        return SIGNED_WHOLE

    def definition(self, metric, project):
        return f"NPS (% promoters − % detractors) of {metric.get('column')}"

    def formula(self, metric):
        return (
            "100 × (promoters − detractors) / n; on 0–10 promoters answer 9–10 and detractors 0–6. "
            "Range −100…100; 95% margin of error 1.96·100·√((p_P + p_D − (p_P − p_D)²)/n)."
        )

    def natural_range(self, metric):
        return (-100.0, 100.0)

    def check(self, metric, ctx):
        self.check_scale(metric, ctx.sink, (0, 10))
        low, high = scale_of(metric, (0, 10))
        if low < high and high - low < 4:
            ctx.sink.add(
                "CX301",
                f"scale [{low}, {high}] is too short for NPS (promoters, passives, detractors)",
                metric.loc("scale"),
                hint="NPS is asked on [0, 10]",
            )
        super().check(metric, ctx)

    def scale(self, metric):
        return scale_of(metric, (0, 10))

    def measures(self, metric, sql):
        low, high = self.scale(metric)
        value, valid, invalid = self.validity(metric, sql)
        # On 0–10: promoters 9–10, detractors 0–6; on other scales the same distances.
        promoter = exp.GTE(this=value.copy(), expression=num(high - 1))
        detractor = exp.LTE(this=value.copy(), expression=num(high - 4))
        return {
            "n": Measure(flag(valid)),
            "invalid": Measure(flag(invalid)),
            "promoters": Measure(flag(exp.and_(valid.copy(), promoter))),
            "detractors": Measure(flag(exp.and_(valid.copy(), detractor))),
        }

    def result(self, metric, m, sql):
        n = m("n")
        p_promoters, p_detractors = safe_div(m("promoters"), n), safe_div(m("detractors"), n.copy())
        difference = sub(p_promoters, p_detractors)
        spread = sub(add(p_promoters.copy(), p_detractors.copy()), mul(difference.copy(), difference.copy()))
        moe = case_when(
            exp.GT(this=paren(n.copy()), expression=num(0)),
            mul(num(Z), num(100), sqrt_nonneg(div(spread, double(n.copy())))),
        )
        return MetricSql(value=mul(num(100), difference), n=n.copy(), invalid=m("invalid"), moe=moe)


class Csat(SourceMetric):
    name = "csat"
    measured_fields = ("column",)
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

    def display(self, metric):
        display = super().display(metric)
        return display if self.uses_top_box(metric) else replace(display, plain_whole=False)

    def definition(self, metric, project):
        low, high = scale_of(metric, self.default_scale)
        if self.uses_top_box(metric):
            top = metric.get("top_box", self.default_top_box)
            return f"{self.name.upper()} of {metric.get('column')}, % in the top {top} of {low}–{high}"
        return f"{self.name.upper()} of {metric.get('column')}, mean on {low}–{high}"

    def formula(self, metric):
        return (
            "100 × (answers in the top `top_box` points) / n, or the mean answer with `aggregate: mean`; "
            + _MOE_PROPORTION
            + " (means: 1.96·s/√n)."
        )

    @property
    def field_defaults(self) -> dict:
        return {
            "scale": list(self.default_scale),
            "top_box": self.default_top_box,
            "aggregate": self.default_aggregate,
        }

    def uses_top_box(self, metric) -> bool:
        return metric.get("aggregate", self.default_aggregate) == "top_box"

    def statistic(self, metric):
        return Statistic.PROPORTION if self.uses_top_box(metric) else Statistic.MEAN

    def natural_range(self, metric):
        if self.uses_top_box(metric):
            return PERCENT
        low, high = scale_of(metric, self.default_scale)
        return (float(low), float(high))

    def check(self, metric, ctx):
        self.check_scale(metric, ctx.sink, self.default_scale, top_box_default=self.default_top_box)
        if "top_box" in metric.raw and not self.uses_top_box(metric):
            ctx.sink.add(
                "CX311",
                f"top_box has no effect on metric {metric.id!r}, which takes the mean",
                metric.loc("top_box", key=True),
                hint="remove top_box, or set aggregate: top_box",
            )
        super().check(metric, ctx)

    def scale(self, metric):
        return scale_of(metric, self.default_scale)

    def measures(self, metric, sql):
        if not self.uses_top_box(metric):
            return self.base_measures(metric, sql)
        # The top box is a proportion: no sums, no sums of squares.
        low, high = self.scale(metric)
        top_box = metric.get("top_box", self.default_top_box)
        value, valid, invalid = self.validity(metric, sql)
        threshold = exp.GT(this=value, expression=num(high - top_box))
        return {
            "n": Measure(flag(valid.copy())),
            "invalid": Measure(flag(invalid)),
            "top": Measure(flag(exp.and_(valid, threshold))),
        }

    def result(self, metric, m, sql):
        if self.uses_top_box(metric):
            result = proportion(m("top"), m("n"))
        else:
            mean, moe = self.mean_with_moe(metric, m, sql)
            result = MetricSql(value=mean, n=m("n"), invalid=num(0), moe=moe)
        result.invalid = m("invalid")
        return result


class Ces(Csat):
    name = "ces"
    description = "Customer effort score: the mean score, or % in the top box."
    default_scale = (1, 7)
    default_top_box = 3
    default_aggregate = "mean"

    def formula(self, metric):
        return (
            "The mean answer, or 100 × (answers in the top `top_box` points) / n with "
            "`aggregate: top_box`; 95% margin of error 1.96·s/√n (top box: as a proportion)."
        )


class Rate(SourceMetric):
    name = "rate"
    description = "% of rows where `condition` holds."
    fields = {"condition": {"type": "string", "minLength": 1}}
    required = ("condition",)
    predicate_fields = ("condition",)
    unit = "%"

    def statistic(self, metric):
        return Statistic.PROPORTION

    def definition(self, metric, project):
        return f"% of rows where {metric.get('condition')}"

    def formula(self, metric):
        return "100 × (rows where `condition` holds) / rows; n = rows; " + _MOE_PROPORTION + "."

    def natural_range(self, metric):
        return PERCENT

    def measures(self, metric, sql):
        condition = sql.predicate(metric.get("condition"))
        return {"true": Measure(flag(condition))}

    def result(self, metric, m, sql):
        return proportion(m("true"), m.rows)


class Mean(SourceMetric):
    name = "mean"
    measured_fields = ("column",)
    description = "The mean of a column (values outside an optional `scale` are invalid)."
    fields = {"column": COLUMN, "scale": SCALE}
    required = ("column",)

    def statistic(self, metric):
        return Statistic.MEAN

    def display(self, metric):
        return replace(super().display(metric), plain_whole=False)

    def definition(self, metric, project):
        return f"mean of {metric.get('column')}"

    def formula(self, metric):
        return "The mean over valid rows; 95% margin of error 1.96·s/√n."

    def natural_range(self, metric):
        scale = metric.get("scale")
        return (float(scale[0]), float(scale[1])) if isinstance(scale, list) and len(scale) == 2 else None

    def check(self, metric, ctx):
        if "scale" in metric.raw:
            self.check_scale(metric, ctx.sink, (0, 1))
        super().check(metric, ctx)

    def scale(self, metric):
        scale = metric.get("scale")
        return (scale[0], scale[1]) if isinstance(scale, list) and len(scale) == 2 else None

    def measures(self, metric, sql):
        return self.base_measures(metric, sql)

    def result(self, metric, m, sql):
        mean, moe = self.mean_with_moe(metric, m, sql)
        return MetricSql(value=mean, n=m("n"), invalid=self.invalid_count(m, metric), moe=moe)


class Sum(SourceMetric):
    name = "sum"
    measured_fields = ("column",)
    description = "The sum of a column."
    fields = {"column": COLUMN}
    required = ("column",)
    exact_value = True

    def statistic(self, metric):
        return Statistic.TOTAL

    def empty_value(self, metric):
        return 0.0

    def definition(self, metric, project):
        return f"sum of {metric.get('column')}"

    def formula(self, metric):
        return "The sum over valid rows."

    def measures(self, metric, sql):
        value, valid, invalid = self.validity(metric, sql)
        return {
            "n": Measure(flag(valid)),
            "invalid": Measure(flag(invalid)),
            **{k: Measure(v) for k, v in exact_sum_terms(value.copy(), valid.copy(), sql.dialect).items()},
        }

    def result(self, metric, m, sql):
        n = m("n")
        value = case_when(exp.GT(this=paren(n), expression=num(0)), exact_sum_value(m, sql.dialect))
        return MetricSql(value=value, n=n.copy(), invalid=m("invalid"))


class Min(SourceMetric):
    name = "min"
    measured_fields = ("column",)
    description = "The smallest value of a column."
    fields = {"column": COLUMN}
    required = ("column",)
    aggregate = "min"

    def statistic(self, metric):
        return Statistic.ORDER

    def definition(self, metric, project):
        word = "smallest" if self.aggregate == "min" else "largest"
        return f"{word} {metric.get('column')}"

    def formula(self, metric):
        return "The smallest value." if self.aggregate == "min" else "The largest value."

    def measures(self, metric, sql):
        value, valid, invalid = self.validity(metric, sql)
        return {
            "n": Measure(flag(valid)),
            "invalid": Measure(flag(invalid)),
            "value": Measure(case_when(valid, value), self.aggregate),
        }

    def result(self, metric, m, sql):
        return MetricSql(value=double(m("value")), n=m("n"), invalid=m("invalid"))


class Max(Min):
    name = "max"
    description = "The largest value of a column."
    aggregate = "max"


class Count(SourceMetric):
    name = "count"
    description = "Rows, or rows where `column` is not NULL."
    fields = {"column": COLUMN}

    def statistic(self, metric):
        return Statistic.TOTAL

    def empty_value(self, metric):
        return 0.0

    def definition(self, metric, project):
        column = metric.get("column")
        return "count of rows" if column is None else f"count of non-empty {column}"

    def formula(self, metric):
        return "Rows (with `column`: rows where it is not NULL)."

    def measures(self, metric, sql):
        column = metric.get("column")
        if column is None:
            return {}
        return {"n": Measure(flag(not_null(sql.column(column))))}

    def result(self, metric, m, sql):
        n = m("n") if metric.get("column") is not None else m.rows
        return MetricSql(value=double(n), n=n.copy(), invalid=num(0))


class CountDistinct(SourceMetric):
    name = "count_distinct"
    description = "Distinct values of `column` (the source's entity when absent)."
    fields = {"column": COLUMN}

    def statistic(self, metric):
        return Statistic.TOTAL

    def empty_value(self, metric):
        return 0.0

    def definition(self, metric, project):
        column = metric.get("column")
        if column is None:
            source = project.sources.get(metric.source or "")
            column = f"{source.entity if source else 'entity'} (customers)"
        return f"distinct {column}"

    def formula(self, metric):
        return "Distinct values of `column` (of the source's entity without one)."

    def check(self, metric, ctx):
        source = ctx.project.sources.get(metric.source or "")
        if "column" not in metric.raw and source is not None and source.valid and not source.entity:
            ctx.sink.add(
                "CX309",
                f"metric {metric.id!r} counts distinct entities, "
                f"but source {source.id!r} declares no `entity`",
                metric.loc(),
                hint="give the metric a `column`, or the source an `entity`",
            )
        super().check(metric, ctx)

    shape = "rows"

    def row_result(self, metric, rows, sql):
        column = sql.column(metric.get("column") or sql.entity)
        distinct = exp.Count(this=exp.Distinct(expressions=[rows.only(column)]))
        n = exp.Count(this=rows.only(column.copy()))
        return MetricSql(value=double(distinct), n=n, invalid=num(0))


class Percentile(SourceMetric):
    name = "percentile"
    measured_fields = ("column",)
    description = "A continuous percentile (linear interpolation) of a column."
    fields = {"column": COLUMN, "percentile": {"type": "number"}}
    required = ("column", "percentile")

    def statistic(self, metric):
        return Statistic.ORDER

    def definition(self, metric, project):
        p = metric.get("percentile")
        pct = f"{p * 100:g}" if isinstance(p, (int, float)) else "?"
        return f"p{pct} of {metric.get('column')}"

    def formula(self, metric):
        return "The continuous percentile (linear interpolation, PERCENTILE_CONT)."

    def check(self, metric, ctx):
        p = metric.get("percentile")
        if isinstance(p, (int, float)) and not isinstance(p, bool) and not 0 < p < 1:
            hint = f"did you mean {p / 100:g}?" if 1 < p < 100 else "0.5 is the median, 0.9 the p90"
            ctx.sink.add(
                "CX303",
                f"percentile {p:g} of metric {metric.id!r} is not strictly between 0 and 1",
                metric.loc("percentile"),
                hint=hint,
            )
        super().check(metric, ctx)

    shape = "rows"

    def row_percentile(self, metric, sql):
        return sql.number(metric.get("column")), metric.get("percentile")

    def row_result(self, metric, rows, sql):
        column, fraction = self.row_percentile(metric, sql)
        value = rows.only(column)
        # Not a number (text, NaN): there, but no value.
        unreadable = exp.and_(
            not_null(sql.column(metric.get("column"))), exp.Is(this=column.copy(), expression=exp.Null())
        )
        return MetricSql(
            value=double(percentile(value, fraction, sql.dialect)),
            n=exp.Count(this=value.copy()),
            invalid=exp.Count(this=rows.only(case_when(unreadable, num(1)))),
        )


class ChurnRate(SourceMetric):
    name = "churn_rate"
    description = "% of the entities active at a period's start whose end falls in the period."
    fields = {}
    shape = "spine"
    retention = False
    needs_time = ("start", "end")
    unit = "%"

    def statistic(self, metric):
        return Statistic.PROPORTION

    def definition(self, metric, project):
        churn = "% of active customers who ended in the period"
        return f"100 − {churn}" if self.retention else churn

    def formula(self, metric):
        if self.retention:
            return (
                "100 − churn rate: of the entities active at the period's start, the % still "
                "active at its end."
            )
        return (
            "Of the entities active at the period's start (start < period start, end NULL or ≥ "
            "period start), 100 × those whose end falls inside the period / their number."
        )

    def natural_range(self, metric):
        return PERCENT

    def check(self, metric, ctx):
        source = ctx.project.sources.get(metric.source or "")
        if source is None or not source.valid:
            return
        missing = [f for f in ("start", "end", "entity") if not getattr(source, f)]
        if missing:
            ctx.sink.add(
                "CX309",
                f"metric {metric.id!r} ({self.name}) needs source {source.id!r} to declare "
                + ", ".join(f"`{m}`" for m in missing),
                metric.loc("source"),
                hint="a subscription source names the columns where each entity starts and ends",
            )
        super().check(metric, ctx)

    def spine_result(self, metric, spine, sql):
        churn = exp.Mul(this=num(100), expression=safe_div(spine.ended, spine.active))
        value = sub(num(100), churn) if self.retention else churn
        return MetricSql(value=value, n=spine.active, invalid=num(0))


class RetentionRate(ChurnRate):
    name = "retention_rate"
    description = "100 − churn_rate."
    retention = True


BUILTIN_METRIC_TYPES = [
    Nps, Csat, Ces, Rate, Mean, Sum, Min, Max, Count, CountDistinct, Percentile,
    Ratio, Derived, ChurnRate, RetentionRate,
]  # fmt: skip


@hookimpl
def cxspec_register_metric_types():
    return BUILTIN_METRIC_TYPES
