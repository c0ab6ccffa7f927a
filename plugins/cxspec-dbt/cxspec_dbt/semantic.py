"""cxspec metrics as MetricFlow semantic models and metrics (dbt's semantic layer YAML).

One semantic model per source, over the source's rows as cxspec counts them (see
models.row_model_sql). Metric types that aggregate per-row measures (nps, csat, ces, rate,
mean, sum, min, max, count, and plugin types of that shape) are mapped generically: every
measure the type declares becomes a MetricFlow measure and a simple metric, and the type's own
`result` expression, built over those simple metrics instead of SQL aggregates, becomes a
derived metric — the very formula cxspec compiles. A metric's filter and touch-point match go
inside its measures' expressions (CASE WHEN …): MetricFlow's `filter:` can only name declared
dimensions, cxspec filters are SQL over any column.

Types of shape "rows" map to one of MetricFlow's own aggregations when their value is one:
a continuous percentile (the type's `row_percentile`: percentile) or COUNT(DISTINCT …) in
the type's `row_result` (count_distinct). Types computed from other metrics (ratio, derived)
become derived metrics whose `expr` is the type's own `computed_value` over the inputs'
MetricFlow metrics. A type may declare its mapping instead (`metricflow_measure`, see
README.md). What MetricFlow cannot express is listed in `skipped` with the reason; nothing
here names a metric type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cxspec import PERIOD, MeasureAccess, Planner, RowAccess, case_when, dim_column, flag, num
from sqlglot import exp

from cxspec_dbt.names import claim, dbt_name
from cxspec_dbt.owners import metric_meta

#: Measure aggregations (`Measure.agg`) that are MetricFlow measure aggregations of the same name.
AGGREGATIONS = frozenset({"sum", "min", "max"})
#: The method a metric type of shape "rows" may have to declare its MetricFlow measure:
#: `metricflow_measure(metric, sql) -> (agg, per-row expression, agg_params) | None`.
DECLARED_MAPPING = "metricflow_measure"
SPINE_REASON = (
    "MetricFlow has no aggregation for 'entities active at each period's start, and who of them "
    "left during the period' (it needs a population at every period boundary, not rows in a period)"
)


@dataclass
class SemanticExport:
    semantic_models: list[dict] = field(default_factory=list)
    metrics: list[dict] = field(default_factory=list)
    #: cxspec metric id → why MetricFlow cannot express it.
    skipped: dict[str, str] = field(default_factory=dict)
    #: cxspec metric id → the MetricFlow metric carrying its value.
    exported: dict[str, str] = field(default_factory=dict)
    #: cxspec metric id → how it maps, in words (for the package's README).
    how: dict[str, str] = field(default_factory=dict)
    #: Sources that got a semantic model (their row models must be written).
    sources: list = field(default_factory=list)


class Unmappable(Exception):
    """A metric MetricFlow cannot express; the message says why (it goes to `skipped`)."""


def no_mapping(metric, metric_type) -> str:
    return (
        f"metric type {metric.type!r} (shape {metric_type.shape!r}) has no MetricFlow mapping: "
        f"give the type a `{DECLARED_MAPPING}` method (see the cxspec-dbt README)"
    )


class SemanticBuilder:
    def __init__(self, project, registry, dialect: str, row_model_name):
        self.project = project
        self.registry = registry
        self.dialect = dialect
        self.row_model_name = row_model_name
        self.planner = Planner(project, registry, dialect)
        self.metric_names: dict[str, str] = {}
        self.measure_names: dict[str, str] = {}
        self.result = SemanticExport()
        #: source id → its semantic model's measures.
        self.measures: dict[str, list[dict]] = {}

    def sql(self, expression: exp.Expression) -> str:
        return expression.sql(dialect=self.dialect, copy=False)

    # -- whole export ----------------------------------------------------------------------

    def build(self) -> SemanticExport:
        computed = []
        for metric_id in sorted(self.project.metrics):
            metric = self.project.metrics[metric_id]
            metric_type = self.registry.metric_types[metric.type]
            if not metric_type.reads_source:
                computed.append(metric)
                continue
            try:
                self.source_metric(metric, metric_type)
            except Unmappable as reason:
                self.result.skipped[metric.id] = str(reason)
        self.computed_metrics(computed)
        for source_id in sorted(self.measures):
            source = self.project.sources[source_id]
            self.result.semantic_models.append(self.semantic_model(source, self.measures[source_id]))
            self.result.sources.append(source)
        self.result.metrics.sort(key=lambda m: m["name"])
        return self.result

    # -- names -----------------------------------------------------------------------------

    def metric_name(self, name: str, owner: str) -> str:
        return claim(self.metric_names, name, owner)

    def add_measure(self, source, name: str, agg: str, expression: exp.Expression, description: str, **extra):
        measure = {
            "name": claim(self.measure_names, name, description),
            "description": description,
            "agg": agg,
            "expr": self.sql(expression),
            **extra,
        }
        self.measures.setdefault(source.id, []).append(measure)
        return measure["name"]

    def simple_metric(self, name: str, label: str, measure: str, metric, description: str) -> dict:
        entry = {
            "name": name,
            "label": label,
            "description": description,
            "type": "simple",
            "type_params": {"measure": measure},
            "config": {"meta": metric_meta(self.project, metric)},
        }
        self.result.metrics.append(entry)
        return entry

    def public(self, metric) -> tuple[str, str, str]:
        """The MetricFlow name, label and description of a cxspec metric."""
        name = self.metric_name(dbt_name(metric.id), f"metric {metric.id}")
        label = metric.name or metric.id
        description = " ".join(str(metric.description or label).split())
        return name, label, description

    # -- metrics read from a source ---------------------------------------------------------

    def source_metric(self, metric, metric_type) -> None:
        source = self.project.sources[metric.source]
        if metric_type.shape == "spine":
            self.result.skipped[metric.id] = SPINE_REASON
            return
        predicate = self.planner.predicate(metric)
        context = self.planner.sql_context(source)
        if metric_type.shape == "measures":
            self.measure_metric(metric, metric_type, source, predicate, context)
        elif metric_type.shape == "rows":
            self.row_metric(metric, metric_type, source, predicate, context)
        else:
            raise Unmappable(no_mapping(metric, metric_type))

    def measure_metric(self, metric, metric_type, source, predicate, context) -> None:
        name, label, description = self.public(metric)
        measures = metric_type.measures(metric, context)
        rows = exp.column(f"{name}_rows")

        def lookup(measure_name: str) -> exp.Expression:
            if measure_name not in measures:
                raise Unmappable(f"its formula reads {measure_name!r}, which is not one of its measures")
            return exp.column(f"{name}_{dbt_name(measure_name)}")

        value = metric_type.result(metric, MeasureAccess(lookup, rows), context).value
        used = {column.name for column in value.find_all(exp.Column)}
        # Only the measures the formula uses (n for a margin of error is left out); every one
        # checked before any is added, so that a metric skipped leaves nothing behind.
        chosen = {f"{name}_{dbt_name(m)}": m for m in measures if f"{name}_{dbt_name(m)}" in used}
        odd = sorted({measures[m].agg for m in chosen.values()} - set(AGGREGATIONS))
        if odd:
            raise Unmappable(f"its measures aggregate by {', '.join(odd)}, which MetricFlow has no measure for")
        for input_name, measure_name in sorted(chosen.items()):
            measure = measures[measure_name]
            expression = measure.expression.copy()
            if predicate is not None:
                expression = case_when(predicate.copy(), expression)
            self.add_measure(
                source, input_name, measure.agg, expression, f"{measure_name} of {metric.id}"
            )
        inputs = list(chosen)
        if rows.name in used:
            expression = flag(predicate.copy()) if predicate is not None else num(1)
            self.add_measure(source, rows.name, "sum", expression, f"rows of {metric.id}")
            inputs.append(rows.name)
        for input_name in sorted(inputs):
            self.simple_metric(
                self.metric_name(input_name, f"input {input_name}"),
                f"{label}: {input_name[len(name) + 1 :]}",
                input_name,
                metric,
                f"Input of {metric.id}: {input_name[len(name) + 1 :]}.",
            )
        self.derived(metric, name, label, description, value, sorted(inputs))
        self.result.how[metric.id] = "derived: the type's own formula over simple metrics, one per measure"

    def row_metric(self, metric, metric_type, source, predicate, context) -> None:
        name, label, description = self.public(metric)
        agg, value, params = row_aggregate(metric, metric_type, context)
        extra = {"agg_params": params} if params else {}
        if predicate is not None:
            value = case_when(predicate.copy(), value)
        measure = self.add_measure(
            source, f"{name}_value", agg, value, f"{metric.type} of {metric.id}", **extra
        )
        self.simple_metric(name, label, measure, metric, description)
        self.result.exported[metric.id] = name
        continuous = " (continuous)" if params.get("use_discrete_percentile") is False else ""
        self.result.how[metric.id] = f"simple: {agg} measure{continuous}, the filter inside it"

    def derived(self, metric, name, label, description, value: exp.Expression, inputs: list[str]) -> None:
        self.result.metrics.append(
            {
                "name": name,
                "label": label,
                "description": description,
                "type": "derived",
                "type_params": {"expr": self.sql(value), "metrics": [{"name": i} for i in inputs]},
                "config": {"meta": metric_meta(self.project, metric)},
            }
        )
        self.result.exported[metric.id] = name

    # -- metrics computed from other metrics ------------------------------------------------

    def computed_metrics(self, computed: list) -> None:
        """Ratio and derived metrics, inputs first; one whose input was skipped is skipped."""
        pending = list(computed)
        while pending:
            progress = False
            for metric in list(pending):
                metric_type = self.registry.metric_types[metric.type]
                deps = [d for d, _ in metric_type.depends_on(metric)]
                missing = [d for d in deps if d in self.result.skipped]
                if missing:
                    self.result.skipped[metric.id] = (
                        f"it is computed from {', '.join(sorted(set(missing)))} (skipped)"
                    )
                elif all(d in self.result.exported for d in deps):
                    self.computed_metric(metric, metric_type)
                else:
                    continue
                pending.remove(metric)
                progress = True
            if not progress:  # validation rejects cycles; never loop forever
                for metric in pending:
                    self.result.skipped[metric.id] = "its inputs could not be resolved"
                return

    def computed_metric(self, metric, metric_type) -> None:
        """The type's own formula over the inputs' MetricFlow metrics: the very expression
        cxspec compiles (a ratio's and derived's divisions NULL on 0)."""
        name, label, description = self.public(metric)
        names = self.result.exported
        try:
            value = metric_type.computed_value(
                metric, lambda metric_id: exp.column(names[metric_id]), self.planner.computed_context()
            )
        except NotImplementedError:
            self.result.skipped[metric.id] = no_mapping(metric, metric_type)
            return
        inputs = sorted({names[d] for d, _ in metric_type.depends_on(metric)})
        self.derived(metric, name, label, description, value, inputs)
        definition = metric_type.definition(metric, self.project)
        self.result.how[metric.id] = f"derived: {definition}, every division NULL on 0 (as cxspec)"

    # -- semantic models --------------------------------------------------------------------

    def semantic_model(self, source, measures: list[dict]) -> dict:
        name = dbt_name(source.id)
        # Entities and dimensions of one semantic model share a namespace in MetricFlow: the
        # time column and the dimensions keep their names, an entity that clashes gets a suffix.
        elements: dict[str, str] = {}
        time_column = source.time or source.start
        time_name = claim(elements, dbt_name(time_column), f"time column {time_column}")
        dimensions = [
            {
                "name": time_name,
                "description": f"The UTC day of {time_column} (cxspec periods are UTC).",
                "type": "time",
                "expr": self.quoted(PERIOD),
                "type_params": {"time_granularity": "day"},
            }
        ]
        for dimension in source.dimensions:
            entry = {
                "name": claim(
                    elements, dbt_name(dimension.name), f"dimension {dimension.name} of {source.id}"
                ),
                "type": "categorical",
                "expr": self.quoted(dim_column(dimension.name)),
            }
            described = dimension.raw.get("description") if hasattr(dimension.raw, "get") else None
            if described:
                entry["description"] = " ".join(str(described).split())
            dimensions.append(entry)
        entities = []
        if source.key:
            entities.append(self.entity(elements, source.key, "primary"))
        if source.entity and source.entity != source.key:
            entities.append(self.entity(elements, source.entity, "foreign"))
        model: dict = {
            "name": name,
            "description": " ".join(
                str(source.get("description") or source.get("name") or f"Rows of source {source.id}").split()
            ),
            "model": f"ref('{self.row_model_name(source)}')",
            "defaults": {"agg_time_dimension": time_name},
        }
        if not source.key:
            model["primary_entity"] = f"{name}_row"
        if entities:
            model["entities"] = entities
        model["dimensions"] = dimensions
        model["measures"] = sorted(measures, key=lambda m: m["name"])
        return model

    def entity(self, elements: dict[str, str], column: str, kind: str) -> dict:
        name = dbt_name(column)
        if name in elements:
            name = f"{name}_entity"
        return {"name": claim(elements, name, f"entity {column}"), "type": kind, "expr": self.quoted(column)}

    def quoted(self, column: str) -> str:
        return self.sql(exp.column(column, quoted=True))


def row_aggregate(metric, metric_type, context) -> tuple[str, exp.Expression, dict]:
    """(MetricFlow aggregation, per-row expression, agg_params) of a metric of shape "rows":
    as its type declares it, else from what its value is (a continuous percentile, a count of
    distinct values); refused with the reason otherwise."""
    declared = getattr(metric_type, DECLARED_MAPPING, None)
    if callable(declared):
        mapping = declared(metric, context)
        if mapping is None:
            raise Unmappable(f"metric type {metric.type!r} says MetricFlow cannot express this metric")
        agg, value, params = mapping
        return agg, value, dict(params or {})
    percentile = metric_type.row_percentile(metric, context)
    if percentile is not None:
        value, fraction = percentile
        # agg_params in MetricFlow's words: a continuous percentile (PERCENTILE_CONT).
        return "percentile", value, dict(percentile=fraction, use_discrete_percentile=False)
    try:
        result = metric_type.row_result(metric, RowAccess(None, context.dialect), context).value
    except NotImplementedError:
        result = None
    while isinstance(result, (exp.Cast, exp.Paren)):
        result = result.this
    if isinstance(result, exp.Count) and isinstance(result.this, exp.Distinct):
        distinct = result.this.expressions
        if len(distinct) == 1:
            return "count_distinct", distinct[0].copy(), {}
    raise Unmappable(no_mapping(metric, metric_type))


def build_semantic(project, registry, dialect: str, row_model_name) -> SemanticExport:
    return SemanticBuilder(project, registry, dialect, row_model_name).build()
