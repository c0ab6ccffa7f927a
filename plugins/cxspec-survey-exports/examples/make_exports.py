"""Write the example exports in cx-survey/data/ deterministically (same bytes on every run).

    python examples/make_exports.py

Realistic layouts with the cases real exports have: empty answers, out-of-scale and
fractional scores, partial responses (Finished=0), preview responses, a response exported
twice (duplicate ResponseId), multi-line open answers, times near a month boundary in the
export's time zone, and the "choice text" variant of a Qualtrics export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from pathlib import Path

DATA = Path(__file__).parent / "cx-survey" / "data"
START = dt.datetime(2026, 3, 1, 8, 0, 0)
#: Responses fall in March–May 2026 in UTC too (up to 2026-05-31 16:00 local).
SPAN_MINUTES = 91 * 24 * 60 - 16 * 60
NPS_TEXT = "How likely are you to recommend Acme to a friend or colleague?"


def write(path: Path, rows: list[list], *, bom: bool) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))


def qualtrics_meta_header(zone: str) -> tuple[list, list, list]:
    ids = [
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "ExternalReference",
        "LocationLatitude",
        "LocationLongitude",
        "DistributionChannel",
        "UserLanguage",
    ]
    texts = [
        "Start Date",
        "End Date",
        "Response Type",
        "IP Address",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "Recorded Date",
        "Response ID",
        "Recipient Last Name",
        "Recipient First Name",
        "Recipient Email",
        "External Data Reference",
        "Location Latitude",
        "Location Longitude",
        "Distribution Channel",
        "User Language",
    ]
    imports = [{"ImportId": "startDate", "timeZone": zone}, {"ImportId": "endDate", "timeZone": zone},
               {"ImportId": "status"}, {"ImportId": "ipAddress"}, {"ImportId": "progress"},
               {"ImportId": "duration"}, {"ImportId": "finished"},
               {"ImportId": "recordedDate", "timeZone": zone}, {"ImportId": "_recordId"},
               {"ImportId": "recipientLastName"}, {"ImportId": "recipientFirstName"},
               {"ImportId": "recipientEmail"}, {"ImportId": "externalDataReference"},
               {"ImportId": "locationLatitude"}, {"ImportId": "locationLongitude"},
               {"ImportId": "distributionChannel"}, {"ImportId": "userLanguage"}]  # fmt: skip
    return ids, texts, [json.dumps(i, separators=(",", ":")) for i in imports]


def response_id(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "R_" + "".join(rng.choice(alphabet) for _ in range(15))


def stamp(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def meta_row(rng, recorded: dt.datetime, *, status, finished, progress, rid, variant="numeric"):
    duration = rng.randint(40, 900)
    start = recorded - dt.timedelta(seconds=duration)
    status_text = {0: "IP Address", 1: "Survey Preview"}[status] if variant == "text" else str(status)
    finished_text = ("True" if finished else "False") if variant == "text" else str(int(finished))
    ip = f"203.0.113.{rng.randint(1, 254)}" if status == 0 else ""
    channel = "anonymous" if status == 0 else "preview"
    return [stamp(start), stamp(recorded), status_text, ip, str(progress), str(duration), finished_text,
            stamp(recorded), rid, "", "", "", "", "", "", channel, "EN"]  # fmt: skip


def post_purchase(rng: random.Random) -> list[list]:
    """Numeric-values export, Denver time. Q1 NPS 0–10, Q2 CSAT 1–5, Q3 CES 1–7, open reason."""
    ids, texts, imports = qualtrics_meta_header("America/Denver")
    ids += ["Q1", "Q2", "Q3", "Q4_TEXT", "channel", "store"]
    texts += [NPS_TEXT, "Overall, how satisfied are you with your purchase?",
              "How easy was it to buy from us?", "What is the main reason for your score?",
              "channel", "store"]  # fmt: skip
    imports += ['{"ImportId":"QID1"}', '{"ImportId":"QID2"}', '{"ImportId":"QID3"}',
                '{"ImportId":"QID4_TEXT"}', '{"ImportId":"channel"}', '{"ImportId":"store"}']  # fmt: skip
    rows = [ids, texts, imports]
    reasons = ["Fast delivery", "Helpful staff", "Too expensive", "", "Great product,\nwould buy again",
               "The \"express\" option was not express", "Out of stock twice"]  # fmt: skip
    for i in range(320):
        recorded = START + dt.timedelta(minutes=rng.randint(0, SPAN_MINUTES))
        channel = rng.choice(["web", "web", "store", "app"])
        store = rng.choice(["denver", "boulder"]) if channel == "store" else ""
        nps = rng.choice(range(0, 11)) if rng.random() < 0.5 else rng.choice([8, 9, 10, 10])
        row_nps = "" if rng.random() < 0.05 else str(nps)
        csat = "" if rng.random() < 0.07 else str(rng.choice([1, 2, 3, 4, 4, 5, 5, 5]))
        ces = "" if rng.random() < 0.1 else str(rng.choice([2, 4, 5, 6, 6, 7, 7]))
        finished, progress = (True, 100) if rng.random() > 0.1 else (False, rng.choice([20, 45, 80]))
        if not finished:
            csat, ces = "", ""
        status = 1 if i % 53 == 7 else 0
        rows.append(
            meta_row(rng, recorded, status=status, finished=finished, progress=progress, rid=response_id(rng))
            + [row_nps, csat, ces, rng.choice(reasons), channel, store]
        )
    # Out of scale or not whole: excluded from the metric and counted as invalid.
    rows[10][-6], rows[11][-5], rows[12][-4], rows[13][-6] = "11", "0", "7.5", "-1"
    # A month boundary in Denver time: 2026-03-31 20:30 MDT is 2026-04-01 02:30 UTC.
    rows[14][0] = rows[14][1] = rows[14][7] = "2026-03-31 20:30:00"
    rows[14][2], rows[14][4], rows[14][6], rows[14][-6] = "0", "100", "1", "10"
    # The same response exported twice, re-recorded later with another score: the later wins.
    again = list(rows[20])
    again[7] = stamp(dt.datetime.strptime(again[7], "%Y-%m-%d %H:%M:%S") + dt.timedelta(hours=2))
    again[2], again[4], again[6], again[-6] = "0", "100", "1", "3" if again[-6] != "3" else "4"
    rows.append(again)
    return rows


SCORE_LABELS = {0: "0 - Not at all likely", 10: "10 - Extremely likely"}
CSAT_LABELS = ["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied",
               "Very satisfied"]  # fmt: skip


def support_choice_text(rng: random.Random) -> list[list]:
    """The "use choice text" export variant, UTC: scores as their labels."""
    ids, texts, imports = qualtrics_meta_header("UTC")
    ids += ["Q1", "Q2", "queue"]
    texts += [NPS_TEXT, "How satisfied are you with the support you received?", "queue"]
    imports += ['{"ImportId":"QID1"}', '{"ImportId":"QID2"}', '{"ImportId":"queue"}']
    rows = [ids, texts, imports]
    for i in range(180):
        recorded = START + dt.timedelta(minutes=rng.randint(0, SPAN_MINUTES))
        nps = rng.randint(0, 10)
        nps_text = "" if rng.random() < 0.05 else SCORE_LABELS.get(nps, str(nps))
        csat_text = "" if rng.random() < 0.05 else rng.choice(CSAT_LABELS + ["Very satisfied"])
        finished = rng.random() > 0.08
        rows.append(
            meta_row(rng, recorded, status=1 if i == 3 else 0, finished=finished,
                     progress=100 if finished else 50, rid=response_id(rng), variant="text")
            + [nps_text, csat_text if finished else "", rng.choice(["billing", "delivery", "returns"])]
        )  # fmt: skip
    rows[5][-3] = "Not sure"  # neither a number nor a label: no answer
    return rows


def surveymonkey_onboarding(rng: random.Random) -> list[list]:
    """An expanded SurveyMonkey export, dates in New York time (US format, AM/PM)."""
    meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
            "First Name", "Last Name", "plan"]  # fmt: skip
    ease = "How easy was each step of getting started? (1 = very hard, 7 = very easy)"
    channel = "How did you hear about us?"
    questions = [*meta, NPS_TEXT, ease, "", "", channel, "", "What could we do better?"]
    answers = [""] * len(meta) + ["Response", "Creating an account", "Importing data", "Inviting the team",
                                  "Response", "Other (please specify)", "Open-Ended Response"]  # fmt: skip
    rows = [questions, answers]
    for _ in range(150):
        ended = START + dt.timedelta(minutes=rng.randint(0, SPAN_MINUTES))
        started = ended - dt.timedelta(seconds=rng.randint(60, 1200))
        steps = [str(rng.randint(1, 7)) if rng.random() > 0.08 else "" for _ in range(3)]
        heard = rng.choice(["Search engine", "A friend", "Podcast", "Other (please specify)"])
        other = heard.startswith("Other")
        rows.append(
            [str(114_000_000_000 + rng.randint(0, 999_999)), "431234567",
             started.strftime("%m/%d/%Y %I:%M:%S %p"), ended.strftime("%m/%d/%Y %I:%M:%S %p"),
             f"198.51.100.{rng.randint(1, 254)}", "", "", "", rng.choice(["free", "team", "enterprise"]),
             "" if rng.random() < 0.06 else str(rng.choice([*range(11), 7, 8, 9, 9, 10, 10])), *steps,
             "" if other else heard, "Trade show" if other else "",
             rng.choice(["", "More templates", "Faster import"])]
        )  # fmt: skip
    rows[4][9] = "12"  # out of scale
    # 2026-04-30 22:15 in New York is 2026-05-01 02:15 UTC: May.
    rows[5][3] = "04/30/2026 10:15:00 PM"
    return rows


def main(data: Path = DATA) -> None:
    data.mkdir(parents=True, exist_ok=True)
    write(data / "qualtrics_post_purchase.csv", post_purchase(random.Random(20260301)), bom=True)
    write(data / "qualtrics_support_choice_text.csv", support_choice_text(random.Random(20260302)), bom=True)
    write(data / "surveymonkey_onboarding.csv", surveymonkey_onboarding(random.Random(20260303)), bom=False)


if __name__ == "__main__":
    main()
