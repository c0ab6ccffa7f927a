"""Drivers per segment: `cxspec run` computes each drivers analysis for the total and for
each segment set of cxspec.yaml whose dimensions its source has (a lookup dimension
included), from one scan, and stores the rows with their `dimensions`; a segment with fewer
complete cases than `min_sample` (or data without figures there) is left out, counted, not
reported. `cxspec report --segment region=EMEA` shows that segment's priority matrix.

Every stored figure is checked against plain Python on the CSV rows (tests/test_drivers_lookup.py
`expected`: OLS R², Shapley by brute force, n) on DuckDB, SQLite and PostgreSQL, and the
total against `cxspec drivers` without segments: the same figures."""

from __future__ import annotations

import json
import re

import pytest

from cxspec.drivers import compute
from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.runs.analyses_store import load_analyses
from cxspec.validate import validate_project
from tests.test_drivers_lookup import SPECS, expected, files, make_data

CONFIG = "version: 1\nproject: seg\nsegments: [region, [region, channel], tier]\n"
#: `loyalty` with a min_sample that leaves some (region, channel) segments out.
MIN_SAMPLE = 50
RUN_SPECS = (
    SPECS.replace(
        "  - id: loyalty\n    source: responses\n",
        f"  - id: loyalty\n    source: responses\n    min_sample: {MIN_SAMPLE}\n",
    )
    + "metrics:\n  - {id: mean_ltr, type: mean, source: responses, column: ltr}\n"
)
SETS = [(), ("region",), ("channel", "region"), ("tier",)]


@pytest.fixture(scope="module")
def data():
    return make_data()


def stored_url(warehouse, tmp_path) -> str:
    if warehouse.startswith("duckdb"):
        return f"duckdb:///{tmp_path / 'results.duckdb'}"
    if warehouse.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'results.db'}"
    return warehouse


@pytest.fixture
def ran(make_project, data, warehouse, tmp_path, run_main):
    """(root, warehouse url, stored drivers rows) of one run."""
    root = make_project({**files(*data), "specs.yaml": RUN_SPECS}, config=CONFIG)
    url = stored_url(warehouse, tmp_path)
    code, out, err = run_main("run", str(root), "--warehouse", url, "--out", str(tmp_path / "out"), "-q")
    assert code == 0, out + err
    project = validate_project(root, default_registry()).project
    with connect(url, project, default_registry()) as wh:
        drivers, *_ = load_analyses(wh, "seg")
    return root, url, drivers


def plain(data, analysis: str) -> dict:
    """{(set, values): figures} of every segment set and the total, from the rows."""
    out = {}
    for names in SETS:
        for values, figures in expected(*data, analysis, names).items():
            out[segment_key(dict(zip(names, values, strict=True)))] = figures
    return out


def segment_key(dimensions: dict) -> tuple:
    """(names, values), the names sorted (stored dimensions are sorted by name)."""
    names = tuple(sorted(dimensions))
    return names, tuple(dimensions[n] for n in names)


def figures_of(rows) -> dict:
    got: dict = {}
    for r in rows:
        got.setdefault(segment_key(r.dimensions), []).append(r)
    return got


def test_stored_drivers_per_segment_are_plain_python(ran, data):
    _, _, stored = ran
    p = {"loyalty": 3, "pro-loyalty": 2, "recent": 2, "tiered": 3}
    for analysis, drivers in p.items():
        want = plain(data, analysis)
        # what has figures: enough complete cases (min_sample, else p + 2), and no constant
        # driver (`tiered`'s `pro` in a tier, in the NULL region and in LATER: left out)
        needed = MIN_SAMPLE if analysis == "loyalty" else drivers + 2
        kept = {k: v for k, v in want.items() if v["n"] >= needed and not v["constant"]}
        if analysis == "tiered":
            assert not [k for k in kept if k[0] == ("tier",)]
        got = figures_of(r for r in stored if r.analysis == analysis)
        assert set(got) == set(kept), analysis
        for key, figures in kept.items():
            rows = got[key]
            assert [r.driver for r in rows] == list(figures["importance"])
            for r in rows:
                assert r.period is None
                assert r.n == figures["n"], (analysis, key)
                assert r.r2 == pytest.approx(figures["r2"], abs=1e-8), (analysis, key)
                assert r.importance == pytest.approx(figures["importance"][r.driver], abs=1e-8)
                assert r.performance == pytest.approx(figures["performance"][r.driver], rel=1e-9)
                assert r.correlation == pytest.approx(figures["correlation"][r.driver], abs=1e-8)
                assert (r.lower is None) == (r.upper is None)
    loyalty = plain(data, "loyalty")
    assert any(f["n"] < MIN_SAMPLE for k, f in loyalty.items() if k[0] == ("channel", "region"))
    assert any(k == (("region",), (None,)) for k in loyalty)  # customers missing: the NULL segment


def test_the_total_is_what_cxspec_drivers_gives(ran, data):
    root, url, stored = ran
    project = validate_project(root, default_registry()).project
    registry = default_registry()
    with connect(url, project, registry) as wh:
        alone = compute.compute_drivers(wh, project, registry)
    total = [r.as_dict() for r in stored if not r.dimensions]
    assert total == [r.as_dict() for r in alone.results]
    assert total


def test_left_out_segments_are_counted_and_said(make_project, data, monkeypatch):
    root = make_project({**files(*data), "specs.yaml": RUN_SPECS}, config=CONFIG)
    project = validate_project(root, default_registry()).project
    registry = default_registry()
    with connect("duckdb:///:memory:", project, registry) as wh:
        outcome = compute.compute_drivers(
            wh, project, registry, ["loyalty", "tiered"], segments=project.segments
        )
    loyalty = plain(data, "loyalty")
    short = sum(1 for k, f in loyalty.items() if k[0] and f["n"] < MIN_SAMPLE)
    tiers = sum(1 for k, f in plain(data, "tiered").items() if k[0] and f["constant"])
    assert outcome.left_out == {"loyalty": short, "tiered": tiers}
    assert short and tiers
    # one warning per analysis (CX614), and each segment with its complete cases and why
    said = [d for d in outcome.diagnostics if d.code not in ("CX606", "CX609")]  # CX609: sat_b 0 and 6
    assert [(d.code, d.message.split(":")[0]) for d in said] == [
        ("CX614", "'loyalty'"),
        ("CX614", "'tiered'"),
    ], said
    assert f"{short:,} of " in said[0].message and f"{tiers:,} of " in said[1].message
    left = {(o["analysis"], *segment_key(o["dimensions"])): o for o in outcome.omitted}
    want = {("loyalty", *k): f["n"] for k, f in loyalty.items() if k[0] and f["n"] < MIN_SAMPLE}
    assert {k: o["n"] for k, o in left.items() if k[0] == "loyalty"} == want
    assert {o["code"] for o in left.values() if o["analysis"] == "loyalty"} == {"CX602"}
    assert {o["code"] for o in left.values() if o["analysis"] == "tiered"} == {"CX600"}


@pytest.mark.parametrize("in_numpy", [True, False], ids=["numpy", "sql"])
def test_both_moments_paths_per_segment(make_project, data, monkeypatch, in_numpy):
    monkeypatch.setattr(compute, "NUMPY_FROM_ROWS", 0 if in_numpy else None)
    root = make_project({**files(*data), "specs.yaml": RUN_SPECS}, config=CONFIG)
    project = validate_project(root, default_registry()).project
    registry = default_registry()
    with connect("duckdb:///:memory:", project, registry) as wh:
        outcome = compute.compute_drivers(wh, project, registry, ["loyalty"], segments=project.segments)
    got = figures_of(outcome.results)
    want = {k: v for k, v in plain(data, "loyalty").items() if v["n"] >= MIN_SAMPLE}
    assert set(got) == set(want)
    for key, figures in want.items():
        for r in got[key]:
            assert r.n == figures["n"]
            assert r.importance == pytest.approx(figures["importance"][r.driver], abs=1e-8)


def test_report_of_a_segment_shows_its_drivers(ran, data, run_main):
    root, url, _ = ran
    code, out, err = run_main("report", str(root), "--warehouse", url, "--format", "json")
    assert code == 0, out + err
    total = json.loads(out)["drivers"]
    code, out, err = run_main(
        "report", str(root), "--warehouse", url, "--segment", "region=EMEA", "--format", "json"
    )
    assert code == 0, out + err
    emea = json.loads(out)["drivers"]
    want = expected(*data, "loyalty", ("region",))[("EMEA",)]
    loyalty = [d for d in emea if d["analysis"] == "loyalty"]
    assert [d["driver"] for d in loyalty] == ["a", "b", "c"]
    for d in loyalty:
        assert d["n"] == want["n"]
        assert d["importance"] == pytest.approx(want["importance"][d["driver"]], abs=1e-8)
        assert d["quadrant"]
    assert {d["n"] for d in total if d["analysis"] == "loyalty"} == {expected(*data, "loyalty")[()]["n"]}
    for fmt in ("md", "terminal", "html"):
        code, out, err = run_main(
            "report", str(root), "--warehouse", url, "--segment", "region=EMEA", "--format", fmt
        )
        assert code == 0, out + err
        assert "What matters most" in out
        assert f"n {want['n']:,}" in out or f"n = {want['n']:,}" in out or f"n={want['n']}" in out, fmt


def test_a_left_out_segment_is_said_in_its_report_and_the_run(ran, data, run_main, tmp_path):
    """`report --segment` of a segment whose matrix was not computed says so and why, with
    its complete cases counted in plain Python; neither nothing nor the total's matrix."""
    root, url, _ = ran
    loyalty = plain(data, "loyalty")
    (names, values), figures = min(
        (k, f)
        for k, f in loyalty.items()
        if k[0] == ("channel", "region") and f["n"] < MIN_SAMPLE and None not in k[1]
    )
    segment = ",".join(f"{n}={v}" for n, v in zip(names, values, strict=True))
    code, out, err = run_main(
        "report", str(root), "--warehouse", url, "--segment", segment, "--format", "json"
    )
    assert code == 0, out + err
    report = json.loads(out)
    assert not [d for d in report["drivers"] if d["analysis"] == "loyalty"]
    left = [e for e in report["drivers_left_out"] if e["analysis"] == "loyalty"]
    assert [(e["n"], e["code"]) for e in left] == [(figures["n"], "CX602")], left
    assert left[0]["reason"] == f"{figures['n']:,} complete cases, fewer than {MIN_SAMPLE} (min_sample)"
    for fmt in ("md", "terminal", "html"):
        code, out, err = run_main(
            "report", str(root), "--warehouse", url, "--segment", segment, "--format", fmt
        )
        assert code == 0, out + err
        assert f"not computed for {segment.replace(',', ', ')}: {figures['n']:,} complete cases" in out, fmt
    # the total's report lists the segments left out; so does the run, as a warning
    code, out, err = run_main("report", str(root), "--warehouse", url, "--format", "json")
    short = sum(1 for k, f in loyalty.items() if k[0] and f["n"] < MIN_SAMPLE)
    assert len([e for e in json.loads(out)["drivers_left_out"] if e["analysis"] == "loyalty"]) == short
    code, out, err = run_main("run", str(root), "--warehouse", url, "--out", str(tmp_path / "again"))
    assert code == 0, out + err
    assert re.search(rf"warning CX614: 'loyalty': {short} of \d+ segments have no figures", out + err), (
        out + err
    )
