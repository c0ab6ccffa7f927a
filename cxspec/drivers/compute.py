"""Run drivers analyses on a warehouse: one scan each (moments.py), the algebra in Python
(algebra.py), intervals from the same scan (intervals.py). Data that has no figures (a
constant driver, collinear drivers, too few rows…) is a located diagnostic, never a NaN."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

import numpy as np

from cxspec.diagnostics import Diagnostic, DiagnosticSink, Severity
from cxspec.drivers import arrays, moments
from cxspec.drivers.algebra import Degenerate, Moments, figures, rebased
from cxspec.drivers.intervals import jackknife
from cxspec.drivers.rows import (
    counted_text,
    is_boolean_type,
    missing_columns,
    not_numbers,
    number_companions,
    text_columns,
    text_hint,
)
from cxspec.query import iso_day
from cxspec.resolve import Resolver
from cxspec.warehouse import WarehouseError

#: Significant digits kept (DuckDB sums in parallel in no fixed order: see cxspec/query.py).
DIGITS = 12


#: From how many rows (the warehouse's estimate of what the analysis reads) the moments
#: are summed in numpy where the warehouse hands its rows over cheaply (DuckDB: arrays.py).
#: One analysis in a fresh process, CPU time, numpy against SQL (benchmarks/README.md,
#: "Drivers"): 30k rows 0.10 s / 0.09 s, 100k 0.13 / 0.13, 300k 0.14 / 0.18, 1M 0.31 / 0.49;
#: DuckDB estimates a fifth of the rows once scales filter them (100k rows: 20,000). None:
#: moments.py's SQL everywhere; 0: numpy whenever possible (the tests compare the two).
NUMPY_FROM_ROWS: int | None = 20_000

#: A variance inflation factor above this is strong collinearity (the usual rule of thumb).
VIF_LIMIT = 10.0
#: Decimal places kept of figures on a fixed scale (importance, limits, r², correlations,
#: betas: about 0–1; shares 0–100). Absolute, not significant digits: a limit near 0 is a
#: difference of two numbers, and the last bits of DuckDB's parallel sums would show in it.
PLACES = 10


def _round(value) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return float(f"{float(value):.{DIGITS}g}")


def _fixed(value, places: int = PLACES) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    rounded = round(float(value), places)
    return 0.0 if rounded == 0 else rounded  # no -0.0


@dataclass(frozen=True)
class DriverResult:
    analysis: str
    period: str | None
    dimensions: dict
    driver: str
    importance: float | None
    share: float | None
    correlation: float | None
    beta: float | None
    performance: float | None
    lower: float | None
    upper: float | None
    n: int
    r2: float | None
    method: str = "shapley"

    def as_dict(self) -> dict:
        return {
            "analysis": self.analysis,
            "period": self.period,
            "dimensions": self.dimensions,
            "driver": self.driver,
            "importance": self.importance,
            "share": self.share,
            "correlation": self.correlation,
            "beta": self.beta,
            "performance": self.performance,
            "lower": self.lower,
            "upper": self.upper,
            "n": self.n,
            "r2": self.r2,
        }


@dataclass
class DriversOutcome:
    results: list[DriverResult]
    diagnostics: list[Diagnostic]
    #: Per analysis, how many segments were left out (fewer complete cases than its
    #: min_sample, or data without figures there): `segments` only.
    left_out: dict[str, int] = field(default_factory=dict)
    #: Those segments: {"analysis", "dimensions", "n" (complete cases), "code" (why: CX602
    #: too few, CX600 a constant driver there…), "reason"} each, stored by `run` and shown
    #: where the segment's priority matrix would be (reports/analyses.py).
    omitted: list[dict] = field(default_factory=list)


def compute_drivers(
    warehouse, project, registry, ids=(), *, grain=None, by=(), start=None, end=None, until=None, segments=()
) -> DriversOutcome:
    """`until`: an as-of instant (`run --as-of`): rows dated after it are not read.
    `segments`: segment sets (tuples of dimension names, cxspec.yaml `segments:`; not with
    `by`): each analysis is computed for the total and for each set whose dimensions are all
    dimensions of its source, from one scan grouped by all of them (the moments are sums:
    they add up exactly into each set and the total, `_per_set`). A segment without figures
    (fewer complete cases than `min_sample`, a constant driver there…) is left out, counted
    in `left_out`, without a diagnostic."""
    sink = DiagnosticSink()
    results: list[DriverResult] = []
    left_out: dict[str, int] = {}
    omitted: list[dict] = []
    analyses = (
        [project.drivers[i] for i in ids] if ids else [project.drivers[k] for k in sorted(project.drivers)]
    )
    resolver = Resolver(project, registry, warehouse=warehouse)
    for analysis in analyses:
        source = project.sources[analysis.source]
        # and the sources its lookup dimensions read (`by`, its filter, its drivers' exprs)
        sets = [] if by else [s for s in segments if s and all(source.dimension(d) for d in s)]
        split = by or tuple(dict.fromkeys(d for s in sets for d in s))
        looked = [project.sources[d.lookup] for d in moments.looked_up(analysis, source, split)]
        resolution = resolver.resolve([source, *looked])
        if missing_columns(sink, resolution, source, _named_columns(analysis, source)):
            continue
        text = text_columns(
            warehouse,
            resolution,
            source,
            [analysis.outcome] + [d.column for d in analysis.drivers if d.column],
        )
        text = {column: kind for column, kind in text.items() if not is_boolean_type(kind)}  # 1/0
        numbers = number_companions(resolution, source, text)
        text = {column: kind for column, kind in text.items() if column not in numbers}
        counted = numbers and not_numbers(warehouse, resolution, source, analysis.dialect, numbers, until)
        _some_text(sink, analysis, numbers, counted)
        bad = _reading(analysis, text)
        for driver, column in bad:
            what = f"driver {driver.name!r}" if driver else "the outcome"
            sink.add(
                "CX603",
                f"{what} of {analysis.id!r} reads column {column!r}, which is text ({text[column]})",
                driver.loc("column") if driver else analysis.loc("outcome"),
                hint=text_hint(resolution, source, column, expr=driver is not None),
            )
        if bad:
            continue
        build = partial(
            moments.build, analysis, source, resolution, warehouse.dialect, grain=grain, by=split,
            start=start, end=end, numbers=numbers, until=until, segment_text=bool(sets),
        )  # fmt: skip
        try:
            query, groups = _scan(warehouse, build, [()] + sets if sets else None)
        except WarehouseError as exc:
            # a driver expression that is not a number, squares that overflow (PostgreSQL)…
            sink.add(
                "CX607",
                f"the warehouse could not compute {analysis.id!r}: {str(exc).splitlines()[0]}",
                analysis.loc("drivers", key=True),
                hint="every driver expression must give a number; values must be small enough to square "
                "(under about 1e154)",
            )
            continue
        _off_scale(warehouse, analysis, query, sink)
        mine: list[dict] = []
        found = _analyse(analysis, query, groups, sink, segments=bool(sets), omitted=mine)
        results += found
        if mine:
            left_out[analysis.id] = len(mine)
            omitted += mine
            _said_left_out(sink, analysis, mine, len([key for key in groups if key[1]]))
    return DriversOutcome(results, sink.items, left_out, omitted)


def _off_scale(warehouse, analysis, query, sink) -> None:
    """CX609: rows left out of the complete cases for a value off its variable's `scale` (a
    99 "don't know" code among 1-5 ratings), counted per variable with the values' range."""
    if not query.off_scale_sql or _on_scales(warehouse, analysis, query):
        return
    _, rows = warehouse.execute(query.off_scale_sql)
    row = list(rows[0]) if rows else [None] * (3 * len(query.off_scale_of))
    for k, i in enumerate(query.off_scale_of):
        count, low, high = row[3 * k : 3 * k + 3]
        if not count:
            continue
        driver = analysis.drivers[i - 1] if i else None
        scale = driver.scale if driver else analysis.outcome_scale
        what = f"driver {driver.name!r}" if driver else f"the outcome {analysis.outcome!r}"
        same = f"{float(low):g}" == f"{float(high):g}"  # (NaN == NaN is false)
        values = f"{float(low):g}" if same else f"from {float(low):g} to {float(high):g}"
        sink.add(
            "CX609",
            f"{what} of {analysis.id!r} is off its scale [{scale[0]:g}, {scale[1]:g}] in {int(count):,} rows "
            f"(values {values}): they are not complete cases",
            (driver.loc("scale") if driver else analysis.loc("outcome_scale")),
            hint="survey exports often code 'don't know' as 0, 98 or 99, which leaving out is right for; "
            "real values off it (a 0-10 column under [1, 5]) mean the scale is wrong",
        )


def _on_scales(warehouse, analysis, query) -> bool:
    """Whether every value of the source's columns that have a scale lies on it, so that no row
    can be off one (query.scale_bounds_sql: on a Parquet file DuckDB reads its statistics, not
    its rows; elsewhere a min and max are cheaper than the count over the analysis's rows)."""
    if not query.scale_bounds_sql:
        return False
    try:
        _, rows = warehouse.execute(query.scale_bounds_sql)
    except WarehouseError:
        return False  # the count tells
    bounds = list(rows[0]) if rows else []
    if len(bounds) != 2 * len(query.off_scale_of):
        return False
    for k, i in enumerate(query.off_scale_of):
        scale = analysis.drivers[i - 1].scale if i else analysis.outcome_scale
        low, high = bounds[2 * k : 2 * k + 2]
        if low is None and high is None:
            continue  # no value at all
        if not all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in (low, high)):
            return False  # text in a column SQLite types as a number, say
        if any(isinstance(v, Decimal) and not v.is_finite() for v in (low, high)):
            return False  # PostgreSQL's NUMERIC NaN (a Decimal NaN raises when compared)
        if not scale[0] <= low <= high <= scale[1]:  # NaN compares false: counted
            return False
    return True


#: Segments a CX614 message names; the rest are counted (every one is in report.json).
NAMED = 5


def _said_left_out(sink, analysis, omitted: list[dict], segments: int) -> None:
    """CX614: one warning per analysis naming the segments left out and why (a run's
    segments were counted on the terminal only, and a segment's report showed nothing)."""
    named = [f"{_label(o['dimensions'])} ({o['reason']})" for o in omitted[:NAMED]]
    more = f"; and {len(omitted) - NAMED:,} more" if len(omitted) > NAMED else ""
    sink.add(
        "CX614",
        f"{analysis.id!r}: {len(omitted):,} of {segments:,} segments have no figures and are left out: "
        + "; ".join(named) + more,
        analysis.loc("id"),
        hint="reports say so where the segment's priority matrix would be (report.json `drivers_left_out`); "
        "a lower `min_sample` or coarser segments give figures, with wider intervals",
    )


def _label(dimensions: dict) -> str:
    return ", ".join(f"{k}={'(none)' if v is None else v}" for k, v in dimensions.items())


def _named_columns(analysis, source) -> list:
    """(column, what, location[, dimensions]) of every column the analysis reads: its outcome,
    drivers' columns, and the names its drivers' `expr`s and its `filter` use that are not
    lookup or expression dimensions of the source (they read those as metric filters do:
    `dimensions`, the names they may use besides the columns)."""
    from cxspec.compiler.plan import fragment_dimension
    from cxspec.fragment_facts import referenced_names

    dimensions = [d.name for d in source.dimensions if d.lookup or d.expr]
    named = [(analysis.outcome, f"the outcome of {analysis.id!r}", analysis.loc("outcome"))]
    fragments = [(analysis.filter, f"the filter of {analysis.id!r}", analysis.loc("filter"))]
    for driver in analysis.drivers:
        what = f"driver {driver.name!r} of {analysis.id!r}"
        if driver.column:
            named.append((driver.column, what, driver.loc("column")))
        fragments.append((driver.expr, what, driver.loc("expr")))
    for text, what, where in fragments:
        for name in referenced_names(text, analysis.dialect) if isinstance(text, str) else ():
            if fragment_dimension(source, name) is None:
                named.append((name, what, where, dimensions))
    return named


def _scan(warehouse, build, sets=None):
    """(query, moments by group) of `build()`'s query; scanned once more, each variable less a
    round number near its mean, when the spread of one is too small against its mean for
    sums of raw squares (algebra.rebased): rare data, a second scan. Each group then takes
    the scan that suits it (_nearer): one number is subtracted from every group, and a small
    group far from the others' mean lost its spread in the second (silently wrong figures)."""
    query = build()
    groups = _per_set(_group_rows(query, *_fetch(warehouse, query)), sets)
    moments_of = [m for key, ms in groups.items() if sets is None or not key[1] for m in ms]
    shift = rebased(sum(moments_of[1:], moments_of[0])) if moments_of else None
    if shift is None:
        return query, groups
    query = build(shift=shift)
    shifted = _per_set(_group_rows(query, *_fetch(warehouse, query)), sets)
    return query, {key: _nearer(groups.get(key), shifted.get(key)) for key in {**groups, **shifted}}


def _per_set(groups: dict[tuple, dict], sets) -> dict[tuple, list[Moments]]:
    """Moments by (period, ((dimension, value), …)) → per bucket, as lists. `sets`: the total
    `()` and each segment set, when `groups` are by all their dimensions: each set's groups
    are the sums of those groups over the dimensions it lacks, bucket by bucket (exact: the
    moments are sums), the total's over all of them."""
    if sets is None:
        return {
            key: [m for _, m in sorted(buckets.items(), key=_bucket_order)] for key, buckets in groups.items()
        }
    out: dict[tuple, dict] = {}
    for (period, dims), buckets in groups.items():
        values = dict(dims)
        for names in sets:
            target = out.setdefault((period, tuple((d, values[d]) for d in names)), {})
            for bucket, m in buckets.items():
                target[bucket] = target[bucket] + m if bucket in target else m
    return {key: [m for _, m in sorted(buckets.items(), key=_bucket_order)] for key, buckets in out.items()}


def _bucket_order(item):
    return (item[0] is None, item[0] if item[0] is not None else 0)


def _nearer(raw: list[Moments] | None, shifted: list[Moments] | None) -> list[Moments] | None:
    """Of a group's moments by the first scan and by the shifted one, those whose means lie
    nearer zero against the spread (the digits of the spread that sums of squares lose grow
    with mean² / variance): the shifted ones unless the shift moved the group further away."""
    if raw is None or shifted is None:
        return shifted if raw is None else raw
    first, second = sum(raw[1:], raw[0]), sum(shifted[1:], shifted[0])
    if first.n < 2:
        return shifted
    with np.errstate(all="ignore"):
        means = np.array([first.centred_means, second.centred_means]) ** 2
        variances = np.array([first.spreads(), second.spreads()])
        # each variable's variance as the scan with its mean nearer zero computed it
        spread = np.maximum(np.where(means[0] <= means[1], variances[0], variances[1]), 1e-300)
        worst = (means / spread).max(axis=1)
    return raw if worst[0] < worst[1] else shifted


def _fetch(warehouse, query):
    fetched = arrays.moment_rows(warehouse, query, NUMPY_FROM_ROWS)
    return fetched if fetched is not None else warehouse.execute(query.sql)


def _group_rows(query, columns, rows) -> dict[tuple, dict]:
    """Moments by (period, ((dimension, value), …)) → by bucket (None: no buckets, or a NULL
    key's)."""
    at = {name: i for i, name in enumerate(columns)}
    p = len(query.variables)
    shift = np.array(query.shift) if query.shift else None
    groups: dict[tuple, list[Moments]] = {}
    for row in rows:
        period = (
            iso_day(row[at["__period"]]) if query.has_period and row[at["__period"]] is not None else None
        )
        dims = tuple((d, row[at[f"__dim_{d}"]]) for d in query.dimensions)
        bucket = row[at["__bucket"]] if query.has_buckets else None
        sums = np.array([float(row[at[f"__s{i}"]] or 0.0) for i in range(p)])
        cross = np.zeros((p, p))
        for i in range(p):
            for j in range(i, p):
                cross[i, j] = cross[j, i] = float(row[at[f"__c{i}_{j}"]] or 0.0)
        groups.setdefault((period, dims), {})[bucket] = Moments(float(row[at["__n"]]), sums, cross, shift)
    return groups


def _order(key):
    period, dims = key
    return (period or "", tuple((d, v is None, str(v)) for d, v in dims))


def _analyse(
    analysis, query, groups: dict[tuple, list[Moments]], sink, segments=False, omitted=None
) -> list[DriverResult]:
    """Figures per group; `segments`: the groups with dimensions are segments, whose problems
    (too few complete cases, a constant driver there…) leave them out: not a diagnostic each,
    an entry of `omitted` (compute_drivers says them in one CX614)."""
    everywhere = sink
    p = len(analysis.drivers)
    needed = max(analysis.min_sample or 0, p + 2)
    if not groups:
        groups = {(None, ()): [Moments(0.0, np.zeros(p + 1), np.zeros((p + 1, p + 1)))]}
    out = []
    for key in sorted(groups, key=_order):
        period, dims = key
        buckets = groups[key]
        total = sum(buckets[1:], buckets[0])
        where = _where(period, dict(dims))
        # a segment without figures is left out (compute_drivers says which, and why)
        sink = DiagnosticSink() if segments and dims else everywhere
        before = len(out)
        _figures_of(analysis, query, key, buckets, total, where, needed, sink, out)
        if sink is not everywhere and len(out) == before and omitted is not None:
            problem = next((d for d in sink.items if d.severity == Severity.ERROR), None)
            omitted.append({
                "analysis": analysis.id, "dimensions": dict(dims), "n": int(total.n),
                "code": problem.code if problem else "CX602",
                "reason": _reason(problem, analysis, total, needed),
            })  # fmt: skip
    return out


def _reason(problem, analysis, total, needed: int) -> str:
    if problem is None or problem.code == "CX602":
        if analysis.min_sample and analysis.min_sample >= needed:
            return f"{int(total.n):,} complete cases, min_sample {analysis.min_sample:,}"
        return f"{int(total.n):,} complete cases, {len(analysis.drivers)} drivers need {needed}"
    return {
        "CX600": "a driver is constant there",
        "CX601": "drivers are collinear there",
        "CX604": "the outcome is constant there",
        "CX607": "values too large to square",
    }.get(problem.code, problem.code)


def _figures_of(analysis, query, key, buckets, total, where, needed, sink, out) -> None:
    """One group's figures appended to `out`, or its problem in `sink`."""
    period, dims = key
    p = len(analysis.drivers)
    if _overflowed(sink, analysis, total, where):
        return
    if total.n < needed:
        sink.add(
            "CX602",
            f"{analysis.id!r}{where} has {int(total.n)} complete cases; "
            + (
                f"min_sample is {analysis.min_sample}"
                if analysis.min_sample and analysis.min_sample >= p + 2
                else f"{p} drivers need at least {p + 2}"
            ),
            analysis.loc("id"),
            hint="a row counts when the outcome and every driver are present and on their scales",
        )
        return
    try:
        result = figures(total, analysis.method)
    except Degenerate as exc:
        _degenerate(sink, analysis, exc, where, total)
        return
    for index in np.nonzero(result.vif > VIF_LIMIT)[0]:
        driver = analysis.drivers[int(index)]
        sink.add(
            "CX606",
            f"driver {driver.name!r} of {analysis.id!r}{where} is strongly collinear with the others "
            f"(variance inflation factor {result.vif[index]:.1f})",
            driver.loc("name"),
            hint="its importance is shared with the drivers it moves with; consider combining them",
        )
    limits = jackknife(buckets, result.importance, analysis.method) if query.has_buckets else None
    if limits is None:
        sink.add(
            "CX605",
            f"{analysis.id!r}{where}: importance has no interval",
            analysis.loc("source"),
            hint="intervals need a `key` or `entity` on the source and rows in at least 2 of its groups",
        )
    r2 = result.r2
    for index, driver in enumerate(analysis.drivers):
        importance = result.importance[index]
        out.append(
            DriverResult(
                analysis=analysis.id,
                period=period,
                dimensions=dict(dims),
                driver=driver.name,
                importance=_fixed(importance),
                share=_fixed(100.0 * importance / r2, PLACES - 2) if r2 > 0 else None,
                correlation=_fixed(result.correlation[index]),
                beta=_fixed(result.beta[index]),
                performance=_round(result.performance[index]),
                lower=_fixed(limits[0][index]) if limits else None,
                upper=_fixed(limits[1][index]) if limits else None,
                n=result.n,
                r2=_fixed(r2),
                method=analysis.method,
            )
        )


def _reading(analysis, columns) -> list[tuple[object, str]]:
    """(driver, or None for the outcome; its column) of those that read one of `columns`."""
    named = [(None, analysis.outcome)] if analysis.outcome in columns else []
    return named + [(d, d.column) for d in analysis.drivers if d.column in columns]


def _some_text(sink, analysis, numbers: dict, counted: dict) -> None:
    for driver, column in _reading(analysis, numbers):
        what = f"driver {driver.name!r}" if driver else "the outcome"
        sink.add(
            "CX608",
            f"{what} of {analysis.id!r} reads column {column!r}, which holds values that are not numbers"
            f"{counted_text(counted.get(column))}: their rows are not complete cases",
            driver.loc("column") if driver else analysis.loc("outcome"),
            hint="'N/A' and '5 - Very satisfied' are left out, as metrics count them invalid; clean the "
            "column, or map such values to numbers in "
            + ("an `expr`" if driver else "a `type: sql` source (the outcome is a column)"),
        )


def _overflowed(sink, analysis, total: Moments, where: str) -> bool:
    """Squares or cross-products too large for a double: a located error, not null figures.
    No complete case has no sums to overflow (its means are 0/0): too few cases, CX602."""
    if total.n == 0:
        return False
    with np.errstate(all="ignore"):
        finite = np.isfinite(total.sums) & np.isfinite(total.cross).all(axis=0)
        finite &= np.isfinite(total.means**2 * max(total.n, 1.0))
    if finite.all():
        return False
    for i in np.nonzero(~finite)[0]:
        driver = analysis.drivers[int(i) - 1] if i else None
        what = f"driver {driver.name!r}" if driver else f"the outcome {analysis.outcome!r}"
        sink.add(
            "CX607",
            f"{what} of {analysis.id!r}{where} has values too large to square in a double "
            "(over about 1e154): its sums of squares overflow",
            driver.loc("expr" if driver.expr else "column") if driver else analysis.loc("outcome"),
            hint="check the column's unit and its values; rescale it in an `expr`, or give it a `scale` "
            "that leaves such values out",
        )
    return True


def _where(period, dims) -> str:
    parts = ([f"period {period}"] if period else []) + [f"{k}={v!r}" for k, v in dims.items()]
    return f" ({', '.join(parts)})" if parts else ""


def _degenerate(sink, analysis, exc: Degenerate, where: str, total: Moments) -> None:
    names = [analysis.outcome] + [d.name for d in analysis.drivers]
    if exc.kind == "outcome":
        sink.add(
            "CX604",
            f"the outcome {analysis.outcome!r} of {analysis.id!r}{where} is {exc.value:g} "
            f"in all {int(total.n)} complete cases",
            analysis.loc("outcome"),
            hint="an outcome that does not vary has nothing to explain; check the filter and the column",
        )
    elif exc.kind == "constant":
        for i in exc.which:
            driver = analysis.drivers[i - 1]
            sink.add(
                "CX600",
                f"driver {driver.name!r} of {analysis.id!r}{where} has the same value "
                f"({total.means[i]:g}) in all {int(total.n)} complete cases",
                driver.loc("name"),
                hint="a constant driver explains nothing: remove it, or check its column and scale",
            )
    elif exc.kind == "collinear":
        listed = [names[i] for i in exc.which]
        first = analysis.drivers[exc.which[0] - 1] if exc.which else None
        sink.add(
            "CX601",
            f"drivers {', '.join(repr(n) for n in listed)} of {analysis.id!r}{where} are perfectly collinear",
            first.loc("name") if first else analysis.loc("drivers", key=True),
            hint="one is an exact linear combination of the others: drop one of them",
        )
    else:
        sink.add("CX602", f"{analysis.id!r}{where} has {int(total.n)} complete cases", analysis.loc("id"))
