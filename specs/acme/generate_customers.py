#!/usr/bin/env python3
"""Generate the customer master (the `customers` lookup source): deterministic, standard
library only.

    python specs/acme/generate_customers.py

writes data/customers.csv.gz, byte-identical on every run (seeded; gzip mtime 0). One row per
customer C000001…C030000 with the region and country the CRM holds; 1% of customers moved
and have a second, later row (the latest row is the one that counts).

The story (README.md, "Segments"): since 2025 the phone lines of EMEA customers are answered
by a new contact-centre partner, and its callers are far less satisfied than callers
elsewhere. The company's phone support CSAT stays on target: the other regions carry it.
The EMEA segment shows it red.

It reads the survey export (run generate_data.py first): customers whose phone support
contact left them dissatisfied (CSAT 3 or less) are mostly EMEA customers, as in the story.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
from datetime import datetime, timedelta
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
OUT = DATA / "customers.csv.gz"
SEED = 20250101
CUSTOMERS = 30_000
COUNTRIES = {
    "EMEA": ["DE", "DE", "FR", "NL", "GB", "ES", "IT", "SE"],
    "Americas": ["US", "US", "CA", "BR", "MX"],
    "APAC": ["JP", "AU", "SG", "KR"],
}
FIRST = datetime(2024, 1, 1)
#: The chance of being an EMEA customer: callers that phone support left dissatisfied, others.
EMEA_IF_DISSATISFIED = 0.8
EMEA_OTHERWISE = 0.3


def dissatisfied_callers() -> set[str]:
    """Customers with a phone support survey scored 1-3 on CSAT."""
    with gzip.open(DATA / "survey_responses.csv.gz", "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        r["customer_id"]
        for r in rows
        if r["touchpoint"].strip().lower() == "phone_support" and r["csat_score"] in ("1", "2", "3")
    }


def region(rng: random.Random, unhappy: bool) -> str:
    if rng.random() < (EMEA_IF_DISSATISFIED if unhappy else EMEA_OTHERWISE):
        return "EMEA"
    return "Americas" if rng.random() < 0.5 else "APAC"


def rows(rng: random.Random):
    unhappy = dissatisfied_callers()
    for number in range(1, CUSTOMERS + 1):
        customer = f"C{number:06d}"
        where = region(rng, customer in unhappy)
        updated = FIRST + timedelta(days=rng.randint(0, 364), seconds=rng.randint(0, 86_399))
        yield [customer, where, rng.choice(COUNTRIES[where]), updated.strftime("%Y-%m-%dT%H:%M:%SZ")]
        if rng.random() < 0.01:  # moved: a later row in another region, which is the one that counts
            moved = rng.choice([r for r in COUNTRIES if r != where])
            later = updated + timedelta(days=rng.randint(30, 500))
            yield [customer, moved, rng.choice(COUNTRIES[moved]), later.strftime("%Y-%m-%dT%H:%M:%SZ")]


def main() -> None:
    rng = random.Random(SEED)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["customer_id", "region", "country", "updated_at"])
    writer.writerows(rows(rng))
    OUT.parent.mkdir(exist_ok=True)
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(buffer.getvalue().encode("utf-8"))


if __name__ == "__main__":
    main()
