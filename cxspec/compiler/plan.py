"""Plan a request: which sources to scan once each, which measures to aggregate in the first
level, which metrics come from rows, spines or other metrics. The plan is plain data that
`cxspec compile --explain` prints and sqlgen.py renders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlglot import exp

from cxspec.diagnostics import CxspecError
from cxspec.metric_type import Measure, MetricType, SqlContext
from cxspec.model import GRAINS, Dimension, Metric, Project, Source
from cxspec.sqlfrag import confinement_problems, parse_fragment
from cxspec.suggest import did_you_mean

#: Most distinct filter predicates grouped in one first-level aggregate; beyond that the
#: predicates are split over several first-level aggregates of the same scan.
MAX_PREDICATES_PER_LEVEL = 48


class RequestError(CxspecError):
    """A query that cannot be planned (unknown metric, dimension missing on a source…)."""


@dataclass(frozen=True)
class Request:
    metrics: tuple[str, ...] = ()
    grain: str | None = None
    by: tuple[str, ...] = ()
    where: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass
class MetricPlan:
    metric: Metric
    type: MetricType
    #: The metric's filter AND its touch point's match, or None for every row.
    predicate: exp.Expression | None = None
    #: Index of the predicate among its scan's predicates.
    predicate_index: int | None = None
    #: Measure name → index among its scan's measures.
    measure_index: dict[str, int] = field(default_factory=dict)


@dataclass
class ScanPlan:
    """Everything computed from one read of one source."""

    source: Source
    dimensions: list[Dimension]
    predicates: list[exp.Expression] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    measure_metrics: list[MetricPlan] = field(default_factory=list)
    row_metrics: list[MetricPlan] = field(default_factory=list)
    spine_metrics: list[MetricPlan] = field(default_factory=list)
    #: SQL text of each predicate and measure → its index: dedup without re-rendering.
    predicate_keys: dict[str, int] = field(default_factory=dict)
    measure_keys: dict[tuple, int] = field(default_factory=dict)
    measure_sets: dict[tuple, dict[str, int]] = field(default_factory=dict)

    def predicate_chunks(self) -> list[list[int]]:
        """Predicate indexes grouped per first-level aggregate."""
        indexes = list(range(len(self.predicates)))
        if not indexes:
            return [[]]
        size = MAX_PREDICATES_PER_LEVEL
        return [indexes[i : i + size] for i in range(0, len(indexes), size)]


@dataclass
class Plan:
    request: Request
    grain: str
    dialect: str
    dimensions: tuple[str, ...]
    scans: list[ScanPlan]
    #: Metrics computed from other metrics, in dependency levels.
    levels: list[list[MetricPlan]]
    #: The metrics asked for, in output order.
    outputs: list[str]
    where: exp.Expression | None = None


class Planner:
    def __init__(self, project: Project, registry, dialect: str):
        self.project = project
        self.registry = registry
        self.dialect = dialect
        self.fragment_dialect = project.config.dialect

    # -- fragments -------------------------------------------------------------------------

    def fragment(self, text: str) -> exp.Expression:
        return quoted_fragment(text, self.fragment_dialect)

    def predicate(self, metric: Metric) -> exp.Expression | None:
        parts = []
        if metric.filter:
            parts.append(self.fragment(metric.filter))
        touchpoint = self.project.touchpoints.get(metric.touchpoint or "")
        if touchpoint is not None and touchpoint.match:
            parts.append(self.fragment(touchpoint.match))
        if not parts:
            return None
        return exp.and_(*[exp.Paren(this=p) if not isinstance(p, exp.Paren) else p for p in parts])

    # -- planning --------------------------------------------------------------------------

    def plan(self, request: Request) -> Plan:
        grain = request.grain or self.project.config.grain
        if grain not in GRAINS:
            raise RequestError(f"unknown grain {grain!r}: one of {', '.join(GRAINS)}")
        outputs = self._requested(request)
        needed = self._with_dependencies(outputs)
        where = self._where(request.where, request.by) if request.where else None
        scans: dict[str, ScanPlan] = {}
        computed: list[Metric] = []
        for metric_id in needed:
            metric = self.project.metrics[metric_id]
            metric_type = self.registry.metric_types[metric.type]
            if not metric_type.reads_source:
                computed.append(metric)
                continue
            source = self.project.sources[metric.source]
            scan = scans.get(source.id)
            if scan is None:
                scan = scans[source.id] = ScanPlan(source, self._dimensions(source, request, metric))
                self._check_where_dims(source, where, request)
            self._add_metric(scan, metric, metric_type)
        for metric in computed:
            self._check_computed_dims(metric, request)
        return Plan(
            request=request,
            grain=grain,
            dialect=self.dialect,
            dimensions=tuple(request.by),
            scans=[scans[k] for k in sorted(scans)],
            levels=self._levels(computed),
            outputs=outputs,
            where=where,
        )

    def _requested(self, request: Request) -> list[str]:
        if not request.metrics:
            return sorted(self.project.metrics)
        outputs = []
        for metric_id in request.metrics:
            if metric_id not in self.project.metrics:
                hint = did_you_mean(metric_id, self.project.metrics)
                raise RequestError(f"unknown metric {metric_id!r}" + (f" ({hint})" if hint else ""))
            if metric_id not in outputs:
                outputs.append(metric_id)
        return outputs

    def _with_dependencies(self, outputs: list[str]) -> list[str]:
        needed: dict[str, None] = {}
        stack = list(reversed(outputs))
        while stack:
            metric_id = stack.pop()
            if metric_id in needed:
                continue
            needed[metric_id] = None
            metric = self.project.metrics[metric_id]
            for dependency, _ in self.registry.metric_types[metric.type].depends_on(metric):
                stack.append(dependency)
        return sorted(needed)

    def _dimensions(self, source: Source, request: Request, metric: Metric) -> list[Dimension]:
        found = []
        for name in request.by:
            dimension = source.dimension(name)
            if dimension is None:
                known = [d.name for d in source.dimensions]
                hint = did_you_mean(name, known) or (
                    f"it has: {', '.join(known)}" if known else "it has none"
                )
                raise RequestError(
                    f"metric {metric.id!r} cannot be sliced by {name!r}: source {source.id!r} declares "
                    f"no such dimension ({hint})"
                )
            found.append(dimension)
        return found

    def _check_computed_dims(self, metric: Metric, request: Request) -> None:
        """Ratio and derived metrics are sliced by their inputs' dimensions."""
        for dependency, _ in self.registry.metric_types[metric.type].depends_on(metric):
            input_metric = self.project.metrics[dependency]
            if input_metric.source:
                self._dimensions(self.project.sources[input_metric.source], request, input_metric)

    def _where(self, text: str, by) -> exp.Expression:
        parsed = parse_fragment(text, self.fragment_dialect)
        problems = list(parsed.problems)
        if parsed.expression is not None:
            problems += confinement_problems(parsed.expression, self.registry.sql_functions)
        if problems:
            raise RequestError(f"--where: {problems[0].message}")
        return parsed.expression.copy()

    def _check_where_dims(self, source: Source, where, request: Request) -> None:
        if where is None:
            return
        for column in where.find_all(exp.Column):
            if source.dimension(column.name) is None:
                raise RequestError(
                    f"--where uses {column.name!r}, which source {source.id!r} does not declare as a "
                    "dimension (--where filters on dimensions)"
                )

    def _add_metric(self, scan: ScanPlan, metric: Metric, metric_type: MetricType) -> None:
        plan = MetricPlan(metric, metric_type, self.predicate(metric))
        if metric_type.shape == "rows":
            scan.row_metrics.append(plan)
            return
        if metric_type.shape == "spine":
            scan.spine_metrics.append(plan)
            return
        if plan.predicate is not None:
            key = plan.predicate.sql(copy=False)
            plan.predicate_index = scan.predicate_keys.get(key)
            if plan.predicate_index is None:
                scan.predicates.append(plan.predicate)
                plan.predicate_index = scan.predicate_keys[key] = len(scan.predicates) - 1
        # Measures depend on the type's own fields only: metrics that share them (the same
        # column and scale under different filters) share the work of building them.
        own_fields = tuple(sorted((k, repr(metric.raw.get(k))) for k in metric_type.fields))
        signature = (metric_type.name, own_fields)
        known = scan.measure_sets.get(signature)
        if known is None:
            known = {}
            context = self.sql_context(scan.source)
            for name, measure in metric_type.measures(metric, context).items():
                key = measure.key
                index = scan.measure_keys.get(key)
                if index is None:
                    scan.measures.append(measure)
                    index = scan.measure_keys[key] = len(scan.measures) - 1
                known[name] = index
            scan.measure_sets[signature] = known
        plan.measure_index = dict(known)
        scan.measure_metrics.append(plan)

    def sql_context(self, source: Source) -> CompileContext:
        return CompileContext(self.dialect, source, self.fragment_dialect)

    def _levels(self, computed: list[Metric]) -> list[list[MetricPlan]]:
        remaining = {m.id: m for m in computed}
        done: set[str] = set()
        levels = []
        while remaining:
            ready = []
            for metric_id in sorted(remaining):
                metric = remaining[metric_id]
                deps = {d for d, _ in self.registry.metric_types[metric.type].depends_on(metric)}
                if not deps & set(remaining):
                    ready.append(metric)
            if not ready:  # validation rejects cycles; guard anyway
                raise RequestError(f"metrics depend on each other: {', '.join(sorted(remaining))}")
            levels.append([MetricPlan(m, self.registry.metric_types[m.type]) for m in ready])
            for metric in ready:
                del remaining[metric.id]
                done.add(metric.id)
        return levels


def quoted_fragment(text: str, dialect: str) -> exp.Expression:
    """A validated fragment as a fresh tree with its column names quoted as written."""
    parsed = parse_fragment(text, dialect)
    if parsed.expression is None:  # validated projects never get here
        raise RequestError(f"cannot compile fragment {text!r}: {parsed.problems[0].message}")
    expression = parsed.expression.copy()
    for column in expression.find_all(exp.Column):
        column.this.set("quoted", True)
    return expression


class CompileContext(SqlContext):
    """SqlContext for one source: its columns, its entity, fragments parsed and quoted."""

    def __init__(self, dialect: str, source: Source, fragment_dialect: str):
        super().__init__(dialect)
        self.source = source
        self.entity = source.entity
        self.fragment_dialect = fragment_dialect

    def predicate(self, text: str) -> exp.Expression:
        return quoted_fragment(text, self.fragment_dialect)
