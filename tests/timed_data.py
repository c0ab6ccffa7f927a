"""Time-ordered test data for ranges and incremental runs: responses whose times carry
offsets (some cross a period's boundary in UTC), subscriptions for churn, and the expected
metric values computed in plain Python."""

from __future__ import annotations

import datetime as dt
import random

SPECS = """version: 1
sources:
  - {id: r, type: file, path: r.FORMAT, time: t}
  - {id: subs, type: file, path: subs.csv, entity: customer, start: started, end: ended}
metrics:
  - {id: nps, type: nps, source: r, column: score}
  - {id: avg, type: mean, source: r, column: score}
  - {id: churn, type: churn_rate, source: subs}
"""
OFFSETS = ("Z", "+02:00", "-05:00", "+14:00", "-11:30")


def utc(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment


def responses(seed: int, first: dt.datetime, days: int, count: int, start_id: int = 1) -> list[dict]:
    """Rows with times from `first` over `days` days, written with assorted offsets; every
    tenth row just before or after midnight at a month's end (UTC times cross the boundary)."""
    rand = random.Random(seed)
    rows = []
    for i in range(count):
        if i % 10 == 0:
            day = first + dt.timedelta(days=rand.randrange(days))
            month_end = dt.datetime(day.year, day.month, 1) + dt.timedelta(days=32)
            local = dt.datetime(month_end.year, month_end.month, 1) - dt.timedelta(
                minutes=rand.choice((30, -30))
            )
        else:
            local = first + dt.timedelta(seconds=rand.randrange(days * 86400))
        offset = rand.choice(OFFSETS)
        rows.append({"id": start_id + i, "t": local.isoformat(timespec="seconds") + offset,
                     "score": rand.randrange(11)})  # fmt: skip
    return rows


def subscriptions(seed: int, count: int) -> list[dict]:
    rand = random.Random(seed)
    rows = []
    for i in range(count):
        start = dt.datetime(2024, 1, 1) + dt.timedelta(hours=rand.randrange(24 * 700))
        end = start + dt.timedelta(hours=rand.randrange(24 * 400)) if rand.random() < 0.6 else None
        ended = (end.isoformat() + "Z") if end and end < dt.datetime(2026, 1, 1) else ""
        rows.append({"customer": f"c{i}", "started": start.isoformat() + "Z", "ended": ended})
    return rows


def csv_text(rows: list[dict], columns: list[str]) -> str:
    return "\n".join([",".join(columns), *(",".join(str(r[c]) for c in columns) for r in rows)]) + "\n"


def period_of(moment: dt.datetime, grain: str) -> str:
    day = moment.date()
    if grain == "week":
        day -= dt.timedelta(days=day.weekday())
    elif grain == "month":
        day = day.replace(day=1)
    elif grain == "quarter":
        day = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    elif grain == "year":
        day = dt.date(day.year, 1, 1)
    return day.isoformat()


def expected(rows: list[dict], grain: str, start: dt.date | None = None, end: dt.date | None = None,
             *, date_only=False) -> dict:  # fmt: skip
    """(metric, period) → value of nps and avg, periods from `start`'s to `end`'s."""
    scores: dict[str, list[int]] = {}
    for r in rows:
        moment = utc(r["t"])
        if date_only:
            moment = dt.datetime.combine(moment.date(), dt.time())
        scores.setdefault(period_of(moment, grain), []).append(r["score"])
    low = period_of(dt.datetime.combine(start, dt.time()), grain) if start else ""
    high = period_of(dt.datetime.combine(end, dt.time()), grain) if end else "9999"
    found = {}
    for period, values in scores.items():
        if not low <= period <= high:
            continue
        n = len(values)
        promoters = sum(v >= 9 for v in values)
        detractors = sum(v <= 6 for v in values)
        found[("nps", period)] = (promoters - detractors) / n * 100
        found[("avg", period)] = sum(values) / n
    return found
