"""Stored results: `cxspec_results` (metrics, with goal status) and `cxspec_scores` (pyramid
nodes), in the run's warehouse.

A run replaces the rows of the periods it computed, in one transaction: a rerun never
duplicates rows, and a run that fails midway leaves the earlier results as they were.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace

from sqlglot import exp

from cxspec.compiler.sqlkit import byte_order, col, text
from cxspec.grains import metric_grains
from cxspec.query import Converted, MetricResult, iso_day, typed_result
from cxspec.runs.grain_rows import leaf_results, score_periods
from cxspec.runs.incremental import WATERMARK_COLUMNS, WATERMARK_KEY, WATERMARKS
from cxspec.runs.layout import (
    VERSIONED,
    LayoutError,
    create_table,
    ensure_layout,
    existing_columns,
    read_layout,
    refusal,
)
from cxspec.runs.scoring import goal_statuses, pyramid_shape, scores_query
from cxspec.runs.static import literal, static_table

RESULTS = "cxspec_results"
SCORES = "cxspec_scores"
STAGE = "cxspec_stage"

RESULT_COLUMNS = {
    "project": "VARCHAR", "spec_hash": "VARCHAR", "metric": "VARCHAR", "metric_version": "INT",
    "definition": "VARCHAR", "grain": "VARCHAR", "period": "DATE", "dimensions": "VARCHAR",
    "value": "DOUBLE", "n": "BIGINT", "invalid": "BIGINT", "moe": "DOUBLE", "status": "VARCHAR",
    "computed_at": "TIMESTAMP",
}  # fmt: skip
RESULT_KEY = ("project", "metric", "grain", "period", "dimensions")
SCORE_COLUMNS = {
    "project": "VARCHAR", "spec_hash": "VARCHAR", "pyramid": "VARCHAR", "node": "VARCHAR",
    "parent": "VARCHAR", "grain": "VARCHAR", "period": "DATE", "score": "DOUBLE", "coverage": "DOUBLE",
    "computed_at": "TIMESTAMP", "dimensions": "VARCHAR",
}  # fmt: skip
SCORE_KEY = ("project", "pyramid", "node", "grain", "period", "dimensions")
STAGE_COLUMNS = {
    "metric": "VARCHAR", "grain": "VARCHAR", "period": "DATE", "dimensions": "VARCHAR", "value": "DOUBLE",
    "n": "BIGINT", "invalid": "BIGINT", "moe": "DOUBLE", "status": "VARCHAR",
}  # fmt: skip
#: The columns `load` reads of each result row, in its order.
LOADED = ("metric", "period", "dimensions", "value", "n", "invalid", "moe", "status", "metric_version",
          "definition", "spec_hash", "computed_at", "grain")  # fmt: skip
#: Engines whose `load` orders text as Python does (bytes of UTF-8: DuckDB, SQLite, PostgreSQL
#: with COLLATE "C"), where a run keeps the rows it stored instead of reading them back.
KEPT_ORDER = ("duckdb", "sqlite", "postgres")


def _table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))


#: The stored tables: name → (columns, key).
TABLES = {
    RESULTS: (RESULT_COLUMNS, RESULT_KEY),
    SCORES: (SCORE_COLUMNS, SCORE_KEY),
    WATERMARKS: (WATERMARK_COLUMNS, WATERMARK_KEY),
}
#: Columns later layouts added, with the value of the rows stored before (layout 4: the
#: segment of a pyramid score, `{}` for the total, the only scores stored before).
ADDED = {SCORES: {"dimensions": "{}"}}


def dimensions_key(dimensions: dict) -> str:
    if not dimensions:
        return "{}"  # a run's rows: no json.dumps per row
    items = (tuple(dimensions.items()), tuple(map(type, dimensions.values())))  # 1, 1.0, True differ
    try:
        return _KEYS[items]
    except KeyError:
        key = json.dumps(dimensions, sort_keys=True, separators=(",", ":"), default=str)
        if len(_KEYS) < 100_000:
            _KEYS[items] = key
        return key
    except TypeError:  # a value that cannot be a dict key: not remembered
        return json.dumps(dimensions, sort_keys=True, separators=(",", ":"), default=str)


#: Each distinct segment's key, made once: a run with segments has a few hundred segments and
#: a key per result row (170k rows in benchmarks/README.md, "Segments": 2 s of json.dumps).
_KEYS: dict[tuple, str] = {}


def segment_keys():
    """dimensions_key for the rows of one pass, remembered per dict: the results of a query
    share one dict per segment (query._Segments), so most rows cost one lookup by identity."""
    seen: dict[int, tuple[str, dict]] = {}  # the dict kept with its key: its id stays its own

    def key(dimensions: dict) -> str:
        if not dimensions:
            return "{}"
        hit = seen.get(id(dimensions))
        if hit is None:
            hit = seen[id(dimensions)] = (dimensions_key(dimensions), dimensions)
        return hit[0]

    return key


@dataclass
class Written:
    """The results a run stored, as `load` reads them back, and which stored rows they are
    (`where`): `load(written=…)` reads the others and takes these as they are."""

    #: In load's order: (metric, period, dimensions key), text as bytes.
    results: list[MetricResult]
    #: Each result's (metric, period, dimensions key), in the same order.
    keys: list[tuple]
    where: exp.Expression
    #: The dimensions dicts of the results, one per stored key (json.loads of it, as load).
    dimensions: Converted


@dataclass
class RunInfo:
    project: str
    spec_hash: str
    grain: str
    computed_at: str  # 'YYYY-MM-DD HH:MM:SS', UTC


def _lock_key(project_id: str) -> int:
    """A stable 63-bit number per project for PostgreSQL's advisory lock."""
    import hashlib

    return int.from_bytes(hashlib.sha256(project_id.encode()).digest()[:8], "big") >> 1


def ensure_results_layout(warehouse) -> None:
    """The results tables created or upgraded (in a transaction of their own): before a
    caller's longer transaction, which then does not hold PostgreSQL's layout lock."""
    if warehouse.dialect in VERSIONED:
        ensure_layout(warehouse, TABLES, ADDED)


def store(
    warehouse, project, registry, info: RunInfo, results, definitions: dict[str, str], *, kept=(),
    layout_ready=False,
) -> Written | None:  # fmt: skip
    """Replace the computed periods' results and scores, in one transaction (the caller's
    when it has one open). Each metric's results are stored at its grain (`grain:`,
    cxspec/grains.py), with their goal status; scores at the project's.

    No results (an empty source, a range without data) store nothing and change nothing.
    The stored results of metrics in `kept` (metrics that failed in this run) stay as they
    were. `layout_ready`: ensure_results_layout was called. Returns the rows stored (None
    where they must be read back: see _written)."""
    if not results:
        return None
    dialect = warehouse.dialect
    if not layout_ready:
        ensure_results_layout(warehouse)
    with warehouse.transaction():
        if dialect == "postgres":
            # Runs of one project queue here instead of failing on each other's rows.
            lock = exp.Anonymous(this="pg_advisory_xact_lock", expressions=[literal(_lock_key(info.project))])
            warehouse.execute(exp.select(lock).sql(dialect=dialect))
        if dialect not in VERSIONED:
            for name, (columns, key) in TABLES.items():
                warehouse.execute_statement(create_table(name, columns, key, dialect))
        warehouse.execute_statement(create_table(STAGE, STAGE_COLUMNS, None, dialect, temporary=True))
        warehouse.execute_statement(exp.delete(_table(STAGE)).sql(dialect=dialect))
        grains = metric_grains(project)
        staged = _staged(results, grains, info.grain)
        status = goal_statuses(project)
        staged["status"] = [
            status(r.metric, key, r.dimensions, r.value, r.n)
            for r, key in zip(results, staged["dimensions"], strict=True)
        ]
        warehouse.insert_columns(STAGE, staged, STAGE_COLUMNS)
        replaced = _computed_periods(info, sorted(set(staged["grain"])))
        if kept:
            others = exp.Not(this=exp.In(this=col("metric"), expressions=[text(m) for m in sorted(kept)]))
            replaced = exp.and_(replaced, others)
        warehouse.execute_statement(exp.delete(_table(RESULTS), where=replaced).sql(dialect=dialect))
        for statement in _carry_history(info.project, project.renamed_metrics()):
            warehouse.execute_statement(statement.sql(dialect=dialect))
        insert = _insert_results(project, info, definitions)
        warehouse.execute_statement(insert.sql(dialect=dialect))
        periods = score_periods(project, results, lambda asked: _stored_periods(warehouse, info, asked))
        scored = exp.and_(
            exp.EQ(this=col("project"), expression=text(info.project)),
            exp.EQ(this=col("grain"), expression=text(info.grain)),
            exp.In(this=col("period"), expressions=[exp.cast(text(p), "DATE") for p in periods]),
        )
        warehouse.execute_statement(exp.delete(_table(SCORES), where=scored).sql(dialect=dialect))
        warehouse.execute_statement(_insert_scores(project, registry, info, periods).sql(dialect=dialect))
    return _written(project, info, definitions, results, staged, kept, dialect)


def _written(
    project, info: RunInfo, definitions: dict[str, str], results, staged: dict, kept, dialect
) -> Written | None:
    """The run's results become its stored rows, as `load` reads them: with their goal status
    (staged), each metric's version and definition (as _insert_results joins them), the run's
    hash and time, the dimensions as stored (json of the stored key: names sorted, values as
    JSON has them); set in place on the results the run computed (a new object per row
    costs 3x as much: 170k rows with segments), which the run uses for nothing else. Sorted
    as load sorts. None (read back instead) on an engine that may order text otherwise
    (KEPT_ORDER), for a -0.0 (SQLite and DuckDB's row inserts store 0.0), or a metric both
    computed and kept."""
    if dialect not in KEPT_ORDER or not set(kept).isdisjoint(staged["metric"]):
        return None
    if _negative_zero(staged["value"]) or _negative_zero(staged["moe"]):
        return None
    version = {m: project.metrics[m].version for m in definitions}
    dimensions = Converted(json.loads)
    spec_hash, computed_at = info.spec_hash, info.computed_at
    columns = (staged["dimensions"], staged["status"], staged["grain"])
    for r, key, status, grain in zip(results, *columns, strict=True):
        fields = r.__dict__  # as query.typed_result: no frozen __setattr__ per field
        metric = fields["metric"]
        fields["dimensions"] = dimensions[key]
        fields["status"] = status
        fields["metric_version"] = version.get(metric)
        fields["definition"] = definitions.get(metric)
        fields["spec_hash"] = spec_hash
        fields["computed_at"] = computed_at
        fields["grain"] = grain
    days = staged["period"]
    # Sorted by keys made in C (zip), compared in C: no Python function per row.
    keys = list(zip(staged["metric"], days, staged["dimensions"], strict=True))
    order = sorted(range(len(keys)), key=keys.__getitem__)
    periods: dict[str, set] = {}
    for grain, period in set(zip(staged["grain"], days, strict=True)):
        periods.setdefault(grain, set()).add(period)
    where = exp.or_(
        *[
            exp.and_(
                exp.EQ(this=col("grain"), expression=text(grain)),
                exp.In(
                    this=col("period"),
                    expressions=[exp.cast(text(p), "DATE") for p in sorted(periods[grain])],
                ),
            )
            for grain in sorted(periods)
        ]
    )
    if kept:  # as the run's DELETE: these metrics' rows stayed
        others = exp.Not(this=exp.In(this=col("metric"), expressions=[text(m) for m in sorted(kept)]))
        where = exp.and_(exp.paren(where, copy=False), others)
    return Written(
        list(map(results.__getitem__, order)), list(map(keys.__getitem__, order)), where, dimensions
    )


def _staged(results, grains: dict[str, str], grain: str) -> dict[str, list]:
    """The stage's columns of the results (a run with segments stages 170k rows). Dimensions
    keys made once per dimensions dict: results share one per segment (query._Segments)."""
    key = segment_keys()
    return {
        "metric": [r.metric for r in results],
        "grain": [grains.get(r.metric, grain) for r in results] if grains else [grain] * len(results),
        "period": [r.period for r in results],
        "dimensions": [key(r.dimensions) for r in results],
        "value": [r.value for r in results],
        "n": [r.n for r in results],
        "invalid": [r.invalid for r in results],
        "moe": [r.moe for r in results],
    }  # and "status", added by store


def _negative_zero(values: list) -> bool:
    """Whether a -0.0 is among `values` (`in` compares in C; -0.0 == 0.0)."""
    return 0.0 in values and any(v == 0 and math.copysign(1.0, v) < 0 for v in values if v is not None)


def _stored_periods(warehouse, info: RunInfo, asked: list[str]) -> set[str]:
    """Which of the `asked` periods hold stored totals at the project's grain."""
    query = (
        exp.select(col("period"))
        .distinct()
        .from_(_table(RESULTS))
        .where(
            exp.and_(
                exp.EQ(this=col("project"), expression=text(info.project)),
                exp.EQ(this=col("grain"), expression=text(info.grain)),
                exp.In(this=col("period"), expressions=[exp.cast(text(p), "DATE") for p in asked]),
            )
        )
    )
    _, rows = warehouse.execute(query.sql(dialect=warehouse.dialect))
    return {iso_day(r[0]) for r in rows}


def _computed_periods(info: RunInfo, grains: list[str]) -> exp.Expression:
    """The project's stored rows of the grains and periods staged by this run."""
    of_grain = []
    for grain in grains:
        periods = (
            exp.select(col("period"))
            .from_(_table(STAGE))
            .where(exp.EQ(this=col("grain"), expression=text(grain)))
            .distinct()
        )
        of_grain.append(
            exp.and_(
                exp.EQ(this=col("grain"), expression=text(grain)),
                exp.In(this=col("period"), query=exp.Subquery(this=periods)),
            )
        )
    return exp.and_(
        exp.EQ(this=col("project"), expression=text(info.project)), exp.paren(exp.or_(*of_grain), copy=False)
    )


def _carry_history(project_id: str, renames: dict[str, str]) -> list[exp.Expression]:
    """Statements that move stored rows of earlier ids (`previous_ids:`) to the metric's id now.

    Where both ids hold a row for one grain, period and dimensions, the newer id's row wins."""
    statements: list[exp.Expression] = []
    for old, new in sorted(renames.items()):
        same_row = exp.and_(
            *[
                exp.EQ(this=col(c, "n"), expression=col(c, _table(RESULTS).name))
                for c in RESULT_KEY
                if c != "metric"
            ],
            exp.EQ(this=col("metric", "n"), expression=text(new)),
        )
        newer = exp.Exists(
            this=exp.select(exp.Literal.number(1))
            .from_(exp.alias_(_table(RESULTS), "n", table=True))
            .where(same_row)
        )
        of_old = exp.and_(
            exp.EQ(this=col("project"), expression=text(project_id)),
            exp.EQ(this=col("metric"), expression=text(old)),
        )
        statements.append(exp.delete(_table(RESULTS), where=exp.and_(of_old, newer)))
        statements.append(exp.update(_table(RESULTS), {"metric": text(new)}, where=of_old.copy()))
    return statements


def rename_history(results: list[MetricResult], renames: dict[str, str]) -> list[MetricResult]:
    """Stored rows of earlier ids under the metric's id now (a row of the newer id wins)."""
    if not renames:
        return results
    held = {(r.metric, r.period, dimensions_key(r.dimensions)) for r in results}
    moved = []
    for r in results:
        new = renames.get(r.metric)
        if new is None:
            moved.append(r)
        elif (new, r.period, dimensions_key(r.dimensions)) not in held:
            moved.append(replace(r, metric=new))
    return sorted(moved, key=lambda r: (r.metric, r.period, dimensions_key(r.dimensions)))


def refuse_unusable_layout(warehouse) -> None:
    """Raise LayoutError when stored tables exist that a run could not store into."""
    if warehouse.dialect in VERSIONED:
        check_stored_layout(warehouse)


def check_stored_layout(warehouse) -> bool:
    """True when there are stored tables to read; raises LayoutError for ones of another layout."""
    layout = read_layout(warehouse, {name: spec[0] for name, spec in TABLES.items()}, ADDED)
    reason = refusal(layout)
    if reason:
        raise LayoutError(reason)
    return layout.tables[RESULTS] is not None and layout.tables[SCORES] is not None


def _insert_results(project, info: RunInfo, definitions: dict[str, str]) -> exp.Insert:
    versions = static_table(
        {"metric": "VARCHAR", "version": "INT", "definition": "VARCHAR"},
        [(m, project.metrics[m].version, definitions[m]) for m in sorted(definitions)],
    )
    select = (
        exp.select(
            literal(info.project),
            literal(info.spec_hash),
            col("metric", "s"),
            col("version", "v"),
            col("definition", "v"),
            col("grain", "s"),
            col("period", "s"),
            col("dimensions", "s"),
            col("value", "s"),
            col("n", "s"),
            col("invalid", "s"),
            col("moe", "s"),
            col("status", "s"),
            exp.cast(literal(info.computed_at), "TIMESTAMP"),
        )
        .from_(exp.alias_(_table(STAGE), "s", table=True, copy=False))
        .join(
            exp.alias_(exp.Subquery(this=versions), "v", table=True, copy=False),
            on=exp.EQ(this=col("metric", "v"), expression=col("metric", "s")),
            join_type="left",
        )
    )
    return exp.Insert(
        this=exp.Schema(
            this=_table(RESULTS), expressions=[exp.to_identifier(c, quoted=True) for c in RESULT_COLUMNS]
        ),
        expression=select,
    )


def _insert_scores(project, registry, info: RunInfo, periods: list[str]) -> exp.Insert:
    """Scores of `periods` (the project's grain), each leaf at its own grain (grain_rows.py),
    for the total and every segment (same tree and weights; the total's dimensions '{}')."""
    results = leaf_results(project, _table(RESULTS), info.project, periods, segments=True)
    scores = scores_query(pyramid_shape(project, registry), exp.Subquery(this=results), segments=True)
    select = exp.select(
        literal(info.project),
        literal(info.spec_hash),
        col("pyramid", "x"),
        col("node", "x"),
        col("parent", "x"),
        literal(info.grain),
        col("period", "x"),
        col("score", "x"),
        col("coverage", "x"),
        exp.cast(literal(info.computed_at), "TIMESTAMP"),
        col("dimensions", "x"),
    ).from_(exp.alias_(exp.Subquery(this=scores), "x", table=True, copy=False))
    return exp.Insert(
        this=exp.Schema(
            this=_table(SCORES), expressions=[exp.to_identifier(c, quoted=True) for c in SCORE_COLUMNS]
        ),
        expression=select,
    )


@dataclass(frozen=True)
class StoredScore:
    pyramid: str
    node: str
    parent: str | None
    period: str
    score: float | None
    coverage: float | None
    #: The segment scored: {} for the total, {"region": "EMEA"}…
    dimensions: dict = field(default_factory=dict, compare=False, hash=False)


def load(
    warehouse,
    project_id: str,
    grain: str,
    renames: dict[str, str] | None = None,
    *,
    grains: dict[str, str] | None = None,
    written: Written | None = None,
) -> tuple[list[MetricResult], list[StoredScore]]:
    """Everything stored for a project at a grain, in a stable order (metric, period,
    dimensions; text as bytes on every engine); rows of earlier ids (`renames`: old → new)
    under the metric's id now. `grains` (metric → its own grain, cxspec/grains.py): those
    metrics' rows at that grain instead; scores are at `grain`. `written` (what a run just
    stored, from `store`): those rows taken as they are, the others read."""
    dialect = warehouse.dialect
    if dialect in VERSIONED and not check_stored_layout(warehouse):
        return [], []
    grains = {m: g for m, g in (grains or {}).items() if g != grain}
    mine = exp.and_(
        exp.EQ(this=col("project"), expression=text(project_id)),
        exp.EQ(this=col("grain"), expression=text(grain)),
    )
    wanted = sorted({grain, *grains.values()})
    of_grains = exp.and_(
        exp.EQ(this=col("project"), expression=text(project_id)),
        exp.In(this=col("grain"), expressions=[text(g) for g in wanted]),
    )
    if written is not None:
        of_grains = exp.and_(of_grains, exp.Not(this=exp.paren(written.where.copy(), copy=False)))
    query = (
        exp.select(*[col(c) for c in LOADED])
        .from_(_table(RESULTS))
        .where(of_grains)
        .order_by(
            byte_order(col("metric"), "VARCHAR", dialect),
            col("period"),
            byte_order(col("dimensions"), "VARCHAR", dialect),
        )
    )
    _, rows = warehouse.execute(query.sql(dialect=dialect))
    # Periods, dimensions and run times repeat across hundreds of thousands of rows (ten years
    # of days): each distinct one is converted once.
    days, times = Converted(iso_day), Converted(lambda t: str(t)[:19])
    dimensions = Converted(json.loads) if written is None else written.dimensions
    results = [
        typed_result(
            r[0],
            days[r[1]],
            dimensions[r[2]],  # one dict per segment, shared by its rows (as computed: query.py)
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
            times[r[11]],
            r[12],
        )  # fmt: skip
        for r in rows
        if r[12] == grains.get(r[0], grain)
    ]
    if written is not None and not results:  # nothing else stored: the run's rows, in order
        results = written.results
    elif written is not None:  # merged in the query's order: Python's order of text is bytes
        keys = [(r[0], days[r[1]], r[2]) for r in rows if r[12] == grains.get(r[0], grain)] + written.keys
        both = results + written.results
        results = list(map(both.__getitem__, sorted(range(len(both)), key=keys.__getitem__)))
    results = rename_history(results, renames or {})
    # Tables of layouts 1 and 2 (read before a run upgrades them) hold the totals' scores only.
    segmented = dialect not in VERSIONED or "dimensions" in (existing_columns(warehouse, SCORES) or {})
    dimensions_column = col("dimensions") if segmented else exp.alias_(text("{}"), "dimensions", quoted=True)
    query = (
        exp.select(
            *[col(c) for c in ("pyramid", "node", "parent", "period", "score", "coverage")], dimensions_column
        )
        .from_(_table(SCORES))
        .where(mine.copy())
        .order_by(col("pyramid"), col("node"), col("period"), col("dimensions"))
    )
    _, rows = warehouse.execute(query.sql(dialect=dialect))
    # Rounded to 10 places: engines sum a level's weighted scores in parallel, in no fixed
    # order, so the last bits differ from run to run; reports must not.
    scores = [
        StoredScore(r[0], r[1], r[2], days(r[3]), _steady(r[4]), _steady(r[5]), dict(dimensions(r[6])))
        for r in rows
    ]
    return results, scores


def _steady(value: float | None) -> float | None:
    return None if value is None else round(value, 10)


def latest_periods(
    results: list[MetricResult], scores: list[StoredScore], count: int, until: str | None = None
) -> tuple[list, list]:
    """The rows of the `count` latest periods stored (for reports of long histories); with
    `until` (the period a report is about, or its --as-of day), the `count` latest up to it:
    `report --periods 1 --period 2025-06-01` kept the latest period only, and reported an empty
    June."""
    periods = sorted({r.period for r in results} | {s.period for s in scores})
    keep = set([p for p in periods if until is None or p <= until][-count:])
    return [r for r in results if r.period in keep], [s for s in scores if s.period in keep]
