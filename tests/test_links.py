"""Links: every group, interval and contrast against a plain-Python computation on the raw
rows, on DuckDB, SQLite and PostgreSQL; Newcombe's published Table II; censoring by --as-of.
Origins of the data: tests/fixtures/links/README.md."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from cxspec.links.compute import quantile_cuts
from cxspec.links.stats import newcombe, wilson
from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.validate import validate_project

FIXTURE = Path(__file__).parent / "fixtures" / "links"
ENGINES = ("duckdb", "sqlite", "postgres")
Z = 1.959963984540054


@pytest.fixture(params=ENGINES)
def warehouse(request):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///:memory:"


@pytest.fixture(scope="module")
def project():
    result = validate_project(FIXTURE, default_registry())
    assert result.ok, result.diagnostics
    return result.project


def computed(project, url, ids=(), **options):
    from cxspec.links.compute import compute_links

    registry = default_registry()
    with connect(url, project, registry) as wh:
        return compute_links(wh, project, registry, ids, **options)


# -- the independent computation ---------------------------------------------------------------


def read(name):
    with open(FIXTURE / "data" / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def when(text):
    return dt.datetime.fromisoformat(text) if text else None


def responses():
    """One row per response_id, the latest responded_at winning."""
    latest = {}
    for row in read("responses"):
        key = row["response_id"]
        if key not in latest or when(row["responded_at"]) > when(latest[key]["responded_at"]):
            latest[key] = row
    return list(latest.values())


def t_975(df):
    from cxspec.drivers.intervals import t_quantile

    return t_quantile(0.975, df)


def expected_link(link_id, as_of=None):
    days = {"nps-to-churn": 90, "nps-quartiles": 90, "csat-to-revenue": 180}[link_id]
    window = dt.timedelta(days=days)
    if link_id == "csat-to-revenue":
        outcome_rows = [(r["customer_id"], when(r["ordered_at"]), float(r["amount"]) if r["amount"] else None)
                        for r in read("orders")]  # fmt: skip
        default = max(t for _, t, _ in outcome_rows)
    else:
        subs = read("subscriptions")
        outcome_rows = [(r["customer_id"], when(r["ended_at"]), None) for r in subs if r["ended_at"]]
        default = max([when(r["started_at"]) for r in subs] + [t for _, t, _ in outcome_rows])
    cut = as_of or default
    units = []  # (score, y)
    for r in responses():
        column = "csat_score" if link_id == "csat-to-revenue" else "nps_score"
        if r[column] == "":
            continue
        score = float(r[column])
        if link_id != "nps-quartiles" and (score != int(score)):
            continue
        if link_id in ("nps-to-churn",) and not 0 <= score <= 10:
            continue
        # quantiles: no scale in the spec, so the 11s count too
        if link_id == "csat-to-revenue" and not 1 <= score <= 5:
            continue
        t = when(r["responded_at"])
        if t + window > cut:
            continue
        inside = [
            (v)
            for e, ot, v in outcome_rows
            if e == r["customer_id"] and ot is not None and t < ot <= t + window
        ]
        if link_id == "csat-to-revenue":
            units.append((score, sum(v for v in inside if v is not None)))
        else:
            units.append((score, 1.0 if inside else 0.0))
    return units


def group_of(link_id, score, cuts):
    if link_id == "nps-to-churn":
        return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    if link_id == "csat-to-revenue":
        return "top_box" if score >= 4 else "rest"
    return f"q{1 + sum(score > c for c in cuts)}"


def test_quantile_cuts_are_type_7():
    scores = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0]
    counts = sorted({s: scores.count(s) for s in scores}.items())
    assert quantile_cuts(counts, 4) == pytest.approx(list(np.percentile(scores, [25, 50, 75])), abs=1e-12)


@pytest.mark.parametrize("link_id", ["nps-to-churn", "csat-to-revenue"])
def test_groups_and_contrasts_agree_with_plain_python(project, warehouse, link_id):
    outcome = computed(project, warehouse, [link_id])
    units = expected_link(link_id)
    cuts = []
    by_group = {}
    for score, y in units:
        by_group.setdefault(group_of(link_id, score, cuts), []).append(y)
    for group in outcome.groups:
        ys = by_group.get(group.group, [])
        assert group.n == len(ys), group
        if link_id == "nps-to-churn":
            p = sum(ys) / len(ys)
            low, high = wilson(sum(ys), len(ys))
            # Wilson by its own formula, not cxspec's function
            centre = (p + Z * Z / (2 * len(ys))) / (1 + Z * Z / len(ys))
            half = Z * math.sqrt(p * (1 - p) / len(ys) + Z * Z / (4 * len(ys) ** 2)) / (1 + Z * Z / len(ys))
            assert (group.value, group.lower, group.upper) == pytest.approx(
                (100 * p, 100 * (centre - half), 100 * (centre + half)), abs=1e-6
            )
        else:
            mean = sum(ys) / len(ys)
            sd = float(np.std(ys, ddof=1))
            half = t_975(len(ys) - 1) * sd / math.sqrt(len(ys))
            assert (group.value, group.lower, group.upper) == pytest.approx(
                (mean, mean - half, mean + half), abs=1e-6
            )
    (contrast,) = outcome.contrasts
    a, b = by_group[contrast.a], by_group[contrast.b]
    if link_id == "nps-to-churn":
        assert (contrast.a, contrast.b) == ("detractor", "promoter")
        pa, pb = sum(a) / len(a), sum(b) / len(b)
        assert contrast.difference == pytest.approx(100 * (pa - pb), abs=1e-6)
        assert contrast.ratio == pytest.approx(pa / pb, abs=1e-6)
        d, low, high = newcombe(sum(a), len(a), sum(b), len(b))
        assert (contrast.lower, contrast.upper) == pytest.approx((100 * low, 100 * high), abs=1e-6)
    else:
        assert (contrast.a, contrast.b) == ("rest", "top_box")
        ma, mb = np.mean(a), np.mean(b)
        va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
        df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
        half = t_975(df) * math.sqrt(va + vb)
        assert (contrast.difference, contrast.lower, contrast.upper) == pytest.approx(
            (ma - mb, ma - mb - half, ma - mb + half), abs=1e-6
        )
        assert contrast.ratio == pytest.approx(ma / mb, abs=1e-6)


def test_quantile_groups_agree_with_plain_python(project, warehouse):
    outcome = computed(project, warehouse, ["nps-quartiles"])
    units = expected_link("nps-quartiles")
    cuts = list(np.percentile([s for s, _ in units], [25, 50, 75]))
    by_group = {}
    for score, y in units:
        by_group.setdefault(group_of("nps-quartiles", score, cuts), []).append(y)
    assert [g.group for g in outcome.groups] == ["q1", "q2", "q3", "q4"]
    for group in outcome.groups:
        ys = by_group.get(group.group, [])
        assert group.n == len(ys)
        assert group.value == pytest.approx(100 * sum(ys) / len(ys), abs=1e-6)
    assert (outcome.contrasts[0].a, outcome.contrasts[0].b) == ("q1", "q4")


def test_windows_are_censored_by_as_of(project, warehouse):
    as_of = dt.datetime(2026, 6, 1)
    outcome = computed(project, warehouse, ["nps-to-churn"], as_of=as_of)
    units = expected_link("nps-to-churn", as_of=as_of)
    assert sum(g.n for g in outcome.groups) == len(units)
    assert 0 < len(units) < len(expected_link("nps-to-churn"))


def test_no_complete_window_is_a_warning_not_a_number(project):
    outcome = computed(project, "duckdb:///:memory:", ["nps-to-churn"], as_of=dt.datetime(2026, 1, 2))
    assert outcome.groups == [] and [d.code for d in outcome.diagnostics] == ["CX610"]


# Newcombe (1998), Table II, method 10: (a/m − b/n) → (lower, upper), 4 decimals as published.
# R. G. Newcombe, "Interval estimation for the difference between independent proportions:
# comparison of eleven methods", Statistics in Medicine 17 (1998) 873–890, Table II.
TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "published"), TABLE_II)
def test_newcombe_hybrid_score_matches_table_ii(counts, published):
    _, lower, upper = newcombe(*counts)
    assert (lower, upper) == pytest.approx(published, abs=5e-5)


@pytest.fixture(scope="module")
def table_ii_project(tmp_path_factory):
    """Table II's eight examples as eight links run by the warehouse: for (a, m, b, n), m
    responses below the top box of which a cancel within the window, and n top-box responses
    of which b cancel; the contrast is rest − top box, Newcombe's a/m − b/n."""
    root = tmp_path_factory.mktemp("table-ii")
    (root / "cxspec.yaml").write_text("version: 1\nproject: table-ii\n", encoding="utf-8")
    (root / "data").mkdir()
    (root / "specs").mkdir()
    spec = ["version: 1", "sources:"]
    links = ["links:"]
    for index, ((a, m, b, n), _) in enumerate(TABLE_II, 1):
        responses, subscriptions = ["c,at,score"], ["c,b,e"]
        customer = 0
        for events, total, score in ((a, m, 2), (b, n, 5)):
            for i in range(total):
                customer += 1
                responses.append(f"{customer},2026-01-01 00:00:00,{score}")
                end = "2026-01-11 00:00:00" if i < events else ""
                subscriptions.append(f"{customer},2025-01-01 00:00:00,{end}")
        # a customer who did not answer ended: the source records ends, so 0 of 10 against 0
        # of 20 (example 8) is measured, not refused as an event column left empty (CX613)
        subscriptions.append("0,2025-01-01 00:00:00,2025-06-01 00:00:00")
        (root / "data" / f"r{index}.csv").write_text("\n".join(responses) + "\n", encoding="utf-8")
        (root / "data" / f"s{index}.csv").write_text("\n".join(subscriptions) + "\n", encoding="utf-8")
        spec += [
            f"  - {{id: r{index}, type: file, path: data/r{index}.csv, time: at, entity: c}}",
            f"  - {{id: s{index}, type: file, path: data/s{index}.csv, entity: c, start: b, end: e}}",
        ]
        links += [
            f"  - id: table-ii-{index}",
            f"    cx: {{source: r{index}, column: score, groups: top_box, scale: [1, 5]}}",
            f"    outcome: {{source: s{index}, event: end, within: 30d}}",
        ]
    (root / "specs" / "t.yaml").write_text("\n".join(spec + links) + "\n", encoding="utf-8")
    result = validate_project(root, default_registry())
    assert result.ok, result.diagnostics
    return result.project


def test_table_ii_through_the_warehouse(table_ii_project, warehouse):
    outcome = computed(table_ii_project, warehouse, as_of=dt.datetime(2026, 6, 1))
    contrasts = {c.link: c for c in outcome.contrasts}
    for index, ((a, m, b, n), (lower, upper)) in enumerate(TABLE_II, 1):
        contrast = contrasts[f"table-ii-{index}"]
        assert (contrast.a, contrast.b) == ("rest", "top_box")
        groups = {g.group: g for g in outcome.groups if g.link == f"table-ii-{index}"}
        assert (groups["rest"].n, groups["top_box"].n) == (m, n)
        assert contrast.difference == pytest.approx(100 * (a / m - b / n), abs=1e-6)
        assert (contrast.lower / 100, contrast.upper / 100) == pytest.approx((lower, upper), abs=5e-5)


def test_cli_json_has_the_contract_shape(run_main):
    code, out, err = run_main("links", str(FIXTURE), "--format", "json")
    assert code in (0, None), err
    document = json.loads(out)
    assert set(document) == {"links", "contrasts", "warnings"}  # warnings: tests/test_links_counted.py
    assert set(document["links"][0]) == {"link", "group", "n", "value", "lower", "upper"}
    assert set(document["contrasts"][0]) == {"link", "a", "b", "difference", "lower", "upper", "ratio"}
    code, out, _ = run_main("links", str(FIXTURE), "nps-to-churn")
    assert "detractor" in out and "promoter" in out


def test_cli_usage_errors(run_main):
    assert run_main("links", str(FIXTURE), "nope")[0] == 2
    assert run_main("links", str(FIXTURE), "--from", "2026-05-01", "--to", "2026-01-01")[0] == 2


def test_an_empty_group_has_no_contrast(make_project):
    root = make_project({
        "specs/a.yaml": (
            "version: 1\nsources:\n"
            "  - {id: r, type: file, path: data/r.csv, time: at, entity: c}\n"
            "  - {id: s, type: file, path: data/s.csv, entity: c, start: b, end: e}\n"
            "links:\n  - id: l\n    cx: {source: r, column: score, groups: nps}\n"
            "    outcome: {source: s, event: end, within: 30d}\n"
        ),
        "data/r.csv": "c,at,score\n1,2026-01-01 00:00:00,10\n2,2026-01-02 00:00:00,9\n",
        "data/s.csv": "c,b,e\n1,2025-01-01 00:00:00,2026-01-10 00:00:00\n2,2025-01-01 00:00:00,\n",
    })  # fmt: skip
    project = validate_project(root, default_registry()).project
    outcome = computed(project, "duckdb:///:memory:", as_of=dt.datetime(2026, 6, 1))
    assert outcome.contrasts == [] and [d.code for d in outcome.diagnostics] == ["CX611"]
    promoters = next(g for g in outcome.groups if g.group == "promoter")
    assert (promoters.n, promoters.value) == (2, 50.0)


def test_a_text_score_or_outcome_value_is_a_located_diagnostic(make_project, run_main, warehouse):
    root = make_project({
        "specs/a.yaml": (
            "version: 1\nsources:\n"
            "  - {id: r, type: file, path: data/r.csv, time: at, entity: c}\n"
            "  - {id: o, type: file, path: data/o.csv, time: t, entity: c}\n"
            "links:\n  - id: l\n    cx: {source: r, column: score, groups: nps}\n"
            "    outcome: {source: o, value: amount, within: 30d}\n"
        ),
        # no number at all (numbers and some text: tests/test_links_edges.py, CX608)
        "data/r.csv": "c,at,score\n1,2026-01-01 00:00:00,ten\n2,2026-01-02 00:00:00,x\n",
        "data/o.csv": "c,t,amount\n1,2026-01-05 00:00:00,five\n2,2026-01-06 00:00:00,abc\n",
    })  # fmt: skip
    code, out, err = run_main("links", str(root), "--as-of", "2026-06-01", "--warehouse", warehouse)
    assert code == 1 and "Traceback" not in err
    assert re.search(r"specs/a\.yaml:7:\d+: error CX603: link 'l': the score column 'score'", err), err
    assert re.search(r"specs/a\.yaml:8:\d+: error CX603: link 'l': the outcome value column 'amount'", err), (
        err
    )
    assert err.count("= hint: it holds no number at all") == 2, err  # the CSV files' columns
