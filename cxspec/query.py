"""Compute metrics now, on a warehouse: compile, execute, return typed results."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from operator import itemgetter

from cxspec.compiler.compile import compile_request
from cxspec.compiler.plan import Request, RequestError
from cxspec.diagnostics import CxspecError
from cxspec.gcpause import without_gc
from cxspec.resolve import Resolver
from cxspec.warehouse import Warehouse, WarehouseError, redact, scheme_of

DEFAULT_WAREHOUSE = "duckdb:///:memory:"


@dataclass(frozen=True)
class MetricResult:
    """One result of a metric for a period and dimensions: as computed, and as stored (with
    its goal status and the run that stored it; cxspec/runs/store.py)."""

    metric: str
    period: str
    dimensions: dict
    value: float | None
    n: int | None
    invalid: int | None
    moe: float | None
    status: str | None = None
    metric_version: int | None = None
    definition: str | None = None
    spec_hash: str | None = None
    computed_at: str | None = None
    #: The grain it was stored at (a metric's own `grain:`, else the project's).
    grain: str | None = None

    def as_dict(self) -> dict:
        return {
            "metric": self.metric,
            "period": self.period,
            "dimensions": self.dimensions,
            "value": self.value,
            "n": self.n,
            "invalid": self.invalid,
            "moe": self.moe,
        }


@dataclass(frozen=True)
class MetricFailure:
    """A metric the warehouse refused to compute: which, where it is defined, and why."""

    metric: str
    location: str
    error: str

    def as_dict(self) -> dict:
        return {"metric": self.metric, "location": self.location, "error": self.error}

    def __str__(self) -> str:
        return f"CX416 metric {self.metric!r} ({self.location}) failed on the warehouse: {self.error}"


class MetricsFailed(CxspecError):
    """Metrics the warehouse refused (each named with its spec location)."""

    def __init__(self, failures: list[MetricFailure]):
        self.failures = failures
        super().__init__("\n".join(str(f) for f in failures))


def warehouse_class(url: str, registry) -> type[Warehouse]:
    """The warehouse serving a URL's scheme, without connecting."""
    scheme = scheme_of(url)
    cls = registry.warehouses.get(scheme)
    if cls is None:
        from cxspec.known_plugins import install_hint

        known = ", ".join(f"{s}://" for s in sorted(registry.warehouses))
        hint = install_hint("warehouse", scheme, registry)
        raise CxspecError(f"no warehouse for {redact(url)!r}: " + (hint or f"known schemes are {known}"))
    return cls


def connect(url: str | None, project, registry) -> Warehouse:
    url = url or project.config.warehouse or DEFAULT_WAREHOUSE
    return warehouse_class(url, registry)(url, project)


def iso_day(value) -> str:
    """'YYYY-MM-DD' from a date, a datetime or a string (engines return periods as any)."""
    return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)[:10]


#: Significant digits kept of every value and margin. Engines that sum in parallel (DuckDB)
#: add doubles in a different order each run, which changes the last binary digits; 12
#: digits keep results (and the reports made from them) the same from run to run.
DIGITS = 12


def _number(value, digits: int = DIGITS):
    return None if value is None else float(f"{float(value):.{digits}g}")


#: Significant digits kept of a value its metric type computes exactly (MetricType.exact_value):
#: a double holds 15 of any number; an exact sum is the same from run to run.
EXACT_DIGITS = 15


def exact_metrics(plan) -> frozenset[str]:
    """The metrics of a plan whose type computes their value exactly."""
    plans = [m for level in plan.levels for m in level]
    for scan in plan.scans:
        plans += [*scan.measure_metrics, *scan.row_metrics, *scan.spine_metrics]
    return frozenset(m.metric.id for m in plans if m.type.exact_value)


def _count(value):
    return None if value is None else int(value)


def compile_for(warehouse: Warehouse, project, request: Request, registry, *, pretty=True):
    """The queries of a request as they run on `warehouse`: its sources resolved against it
    (its own relations, files loaded into it, its column types)."""
    resolver = Resolver(project, registry, warehouse=warehouse)
    return compile_request(project, request, warehouse.dialect, registry, resolver, pretty=pretty)


def compute(project, request: Request, registry, warehouse_url: str | None = None) -> list[MetricResult]:
    with connect(warehouse_url, project, registry) as warehouse:
        return compute_with(warehouse, project, request, registry)


#: The most metrics one query computes (`run` and `query`: compute_batched). A query's time
#: grows with the square of its select list past a few hundred metrics (DuckDB plans it: 1,000
#: filtered means of one source took 9.8 s, four queries of 250 3.6 s; 10,000 metrics took 21
#: minutes, in batches 40 s), so a source read by more metrics is read once per batch of them
#: (docs/limits.md).
MAX_METRICS_PER_QUERY = 250


def metric_batches(project, registry, metric_ids) -> list[list[str]]:
    """The metrics in batches whose queries compute at most MAX_METRICS_PER_QUERY metrics each:
    a metric counts with every metric it is computed from (a ratio's inputs, a derived
    metric's whole chain), which its query computes too. A source's metrics sit next to each
    other (a batch reads few sources); a metric whose chain alone is longer has a batch of its
    own. 250 derived metrics used to bring about a thousand inputs into one query (two minutes
    of DuckDB planning each, a 10,000-metric project ten minutes in all)."""
    closures: dict[str, frozenset] = {}

    def closure(metric_id: str) -> frozenset:
        pending = [metric_id]
        while pending:  # iterative: a long chain needs no deep recursion
            current = pending[-1]
            if current in closures:
                pending.pop()
                continue
            metric = project.metrics[current]
            depends = registry.metric_types[metric.type].depends_on(metric)
            inputs = [m for m, _ in depends if m in project.metrics]
            waiting = [m for m in inputs if m not in closures]
            if waiting:
                pending += waiting
                continue
            pending.pop()
            closures[current] = frozenset([current]).union(*(closures[m] for m in inputs))
        return closures[metric_id]

    def home(metric_id: str) -> str:
        """A computed metric goes with its inputs' first source."""
        sources = [project.metrics[m].source for m in closure(metric_id)]
        return min((s for s in sources if s), default="")

    batches: list[list[str]] = []
    batch: list[str] = []
    computed: set[str] = set()
    for metric_id in sorted(metric_ids, key=lambda m: (home(m), m)):
        needed = closure(metric_id)
        if batch and len(computed | needed) > MAX_METRICS_PER_QUERY:
            batches.append(batch)
            batch, computed = [], set()
        batch.append(metric_id)
        computed |= needed
    return batches + ([batch] if batch else [])


def compute_batched(warehouse: Warehouse, project, request: Request, registry) -> list[MetricResult]:
    """compute_with, MAX_METRICS_PER_QUERY metrics at a time (all the project's when the
    request names none): the same results, in the same order."""
    wanted = request.metrics or tuple(sorted(project.metrics))
    if any(m not in project.metrics for m in wanted):
        return compute_with(warehouse, project, request, registry)  # an unknown id: its error
    batches = metric_batches(project, registry, wanted)
    if len(batches) <= 1:
        return compute_with(warehouse, project, request, registry)
    results: list[MetricResult] = []
    for batch in batches:
        results += compute_with(warehouse, project, replace(request, metrics=tuple(batch)), registry)
    results.sort(key=_order_key())
    return results


@without_gc
def compute_with(
    warehouse: Warehouse,
    project,
    request: Request,
    registry,
    *,
    failures: list[MetricFailure] | None = None,
    fail_fast: bool = False,
) -> list[MetricResult]:
    """Compile for the warehouse's dialect and run each query on an open connection.

    A query the warehouse refuses is run again metric by metric, to name the ones that fail:
    they go to `failures` and the others' results are kept; without a `failures` list (or
    with `fail_fast`, at the first) MetricsFailed is raised instead."""
    if request.where:
        _refuse_where(project, request, registry)
    queries = compile_for(warehouse, project, request, registry, pretty=False)
    results: list[MetricResult] = []
    for query in queries:
        try:
            results += _execute(warehouse, query)
        except WarehouseError as exc:
            if len(query.metrics) == 1:
                failed = [_failure(project, query.metrics[0], exc)]
            else:
                failed = []
                for metric_id in query.metrics:
                    alone = replace(request, metrics=(metric_id,))
                    try:
                        for single in compile_for(warehouse, project, alone, registry, pretty=False):
                            results += _execute(warehouse, single)
                    except WarehouseError as one:
                        failed.append(_failure(project, metric_id, one))
                        if fail_fast:
                            break
            if failed and (failures is None or fail_fast):
                raise MetricsFailed(failed) from None
            if failed:
                failures += failed
    # In Python's order, not the engine's: collations differ (PostgreSQL's locale, NULLs).
    results.sort(key=_order_key())
    return results


def _refuse_where(project, request: Request, registry) -> None:
    """`--where` comparing a dimension with a constant that engines read differently is refused
    before any engine answers (CX405, CX406, CX408 of checks/booleans.py)."""
    from cxspec.checks.booleans import where_problem

    wanted = request.metrics or tuple(project.metrics)
    ids = dict.fromkeys(project.metrics[m].source for m in wanted if m in project.metrics)
    sources = [project.sources[i] for i in ids if i in project.sources and project.sources[i].valid]
    problem = where_problem(project, registry, request.where, sources)
    if problem is not None:
        raise RequestError(problem)


def _order_key():
    """(metric, period, the dimensions as (name, text) pairs): the text made once per distinct
    segment, not per row (a run with segments sorts 170k rows; benchmarks/README.md)."""
    made: dict = {}
    shared: dict[int, tuple] = {}  # by the dict itself: results share one per segment (_Segments)

    def key(r: MetricResult):
        d = r.dimensions
        if not d:
            return (r.metric, r.period, ())
        pairs = shared.get(id(d))  # every result, so every dict, lives while sorting
        if pairs is not None:
            return (r.metric, r.period, pairs)
        seen = (tuple(d.items()), tuple(map(type, d.values())))  # 1, 1.0 and True differ
        try:
            pairs = made[seen]
        except KeyError:
            pairs = made[seen] = tuple((k, str(v)) for k, v in d.items())
        except TypeError:  # a value that cannot be a dict key
            pairs = tuple((k, str(v)) for k, v in d.items())
        shared[id(d)] = pairs
        return (r.metric, r.period, pairs)

    return key


def _failure(project, metric_id: str, exc: Exception) -> MetricFailure:
    return MetricFailure(metric_id, str(project.metrics[metric_id].loc()), str(exc))


def _execute(warehouse: Warehouse, query) -> list[MetricResult]:
    columns, rows = warehouse.execute(query.sql)
    at = {name: i for i, name in enumerate(columns)}
    metric, period, value, n, invalid, moe = (
        at[c] for c in ("metric", "period", "value", "n", "invalid", "moe")
    )
    if query.plan.sets:
        from cxspec.compiler.grouping import SET, set_mask

        names = query.plan.dimensions
        # Each row's dimensions are those of its grouping set (`__set`), a NULL among them a
        # real group ({"region": None}), the total's {}.
        kept = {set_mask(names, s): tuple((d, at[d]) for d in names if d in s) for s in query.plan.sets}
        where = at[SET]
    else:
        kept, where = {0: tuple((d, at[d]) for d in query.plan.dimensions)}, None
    days = Converted(iso_day)  # a period per row, a few distinct ones
    segment = _Segments(kept)
    number = Converted(_number)  # 170k values of a run with segments, 17k distinct
    exact_ids = exact_metrics(query.plan)
    exact = Converted(partial(_number, digits=EXACT_DIGITS))
    # Positions, not a dict per row: this loop runs for every result row of every query
    # (figures in benchmarks/README.md, "Execute" and "Segments"). 0 and None directly (-0.0
    # equals 0.0 as a key).
    return [
        typed_result(
            row[metric],
            days[row[period]],
            segment(row, 0 if where is None else row[where]),
            (
                (exact if row[metric] in exact_ids else number)[row[value]]
                if row[value]
                else _number(row[value])
            ),
            _count(row[n]),
            _count(row[invalid]),
            number[row[moe]] if row[moe] else _number(row[moe]),
        )
        for row in rows
    ]


class _Segments:
    """The dimensions of a result row: one dict per distinct segment, shared by its rows (a run
    with segments has 170k result rows and a few hundred segments; a dict per row, and a
    stored key per row made from it, were much of its time). Nothing changes a result's
    dimensions in place."""

    def __init__(self, kept: dict[int, tuple]):
        #: per grouping set: (its dimensions, what takes their values from a row: one value
        #: for one dimension, a tuple for more; None for the total)
        self.getters = {
            mask: (
                tuple(d for d, _ in positions),
                itemgetter(*(i for _, i in positions)) if positions else None,
            )
            for mask, positions in kept.items()
        }
        self.made: dict[tuple, dict] = {}

    def __call__(self, row, mask: int) -> dict:
        names, get = self.getters[mask]
        if get is None:
            return {}
        values = get(row)
        key = (mask, values)
        try:
            return self.made[key]
        except KeyError:
            # One column holds one type per query (SQLite groups 1 and 1.0 as one), so 1, 1.0
            # and True, equal as keys, do not meet here.
            made = self.made[key] = self._dimensions(names, values)
            return made
        except TypeError:  # a value that cannot be a dict key
            return self._dimensions(names, values)

    @staticmethod
    def _dimensions(names: tuple, values) -> dict:
        return dict(zip(names, values, strict=True)) if len(names) > 1 else {names[0]: values}


_new = object.__new__
_set = object.__setattr__


def typed_result(
    metric, period, dimensions, value, n, invalid, moe, status=None, metric_version=None,
    definition=None, spec_hash=None, computed_at=None, grain=None,
) -> MetricResult:  # fmt: skip
    """MetricResult(...) with every field given in order, made without the frozen dataclass's
    one object.__setattr__ per field (3x faster: runs and reads make one per result row)."""
    result = _new(MetricResult)
    _set(
        result,
        "__dict__",
        {
            "metric": metric,
            "period": period,
            "dimensions": dimensions,
            "value": value,
            "n": n,
            "invalid": invalid,
            "moe": moe,
            "status": status,
            "metric_version": metric_version,
            "definition": definition,
            "spec_hash": spec_hash,
            "computed_at": computed_at,
            "grain": grain,
        },
    )  # fmt: skip (a dict display, not keywords: a dict of keywords made per call as well)
    return result


class Converted(dict):
    """A conversion remembered per distinct value: `converted(value)` or `converted[value]`
    (the faster: a miss only runs Python, in __missing__)."""

    def __init__(self, convert):
        super().__init__()
        self.convert = convert

    def __missing__(self, value):
        converted = self[value] = self.convert(value)
        return converted

    __call__ = dict.__getitem__


__all__ = [
    "MetricFailure",
    "MetricResult",
    "MetricsFailed",
    "WarehouseError",
    "compile_for",
    "compute",
    "compute_with",
    "connect",
]
