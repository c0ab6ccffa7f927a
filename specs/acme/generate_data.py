#!/usr/bin/env python3
"""Generate the Acme sample data: deterministic, standard library only.

    python specs/acme/generate_data.py

writes five gzipped CSV exports into specs/acme/data/. Every run writes byte-identical
files (seeded random.Random per file, gzip header with mtime 0 and no file name), so the
data can be committed and diffed.

The story (see README.md): Acme launches its Orbit 2 gadget with a livestreamed event on
2025-09-09 (pre-orders open that day, first shipments 2025-10-01). The hype, the campaign
and the checkout score ~10/10. Then supply runs short: from 2025-10-13 to 2025-11-23 (and
again for two weeks in February 2026) Orbit 2 is out of stock. Customers who walk into a
store to ask when theirs ships get "we can't tell you" (~3/10), and the back-order notices
of the out-of-stock weeks score ~1/10. The overall averages barely move; the touch points
do.

The files look like real exports, mess included: empty cells for unanswered questions,
scores outside the scale (11, -1, 0 or 6 on 1-5), the odd 7.5, resubmitted surveys (the
same response_id again, later), touch point labels in mixed case with stray spaces,
internal test responses, merged duplicate tickets and test orders.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

SEED = 20250909
HERE = Path(__file__).resolve().parent
OUT = HERE / "data"

FIRST_DAY = date(2025, 1, 1)
LAST_DAY = date(2026, 6, 30)

# The launch calendar.
HYPE_START = date(2025, 8, 15)  # teaser campaign
LAUNCH_EVENT = date(2025, 9, 9)  # livestream keynote; pre-orders open
FIRST_SHIPMENTS = date(2025, 10, 1)
SHORTAGES = [(date(2025, 10, 13), date(2025, 11, 23)), (date(2026, 2, 9), date(2026, 2, 22))]
BACKLOG_END = date(2025, 12, 31)  # ship dates stay uncertain until the backlog clears

CUSTOMERS = 30_000
UTC = timezone.utc


# --------------------------------------------------------------------------- helpers


def days():
    day = FIRST_DAY
    while day <= LAST_DAY:
        yield day
        day += timedelta(days=1)


def phase(day: date) -> str:
    """pre | hype | shortage | backlog | post (after the launch backlog)."""
    for start, end in SHORTAGES:
        if start <= day <= end:
            return "shortage"
    if day < HYPE_START:
        return "pre"
    if day < FIRST_SHIPMENTS:
        return "hype"
    if day <= BACKLOG_END:
        return "backlog"
    return "post"


def in_launch_season(day: date) -> bool:
    return LAUNCH_EVENT <= day <= BACKLOG_END


def poisson_count(rng: random.Random, mean: float) -> int:
    """An integer count around `mean` (normal approximation, never negative)."""
    if mean <= 0:
        return 0
    if mean < 30:
        # Knuth's method for small means.
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def berlin_offset(moment: datetime) -> int:
    """Hours ahead of UTC in Germany (CET/CEST; the switch at 01:00 UTC on last Sundays)."""
    year = moment.year

    def last_sunday(month: int) -> datetime:
        d = date(year, month, 31)
        d -= timedelta(days=(d.weekday() + 1) % 7)
        return datetime(d.year, d.month, d.day, 1, tzinfo=UTC)

    return 2 if last_sunday(3) <= moment < last_sunday(10) else 1


def iso_utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_local(moment: datetime) -> str:
    """The same instant in Berlin local time, with its offset (+01:00 / +02:00)."""
    hours = berlin_offset(moment)
    local = moment + timedelta(hours=hours)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"+{hours:02d}:00"


def moment_in(rng: random.Random, day: date, busy_from: int = 7, busy_to: int = 22) -> datetime:
    """A random second of the day, mostly in waking hours (UTC)."""
    hour = rng.randrange(busy_from, busy_to) if rng.random() < 0.9 else rng.randrange(0, 24)
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=UTC)


def customer(rng: random.Random) -> str:
    # A skewed pool: some customers come back often.
    n = int(CUSTOMERS * rng.random() ** 1.3) + 1
    return f"C{n:06d}"


def clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def messy_label(rng: random.Random, label: str, rate: float) -> str:
    """Hand-typed or differently configured exports: case and stray spaces vary."""
    if rng.random() >= rate:
        return label
    form = rng.randrange(5)
    if form == 0:
        label = label.upper()
    elif form == 1:
        label = "_".join(part.capitalize() for part in label.split("_"))
    elif form == 2:
        label = " " + label
    elif form == 3:
        label = label + "  "
    else:
        label = " " + label.title() + " "
    return label


def write_csv_gz(name: str, header: list[str], rows: list[list]) -> int:
    """Write data/<name>.csv.gz byte-identically on every run; return the row count."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow("" if value is None else value for value in row)
    buffer = io.BytesIO()
    # filename="" and mtime=0: no name and no timestamp in the gzip header.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.csv.gz").write_bytes(buffer.getvalue())
    return len(rows)


def yes(flag: bool) -> str:
    return "true" if flag else "false"


# --------------------------------------------------------------------------- surveys

# touch point label -> (survey, base responses per month, channels with weights)
SURVEY_TOUCHPOINTS = {
    "relationship": ("relationship", 320, {"email": 1}),
    "launch_event": ("launch_pulse", 0, {"web": 3, "app": 2}),
    "launch_campaign": ("launch_pulse", 45, {"email": 3, "web": 2, "app": 1}),
    "word_of_mouth": ("launch_pulse", 50, {"web": 2, "app": 2, "store": 1}),
    "web_checkout": ("post_purchase", 250, {"web": 3, "app": 2}),
    "store_checkout": ("post_purchase", 170, {"store": 1}),
    "store_ship_date": ("post_contact", 6, {"store": 1}),
    "backorder_notice": ("post_purchase", 3, {"email": 1}),
    "delivery": ("post_purchase", 210, {"email": 2, "web": 1, "app": 1}),
    "device_setup": ("post_purchase", 140, {"app": 1}),
    "help_center": ("help_center", 150, {"web": 2, "app": 1}),
    "phone_support": ("post_contact", 160, {"phone": 1}),
    "chat_support": ("post_contact", 190, {"chat": 1}),
    "email_support": ("post_contact", 70, {"email": 1}),
    "store_help_desk": ("post_contact", 75, {"store": 1}),
    "subscription_signup": ("subscription", 55, {"web": 2, "app": 1, "store": 1}),
    "billing": ("subscription", 65, {"email": 2, "web": 1}),
    "renewal": ("subscription", 55, {"email": 2, "app": 1}),
    "cancellation": ("subscription", 45, {"web": 2, "app": 1}),
}

# Which questions each survey asks.
QUESTIONS = {
    "relationship": ("nps",),
    "launch_pulse": ("nps", "csat"),
    "post_purchase": ("nps", "csat"),
    "post_contact": ("nps", "csat", "ces"),
    "help_center": ("csat", "ces"),
    "subscription": ("nps", "csat", "ces"),
}


def survey_volume(tp: str, day: date) -> float:
    """Expected responses on a day."""
    survey, base, _ = SURVEY_TOUCHPOINTS[tp]
    per_day = 0.85 * base / 30.0
    p = phase(day)
    if tp == "launch_event":
        if LAUNCH_EVENT <= day <= LAUNCH_EVENT + timedelta(days=13):
            return 180.0 * 0.78 ** (day - LAUNCH_EVENT).days
        return 0.0
    if tp == "launch_campaign" and HYPE_START <= day <= date(2025, 10, 15):
        return 22.0
    if tp == "store_ship_date":
        if p == "shortage":
            return 7.0 if day.year == 2025 else 3.0
        if p == "backlog":
            return 4.0
    if tp == "backorder_notice" and p == "shortage":
        return 8.0 if day.year == 2025 else 4.0
    if tp == "device_setup" and day >= FIRST_SHIPMENTS and day <= BACKLOG_END:
        return per_day * 3
    if tp == "cancellation" and date(2025, 11, 1) <= day <= date(2025, 12, 31):
        return per_day * 1.8
    if in_launch_season(day):
        factor = {
            "web_checkout": 3.0,
            "store_checkout": 2.5,
            "word_of_mouth": 2.5,
            "delivery": 2.2,
            "help_center": 1.5,
            "phone_support": 2.0,
            "chat_support": 2.0,
            "email_support": 1.8,
            "store_help_desk": 1.5,
            "subscription_signup": 2.0,
        }.get(tp, 1.0)
        if tp == "delivery" and day < FIRST_SHIPMENTS:
            factor = 1.0
        return per_day * factor
    return per_day


def experience_level(tp: str, day: date) -> float:
    """How the touch point feels, on 0-10 (the centre of its likelihood-to-recommend)."""
    p = phase(day)
    if tp == "relationship":
        return {"pre": 8.3, "hype": 8.6, "shortage": 7.8 if day.year == 2025 else 8.0, "backlog": 8.0}.get(
            p, 8.2
        )
    if tp == "launch_event":
        return 9.8
    if tp == "launch_campaign":
        return 9.4 if p in ("hype", "backlog") else 8.3
    if tp == "word_of_mouth":
        return 8.9
    if tp == "web_checkout":
        return 9.5 if in_launch_season(day) else 9.0
    if tp == "store_checkout":
        return 9.3 if in_launch_season(day) else 8.7
    if tp == "store_ship_date":
        return 3.0
    if tp == "backorder_notice":
        return 1.0
    if tp == "delivery":
        return {"shortage": 7.4, "backlog": 8.0}.get(p, 8.6)
    if tp == "device_setup":
        return 8.2
    if tp == "help_center":
        return 7.1
    if tp == "phone_support":
        return {"shortage": 6.9, "backlog": 7.3}.get(p, 7.7)
    if tp == "chat_support":
        return {"shortage": 7.3, "backlog": 7.6}.get(p, 8.1)
    if tp == "email_support":
        return {"shortage": 6.0, "backlog": 6.4}.get(p, 7.0)
    if tp == "store_help_desk":
        return 8.3
    return {"subscription_signup": 8.6, "billing": 7.3, "renewal": 7.7, "cancellation": 4.6}[tp]


# Extra effort (on 1-7, negative is harder) beyond what the experience level implies.
EFFORT_OFFSET = {"cancellation": -1.4, "store_ship_date": -1.0, "email_support": -0.6, "help_center": -0.3}

COMMENTS = {
    "launch_event": [
        "Best keynote in years",
        "Pre-ordered during the stream!",
        "Can't wait for my Orbit 2",
        "The demo sold it to me",
        "Wow",
    ],
    "launch_campaign": ["Loved the teaser videos", "Great offer for existing customers", "Too many emails"],
    "word_of_mouth": [
        "My brother would not stop talking about it",
        "A friend showed me hers",
        "Everyone at work has one",
    ],
    "web_checkout": ["Checkout took a minute", "Easy", "Apple Pay worked fine", "Smooth pre-order"],
    "store_checkout": ["Friendly staff", "Quick at the till", "Long queue but worth it"],
    "store_ship_date": [
        "Nobody could tell me when it ships",
        "Staff had no information at all",
        "Came to the store twice, still no date",
        "They said check the website, the website says ask the store",
        "Paid in September, no idea when it arrives",
    ],
    "backorder_notice": [
        "Out of stock AFTER I paid?",
        "Weeks of waiting, no date",
        "Cancel my order",
        "The email just says 'soon'",
        "Very disappointed",
    ],
    "delivery": ["Arrived a day early", "Courier left it at the door", "Took forever", "Box was damaged"],
    "device_setup": ["Pairing was easy", "App crashed once", "Set up in five minutes"],
    "help_center": ["Found the answer", "Article out of date", "Search finds nothing useful"],
    "phone_support": ["Waited 40 minutes", "Agent was very helpful", "Transferred three times"],
    "chat_support": ["Quick answer", "Bot did not understand me", "Solved in one chat"],
    "email_support": ["Reply took 3 days", "Had to explain everything again"],
    "store_help_desk": ["Fixed on the spot", "Helpful staff"],
    "subscription_signup": ["Simple", "Bundle price is good"],
    "billing": ["Charged twice", "Invoice is clear"],
    "renewal": ["Reminder came in time", "Price went up without notice"],
    "cancellation": ["Had to call to cancel", "Why is cancelling so hard?", "Easy enough"],
    "relationship": [
        "Love the product",
        "Support used to be better",
        "Still waiting for my Orbit 2",
        "Great gadgets, poor communication",
        "Will buy again",
    ],
}


def score_answers(rng: random.Random, tp: str, day: date) -> dict:
    """Correlated answers: one underlying feeling, three scales."""
    feeling = experience_level(tp, day) + rng.gauss(0, 1.15)
    nps = round(clamp(feeling + rng.gauss(0, 0.5), 0, 10))
    csat = round(clamp(1 + 0.4 * feeling + rng.gauss(0, 0.35), 1, 5))
    ces = round(clamp(1 + 0.6 * feeling + EFFORT_OFFSET.get(tp, 0.0) + rng.gauss(0, 0.5), 1, 7))
    return {"nps": nps, "csat": csat, "ces": ces}


def messy_score(rng: random.Random, question: str, value: int):
    """Unanswered (empty), out of the scale, or not a whole number, now and then."""
    r = rng.random()
    if r < 0.04:
        return None
    if r < 0.043:
        return {"nps": rng.choice([11, -1, 99]), "csat": rng.choice([0, 6, 10]), "ces": rng.choice([0, 8])}[
            question
        ]
    if r < 0.046:
        return (
            f"{value - 0.5:.1f}"
            if value > {"nps": 0, "csat": 1, "ces": 1}[question]
            else f"{value + 0.5:.1f}"
        )
    return value


def generate_surveys() -> list[list]:
    rng = random.Random(SEED + 1)
    rows = []  # (utc moment, row)
    seq = 0
    for day in days():
        for tp in SURVEY_TOUCHPOINTS:
            survey, _, channels = SURVEY_TOUCHPOINTS[tp]
            for _ in range(poisson_count(rng, survey_volume(tp, day))):
                seq += 1
                moment = moment_in(rng, day)
                channel = rng.choices(list(channels), weights=list(channels.values()))[0]
                answers = score_answers(rng, tp, day)
                asked = QUESTIONS[survey] + (("ces",) if tp == "device_setup" else ())
                scores = {
                    q: messy_score(rng, q, answers[q]) if q in asked else None for q in ("nps", "csat", "ces")
                }
                comment = rng.choice(COMMENTS[tp]) if rng.random() < 0.22 else None
                label = None if tp == "relationship" else messy_label(rng, tp, 0.12)
                row = [
                    f"R{seq:07d}",
                    customer(rng),
                    moment,
                    channel,
                    survey,
                    label,
                    scores["nps"],
                    scores["csat"],
                    scores["ces"],
                    comment,
                ]
                rows.append(row)
                if rng.random() < 0.012:
                    # Resubmitted: same response id, later, sometimes with changed answers.
                    again = list(row)
                    later = moment + timedelta(minutes=rng.randrange(2, 4 * 24 * 60))
                    again[2] = min(
                        later, datetime(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day, 23, 59, 59, tzinfo=UTC)
                    )
                    if rng.random() < 0.5:
                        answers = score_answers(rng, tp, day)
                        again[6:9] = [answers[q] if q in asked else None for q in ("nps", "csat", "ces")]
                    rows.append(again)
    # Internal test responses that slipped into the export (the source filter drops them).
    test_rng = random.Random(SEED + 11)
    for i in range(60):
        day = FIRST_DAY + timedelta(days=test_rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
        seq += 1
        rows.append(
            [
                f"R{seq:07d}",
                f"TEST-{i % 7:03d}",
                moment_in(test_rng, day),
                "web",
                "post_purchase",
                "web_checkout",
                10,
                5,
                None,
                "test please ignore",
            ]
        )
    rows.sort(key=lambda r: (r[2], r[0]))
    out = []
    for row in rows:
        moment, channel = row[2], row[3]
        local = channel == "store" or (channel == "app" and int(row[0][1:]) % 3 == 0)
        row[2] = iso_local(moment) if local else iso_utc(moment)
        out.append(row)
    return out


# --------------------------------------------------------------------------- tickets

# reason -> (queue, base tickets per month)
REASONS = {
    "where_is_my_order": ("orders", 140),
    "ship_date": ("orders", 8),
    "out_of_stock": ("orders", 15),
    "return": ("orders", 90),
    "setup": ("technical", 170),
    "device_fault": ("technical", 140),
    "billing": ("billing", 110),
    "subscription": ("subscriptions", 85),
    "other": ("general", 90),
}
CONTACT_CHANNELS = {"phone": 35, "chat": 35, "email": 18, "store": 12}
CHANNEL_TOUCHPOINT = {
    "phone": "phone_support",
    "chat": "chat_support",
    "email": "email_support",
    "store": "store_help_desk",
}


def ticket_volume(reason: str, day: date) -> float:
    per_day = 1.3 * REASONS[reason][1] / 30.0
    p = phase(day)
    if reason == "ship_date":
        # The store's "when does it ship?" visits: failure demand of the launch.
        return {"shortage": 17.0 if day.year == 2025 else 5.0, "backlog": 8.0}.get(p, per_day)
    if reason == "where_is_my_order":
        return per_day * {"shortage": 5.0 if day.year == 2025 else 2.5, "backlog": 3.0}.get(p, 1.0)
    if reason == "out_of_stock":
        return per_day * (14.0 if p == "shortage" else 1.0)
    if reason == "setup" and FIRST_SHIPMENTS <= day <= BACKLOG_END:
        return per_day * 2.5
    if reason == "subscription" and date(2025, 11, 1) <= day <= date(2025, 12, 31):
        return per_day * 1.6
    if reason == "return" and date(2026, 1, 1) <= day <= date(2026, 1, 31):
        return per_day * 2.0
    return per_day


def generate_tickets() -> list[list]:
    rng = random.Random(SEED + 2)
    rows = []
    for day in days():
        p = phase(day)
        busy = p in ("shortage", "backlog")
        for reason, (queue, _) in REASONS.items():
            for _ in range(poisson_count(rng, ticket_volume(reason, day))):
                moment = moment_in(rng, day, 8, 20)
                if reason == "ship_date":
                    channel, touchpoint = "store", "store_ship_date"
                else:
                    channel = rng.choices(list(CONTACT_CHANNELS), weights=list(CONTACT_CHANNELS.values()))[0]
                    touchpoint = CHANNEL_TOUCHPOINT[channel]
                if reason == "ship_date":
                    fcr_p = 0.12  # "we can't tell you when it ships"
                elif reason in ("where_is_my_order", "out_of_stock"):
                    fcr_p = 0.45 if busy else 0.7
                else:
                    fcr_p = {"phone": 0.8, "chat": 0.76, "email": 0.58, "store": 0.84}[channel]
                    fcr_p -= 0.08 if busy else 0.0
                fcr = rng.random() < fcr_p
                handle_mean = {"phone": 420, "chat": 560, "email": 300, "store": 260}[channel]
                if reason in ("device_fault", "setup"):
                    handle_mean *= 1.3
                handle = int(rng.lognormvariate(math.log(handle_mean), 0.55))
                if channel == "email":
                    wait_mean = 5 * 3600 * (2.2 if busy else 1.0)
                elif channel == "phone":
                    wait_mean = 110 * (6.0 if p == "shortage" else 3.0 if busy else 1.0)
                elif channel == "chat":
                    wait_mean = 50 * (3.5 if busy else 1.0)
                else:
                    wait_mean = 240 * (2.5 if busy else 1.0)
                wait = int(rng.expovariate(1 / wait_mean))
                reopened = rng.random() < (0.04 if fcr else 0.22)
                status = "closed"
                if day > LAST_DAY - timedelta(days=6) and rng.random() < 0.4:
                    status = "open"
                elif rng.random() < 0.02:
                    status = "merged"  # a duplicate of another ticket: the source filter drops it
                qa = None
                if rng.random() < 0.08:  # a QA reviewer scored this contact
                    qa = round(clamp(rng.gauss(82, 9), 55, 100))
                    if rng.random() < (0.03 if busy else 0.008):
                        qa = rng.randrange(10, 46)  # a failed audit
                rows.append(
                    [
                        moment,
                        customer(rng),
                        channel,
                        queue,
                        reason,
                        messy_label(rng, touchpoint, 0.04),
                        status,
                        yes(fcr),
                        None if rng.random() < 0.01 else handle,
                        None if rng.random() < 0.01 else wait,
                        yes(reopened),
                        qa,
                    ]
                )
    rows.sort(key=lambda r: r[0])
    out = []
    for n, row in enumerate(rows, 1):
        out.append([f"T{n:07d}", row[1], iso_utc(row[0]), *row[2:]])
    return out


# --------------------------------------------------------------------------- orders

STORES = [f"S{n:02d}" for n in range(1, 13)]
ACCESSORIES = [("case", 29.0), ("charger", 39.0), ("strap", 19.0), ("dock", 79.0)]


def order_volume(day: date) -> float:
    p = phase(day)
    if day < LAUNCH_EVENT:
        return 26.0 if day >= HYPE_START else 24.0
    if day < FIRST_SHIPMENTS:
        return 30.0 + 150.0 * 0.86 ** (day - LAUNCH_EVENT).days  # the pre-order rush
    if p == "shortage" and day.year == 2025:
        return 55.0
    if day <= BACKLOG_END:
        return 70.0 if day.month == 12 else 60.0
    return 34.0


def generate_orders() -> list[list]:
    rng = random.Random(SEED + 3)
    rows = []
    for day in days():
        p = phase(day)
        for _ in range(poisson_count(rng, 1.25 * order_volume(day))):
            moment = moment_in(rng, day, 8, 21)
            online = rng.random() < 0.6
            if day >= LAUNCH_EVENT:
                product = rng.choices(["orbit_2", "orbit_1", "accessory"], weights=[60, 8, 32])[0]
            else:
                product = rng.choices(["orbit_1", "accessory"], weights=[55, 45])[0]
            if product == "accessory":
                name, price = rng.choice(ACCESSORIES)
                items = rng.choices([1, 2, 3], weights=[70, 22, 8])[0]
                amount = price * items
            else:
                items = rng.choices([1, 2], weights=[92, 8])[0]
                amount = (349.0 if product == "orbit_2" else 229.0) * items
                if rng.random() < 0.3:
                    amount += rng.choice(ACCESSORIES)[1]
                    items += 1
            if rng.random() < 0.1:
                amount *= 0.9  # voucher
            out_of_stock = False
            if product == "orbit_2" and p == "shortage":
                out_of_stock = rng.random() < (0.72 if day.year == 2025 else 0.4)
            elif rng.random() < 0.015:
                out_of_stock = True
            # Days until it ships (store orders taken home ship on day 0).
            if out_of_stock:
                shortage_end = (
                    next(end for start, end in SHORTAGES if start <= day <= end) if p == "shortage" else day
                )
                days_to_ship = (shortage_end - day).days + rng.randrange(3, 15)
            elif product == "orbit_2" and day < FIRST_SHIPMENTS:
                days_to_ship = (FIRST_SHIPMENTS - day).days + rng.randrange(0, 6)
            elif not online and rng.random() < 0.8:
                days_to_ship = 0
            else:
                days_to_ship = rng.choices([1, 2, 3, 4, 5], weights=[35, 35, 15, 10, 5])[0]
            cancel_p = 0.25 if out_of_stock else 0.02
            status = "cancelled" if rng.random() < cancel_p else "completed"
            rows.append(
                [
                    moment,
                    customer(rng),
                    "online" if online else "store",
                    None if online else rng.choice(STORES),
                    messy_label(rng, "web_checkout" if online else "store_checkout", 0.03),
                    product,
                    items,
                    f"{amount:.2f}",
                    "EUR",
                    yes(out_of_stock),
                    None if status == "cancelled" else days_to_ship,
                    status,
                ]
            )
    test_rng = random.Random(SEED + 13)
    for i in range(40):
        day = FIRST_DAY + timedelta(days=test_rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
        rows.append(
            [
                moment_in(test_rng, day),
                f"TEST-{i % 5:03d}",
                "online",
                None,
                "web_checkout",
                "orbit_2",
                1,
                "0.01",
                "EUR",
                "false",
                0,
                "test",
            ]
        )
    rows.sort(key=lambda r: (r[0], r[1]))
    out = []
    for n, row in enumerate(rows, 1):
        moment, channel = row[0], row[2]
        when = iso_local(moment) if channel == "store" else iso_utc(moment)
        out.append([f"O{n:07d}", row[1], when, *row[2:]])
    return out


# --------------------------------------------------------------------------- subscriptions

PLANS = {"care": (4.99, 55), "care_plus": (9.99, 35), "family": (14.99, 10)}


def monthly_churn(month_start: date) -> float:
    """Chance that an active subscription ends in this calendar month."""
    if month_start in (date(2025, 11, 1), date(2025, 12, 1)):
        return 0.045  # launch buyers who never got their Orbit 2 cancel the bundle
    if month_start == date(2026, 2, 1):
        return 0.03
    return 0.021


def add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def generate_subscriptions() -> list[list]:
    rng = random.Random(SEED + 4)
    starts: list[date] = []
    d = date(2024, 1, 1)
    while d <= LAST_DAY:
        if d < FIRST_DAY:
            per_day = 6.5  # the installed base before the data starts
        elif in_launch_season(d):
            per_day = 16.0
        else:
            per_day = 6.0
        starts += [d] * poisson_count(rng, per_day)
        d += timedelta(days=1)
    # One subscription per customer, so that churn counts customers.
    holders = rng.sample(range(1, CUSTOMERS + 1), len(starts))
    rows = []
    for n, start_day in enumerate(starts, 1):
        start = moment_in(rng, start_day)
        plan = rng.choices(list(PLANS), weights=[w for _, w in PLANS.values()])[0]
        end = None
        if rng.random() < 0.06:
            # Cancelled within the trial: starts and ends in the same month when it can.
            last = date(start_day.year, start_day.month, 28)
            if start_day < last:
                end_day = start_day + timedelta(days=rng.randrange(1, (last - start_day).days + 1))
                end = moment_in(rng, end_day)
        if end is None:
            month = add_months(start_day, 1)
            while month <= LAST_DAY:
                if rng.random() < monthly_churn(month):
                    end_day = month + timedelta(days=rng.randrange(28))
                    end = moment_in(rng, end_day)
                    break
                month = add_months(month, 1)
        if end is not None and end.date() > LAST_DAY:
            end = None
        reason = None
        if end is not None:
            reason = rng.choices(
                ["price", "device_not_delivered", "not_using", "switched", "other"],
                weights=[30, 25 if date(2025, 10, 1) <= end.date() <= BACKLOG_END else 2, 30, 15, 10],
            )[0]
        channel = rng.choices(["online", "store"], weights=[65, 35])[0]
        rows.append(
            [
                f"SUB{n:06d}",
                f"C{holders[n - 1]:06d}",
                plan,
                channel,
                iso_utc(start),
                iso_utc(end) if end else None,
                f"{PLANS[plan][0]:.2f}",
                reason,
            ]
        )
    return rows


# --------------------------------------------------------------------------- reviews

SITES = {"acme_store": 40, "marketplace": 35, "tech_forum": 10, "app_store": 15}


def review_level(day: date) -> float:
    """Stars, 1-5: reviews carry the hype, then the wait, to people who never met Acme."""
    p = phase(day)
    if p == "hype":
        return 4.8
    if p == "shortage":
        return 2.0 if day.year == 2025 else 3.2
    if p == "backlog":
        return 3.3
    return 4.2


def generate_reviews() -> list[list]:
    rng = random.Random(SEED + 5)
    rows = []
    for day in days():
        mean = 4.0 * (3.0 if in_launch_season(day) else 1.0)
        for _ in range(poisson_count(rng, mean)):
            moment = moment_in(rng, day, 6, 24)
            stars = round(clamp(review_level(day) + rng.gauss(0, 0.9), 1, 5))
            site = rng.choices(list(SITES), weights=list(SITES.values()))[0]
            product = (
                "orbit_2" if day >= LAUNCH_EVENT and rng.random() < 0.8 else rng.choice(["orbit_1", "app"])
            )
            verified = site in ("acme_store", "app_store") or rng.random() < 0.5
            author = customer(rng) if site == "acme_store" else None
            rows.append([moment, author, site, product, stars, yes(verified), "online_review"])
    rows.sort(key=lambda r: r[0])
    return [[f"V{n:06d}", iso_utc(r[0]), *r[1:]] for n, r in enumerate(rows, 1)]


# --------------------------------------------------------------------------- main


def main() -> None:
    counts = {
        "survey_responses": write_csv_gz(
            "survey_responses",
            [
                "response_id",
                "customer_id",
                "responded_at",
                "channel",
                "survey",
                "touchpoint",
                "nps_score",
                "csat_score",
                "ces_score",
                "comment",
            ],
            generate_surveys(),
        ),
        "support_tickets": write_csv_gz(
            "support_tickets",
            [
                "ticket_id",
                "customer_id",
                "opened_at",
                "channel",
                "queue",
                "reason",
                "touchpoint",
                "status",
                "first_contact_resolved",
                "handle_seconds",
                "wait_seconds",
                "reopened",
                "qa_score",
            ],
            generate_tickets(),
        ),
        "orders": write_csv_gz(
            "orders",
            [
                "order_id",
                "customer_id",
                "ordered_at",
                "channel",
                "store_id",
                "touchpoint",
                "product",
                "items",
                "amount",
                "currency",
                "out_of_stock",
                "days_to_ship",
                "status",
            ],
            generate_orders(),
        ),
        "subscriptions": write_csv_gz(
            "subscriptions",
            [
                "subscription_id",
                "customer_id",
                "plan",
                "channel",
                "started_at",
                "ended_at",
                "monthly_price",
                "cancel_reason",
            ],
            generate_subscriptions(),
        ),
        "reviews": write_csv_gz(
            "reviews",
            [
                "review_id",
                "posted_at",
                "customer_id",
                "site",
                "product",
                "rating",
                "verified_purchase",
                "touchpoint",
            ],
            generate_reviews(),
        ),
    }
    total = 0
    for name, count in counts.items():
        size = (OUT / f"{name}.csv.gz").stat().st_size
        total += size
        print(f"data/{name}.csv.gz: {count:,} rows, {size / 1024:,.0f} KiB")
    print(f"total: {sum(counts.values()):,} rows, {total / 1024 / 1024:.2f} MiB")


if __name__ == "__main__":
    main()
