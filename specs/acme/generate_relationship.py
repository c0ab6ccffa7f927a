#!/usr/bin/env python3
"""Generate the relationship survey with attribute ratings (drivers.yaml): deterministic,
standard library only, small (2,400 responses).

    python specs/acme/generate_relationship.py

writes data/relationship_ratings.csv.gz, byte-identical on every run (seeded; gzip mtime 0).
Each quarter a sample of customers rates Acme 1-5 on the product, the store staff, the
information about delivery dates, support, price and the Care+ plan, and gives a likelihood
to recommend (0-10). The story: the delivery-date information matters most to loyalty and is
rated worst (the "we can't tell you when it ships" contacts of the launch), while the
product, rated best, explains less. A few answers are skipped (empty) or off the scale.

It reads the other exports (run generate_data.py first): each respondent's mood follows what
the customer does next, as in life, so that the links have something to find: customers who
cancel Care+ within 90 days are in a worse mood, customers who spend more in the next 180
days in a better one. The `csat` column is the overall satisfaction (1-5).
"""

from __future__ import annotations

import csv
import gzip
import io
import random
from datetime import datetime, timedelta
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

SEED = 20260101
OUT = Path(__file__).resolve().parent / "data" / "relationship_ratings.csv.gz"
QUARTERS = [datetime(2025, m, 1) for m in (1, 4, 7, 10)] + [datetime(2026, m, 1) for m in (1, 4)]
PER_QUARTER = 400
#: attribute -> (mean rating 1-5, weight in likelihood to recommend)
ATTRIBUTES = {
    "sat_product": (4.4, 0.8),
    "sat_store_staff": (4.1, 0.35),
    "sat_delivery_info": (2.5, 1.35),
    "sat_support": (3.3, 0.9),
    "sat_price": (3.4, 0.3),
    "sat_plan": (3.6, 0.3),
}


def rating(rng: random.Random, mean: float, mood: float) -> int:
    return max(1, min(5, round(rng.gauss(mean + 0.6 * mood, 0.9))))


def _read(name: str) -> list[dict]:
    with gzip.open(DATA / name, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _time(text: str) -> datetime:
    return datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")


def behaviour():
    """customer -> subscription end times, and customer -> [(order time, amount)]."""
    ends: dict[str, list[datetime]] = {}
    for row in _read("subscriptions.csv.gz"):
        ends.setdefault(row["customer_id"], [])
        if row["ended_at"]:
            ends[row["customer_id"]].append(_time(row["ended_at"]))
    orders: dict[str, list[tuple[datetime, float]]] = {}
    for row in _read("orders.csv.gz"):
        if row["status"] != "test" and row["amount"]:
            orders.setdefault(row["customer_id"], []).append((_time(row["ordered_at"]), float(row["amount"])))
    return ends, orders


def rows(rng: random.Random):
    ends, orders = behaviour()
    subscribers = sorted(ends)
    number = 0
    for quarter in QUARTERS:
        for _ in range(PER_QUARTER):
            number += 1
            customer = rng.choice(subscribers) if rng.random() < 0.7 else f"C{rng.randint(1, 30_000):06d}"
            at = quarter + timedelta(days=rng.randint(0, 27), seconds=rng.randint(0, 86_399))
            cancels = any(at < end <= at + timedelta(days=90) for end in ends.get(customer, []))
            spend = sum(a for t, a in orders.get(customer, []) if at < t <= at + timedelta(days=180))
            # a customer's overall disposition: ratings go together, and follow what they do next
            mood = rng.gauss(0, 1) - (1.6 if cancels else 0.0) + min(spend, 600) / 300
            ratings = {name: rating(rng, mean, mood) for name, (mean, _) in ATTRIBUTES.items()}
            score = sum(weight * (ratings[name] - 3) for name, (_, weight) in ATTRIBUTES.items())
            ltr = max(0, min(10, round(6.2 + score * 0.9 + rng.gauss(0, 1.2))))
            row = {
                "rating_id": number,
                "customer_id": customer,
                "responded_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "ltr": ltr,
                "csat": max(1, min(5, round(3.6 + 0.9 * mood + rng.gauss(0, 0.6)))),
                **ratings,
            }
            if number % 53 == 0:
                row["sat_support"] = ""  # "no contact with support": skipped
            if number % 97 == 0:
                row["sat_delivery_info"] = 6  # off the 1-5 scale
            yield row


def main() -> None:
    rng = random.Random(SEED)
    buffer = io.StringIO()
    fields = ["rating_id", "customer_id", "responded_at", "ltr", "csat", *ATTRIBUTES]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(rng))
    OUT.parent.mkdir(exist_ok=True)
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(buffer.getvalue().encode("utf-8"))


if __name__ == "__main__":
    main()
