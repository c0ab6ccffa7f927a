"""`cxspec run --incremental`: recompute only the periods whose data changed since the last run.

The watermark of a run is kept with the stored results, in `cxspec_watermarks`: per source,
per time column (a churn source's `start` and `end` both) and per period, how many rows the
run read (after the source's filter and de-duplication, times after the as-of instant left
out) and the latest time among them. An incremental run reads those figures again (one
grouped scan of the time columns, cheap next to the metrics) and recomputes:

- the periods whose figures differ: rows newer than the watermark land in its period or a
  later one; rows arriving late into an old period change that period's count;
- for churn and retention sources, every period from the earliest such one on (an entity
  started or ended in a period counts in the later ones);

each run of consecutive periods as one `--from`/`--to` range, whose bounds on the raw time
column let the engine skip the rest (compiler/time_bounds.py). Without a stored watermark,
or one written for another version of the specs (`spec_hash`), the run is a full one.
Rows edited in place (the same count and latest time in a period) are not seen: run without
`--incremental` after rewriting history. Other runs delete the watermark of the periods they
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
    used = {m.source for m in project.metrics.values() if getattr(m, "source", None)}
    return [project.sources[s] for s in sorted(used) if s in project.sources]


def _columns(source) -> list[str]:
    first = source.time or source.start
    columns = [first] if first else []
    if source.end and source.start:
        columns.append(source.end)
    return columns


def read_figures(
    warehouse, project, registry, as_of: dt.datetime | None, stored: Figures | None = None
) -> Figures:
    """Rows and latest time per source, time column and period, in the warehouse now.

    With a stored watermark, the periods before its latest one are first checked as a
    whole (one count and latest time, no grouping: cheaper per row); when they match, only
    the rows from that period on are grouped, bounded on the raw column so that the engine
    skips the rest. Rows added to or removed from an old period change that count."""
    dialect, grain = warehouse.dialect, project.config.grain
    sources = _sources(project)
    resolution = Resolver(project, registry, warehouse=warehouse).resolve(sources)
    figures: Figures = {}
    for source in sources:
        for column in _columns(source):
            column_type = resolution.column_type(source, column)
            moment = dialects.utc_timestamp(col(column), dialect, column_type, source.time_format)
            conditions = [exp.Not(this=exp.Is(this=col(column), expression=exp.Null()))]
            if as_of is not None:
                limit = dialects.utc_timestamp(text(as_of.isoformat(sep=" ", timespec="seconds")), dialect)
                conditions.append(exp.LTE(this=moment.copy(), expression=limit))
            rows = exp.alias_(exp.Subquery(this=deduplicated(source, resolution, dialect)), "r", table=True)
            mine = {k[2]: v for k, v in (stored or {}).items() if k[:2] == (source.id, column)}
            boundary = None
            if mine and not source.key and not source.time_format:
                latest_period = max(mine)
                boundary = literal(dt.date.fromisoformat(latest_period), dialect, column_type)
            if boundary is not None:
                before = exp.LT(this=col(column), expression=boundary)
                whole = exp.select(exp.Count(this=exp.Star()), exp.cast(exp.Max(this=moment.copy()), "TEXT"))
                whole = whole.from_(rows.copy()).where(exp.and_(*[c.copy() for c in conditions], before))
                _, found = warehouse.execute(whole.sql(dialect=dialect))
                old = {p: v for p, v in mine.items() if p < latest_period}
                expected = (sum(n for n, _ in old.values()), max((t for _, t in old.values()), default=None))
                count, latest = found[0] if found else (0, None)
                if (int(count or 0), None if latest is None else str(latest)) == expected:
                    figures.update({(source.id, column, p): v for p, v in old.items()})
                    conditions.append(exp.GTE(this=col(column), expression=boundary.copy()))
            query = (
                exp.select(
                    exp.alias_(dialects.period_start(moment.copy(), grain, dialect), "p", quoted=True),
                    exp.Count(this=exp.Star()),
                    exp.cast(exp.Max(this=moment.copy()), exp.DataType.build("TEXT")),
                )
                .from_(rows)
                .where(exp.and_(*conditions))
                .group_by(num(1))
            )
            _, found = warehouse.execute(query.sql(dialect=dialect))
            for period, count, latest in found:
                if period is not None:
                    figures[(source.id, column, iso_day(period))] = (int(count), str(latest))
    return figures


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


def incremental_plan(warehouse, project, registry, spec_hash: str, as_of) -> Plan:
    """Which periods an incremental run computes."""
    grain = project.config.grain
    has_table = existing_columns(warehouse, WATERMARKS) is not None
    stored, hashes = stored_figures(warehouse, project.config.project, grain) if has_table else ({}, set())
    usable = stored if hashes == {spec_hash} else None
    figures = read_figures(warehouse, project, registry, as_of, usable)
    if not stored:
        return Plan(True, [], figures, "no watermark stored yet")
    if hashes != {spec_hash}:
        return Plan(True, [], figures, "the specs changed since the watermark was stored")
    changed: set[str] = set()
    open_from: str | None = None
    spines = {s.id for s in _sources(project) if s.start and s.end}
    for key in set(figures) | set(stored):
        if figures.get(key) != stored.get(key):
            changed.add(key[2])
            if key[0] in spines:
                open_from = min(open_from or key[2], key[2])
    return Plan(False, _ranges(sorted(changed), open_from, grain), figures)


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
