"""The acme example's segments story (specs/acme/README.md, "Segments"): the customers lookup
gives every event its customer's region, and in the headline month EMEA's phone support CSAT
is red while the company's is on target. Numbers against plain Python over the data files,
on DuckDB, SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import math
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pytest

from cxspec import load_project
from cxspec.query import Request, compute
from cxspec.registry import default_registry

ACME = Path(__file__).resolve().parents[1] / "specs" / "acme"
HEADLINE = "2026-06-01"
FROM = dt.date(2026, 1, 1)


def _rows(name: str) -> list[dict]:
    with gzip.open(ACME / "data" / name, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.timezone.utc)


@lru_cache(maxsize=1)
def regions() -> dict[str, str]:
    """customer → region of the customer's latest row."""
    latest: dict[str, tuple[dt.datetime, str]] = {}
    for row in _rows("customers.csv.gz"):
        at = _utc(row["updated_at"])
        if row["customer_id"] not in latest or at > latest[row["customer_id"]][0]:
            latest[row["customer_id"]] = (at, row["region"])
    return {customer: region for customer, (_, region) in latest.items()}


@lru_cache(maxsize=1)
def responses() -> list[dict]:
    """The survey source's rows as the spec reads them: test responses out, the latest
    answer per response_id, a UTC month per row."""
    latest: dict[str, dict] = {}
    for row in _rows("survey_responses.csv.gz"):
        if row["customer_id"].startswith("TEST-"):
            continue
        row = dict(row, at=_utc(row["responded_at"]))
        kept = latest.get(row["response_id"])
        if kept is None or row["at"] > kept["at"]:
            latest[row["response_id"]] = row
    out = []
    for row in latest.values():
        if row["at"].date() >= FROM:
            row["period"] = row["at"].date().replace(day=1).isoformat()
            row["region"] = regions().get(row["customer_id"])
            out.append(row)
    return out


def _score(text: str, low: int, high: int) -> int | None:
    """A valid whole score on the scale, else None (empty, off the scale, not whole)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() and low <= value <= high else None


def phone_scores() -> list[tuple[str, str | None, int]]:
    """(period, region, csat) of phone support responses with a valid CSAT (1-5)."""
    out = []
    for row in responses():
        score = _score(row["csat_score"], 1, 5)
        if row["touchpoint"].strip().lower() == "phone_support" and score is not None:
            out.append((row["period"], row["region"], score))
    return out


def relationship_scores() -> list[tuple[str, str | None, int]]:
    out = []
    for row in responses():
        score = _score(row["nps_score"], 0, 10)
        if row["survey"] == "relationship" and score is not None:
            out.append((row["period"], row["region"], score))
    return out


def top_box(scores: list[int]) -> float:
    return 100 * sum(s >= 4 for s in scores) / len(scores)


def nps(scores: list[int]) -> float:
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def expected(scores, formula, by_region: bool) -> dict[tuple, tuple[float, int]]:
    groups: dict[tuple, list[int]] = defaultdict(list)
    for period, region, score in scores:
        groups[(period, region) if by_region else (period,)].append(score)
    return {key: (formula(values), len(values)) for key, values in groups.items()}


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse(request):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///:memory:"


def test_region_numbers(warehouse):
    project = load_project(ACME)
    metrics = ("phone_support_csat", "relationship_nps")
    registry = default_registry()
    for by_region in (True, False):
        request = Request(metrics=metrics, by=("region",) if by_region else (), start=FROM)
        got = {
            (r.metric, r.period, *([r.dimensions["region"]] if by_region else [])): (r.value, r.n)
            for r in compute(project, request, registry, warehouse)
        }
        want = {
            **{
                ("phone_support_csat", *k): v for k, v in expected(phone_scores(), top_box, by_region).items()
            },
            **{
                ("relationship_nps", *k): v
                for k, v in expected(relationship_scores(), nps, by_region).items()
            },
        }
        assert got.keys() == want.keys()
        for key, (value, n) in want.items():
            assert got[key][1] == n, key
            assert got[key][0] == pytest.approx(value, abs=1e-9), key


def test_the_total_hides_emea():
    """In the headline month the company's phone support CSAT is green (target 80) while
    EMEA's is red (below 75) and significantly below the rest of the company's."""
    june = [(region, score) for period, region, score in phone_scores() if period == HEADLINE]
    total = top_box([s for _, s in june])
    emea = [s for region, s in june if region == "EMEA"]
    rest = [s for region, s in june if region != "EMEA"]
    assert total >= 80 > 75 > top_box(emea)
    assert len(emea) >= 30 and {r for r, _ in june} == {"EMEA", "Americas", "APAC"}
    p1, p2 = top_box(emea) / 100, top_box(rest) / 100
    se = math.hypot(math.sqrt(p1 * (1 - p1) / len(emea)), math.sqrt(p2 * (1 - p2) / len(rest)))
    z = (p2 - p1) / se
    assert math.erfc(abs(z) / math.sqrt(2)) < 0.05


def test_customers_data_is_generated():
    """data/customers.csv.gz is what generate_customers.py writes (byte for byte)."""
    import runpy

    before = (ACME / "data" / "customers.csv.gz").read_bytes()
    namespace = runpy.run_path(str(ACME / "generate_customers.py"))
    rows = list(namespace["rows"](namespace["random"].Random(namespace["SEED"])))
    assert gzip.decompress(before).decode("utf-8").splitlines()[1:] == [",".join(r) for r in rows]


def test_a_lookup_column_is_checked_in_the_looked_up_source(tmp_path, run_main):
    """`{name: area, from: customers}` names a column customers does not have: CX404 at the
    dimension, with the looked-up source's columns as the hint (not the scanned source's)."""
    import shutil

    acme = tmp_path / "acme"
    shutil.copytree(ACME, acme, ignore=shutil.ignore_patterns("cxspec-out"))
    sources = acme / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(
        text.replace("{name: region, from: customers}   #", "{name: area, from: customers}   #"),
        encoding="utf-8",
    )
    line = next(
        i for i, t in enumerate(sources.read_text(encoding="utf-8").splitlines(), 1) if "name: area" in t
    )
    code, out, err = run_main("validate", str(acme), "--data")
    assert code == 1
    assert f"sources.yaml:{line}:16: error CX404" in out + err
    assert "'area', which is not a column of source 'customers'" in out + err
    assert "region" in out + err  # the hint lists customers' columns
