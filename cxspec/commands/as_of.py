"""`--as-of`: the instant after which times are in the future (left out of results)."""

from __future__ import annotations

import click


def as_of_option(default_now: bool):
    """--as-of DAY or instant: times after it are in the future and left out."""
    when = "now (UTC) when absent" if default_now else "no bound when absent"

    def parse(ctx, param, value):
        import datetime as dt

        if value is None:
            if not default_now:
                return None
            return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
        try:
            if len(value) == 10:  # a day stands for its last second
                return dt.datetime.strptime(value, "%Y-%m-%d").replace(hour=23, minute=59, second=59)
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[+HH:MM]") from None
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return moment.replace(microsecond=0)

    return click.option(
        "--as-of",
        "as_of",
        callback=parse,
        metavar="DAY|TIME",
        help=f"Leave out times after this day (its end) or instant (UTC unless an offset is given); {when}.",
    )
