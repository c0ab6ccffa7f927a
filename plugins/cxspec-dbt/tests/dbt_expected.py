"""Expected numbers of a few acme metrics, computed in plain Python from the CSV rows.

Nothing here uses cxspec or SQL. The definitions are written again from specs/acme
(sources.yaml, metrics/*.yaml) and docs/metrics/index.md: the source filter, then de-duplication by key
(the latest event time wins), rows without a time dropped, then the metric's filter; periods
are UTC calendar months; a score off the scale or not whole is invalid.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from collections import defaultdict
from pathlib import Path


def read_rows(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        # Empty fields are NULL, as DuckDB's CSV reader makes them.
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]


def utc(text: str) -> dt.datetime:
    stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return stamp.astimezone(dt.timezone.utc) if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)


def month(text: str) -> str:
    return utc(text).strftime("%Y-%m-01")


def deduplicated(rows: list[dict], key: str, time: str) -> list[dict]:
    latest: dict[str, dict] = {}
    for row in rows:
        kept = latest.get(row[key])
        if row[time] is None:
            if kept is None:
                latest[row[key]] = row
            continue
        if kept is None or kept[time] is None or utc(row[time]) > utc(kept[time]):
            latest[row[key]] = row
    return [row for row in latest.values() if row[time] is not None]


def orders(root: Path) -> list[dict]:
    rows = [
        r for r in read_rows(root / "data/orders.csv.gz") if r["status"] is not None and r["status"] != "test"
    ]
    return deduplicated(rows, "order_id", "ordered_at")


def responses(root: Path) -> list[dict]:
    rows = [
        r
        for r in read_rows(root / "data/survey_responses.csv.gz")
        if r["customer_id"] is not None and not r["customer_id"].startswith("TEST-")
    ]
    return deduplicated(rows, "response_id", "responded_at")


def order_count(root: Path) -> dict[str, float]:
    """Orders per month (metric order_count: type count, no filter)."""
    counts: dict[str, int] = defaultdict(int)
    for row in orders(root):
        counts[month(row["ordered_at"])] += 1
    return {period: float(n) for period, n in counts.items()}


def relationship_nps(root: Path) -> dict[str, tuple[float, int]]:
    """(NPS, n) per month of metric relationship_nps: survey = 'relationship', scale 0–10."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # promoters, detractors, n
    for row in responses(root):
        if row["survey"] != "relationship" or row["nps_score"] is None:
            continue
        try:
            score = float(row["nps_score"])
        except ValueError:  # not a number: no observation (TRY_CAST is NULL)
            continue
        if not (0 <= score <= 10 and score == int(score)):
            continue
        counts = tally[month(row["responded_at"])]
        counts[0] += score >= 9
        counts[1] += score <= 6
        counts[2] += 1
    return {p: (100.0 * (c[0] - c[1]) / c[2], c[2]) for p, c in tally.items() if c[2]}
