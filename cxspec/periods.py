"""Periods and when they are complete.

A period is named by its first day (`2026-03-01` for March at month grain). It is complete
once its last day is over: a value computed before then counts only part of it (a month of
one day, say), so it is shown "in progress" and never becomes the headline or raises issues.
"""

from __future__ import annotations

import datetime as dt

_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_DAYS = {"day": 1, "week": 7}


def period_start(day: dt.date, grain: str) -> dt.date:
    """The first day of the period at `grain` that holds `day` (UTC calendar; ISO weeks, from
    Monday), as the engines compute it."""
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return dt.date(day.year, 1, 1)


def period_end(period: str, grain: str) -> dt.date:
    """The first day after the period that starts on `period` (ISO date) at `grain`."""
    start = dt.date.fromisoformat(period[:10])
    if grain in _DAYS:
        return start + dt.timedelta(days=_DAYS[grain])
    months = start.year * 12 + start.month - 1 + _MONTHS[grain]
    return dt.date(months // 12, months % 12 + 1, 1)


def complete_at(period: str, grain: str, moment: str) -> bool:
    """Whether the period was over at `moment` ('YYYY-MM-DD[ HH:MM:SS]', UTC). A moment covers
    its second whole, as `--as-of` does (commands/as_of.py): as of `2026-03-31 23:59:59`, the
    day 2026-03-31 is seen to its end, so March is complete."""
    if len(moment) > 10:
        moment = (dt.datetime.fromisoformat(moment[:19]) + dt.timedelta(seconds=1)).isoformat()
    return dt.date.fromisoformat(moment[:10]) >= period_end(period, grain)


def headline_period(periods: list[str], computed: dict[str, str], grain: str, as_of: str | None) -> str | None:
    """The latest period that was complete when its values were computed (and at `as_of`,
    when given); the latest period at all when none is complete yet.

    `computed`: period → the earliest time its stored values were computed."""
    complete = [
        p
        for p in periods
        if complete_at(p, grain, computed.get(p, "0001-01-01")) and (as_of is None or complete_at(p, grain, as_of))
    ]
    if complete:
        return complete[-1]
    return periods[-1] if periods else None


def in_progress(periods: list[str], computed: dict[str, str], grain: str) -> list[str]:
    """The periods whose stored values were computed before the period was over."""
    return [p for p in periods if not complete_at(p, grain, computed.get(p, "0001-01-01"))]
