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
    pooled = (p1 * len(emea) + p2 * len(rest)) / (len(emea) + len(rest))  # the pooled z-test
    se = math.sqrt(pooled * (1 - pooled) * (1 / len(emea) + 1 / len(rest)))
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


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def stored_acme(request, tmp_path):
    """acme run on each engine (results kept, so that issue states are kept too)."""
    from cxspec.runs.run import run_project

    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    url = url or f"{request.param}:///{tmp_path / 'results.db'}"
    project = load_project(ACME)
    now = dt.datetime(2026, 7, 2, tzinfo=dt.timezone.utc)
    return run_project(project, default_registry(), url, start=FROM, now=now), url


def test_the_run_routes_emea_to_its_owner(stored_acme):
    """The stored EMEA row is red, the total's green; below_rest and goal_red of EMEA go to
    emea-cx; the league table shows EMEA with phone support in red."""
    from cxspec.reports.data import build_model
    from cxspec.reports.markdown import render

    stored, _ = stored_acme
    rows = {
        (r.period, r.dimensions.get("region")): r
        for r in stored.results
        if r.metric == "phone_support_csat" and r.period == HEADLINE
    }
    june = [(region, score) for period, region, score in phone_scores() if period == HEADLINE]
    assert rows[(HEADLINE, None)].value == pytest.approx(top_box([s for _, s in june]), abs=1e-9)
    assert rows[(HEADLINE, None)].status == "green"
    emea = [s for region, s in june if region == "EMEA"]
    rest = [s for region, s in june if region != "EMEA"]
    assert rows[(HEADLINE, "EMEA")].value == pytest.approx(top_box(emea), abs=1e-9)
    assert rows[(HEADLINE, "EMEA")].n == len(emea) and rows[(HEADLINE, "EMEA")].status == "red"

    model = build_model(stored, default_registry())
    below = [i for i in model.issues if i.kind == "below_rest" and i.metric == "phone_support_csat"]
    assert [(i.dimensions, i.owner) for i in below] == [({"region": "EMEA"}, "emea-cx")]
    p1, p2 = top_box(rest) / 100, top_box(emea) / 100
    pooled = (p1 * len(rest) + p2 * len(emea)) / (len(rest) + len(emea))  # the pooled z-test
    z = (p2 - p1) / math.sqrt(pooled * (1 - pooled) * (1 / len(rest) + 1 / len(emea)))
    assert below[0].previous == pytest.approx(100 * p1, abs=1e-9)
    assert below[0].p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-6)
    # the league's index is scored like the stored scores: the total's, scored so, is the stored one
    from cxspec.reports.segments import main_pyramid, pyramid_score

    project = stored.project
    totals = {r.metric: r for r in stored.results if not r.dimensions and r.period == HEADLINE}
    stored_index = next(
        s for s in stored.scores if s.node == "cx-index" and s.period == HEADLINE and not s.dimensions
    )
    got = pyramid_score(project, default_registry(), main_pyramid(project), totals)
    assert got == (
        pytest.approx(stored_index.score, abs=1e-9),
        pytest.approx(stored_index.coverage, abs=1e-9),
    )
    league = {e.label: e for e in model.segments}
    assert all(e.index is not None and 0 < e.coverage <= 1 for e in league.values())
    assert set(league) == {"region=EMEA", "region=Americas", "region=APAC"}
    assert "phone_support_csat" in league["region=EMEA"].red and league["region=EMEA"].owner == "emea-cx"
    assert "phone_support_csat" not in league["region=Americas"].red
    assert "| region=EMEA |" in render(model)
    segment = build_model(stored, default_registry(), segment={"region": "EMEA"})
    phone = segment.metric_by_id["phone_support_csat"]
    assert phone.latest.value == pytest.approx(top_box(emea), abs=1e-9) and phone.status == "red"
    assert {i.owner for i in segment.issues} == {"emea-cx"}
    assert segment.to_dict()["segment"] == {"region": "EMEA"}


def test_report_segment_command(tmp_path, run_main):
    from cxspec.runs.run import run_project

    url = f"duckdb:///{tmp_path / 'results.duckdb'}"
    run_project(load_project(ACME), default_registry(), url, start=FROM)
    code, out, _ = run_main(
        "report", str(ACME), "--warehouse", url, "--segment", "region=EMEA", "--format", "md"
    )
    assert code == 0 and "*Segment region=EMEA (owner emea-cx): only its rows*" in out
    assert "Phone support CSAT (region=EMEA) is" in out
    code, out, err = run_main("report", str(ACME), "--warehouse", url, "--segment", "region=Mars")
    assert code == 2 and "stored are region=APAC; region=Americas; region=EMEA" in out + err
    code, out, _ = run_main("report", str(ACME), "--warehouse", url)
    assert code == 0 and "Segments (3) by Acme CX Index" in out
