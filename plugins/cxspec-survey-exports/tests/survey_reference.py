"""Expected metric values computed from the example exports in plain Python: the csv module,
zoneinfo and arithmetic, no cxspec code. Each function mirrors a source of
examples/cx-survey/specs/sources.yaml and a metric type's definition in docs/metrics/."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "cx-survey"
UTC = ZoneInfo("UTC")


def read_csv(name: str) -> list[list[str]]:
    with (EXAMPLE / "data" / name).open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def month(local: str, fmt: str, zone: str) -> str:
    moment = dt.datetime.strptime(local, fmt).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return moment.strftime("%Y-%m-01")


def latest_per_key(rows: list[dict], key: str, time: str) -> list[dict]:
    """One row per key: the latest time (the source's `key:` de-duplication)."""
    best: dict[str, dict] = {}
    for row in rows:
        held = best.get(row[key])
        if held is None or row[time] > held[time]:
            best[row[key]] = row
    return list(best.values())


# -- the sources ------------------------------------------------------------------------


def post_purchase() -> list[dict]:
    """qualtrics_post_purchase.csv: Status 0 only, one row per ResponseId (latest RecordedDate)."""
    ids, _texts, _imports, *data = read_csv("qualtrics_post_purchase.csv")
    rows = []
    for values in data:
        row = dict(zip(ids, values, strict=True))
        if row["Status"] != "0":
            continue
        row["recorded_utc"] = dt.datetime.strptime(row["RecordedDate"], "%Y-%m-%d %H:%M:%S").replace(
            tzinfo=ZoneInfo("America/Denver")
        )
        row["period"] = month(row["RecordedDate"], "%Y-%m-%d %H:%M:%S", "America/Denver")
        rows.append(row)
    return latest_per_key(rows, "ResponseId", "recorded_utc")


CSAT_WORDS = {
    "Very dissatisfied": 1,
    "Dissatisfied": 2,
    "Neither satisfied nor dissatisfied": 3,
    "Satisfied": 4,
    "Very satisfied": 5,
}


def choice_number(text: str):
    """'10 - Extremely likely' → 10, '7' → 7, a CSAT word → its number, else None."""
    head = text.split(" - ")[0].strip()
    if head.lstrip("-").isdigit():
        return float(head)
    return CSAT_WORDS.get(text.strip())


def support() -> list[dict]:
    """qualtrics_support_choice_text.csv: Status "IP Address" and Finished "True" only."""
    ids, _texts, _imports, *data = read_csv("qualtrics_support_choice_text.csv")
    rows = []
    for values in data:
        row = dict(zip(ids, values, strict=True))
        if row["Status"] != "IP Address" or row["Finished"] != "True":
            continue
        row["period"] = month(row["RecordedDate"], "%Y-%m-%d %H:%M:%S", "UTC")
        row["nps_score"] = choice_number(row["Q1"]) if row["Q1"] else None
        row["csat_score"] = choice_number(row["Q2"]) if row["Q2"] else None
        rows.append(row)
    return rows


def onboarding() -> list[dict]:
    """surveymonkey_onboarding.csv: one row per Respondent ID (latest End Date, New York time)."""
    questions, answers, *data = read_csv("surveymonkey_onboarding.csv")
    nps = questions.index("How likely are you to recommend Acme to a friend or colleague?")
    ease = [i for i, q in enumerate(questions) if q.startswith("How easy was each step")][0]
    account = ease + answers[ease:].index("Creating an account")
    rows = []
    for values in data:
        ended = dt.datetime.strptime(values[3], "%m/%d/%Y %I:%M:%S %p").replace(
            tzinfo=ZoneInfo("America/New_York")
        )
        rows.append(
            {
                "respondent": values[0],
                "ended": ended,
                "period": month(values[3], "%m/%d/%Y %I:%M:%S %p", "America/New_York"),
                "plan": values[questions.index("plan")],
                "nps_score": values[nps],
                "account_ease": values[account],
            }
        )
    return latest_per_key(rows, "respondent", "ended")


# -- the metric types -----------------------------------------------------------------------


def score(value, low: int, high: int):
    """('valid', number), ('invalid', None) or ('none', None) for an answer on a scale."""
    if value is None or value == "":
        return "none", None
    number = float(value)
    if number != int(number) or not low <= number <= high:
        return "invalid", None
    return "valid", number


def by_period(rows, column, low, high, keep=lambda row: True):
    groups = defaultdict(lambda: {"valid": [], "invalid": 0})
    for row in rows:
        if not keep(row):
            continue
        state, number = score(row[column], low, high)
        group = groups[row["period"]]  # a row with no answer still makes its period exist
        if state == "valid":
            group["valid"].append(number)
        elif state == "invalid":
            group["invalid"] += 1
    return groups


def nps(rows, column, keep=lambda row: True) -> dict:
    result = {}
    for period, group in by_period(rows, column, 0, 10, keep).items():
        values, n = group["valid"], len(group["valid"])
        if n == 0:
            result[period] = (None, 0, group["invalid"], None)
            continue
        promoters = sum(v >= 9 for v in values) / n
        detractors = sum(v <= 6 for v in values) / n
        moe = 1.96 * 100 * math.sqrt((promoters + detractors - (promoters - detractors) ** 2) / n)
        result[period] = (100 * (promoters - detractors), n, group["invalid"], moe)
    return result


def top_box(rows, column, low, high, box, keep=lambda row: True) -> dict:
    result = {}
    for period, group in by_period(rows, column, low, high, keep).items():
        values, n = group["valid"], len(group["valid"])
        if n == 0:
            result[period] = (None, 0, group["invalid"], None)
            continue
        share = sum(v > high - box for v in values) / n
        result[period] = (100 * share, n, group["invalid"], 1.96 * 100 * math.sqrt(share * (1 - share) / n))
    return result


def mean(rows, column, low, high, keep=lambda row: True) -> dict:
    result = {}
    for period, group in by_period(rows, column, low, high, keep).items():
        values, n = group["valid"], len(group["valid"])
        if n == 0:
            result[period] = (None, 0, group["invalid"], None)
            continue
        average = sum(values) / n
        sd = math.sqrt(sum((v - average) ** 2 for v in values) / (n - 1)) if n > 1 else None
        result[period] = (average, n, group["invalid"], 1.96 * sd / math.sqrt(n) if sd is not None else None)
    return result


def rate(rows, condition) -> dict:
    counts = defaultdict(lambda: [0, 0])
    for row in rows:
        counts[row["period"]][0] += bool(condition(row))
        counts[row["period"]][1] += 1
    result = {}
    for period, (hits, n) in counts.items():
        p = hits / n
        result[period] = (100 * p, n, 0, 1.96 * 100 * math.sqrt(p * (1 - p) / n))
    return result


def median(rows, column) -> dict:
    groups = defaultdict(list)
    for row in rows:
        if row[column] != "":
            groups[row["period"]].append(float(row[column]))
    result = {}
    for period, values in groups.items():
        values.sort()
        position = 0.5 * (len(values) - 1)
        low = math.floor(position)
        high = min(low + 1, len(values) - 1)
        value = values[low] + (values[high] - values[low]) * (position - low)
        result[period] = (value, len(values), 0, None)
    return result


def finished(row) -> bool:
    return row["Finished"] == "1"


def expected() -> dict[str, dict]:
    """metric id → period → (value, n, invalid, moe), for the metrics of the example."""
    purchases, tickets, newcomers = post_purchase(), support(), onboarding()
    return {
        "purchase_nps": nps(purchases, "Q1", finished),
        "purchase_csat": top_box(purchases, "Q2", 1, 5, 2, finished),
        "purchase_ces": mean(purchases, "Q3", 1, 7, finished),
        "purchase_completion": rate(purchases, finished),
        "purchase_survey_seconds": median(purchases, "Duration (in seconds)"),
        "support_nps": nps(tickets, "nps_score"),
        "support_csat": top_box(tickets, "csat_score", 1, 5, 2),
        "onboarding_nps": nps(newcomers, "nps_score"),
        "account_setup_ease": mean(newcomers, "account_ease", 1, 7),
    }
