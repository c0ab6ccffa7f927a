"""Times written as text, read in Python the way the compiled SQL reads them: ISO 8601, or
a source's strptime `time_format`. Used by the data checks (cxspec/data_checks.py) and by
SQLite, which has no strptime (the warehouse registers `utc_strptime`)."""

from __future__ import annotations

import datetime as dt
import re

#: The function the SQLite warehouse registers to parse text with a strptime format (SQLite
#: has none): `utc_strptime` below.
SQLITE_STRPTIME = "cxspec_strptime"
#: A date whose year has two digits (8/22/22, 22.08.22, 22-8-22 15:44): a day-month order
#: the engines do not guess, and a century they would guess wrong (year 22).
TWO_DIGIT_YEAR = re.compile(r"^\s*(\d{1,2}[/.-]\d{1,2}[/.-]\d{2}|\d{2}[/.-]\d{1,2}[/.-]\d{1,2})(?!\d)")


#: A date or time constant that DuckDB, SQLite (cxspec's reading), PostgreSQL and Spark read
#: alike: a date, then optionally a time (hours and minutes, seconds, up to six decimals) after
#: a T or a space, with no UTC offset or one of zero (Z, +00, +00:00). An offset that is not
#: zero is applied by some engines and dropped by others.
ISO_CONSTANT = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?P<offset>Z|[+-]00(?::?00)?)?)?$"
)


def iso_constant(value: str) -> dt.datetime | None:
    """The wall time of a date or time written in a fragment (`ISO_CONSTANT`); None when it
    is not one that every engine reads alike ('2026-1-5', 'yesterday', '2026-01-05 12:00+02')."""
    match = ISO_CONSTANT.match(value)
    if match is None:
        return None
    try:
        return dt.datetime.fromisoformat(value[: match.start("offset")] if match["offset"] else value)
    except ValueError:  # a day that does not exist (2026-02-30)
        return None


def sqlite_time(moment: dt.date, *, date_column: bool = False) -> str:
    """How the SQLite warehouse keeps a date or time, in text that sorts as they do: a date
    'YYYY-MM-DD', a time 'YYYY-MM-DD HH:MM:SS' with microseconds when there are some (what
    its DATETIME() writes, with the fraction kept). Midnight compared with a DATE column is
    that column's date text (compiler/time_constants.py)."""
    if isinstance(moment, dt.datetime):
        if not (date_column and moment.time() == dt.time(0)):
            return moment.isoformat(sep=" ")
        moment = moment.date()
    return moment.isoformat()


def utc(moment: dt.datetime) -> dt.datetime:
    """A naive UTC time: zoned times converted, naive ones taken as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment


def parse_iso(value: str) -> dt.datetime | None:
    """An ISO 8601 date or time (offset or Z allowed) as naive UTC; None if it is not one."""
    text = value.strip()
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):  # fromisoformat also takes 20260105
        return None
    try:
        return utc(dt.datetime.fromisoformat(text))
    except ValueError:
        return None


def parse_with_format(value: str, time_format: str) -> dt.datetime | None:
    """Text in a strptime format as naive UTC; None if it does not fit."""
    try:
        return utc(dt.datetime.strptime(value.strip(), time_format))
    except (ValueError, TypeError):
        return None


def utc_strptime(value, time_format):
    """SQLite's strptime: 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC, or NULL (the fraction kept
    for the order of a key's versions, dialects.latest_first)."""
    if value is None or time_format is None:
        return None
    parsed = parse_with_format(str(value), str(time_format))
    return None if parsed is None else parsed.isoformat(sep=" ")


def _spreadsheet_formats() -> tuple[str, ...]:
    """The ways spreadsheets and exports write a date (day, month or year first; `-`, `/`
    or `.`; a four- or two-digit year), with no time, hours and minutes, or seconds."""
    formats = []
    for separator in "-/.":
        for order in (("%d", "%m", "Y"), ("%m", "%d", "Y"), ("Y", "%m", "%d")):
            for year in ("%Y", "%y"):
                date = separator.join(year if part == "Y" else part for part in order)
                formats += [date, f"{date} %H:%M", f"{date} %H:%M:%S"]
    return tuple(formats)


SPREADSHEET_FORMATS = _spreadsheet_formats()


def fitting_formats(values: list[str], limit: int = 10_000) -> list[str]:
    """The spreadsheet formats every one of `values` (at most `limit` of them) fits, for a
    hint: one when the values tell the order of day and month (13-01-2025), two or more when
    they do not (01-02-2025 is the 1st of February or the 2nd of January)."""
    sample = [v for v in values[:limit] if v.strip()]
    if not sample:
        return []
    return [f for f in SPREADSHEET_FORMATS if all(parse_with_format(v, f) is not None for v in sample)]
