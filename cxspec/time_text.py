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
    """SQLite's strptime: 'YYYY-MM-DD HH:MM:SS' in UTC, or NULL."""
    if value is None or time_format is None:
        return None
    parsed = parse_with_format(str(value), str(time_format))
    return None if parsed is None else parsed.isoformat(sep=" ", timespec="seconds")
