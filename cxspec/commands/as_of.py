"""`--as-of`: the instant after which times are in the future (left out of results).

One rule for every command that takes it (validate, compile, query, run, report, links): a
day `D` stands for its end, the instant `D 23:59:59` UTC ("as of March 31" includes March 31:
times are compared to the second, so a time at or before that instant is seen and one at
`D+1 00:00:00` is not); a time `YYYY-MM-DDTHH:MM:SS` is that instant (UTC unless it has an
offset)."""

from __future__ import annotations

import datetime as dt

import click

FORMATS = "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[+HH:MM]"


#: The years an `--as-of` may name: another is a typo (0202, 9999), and the calendar ends at
#: 9999-12-31, one second after which periods and windows end.
YEARS = (1000, 9998)


def parse_as_of(value: str) -> dt.datetime:
    """The naive UTC instant an `--as-of` value stands for (ValueError when it is neither form,
    or its year is outside YEARS)."""
    if len(value) == 10:  # a day stands for its last second
        moment = dt.datetime.strptime(value, "%Y-%m-%d").replace(hour=23, minute=59, second=59)
    else:
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ValueError(f"year {moment.year} is outside {YEARS[0]}–{YEARS[1]}")
    return moment.replace(microsecond=0)


def as_of_option(default_now: bool, help: str | None = None):
    """--as-of DAY or instant: times after it are in the future and left out. `help` replaces
    the common text for a command whose --as-of does more (links: the censoring cut)."""
    when = "now (UTC) when absent" if default_now else "no bound when absent"

    def parse(ctx, param, value):
        if value is None:
            if not default_now:
                return None
            return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
        try:
            return parse_as_of(value)
        except (ValueError, OverflowError) as exc:
            if "outside" in str(exc):
                raise click.BadParameter(f"{value!r}: {exc}") from None
            raise click.BadParameter(f"{value!r} is not {FORMATS}") from None

    return click.option(
        "--as-of",
        "as_of",
        callback=parse,
        metavar="DAY|TIME",
        help=help
        or f"Leave out times after this day (its end, 23:59:59 UTC) or instant (UTC unless an offset "
        f"is given); {when}.",
    )
