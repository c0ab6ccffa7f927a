"""Plan a request: which sources to scan once each, which measures to aggregate in the first
level, which metrics come from rows, spines or other metrics. The plan is plain data that
`cxspec compile --explain` prints and sqlgen.py renders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from sqlglot import exp

from cxspec.compiler import dialects
from cxspec.compiler.sqlkit import clone, not_null
from cxspec.compiler.time_constants import canonical_times
from cxspec.diagnostics import CxspecError
from cxspec.metric_type import Checked, Measure, MetricType, SqlContext
from cxspec.model import GRAINS, Dimension, Metric, Project, Source
from cxspec.sqlfrag import confinement_problems, parse_fragment
from cxspec.suggest import did_you_mean

#: Most distinct filter predicates grouped in one first-level aggregate; beyond that the
#: predicates are split over several first-level aggregates of the same scan.
MAX_PREDICATES_PER_LEVEL = 48
#: Most filter columns a first level groups by (each multiplies its rows); filters over other
#: columns become 0/1 flags.
MAX_GROUP_COLUMNS = 6


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
    #: Times after this instant (naive UTC) are in the future: rows whose time is later are
    #: left out, ends later are not ends yet. None: no such bound (plain `cxspec compile`).
    as_of: dt.datetime | None = None
    #: Segments computed with the total in the same scans (`segments:` of cxspec.yaml): each a
    #: tuple of dimension names. Not with `by`.
    segments: tuple[tuple[str, ...], ...] = ()


@dataclass
class MetricPlan:
    metric: Metric
    type: MetricType
    #: The metric's filter AND its touch point's match, or None for every row.
    predicate: exp.Expression | None = None
    #: The parts of the predicate over columns the first level groups by: evaluated on that
    #: small table. None when there are none.
    pivot_filter: exp.Expression | None = None
    #: Index of the rest of the predicate (a 0/1 flag of the first level) among its scan's
    #: predicates; None when the pivot filter is all of it.
    predicate_index: int | None = None
    #: Measure name → index among its scan's measures.
    measure_index: dict[str, int] = field(default_factory=dict)
    #: Metrics with the same formula key share one pivot: the same type and own fields give
    #: the same formulas over the same measures (only their filters differ).
    formula_key: tuple = ()


@dataclass
class ScanPlan:
    """Everything computed from one read of one source."""

    source: Source
    dimensions: list[Dimension]
    #: Source columns the first level groups by, so that filters over them are evaluated on
    #: its small result instead of on every row (touch point, survey, channel…).
    group_columns: list[str] = field(default_factory=list)
    #: Measured columns converted to numbers once in the source's rows → their names there.
    numbers: dict[str, str] = field(default_factory=dict)
    #: (measured column, scale or None) → the name of its valid values in the source's rows
    #: (`__val<i>`: the value where it is valid, else NULL; see CompileContext.checked_number).
    values: dict[tuple, str] = field(default_factory=dict)
    #: Filter parts over other columns, each a 0/1 flag of the first level.
    predicates: list[exp.Expression] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    measure_metrics: list[MetricPlan] = field(default_factory=list)
    row_metrics: list[MetricPlan] = field(default_factory=list)
    spine_metrics: list[MetricPlan] = field(default_factory=list)
    #: Lookup dimensions its metrics' fragments name (filter, touch point match, predicate
    #: fields): the rows carry each one's value as `dimension_value(name)`.
    dimension_values: dict[str, None] = field(default_factory=dict)
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
    #: With segments: the grouping sets, the total () first, over `dimensions` (their union).
    sets: tuple[tuple[str, ...], ...] = ()


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
        return exp.and_(
            *[exp.Paren(this=p) if not isinstance(p, exp.Paren) else p for p in parts], copy=False
        )

    # -- planning --------------------------------------------------------------------------

    def plan(self, request: Request) -> Plan:
        grain = request.grain or self.project.config.grain
        if grain not in GRAINS:
            raise RequestError(f"unknown grain {grain!r}: one of {', '.join(GRAINS)}")
        if request.segments and request.by:
            raise RequestError("segments and --by cannot be combined")
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
        for scan in scans.values():
            split_predicates(scan)
        for metric in computed:
            self._check_computed_dims(metric, request)
        sets = tuple(dict.fromkeys([(), *(tuple(s) for s in request.segments)])) if request.segments else ()
        return Plan(
            request=request,
            grain=grain,
            dialect=self.dialect,
            sets=sets,
            dimensions=tuple(dict.fromkeys(d for s in sets for d in s)) if sets else tuple(request.by),
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
        if request.segments:  # a segment over a dimension the source lacks: the total only
            names = dict.fromkeys(d for s in request.segments for d in s)
            return [source.dimension(n) for n in names if source.dimension(n) is not None]
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
            problem = problems[0]
            hint = f" (hint: {problem.hint})" if problem.hint else ""
            raise RequestError(f"--where: {problem.code}: {problem.message}{hint}")
        return parsed.expression.copy()

    def _check_where_dims(self, source: Source, where, request: Request) -> None:
        if where is None:
            return
        for column in where.find_all(exp.Column):
            if source.dimension(column.name) is None:
                raise RequestError(
                    f"--where uses {column.name!r}, which source {source.id!r} does not declare as a "
                    "dimension (--where filters on dimensions)" + _unquoted_value(source, column)
                )

    def _add_metric(self, scan: ScanPlan, metric: Metric, metric_type: MetricType) -> None:
        predicate = self.predicate(metric)
        if predicate is not None:
            predicate = with_dimensions(predicate, scan.source, scan.dimension_values, self.fragment_dialect)
        plan = MetricPlan(metric, metric_type, predicate)
        if metric_type.shape == "rows":
            scan.row_metrics.append(plan)
            return
        if metric_type.shape == "spine":
            scan.spine_metrics.append(plan)
            return
        # Measures depend on the type's own fields only: metrics that share them (the same
        # column and scale under different filters) share the work of building them.
        own_fields = tuple(sorted((k, repr(metric.raw.get(k))) for k in metric_type.fields))
        signature = (metric_type.name, own_fields)
        known = scan.measure_sets.get(signature)
        if known is None:
            known = {}
            context = self._measure_context(scan)
            for name, measure in metric_type.measures(metric, context).items():
                key = measure.key
                index = scan.measure_keys.get(key)
                if index is None:
                    scan.measures.append(measure)
                    index = scan.measure_keys[key] = len(scan.measures) - 1
                known[name] = index
            scan.measure_sets[signature] = known
        plan.measure_index = dict(known)
        plan.formula_key = signature
        scan.measure_metrics.append(plan)

    def sql_context(self, source: Source) -> CompileContext:
        """A context over the source's own columns (what exporters building on the plan use)."""
        return CompileContext(self.dialect, source, self.fragment_dialect)

    def computed_context(self) -> ComputedContext:
        """A context for metrics computed from other metrics (`MetricType.computed_value`)."""
        return ComputedContext(self.dialect, self.fragment_dialect)

    def _measure_context(self, scan: ScanPlan) -> CompileContext:
        """The context measures are planned in: measured columns become numbers of the scan's
        rows (ScanPlan.numbers)."""
        return CompileContext(
            self.dialect,
            scan.source,
            self.fragment_dialect,
            scan.numbers,
            planning=True,
            values=scan.values,
            dimension_values=scan.dimension_values,
        )

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


def conjuncts(predicate: exp.Expression | None) -> list[exp.Expression]:
    """The parts of a predicate joined by AND, outer parentheses removed."""
    if predicate is None:
        return []
    while isinstance(predicate, exp.Paren):
        predicate = predicate.this
    if isinstance(predicate, exp.And):
        return conjuncts(predicate.this) + conjuncts(predicate.expression)
    return [predicate]


def _categorical_use(column: exp.Column) -> bool | None:
    """Whether this use of a column suggests few distinct values: the column (or a function of
    it alone, such as LOWER(TRIM(…))) compared with a string or a boolean, in a list of
    strings, or a boolean itself. Not LIKE: patterns match ids and text. None for a test for
    NULL, which says nothing (`closed_at IS NOT NULL` is a timestamp's)."""
    node, parent = column, column.parent
    while isinstance(parent, exp.Paren) or (
        isinstance(parent, exp.Func)
        and not isinstance(parent, exp.AggFunc)
        and all(c is column for c in parent.find_all(exp.Column))
    ):
        node, parent = parent, parent.parent
    if isinstance(parent, (exp.EQ, exp.NEQ, exp.NullSafeEQ, exp.NullSafeNEQ)):
        other = parent.expression if parent.this is node else parent.this
        return isinstance(other, exp.Boolean) or (isinstance(other, exp.Literal) and other.is_string)
    if isinstance(parent, exp.In):
        return (
            parent.this is node
            and bool(parent.expressions)
            and all(isinstance(e, exp.Literal) and e.is_string for e in parent.expressions)
        )
    if isinstance(parent, exp.Is):
        return None
    return isinstance(parent, (exp.And, exp.Or, exp.Not)) or parent is None


def groupable_columns(parts: list[exp.Expression], limit: int) -> set[str]:
    """Columns filter parts use categorically (at least once, and otherwise only in tests for
    NULL), the `limit` most used of them.

    Grouping by any column is exact; this only chooses where it is cheap.
    """
    categorical: dict[str, bool] = {}
    seen: set[str] = set()
    used_by: dict[str, int] = {}
    for part in parts:
        names = set()
        for column in part.find_all(exp.Column):
            use = _categorical_use(column)
            categorical[column.name] = categorical.get(column.name, True) and use is not False
            if use:
                seen.add(column.name)
            names.add(column.name)
        for name in names:
            used_by[name] = used_by.get(name, 0) + 1
    chosen = sorted((n for n, ok in categorical.items() if ok and n in seen), key=lambda n: (-used_by[n], n))
    return set(chosen[:limit])


def split_predicates(scan: ScanPlan) -> None:
    """Each two-level metric's predicate: parts over grouped columns become its pivot filter,
    the rest one (shared, de-duplicated) 0/1 flag of the first level."""
    parts_of = [conjuncts(plan.predicate) for plan in scan.measure_metrics]
    grouped = groupable_columns([p for parts in parts_of for p in parts], MAX_GROUP_COLUMNS)
    used: set[str] = set()
    for plan, parts in zip(scan.measure_metrics, parts_of, strict=True):
        pivot, flagged = [], []
        for part in parts:
            names = {c.name for c in part.find_all(exp.Column)}
            (pivot if names <= grouped else flagged).append(part)
            if names <= grouped:
                used |= names
        # The parts move into new trees (no copies): the predicate is not used after this.
        plan.pivot_filter = exp.and_(*pivot, copy=False) if pivot else None
        if flagged:
            predicate = exp.and_(*flagged, copy=False)
            key = predicate.sql(copy=False)
            plan.predicate_index = scan.predicate_keys.get(key)
            if plan.predicate_index is None:
                scan.predicates.append(predicate)
                plan.predicate_index = scan.predicate_keys[key] = len(scan.predicates) - 1
    scan.group_columns = sorted(used)


def dimension_value(name: str) -> str:
    """The column of a scan's rows holding a lookup dimension's value, for the metric
    fragments that name the dimension."""
    return f"__dimval_{name}"


def fragment_dimension(source: Source, name: str) -> Dimension | None:
    """The lookup or expression dimension of `source` that a name in a metric's fragment
    stands for (its own name first, else one that differs in case only, as the engines read
    unquoted names), or None: the name is a column of the source's rows (a plain dimension
    is its column)."""
    found = source.dimension(name) or next(
        (d for d in source.dimensions if d.name.lower() == name.lower()), None
    )
    return found if found is not None and (found.lookup or found.expr) else None


def replace_columns(tree: exp.Expression, replacement) -> exp.Expression:
    """`tree` with each column for which `replacement(column)` gives an expression replaced
    by it (the root too: the returned tree is the one to use)."""
    for column in list(tree.find_all(exp.Column)):
        new = replacement(column)
        if new is None:
            continue
        if column is tree:  # replace() cannot swap the root of a tree
            tree = new
        else:
            column.replace(new)
    return tree


def _unquoted_value(source: Source, column: exp.Column) -> str:
    """A hint for `region = EMAE` (the value written without quotes, read as a column): the
    comparison's other side is a dimension, so the name was meant as a value."""
    parent = column.parent
    if not isinstance(parent, (exp.EQ, exp.NEQ, exp.In)):
        return ""
    other = parent.expression if parent.this is column else parent.this
    if not isinstance(other, exp.Column) or source.dimension(other.name) is None:
        return ""
    value = column.name.replace("'", "''")
    return f"; to compare {other.name!r} with a value, quote it: \"{other.name} = '{value}'\""


def with_dimensions(
    tree: exp.Expression, source: Source, used: dict[str, None], dialect: str
) -> exp.Expression:
    """A metric fragment over `source`'s rows with each name of a lookup or expression
    dimension read as the dimension's value, as `--by`, `--where` and segments read it: the
    dimension wins over a column of the same name. A lookup dimension's value is the column
    `dimension_value` of the scan's rows (the dimensions named are added to `used`); an
    expression dimension's is its expression over the source's columns, in parentheses unless
    it is closed (a function, a column, a constant): the planner groups by its columns as by
    any, and their time constants are compared by type."""

    def value(column: exp.Column) -> exp.Expression | None:
        dimension = None if column.table else fragment_dimension(source, column.name)
        if dimension is None:
            return None
        if dimension.expr:
            expression = quoted_fragment(dimension.expr, dialect)
            closed = isinstance(expression, (exp.Func, exp.Column, exp.Literal, exp.Paren, exp.Boolean))
            return expression if closed else exp.Paren(this=expression)
        used[dimension.name] = None
        return exp.column(dimension_value(dimension.name), quoted=True)

    return replace_columns(tree, value)


def quoted_fragment(text: str, dialect: str) -> exp.Expression:
    """A validated fragment as a fresh tree with its column names quoted as written."""
    return clone(_quoted_template(text, dialect))


def source_fragment(text: str, fragment_dialect: str, source, resolution) -> exp.Expression:
    """A fragment over a source's rows (`quoted_fragment`), its time constants written as the
    warehouse of `resolution` compares them (compiler/time_constants.py)."""
    resolved = resolution.sources.get(source.id)
    types = resolved.column_types if resolved is not None else {}
    return canonical_times(quoted_fragment(text, fragment_dialect), types, resolution.dialect)


@lru_cache(maxsize=8192)
def _quoted_template(text: str, dialect: str) -> exp.Expression:
    """One quoted tree per fragment text, never handed out: callers get clones."""
    parsed = parse_fragment(text, dialect)
    if parsed.expression is None:  # validated projects never get here
        raise RequestError(f"cannot compile fragment {text!r}: {parsed.problems[0].message}")
    expression = parsed.expression.copy()
    for column in expression.find_all(exp.Column):
        column.this.set("quoted", True)
    return expression


class CompileContext(SqlContext):
    """SqlContext for one source: its columns, its entity, fragments parsed and quoted."""

    def __init__(
        self,
        dialect: str,
        source: Source,
        fragment_dialect: str,
        numbers: dict[str, str] | None = None,
        *,
        planning: bool = False,
        files: dict[str, str | None] | None = None,
        values: dict[tuple, str] | None = None,
        types: dict[str, str] | None = None,
        dimension_values: dict[str, None] | None = None,
    ):
        super().__init__(dialect)
        #: The scan's ScanPlan.dimension_values: predicates read the source's lookup and
        #: expression dimensions by name (None: the source's columns only).
        self.dimension_values = dimension_values
        #: Columns of a typed CSV file that are not numbers (sqlkit.measured_number).
        self.files = files or {}
        self.source = source
        self.entity = source.entity
        self.fragment_dialect = fragment_dialect
        #: Measured column → the name of its number in the source's rows (see `number`).
        self.numbers = numbers if numbers is not None else {}
        self.planning = planning
        #: (measured column, scale) → the name of its valid values in the source's rows.
        self.values = values if values is not None else {}
        #: Column → type name, where the warehouse told (resolve.ResolvedSource.column_types).
        self.types = types or {}

    def number(self, name: str) -> exp.Expression:
        """A measured column as a number, converted once per row: while planning, the column is
        added to the source's rows, and every measure over it reads that (DuckDB converted it
        anew in each of them). After planning, only columns already added are read so."""
        if name not in self.numbers:
            if not self.planning:
                return dialects.number(name, self.types.get(name), self.files, self.dialect)
            self.numbers[name] = f"__num{len(self.numbers)}"
        return exp.column(self.numbers[name], quoted=True)

    def checked_number(self, name: str, scale: tuple[int, int] | None) -> Checked:
        """While planning, a measured column's value where it is valid (on the scale), else
        NULL, tested once per row in the source's rows (`__val<i>`, by the column's type:
        measures.checked_value): valid is that value not being NULL, invalid a value there
        that is not."""
        key = (name, tuple(scale) if scale is not None else None)
        if key not in self.values:
            if not self.planning:
                return super().checked_number(name, scale)
            self.values[key] = f"__val{len(self.values)}"
        value = exp.column(self.values[key], quoted=True)
        missing = exp.Is(this=value.copy(), expression=exp.Null())
        return Checked(value, not_null(value), exp.and_(not_null(self.column(name)), missing))

    def predicate(self, text: str) -> exp.Expression:
        # Its time constants as the warehouse compares them, where the types are known (after
        # planning; planned measures get them in sqlgen.Generator.time_constants).
        tree = quoted_fragment(text, self.fragment_dialect)
        if self.dimension_values is not None:
            tree = with_dimensions(tree, self.source, self.dimension_values, self.fragment_dialect)
        return canonical_times(tree, self.types, self.dialect)


class ComputedContext(SqlContext):
    """SqlContext for metrics computed from other metrics: no source, fragments of the
    project's dialect parsed and quoted (`MetricType.computed_value`)."""

    def __init__(self, dialect: str, fragment_dialect: str):
        super().__init__(dialect)
        self.fragment_dialect = fragment_dialect

    def expression(self, text: str) -> exp.Expression:
        return quoted_fragment(text, self.fragment_dialect)
