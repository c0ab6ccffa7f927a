"""`cxspec run --incremental`: recompute only the periods whose data changed since the last run.

The watermark of a run is kept with the stored results, in `cxspec_watermarks`: per source,
per time column (a churn source's `start` and `end` both) and per period, how many rows the
run read (after the source's filter and de-duplication, times after the as-of instant left
out) and the latest time among them. An incremental run reads those figures again
(`Reading`: the periods before the watermark's latest one checked as a whole without
reading them again, the rows from it on grouped per period) and recomputes:

- the periods whose figures differ: rows newer than the watermark land in its period or a
  later one; rows arriving late into an old period change that period's count;
- for churn and retention sources, every period from the earliest such one on (an entity
  started or ended in a period counts in the later ones);

each run of consecutive periods as one `--from`/`--to` range, whose bounds on the raw time
column let the engine skip the rest (compiler/time_bounds.py). Without a stored watermark,
or one written for another version of the specs (`spec_hash`), the run is a full one.
Rows edited in place (the same count and latest time in a period; before the latest
period, in all of them together) are not seen: run without `--incremental` after rewriting
history. Other runs delete the watermark of the periods they
compute, so the next incremental run recomputes those (their results may be of newer data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlglot import exp

from cxspec.compiler import dialects
from cxspec.compiler.sqlkit import col, num, text
from cxspec.compiler.time_bounds import literal
from cxspec.drivers.rows import deduplicated
from cxspec.periods import period_end, period_start
from cxspec.query import iso_day
from cxspec.resolve import Resolver
from cxspec.runs.layout import create_table, existing_columns, table
from cxspec.warehouse import WarehouseError

WATERMARKS = "cxspec_watermarks"
WATERMARK_COLUMNS = {
    "project": "VARCHAR", "grain": "VARCHAR", "source": "VARCHAR", "column_name": "VARCHAR",
    "period": "DATE", "spec_hash": "VARCHAR", "rows": "BIGINT", "latest": "VARCHAR",
    "computed_at": "TIMESTAMP",
}  # fmt: skip
WATERMARK_KEY = ("project", "grain", "source", "column_name", "period")

#: (source id, time column, period) → (rows, latest time as text)
Figures = dict[tuple[str, str, str], tuple[int, str]]


@dataclass
class Plan:
    """What an incremental run computes: ranges of periods ((first, last) days; last None:
    open), or everything when `full`."""

    full: bool
    ranges: list[tuple[dt.date, dt.date | None]]
    figures: Figures
    reason: str = ""

    @property
    def periods_changed(self) -> bool:
        return self.full or bool(self.ranges)


def _sources(project) -> list:
    """The sources the metrics read, and those their sources' lookup dimensions read."""
    used = {m.source for m in project.metrics.values() if getattr(m, "source", None)}
    return [project.sources[s] for s in sorted(used | _looked_up(project)) if s in project.sources]


def _looked_up(project) -> set[str]:
    """The sources looked up by the lookup dimensions of the sources the metrics read: a change
    there changes every period (the latest row per entity applies to older rows too) of the
    metrics sliced or filtered by them."""
    used = {m.source for m in project.metrics.values() if getattr(m, "source", None)}
    return {
        d.lookup
        for s in used
        if s in project.sources
        for d in project.sources[s].dimensions
        if d.lookup and d.lookup in project.sources
    }


def _columns(source) -> list[str]:
    first = source.time or source.start
    columns = [first] if first else []
    if source.end and source.start:
        columns.append(source.end)
    return columns


@dataclass
class _Column:
    """How one time column of a source is read: its moment (a UTC timestamp), the rows counted
    (`conditions`: a time, not after the as-of instant) and, with a stored watermark, the
    start of its latest period as a value of the raw column (`boundary`)."""

    source: str
    column: str
    column_type: str | None
    moment: exp.Expression
    conditions: list[exp.Expression]
    stored: dict[str, tuple[int, str]]
    boundary: exp.Expression | None = None

    @property
    def old(self) -> dict[str, tuple[int, str]]:
        """The stored figures of the periods before the boundary."""
        return {p: v for p, v in self.stored.items() if p < max(self.stored)}

    def counted(self, *more: exp.Expression) -> exp.Expression:
        return exp.and_(*[c.copy() for c in self.conditions], *more)

    def before(self) -> exp.Expression:
        """The rows counted of the periods before the boundary (a test of the raw column)."""
        return self.counted(exp.LT(this=col(self.column), expression=self.boundary.copy()))


class Reading:
    """What an incremental run reads of its sources' time columns (`figures()`).

    With a stored watermark, only the rows from its latest period on are grouped per period,
    bounded on the raw column so that the engine skips the rest (Parquet row groups, an
    index). The periods before it are checked as a whole, against the stored figures' sum
    and latest time, without reading them again: their count is the rows with a time, not
    after the as-of instant (which the data checks count in the scan they make anyway:
    `aggregates()`, passed to data_checks.checked_sources) less the grouped ones; their latest
    time is read among the rows from the stored latest time to the boundary (a narrow
    bounded range). Rows added to or removed from an old period change that count; a later
    latest time, or the latest row gone, changes the latest. When they differ, every period
    is grouped."""

    def __init__(
        self, warehouse, project, registry, as_of: dt.datetime | None, stored: Figures | None = None
    ):
        self.warehouse = warehouse
        self.as_of = as_of
        self.grain = project.config.grain
        dialect = warehouse.dialect
        sources = _sources(project)
        self.resolution = Resolver(project, registry, warehouse=warehouse).resolve(sources)
        self.sources = {s.id: s for s in sources}
        self.columns: list[_Column] = []
        for source in sources:
            for column in _columns(source):
                column_type = self.resolution.column_type(source, column)
                moment = dialects.utc_timestamp(col(column), dialect, column_type, source.time_format)
                conditions = [exp.Not(this=exp.Is(this=col(column), expression=exp.Null()))]
                if as_of is not None:
                    limit = dialects.as_of_limit(as_of, dialect)
                    conditions.append(exp.LT(this=moment.copy(), expression=limit))
                mine = {k[2]: v for k, v in (stored or {}).items() if k[:2] == (source.id, column)}
                reading = _Column(source.id, column, column_type, moment, conditions, mine)
                if mine and not source.key and not source.time_format:
                    reading.boundary = literal(dt.date.fromisoformat(max(mine)), dialect, column_type)
                self.columns.append(reading)

    def aggregates(self) -> dict[str, dict[tuple[str, str], exp.Expression]]:
        """Per source, aggregates over its rows (after its filter) for the data checks' scan:
        the rows with a time in each bounded time column (the data checks count those after
        the as-of instant)."""
        found: dict[str, dict[tuple[str, str], exp.Expression]] = {}
        for c in self.columns:
            if c.boundary is not None:
                # the time as read (text that reads as no time is not counted, as in the figures)
                found.setdefault(c.source, {})[(c.column, "timed")] = exp.Count(this=c.moment.copy())
        return found

    def figures(self, checked: dict | None = None) -> Figures:
        """Rows and latest time per source, time column and period, in the warehouse now.
        `checked`: the data checks' data_checks.LeftOut per source, with the values of
        `aggregates()` (without them, the old periods are read here)."""
        figures: Figures = {}
        for c in self.columns:
            source = self.sources[c.source]
            # the versions of a key known at the as-of instant, as the results read them
            rows = deduplicated(
                source, self.resolution, self.warehouse.dialect, self.as_of, self.warehouse.dialect
            )
            if c.boundary is not None:
                newer = self._grouped(
                    c, rows, c.counted(exp.GTE(this=col(c.column), expression=c.boundary.copy()))
                )
                if self._old_unchanged(
                    c, rows, sum(n for n, _ in newer.values()), (checked or {}).get(c.source)
                ):
                    figures.update({(c.source, c.column, p): v for p, v in c.old.items()})
                    figures.update(newer)
                    continue
            figures.update(self._grouped(c, rows, c.counted()))
        return figures

    def _select(self, rows: exp.Select, items: list, condition: exp.Expression) -> exp.Select:
        relation = exp.alias_(exp.Subquery(this=rows.copy()), "r", table=True)
        return exp.select(*items).from_(relation).where(condition)

    def _grouped(self, c: _Column, rows, condition) -> Figures:
        dialect = self.warehouse.dialect
        items = [
            exp.alias_(dialects.period_start(c.moment.copy(), self.grain, dialect), "p", quoted=True),
            exp.Count(this=exp.Star()),
            exp.cast(exp.Max(this=c.moment.copy()), exp.DataType.build("TEXT")),
        ]
        query = self._select(rows, items, condition).group_by(num(1))
        _, found = self.warehouse.execute(query.sql(dialect=dialect))
        return {(c.source, c.column, iso_day(p)): (int(n), str(t)) for p, n, t in found if p is not None}

    def _old_unchanged(self, c: _Column, rows, newer: int, checked) -> bool:
        """Whether the periods before the boundary hold the stored rows and latest time."""
        old = c.old
        rows_then = sum(n for n, _ in old.values())
        latest_then = max((t for _, t in old.values()), default=None)
        counted = _counted(c, self.sources[c.source], checked)
        if counted is None:  # not counted by the data checks: read them whole
            items = [exp.Count(this=exp.Star()), exp.cast(exp.Max(this=c.moment.copy()), "TEXT")]
            _, found = self.warehouse.execute(
                self._select(rows, items, c.before()).sql(dialect=self.warehouse.dialect)
            )
            count, latest = found[0] if found else (0, None)
            return (int(count or 0), None if latest is None else str(latest)) == (rows_then, latest_then)
        if counted - newer != rows_then:
            return False
        return rows_then == 0 or self._latest_since(c, rows, latest_then) == latest_then

    def _latest_since(self, c: _Column, rows, latest: str) -> str | None:
        """The latest time before the boundary among the times from `latest` on (None: none,
        or `latest` not read back as a time)."""
        dialect = self.warehouse.dialect
        try:
            instant = dt.datetime.fromisoformat(latest)
        except ValueError:
            return None
        if instant.tzinfo is not None:
            instant = instant.astimezone(dt.timezone.utc).replace(tzinfo=None)
        since = [
            exp.GTE(
                this=c.moment.copy(),
                expression=dialects.utc_timestamp(text(instant.isoformat(sep=" ")), dialect),
            )
        ]
        day = literal(instant.date(), dialect, c.column_type)
        if day is not None:  # the same rows, bounded on the raw column for the engine to skip the rest
            since.append(exp.GTE(this=col(c.column), expression=day))
        items = [exp.cast(exp.Max(this=c.moment.copy()), exp.DataType.build("TEXT"))]
        query = self._select(rows, items, exp.and_(c.before(), *since))
        try:
            _, found = self.warehouse.execute(query.sql(dialect=dialect))
        except WarehouseError:
            return None
        return None if not found or found[0][0] is None else str(found[0][0])


def _counted(c: _Column, source, checked) -> int | None:
    """The rows of a time column with a time not after the as-of instant, from what the data
    checks counted (None: they did not)."""
    if checked is None or (c.column, "timed") not in checked.also:
        return None
    timed = int(checked.also[(c.column, "timed")] or 0)
    if c.column == (source.time or source.start):
        return timed - checked.after_as_of
    if c.column == source.end:
        return timed - checked.ends_after_as_of
    return None


def stored_figures(warehouse, project_id: str, grain: str) -> tuple[Figures, set[str]]:
    """The stored watermark: its figures, and the spec hashes it was written for."""
    query = (
        exp.select(*[col(c) for c in ("source", "column_name", "period", "rows", "latest", "spec_hash")])
        .from_(table(WATERMARKS))
        .where(
            exp.and_(
                exp.EQ(this=col("project"), expression=text(project_id)),
                exp.EQ(this=col("grain"), expression=text(grain)),
            )
        )
    )
    _, rows = warehouse.execute(query.sql(dialect=warehouse.dialect))
    figures = {(r[0], r[1], iso_day(r[2])): (int(r[3]), str(r[4])) for r in rows}
    return figures, {str(r[5]) for r in rows}


class Incremental:
    """An incremental run's plan in two steps: `aggregates()` for the data checks' scan of the
    sources, then `plan()` from what that scan found."""

    def __init__(self, warehouse, project, registry, spec_hash: str, as_of):
        grain = project.config.grain
        has_table = existing_columns(warehouse, WATERMARKS) is not None
        self.stored, self.hashes = (
            stored_figures(warehouse, project.config.project, grain) if has_table else ({}, set())
        )
        self.spec_hash = spec_hash
        self.grain = grain
        self.spines = {s.id for s in _sources(project) if s.start and s.end}
        self.looked_up = _looked_up(project)
        usable = self.stored if self.hashes == {spec_hash} else None
        self.reading = Reading(warehouse, project, registry, as_of, usable)

    def aggregates(self) -> dict[str, dict]:
        return self.reading.aggregates()

    def plan(self, checked: dict | None = None) -> Plan:
        """Which periods the run computes; `checked`: the data checks' LeftOut per source, with
        the values of `aggregates()`."""
        figures = self.reading.figures(checked)
        stored = self.stored
        if not stored:
            return Plan(True, [], figures, "no watermark stored yet")
        if self.hashes != {self.spec_hash}:
            return Plan(True, [], figures, "the specs changed since the watermark was stored")
        changed: set[str] = set()
        open_from: str | None = None
        for key in set(figures) | set(stored):
            if figures.get(key) != stored.get(key):
                if key[0] in self.looked_up:
                    return Plan(True, [], figures, f"looked-up source {key[0]!r} changed since the last run")
                changed.add(key[2])
                if key[0] in self.spines:
                    open_from = min(open_from or key[2], key[2])
        return Plan(False, _ranges(sorted(changed), open_from, self.grain), figures)


def _ranges(periods: list[str], open_from: str | None, grain: str) -> list[tuple[dt.date, dt.date | None]]:
    ranges: list[tuple[dt.date, dt.date | None]] = []
    for period in periods:
        if open_from is not None and period >= open_from:
            break
        day = dt.date.fromisoformat(period)
        if ranges and ranges[-1][1] is not None and period_end(ranges[-1][1].isoformat(), grain) == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    if open_from is not None:
        ranges.append((dt.date.fromisoformat(open_from), None))
    return ranges


def _in_ranges(ranges, grain: str) -> exp.Expression | None:
    """Periods in any of the ranges (None: every period)."""
    if not ranges:
        return None
    parts = []
    for first, last in ranges:
        low = exp.GTE(
            this=col("period"), expression=exp.cast(text(period_start(first, grain).isoformat()), "DATE")
        )
        if last is None:
            parts.append(low)
        else:
            high = exp.LTE(this=col("period"), expression=exp.cast(text(last.isoformat()), "DATE"))
            parts.append(exp.Paren(this=exp.and_(low, high)))
    return exp.or_(*parts)


def record_watermark(warehouse, info, figures: Figures | None, ranges) -> None:
    """After a run has stored its results: the watermark of the periods it computed (all,
    without `ranges`) replaced by `figures`, or deleted when there are none (runs that did
    not read them)."""
    dialect = warehouse.dialect
    if dialect not in ("duckdb", "sqlite", "postgres"):
        return
    with warehouse.transaction():
        warehouse.execute_statement(create_table(WATERMARKS, WATERMARK_COLUMNS, WATERMARK_KEY, dialect))
        mine = exp.and_(
            exp.EQ(this=col("project"), expression=text(info.project)),
            exp.EQ(this=col("grain"), expression=text(info.grain)),
        )
        within = _in_ranges(ranges, info.grain)
        if within is not None:
            mine = exp.and_(mine, exp.Paren(this=within))
        warehouse.execute_statement(exp.delete(table(WATERMARKS), where=mine).sql(dialect=dialect))
        if figures is None:
            return
        computed = [(s, c, p, n, latest) for (s, c, p), (n, latest) in sorted(figures.items())
                    if _covered(p, ranges, info.grain)]  # fmt: skip
        if not computed:
            return
        warehouse.insert_rows(
            WATERMARKS,
            list(WATERMARK_COLUMNS),
            [(info.project, info.grain, s, c, p, info.spec_hash, n, latest, info.computed_at)
             for s, c, p, n, latest in computed],
        )  # fmt: skip


def _covered(period: str, ranges, grain: str) -> bool:
    if not ranges:
        return True
    for first, last in ranges:
        if period >= period_start(first, grain).isoformat() and (last is None or period <= last.isoformat()):
            return True
    return False


def describe(plan: Plan, grain: str) -> str:
    """What an incremental run recomputed, in words."""
    if plan.full:
        return f"every period ({plan.reason})"
    if not plan.ranges:
        return "nothing: no data changed since the last run"
    parts = []
    for first, last in plan.ranges:
        if last is None:
            parts.append(f"from {first.isoformat()} on")
        elif last == first:
            parts.append(first.isoformat())
        else:
            parts.append(f"{first.isoformat()} to {last.isoformat()}")
    return f"the {grain} periods {', '.join(parts)} (their data changed since the last run)"
