"""The window join of a link, as one sqlglot tree: each CX response (after its source's filter
and de-duplication, with a valid score, its whole window ended by `as_of`) joined to its
customer's outcomes in (t, t + within]; then aggregated per score (score, n, outcome rows in
the windows, those with a value, sum; for values also the mean and deviations about it), so
that Python forms the groups (quantiles need the score distribution) from a handful of rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlglot import exp

from cxspec.analysis_schema import NPS_GROUPS
from cxspec.compiler import dialects
from cxspec.compiler.sqlkit import (
    byte_order,
    col,
    double,
    entity_text,
    is_text,
    num,
    numeric_kind,
    same_entity,
    text,
)
from cxspec.drivers.rows import day_bounds, deduplicated, event_time

#: The role of the outcome source's column each `event:` reads.
EVENT_COLUMN = {"end": "end", "start": "start", "time": "time"}


def epoch(timestamp: exp.Expression, dialect: str) -> exp.Expression:
    """Seconds since 1970-01-01 UTC of a UTC timestamp (dialects.utc_timestamp)."""
    if dialect == "sqlite":
        return exp.cast(exp.Anonymous(this="strftime", expressions=[text("%s"), timestamp]), "BIGINT")
    if dialect == "postgres":
        return exp.Extract(this=exp.var("EPOCH"), expression=timestamp)
    if dialect in ("spark", "spark2", "databricks"):
        return exp.Anonymous(this="UNIX_TIMESTAMP", expressions=[timestamp])
    return exp.TimeToUnix(this=timestamp)


def outcome_time_column(link, source) -> str | None:
    role = EVENT_COLUMN.get(link.event or "time", "time") if link.event else "time"
    return getattr(source, role)


def latest_outcome_query(
    source, resolution, dialect: str, fragment_dialect: str, columns=None, until: dt.datetime | None = None
) -> str:
    """The latest of the outcome source's time, start and end: the default `--as-of`
    (or the latest of `columns`: a CX source's latest response, compute.py). `until` (a run's
    `--as-of`): among the rows as they were known then (versions dated after it are not seen,
    drivers/rows.py deduplicated), and no time after it (an end scheduled later is no end yet)."""
    rows = deduplicated(source, resolution, fragment_dialect, until, dialect)
    if columns is None:
        columns = (source.time, source.start, source.end)
    columns = [c for c in dict.fromkeys(columns) if c]
    latest = []
    for i, c in enumerate(columns):
        moment = event_time(source, c, resolution, dialect)
        if until is not None:
            seen = exp.LT(this=moment.copy(), expression=dialects.as_of_limit(until, dialect))
            moment = exp.Case(ifs=[exp.If(this=seen, true=moment)])
        latest.append(exp.alias_(exp.Max(this=moment), f"__m{i}", quoted=True))
    select = exp.select(*latest).from_(exp.alias_(exp.Subquery(this=rows), "o", table=True), copy=False)
    return select.sql(dialect=dialect)


@dataclass
class LinkQuery:
    sql: str


def valid_score(score: exp.Expression, link) -> exp.Expression:
    conditions = [exp.Not(this=exp.Is(this=score.copy(), expression=exp.Null()))]
    scale = link.scale or ((0.0, 10.0) if link.groups == NPS_GROUPS else None)
    if scale:
        conditions.append(exp.Between(this=score.copy(), low=num(scale[0]), high=num(scale[1])))
    if link.groups in (NPS_GROUPS, "top_box"):  # points on a scale are whole numbers
        conditions.append(exp.EQ(this=score.copy(), expression=exp.Floor(this=score.copy())))
    return exp.and_(*conditions)


def build(link, cx_source, outcome_source, resolution, dialect: str, as_of: dt.datetime, *,
          fragment_dialect: str, start=None, end=None, numbers=None) -> LinkQuery:  # fmt: skip
    """`fragment_dialect`: the project's `dialect:`, in which source filters are written;
    `numbers`: "cx" / "outcome" → the column of the score's / value's numbers (compute.py)."""
    r, o, on = _sides(link, cx_source, outcome_source, resolution, dialect, as_of, fragment_dialect,
                      start, end, numbers or {})  # fmt: skip
    return _per_score(link, r, o, on, dialect)


def presence(link, cx_source, outcome_source, resolution, dialect: str, as_of: dt.datetime, *,
             fragment_dialect: str, start=None, end=None, numbers=None) -> str:  # fmt: skip
    """(outcomes in the outcome source at all: rows with the event's time, and a value for a
    value link; responses counted by `build` whose customer has any row there): what tells
    windows without an outcome from data that cannot show one (compute.py, CX613)."""
    r, o, _ = _sides(link, cx_source, outcome_source, resolution, dialect, as_of, fragment_dialect,
                     start, end, numbers or {})  # fmt: skip
    present = [exp.Not(this=exp.Is(this=col("__ot"), expression=exp.Null()))]
    if link.value:
        present.append(exp.Not(this=exp.Is(this=col("__ov"), expression=exp.Null())))
    outcomes = (
        exp.select(exp.Count(this=exp.Star()))
        .from_(exp.alias_(exp.Subquery(this=o.copy()), "o", table=True), copy=False)
        .where(exp.and_(*present), copy=False)
    )
    known = exp.select(exp.alias_(col("__oe"), "__oe", quoted=True)).from_(
        exp.alias_(exp.Subquery(this=o), "o1", table=True), copy=False
    )
    match = same_entity(
        col("__e", "r"),
        resolution.column_type(cx_source, cx_source.entity),
        col("__oe", "o"),
        resolution.column_type(outcome_source, outcome_source.entity),
    )
    found = exp.Exists(
        this=exp.select(num(1))
        .from_(exp.alias_(exp.Subquery(this=known), "o", table=True), copy=False)
        .where(match, copy=False)
    )
    matched = (
        exp.select(exp.Count(this=exp.Star()))
        .from_(exp.alias_(exp.Subquery(this=r), "r", table=True), copy=False)
        .where(found, copy=False)
    )
    return exp.select(
        exp.alias_(exp.Subquery(this=outcomes), "__outcomes", quoted=True),
        exp.alias_(exp.Subquery(this=matched), "__matched", quoted=True),
    ).sql(dialect=dialect)


def invalid_scores(link, cx_source, outcome_source, resolution, dialect: str, as_of: dt.datetime, *,
                   fragment_dialect: str, start=None, end=None, numbers=None) -> str:  # fmt: skip
    """How many responses `build` would count but for their score: present, and off the
    groups' scale (NPS 0–10, a top box's `scale`) or not a whole number on it (compute.py,
    CX615: left out, as metrics count such a score invalid, never silently)."""
    r, _, _ = _sides(link, cx_source, outcome_source, resolution, dialect, as_of, fragment_dialect,
                     start, end, numbers or {}, valid=False)  # fmt: skip
    return (
        exp.select(exp.Count(this=exp.Star()))
        .from_(exp.alias_(exp.Subquery(this=r), "r", table=True), copy=False)
        .sql(dialect=dialect)
    )


def _as_text(value, column_type):
    """An id as text, as same_entity compares a number with text."""
    kind = numeric_kind(column_type)
    return value if kind is None else entity_text(value, kind)


def _loose(value):
    return exp.Lower(this=exp.Trim(this=value))


def text_keys(cx_source, outcome_source, resolution) -> bool:
    """Whether a link's customer ids are compared as text (one side, or both, is text): only
    then can they differ in spaces or letter case (partial_entities)."""
    return any(
        is_text(resolution.column_type(source, source.entity)) for source in (cx_source, outcome_source)
    )


def partial_entities(link, cx_source, outcome_source, resolution, dialect: str, as_of: dt.datetime, *,
                     fragment_dialect: str, start=None, end=None, numbers=None) -> str:  # fmt: skip
    """One row (none when there are none): how many responses `build` counts whose customer id
    is no outcome id, yet is one once both are trimmed of spaces and lower-cased ("C001 " or
    "c001" against "C001"); the first such id (in byte order) and the outcome id it meets.
    The join itself stays exact (compute.py, CX623: said, never matched).

    Ids of both sides, as text as same_entity compares them, are grouped by id and by their
    loose form (sorts or hashes, no correlated look-up: SQLite has no index for one): an id
    no outcome has whose loose form some outcome id has is one that matches only in part."""
    r, o, _ = _sides(link, cx_source, outcome_source, resolution, dialect, as_of, fragment_dialect,
                     start, end, numbers or {}, numbered=False)  # fmt: skip
    cx_type = resolution.column_type(cx_source, cx_source.entity)
    outcome_type = resolution.column_type(outcome_source, outcome_source.entity)

    def side(rows, name, entity, column_type, response):
        return exp.select(
            exp.alias_(_as_text(col(entity, name), column_type), "__id", quoted=True),
            exp.alias_(num(1 if response else 0), "__r", quoted=True),
            exp.alias_(num(0 if response else 1), "__o", quoted=True),
        ).from_(exp.alias_(exp.Subquery(this=rows), name, table=True), copy=False)

    outcomes = side(o, "o", "__oe", outcome_type, False).where(
        exp.Not(this=exp.Is(this=col("__oe", "o"), expression=exp.Null())), copy=False
    )
    both = exp.union(side(r, "r", "__e", cx_type, True), outcomes, distinct=False)
    loose = _loose(col("__id"))
    per_id = (
        exp.select(
            exp.alias_(loose, "__k", quoted=True),
            col("__id"),
            exp.alias_(exp.Sum(this=col("__r")), "__r", quoted=True),
            exp.alias_(exp.Max(this=col("__o")), "__o", quoted=True),
        )
        .from_(exp.alias_(exp.Subquery(this=both), "u", table=True), copy=False)
        .group_by(loose.copy(), col("__id"), copy=False)
    )
    ordered = byte_order(col("__id"), "VARCHAR", dialect)
    outcome_id = exp.Case(ifs=[exp.If(this=exp.EQ(this=col("__o"), expression=num(1)), true=ordered.copy())])
    per_key = exp.select(
        col("__id"),
        col("__r"),
        col("__o"),
        exp.alias_(exp.Window(this=exp.Max(this=col("__o")), partition_by=[col("__k")]), "__ko", quoted=True),
        exp.alias_(
            exp.Window(this=exp.Min(this=outcome_id), partition_by=[col("__k")]), "__match", quoted=True
        ),
    ).from_(exp.alias_(exp.Subquery(this=per_id), "i", table=True), copy=False)
    return (
        exp.select(
            exp.alias_(exp.Window(this=exp.Sum(this=col("__r"))), "__n", quoted=True),
            col("__id"),
            col("__match"),
        )
        .from_(exp.alias_(exp.Subquery(this=per_key), "k", table=True), copy=False)
        .where(
            exp.and_(
                exp.EQ(this=col("__o"), expression=num(0)),
                exp.EQ(this=col("__ko"), expression=num(1)),
            ),
            copy=False,
        )
        .order_by(exp.Ordered(this=ordered), copy=False)
        .limit(1, copy=False)
        .sql(dialect=dialect)
    )


def _sides(
    link,
    cx_source,
    outcome_source,
    resolution,
    dialect,
    as_of,
    fragment_dialect,
    start,
    end,
    numbers,
    valid=True,
    numbered=True,
):
    """(the responses counted, the outcome rows, the join condition of a window); `valid`
    False: the responses left out for their score instead (invalid_scores); `numbered` False:
    without the number that tells them apart (a sort of them all), for counts."""
    # the versions of a response known at the cut: one corrected after it counts as it was then
    responses = deduplicated(cx_source, resolution, fragment_dialect, as_of, dialect)
    t = event_time(cx_source, cx_source.time, resolution, dialect)
    response_columns = [
        exp.alias_(col(cx_source.entity), "__e", quoted=True),
        exp.alias_(epoch(t.copy(), dialect), "__t", quoted=True),
        exp.alias_(double(col(numbers.get("cx", link.cx_column))), "__score", quoted=True),
    ]
    if numbered:  # Any numbering tells responses apart; Spark wants an order for it.
        response_columns.append(exp.alias_(
            exp.Window(
                this=exp.RowNumber(),
                order=exp.Order(
                    expressions=[
                        exp.Ordered(this=col(cx_source.time)),
                        exp.Ordered(this=col(cx_source.entity)),
                    ]
                ),
            ),
            "__rid",
            quoted=True,
        ))  # fmt: skip
    # a response without a time, or without a customer (it cannot be linked: its outcome is
    # unknown, not "no event"), leaves the comparison
    response_filter = [
        exp.Not(this=exp.Is(this=col(cx_source.time), expression=exp.Null())),
        exp.Not(this=exp.Is(this=col(cx_source.entity), expression=exp.Null())),
    ]
    response_filter += day_bounds(t, start, end, dialect)
    r = exp.select(*response_columns).from_(
        exp.alias_(exp.Subquery(this=responses), "r0", table=True), copy=False
    )
    if response_filter:
        r = r.where(exp.and_(*response_filter), copy=False)
    within = num(link.within_seconds)
    # whole when it ends by the as-of second: before the next (dialects.as_of_limit)
    cut = epoch(dialects.as_of_limit(as_of, dialect), dialect)
    r = (
        exp.select("*")
        .from_(exp.alias_(exp.Subquery(this=r), "r1", table=True), copy=False)
        .where(
            exp.and_(
                valid_score(col("__score"), link)
                if valid
                else exp.and_(
                    exp.Not(this=exp.Is(this=col("__score"), expression=exp.Null())),
                    exp.Not(this=exp.Paren(this=valid_score(col("__score"), link))),
                ),
                exp.LT(this=exp.Add(this=col("__t"), expression=within.copy()), expression=cut),
            ),
            copy=False,
        )
    )
    outcome_column = outcome_time_column(link, outcome_source)
    # likewise an outcome (a subscription) corrected after the cut counts as it was then
    outcome_rows = deduplicated(outcome_source, resolution, fragment_dialect, as_of, dialect)
    o_columns = [
        exp.alias_(col(outcome_source.entity), "__oe", quoted=True),
        exp.alias_(
            epoch(event_time(outcome_source, outcome_column, resolution, dialect), dialect),
            "__ot",
            quoted=True,
        ),
    ]
    if link.value:
        o_columns.append(exp.alias_(double(col(numbers.get("outcome", link.value))), "__ov", quoted=True))
    o = exp.select(*o_columns).from_(
        exp.alias_(exp.Subquery(this=outcome_rows), "o0", table=True), copy=False
    )
    on = exp.and_(
        same_entity(
            col("__e", "r"),
            resolution.column_type(cx_source, cx_source.entity),
            col("__oe", "o"),
            resolution.column_type(outcome_source, outcome_source.entity),
        ),
        exp.GT(this=col("__ot", "o"), expression=col("__t", "r")),
        exp.LTE(this=col("__ot", "o"), expression=exp.Add(this=col("__t", "r"), expression=within.copy())),
    )
    return r, o, on


def _per_score(link, r, o, on, dialect) -> LinkQuery:
    if link.value:
        measure = exp.Coalesce(this=exp.Sum(this=col("__ov", "o")), expressions=[num(0)])
    else:
        measure = exp.Max(
            this=exp.Case(
                ifs=[
                    exp.If(
                        this=exp.Not(this=exp.Is(this=col("__ot", "o"), expression=exp.Null())), true=num(1)
                    )
                ],
                default=num(0),
            )
        )
    # what the windows held: outcome rows, and (values) those with a value, so that a link
    # whose windows hold nothing, or only NULL values, is not shown as a finding of 0 (compute.py)
    linked = exp.Count(this=col("__ot", "o"))
    valued = exp.Count(this=col("__ov", "o")) if link.value else linked.copy()
    per_response = (
        exp.select(
            exp.alias_(col("__score", "r"), "__score", quoted=True),
            exp.alias_(measure, "__y", quoted=True),
            exp.alias_(linked, "__linked", quoted=True),
            exp.alias_(valued, "__valued", quoted=True),
        )
        .from_(exp.alias_(exp.Subquery(this=r), "r", table=True), copy=False)
        .join(exp.alias_(exp.Subquery(this=o), "o", table=True), on=on, join_type="LEFT", copy=False)
        .group_by(col("__rid", "r"), col("__score", "r"), copy=False)
    )
    y = double(col("__y"))
    aggregates = [
        col("__score"),
        exp.alias_(exp.Count(this=exp.Star()), "__n", quoted=True),
        exp.alias_(exp.Sum(this=col("__linked")), "__linked", quoted=True),
        exp.alias_(exp.Sum(this=col("__valued")), "__valued", quoted=True),
        exp.alias_(exp.Sum(this=y.copy()), "__sum", quoted=True),
    ]
    rows = exp.Subquery(this=per_response)
    if link.value:
        # Sums of values as they are and of their squares lose a small spread under a large
        # mean (1e9 + cents: the squares use 18 digits, a double keeps 16). Each value is
        # taken less its score's mean instead (an average over a window, so the join runs
        # once); the deviations' sum and sum of squares keep the spread's digits, and
        # stats.pool adds the scores up to groups from them.
        mean = exp.Window(this=exp.Avg(this=y.copy()), partition_by=[col("__score")])
        rows = exp.Subquery(
            this=exp.select(
                col("__score"),
                col("__y"),
                col("__linked"),
                col("__valued"),
                exp.alias_(mean, "__m", quoted=True),
            ).from_(exp.alias_(rows, "y0", table=True), copy=False)
        )
        deviation = exp.Sub(this=y.copy(), expression=col("__m"))
        aggregates += [
            exp.alias_(exp.Max(this=col("__m")), "__mean", quoted=True),
            exp.alias_(exp.Sum(this=deviation.copy()), "__deviations", quoted=True),
            exp.alias_(
                exp.Sum(
                    this=exp.Mul(this=exp.Paren(this=deviation.copy()), expression=exp.Paren(this=deviation))
                ),
                "__squares",
                quoted=True,
            ),
        ]
    per_score = (
        exp.select(*aggregates)
        .from_(exp.alias_(rows, "y", table=True), copy=False)
        .group_by(col("__score"), copy=False)
    )
    return LinkQuery(per_score.sql(dialect=dialect))
