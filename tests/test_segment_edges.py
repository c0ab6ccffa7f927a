"""Segments at their edges, as a tired operator or an attacker meets them: values holding `=`,
commas, spaces or non-ASCII letters, values that do not exist, very many segments. Numbers are
checked against plain Python on the fixture rows."""

from __future__ import annotations

import pytest

from cxspec.reports.segments import parse_segment

CONFIG = "version: 1\nproject: edges\nsegments: [region, [region, channel]]\n"
SPECS = """\
version: 1
sources:
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    dimensions: [region, channel]
metrics:
  - {id: mean_score, type: mean, source: responses, column: score}
"""
REGIONS = ["EMEA", "Köln", "A=B", "A,B", "7", ""]


def rows():
    return [(i, REGIONS[i % len(REGIONS)], ["web", "phone"][i % 4 // 2], i % 11) for i in range(60)]


def project_files() -> dict:
    def cell(text):
        return f'"{text}"' if "," in text else text

    return {
        "specs.yaml": SPECS,
        "data/responses.csv": "id,t,score,region,channel\n"
        + "".join(f"{i},2026-01-{10 + i % 15},{s},{cell(r)},{c}\n" for i, r, c, s in rows()),
    }


def test_parse_segment_values_with_commas_and_equals():
    assert parse_segment(["region=A,B"]) == {"region": "A,B"}
    assert parse_segment(["region=A=B,channel=web"]) == {"region": "A=B", "channel": "web"}
    assert parse_segment(["region=A,B, channel=web"]) == {"region": "A,B", "channel": "web"}
    assert parse_segment(["region="]) == {"region": None}
    with pytest.raises(ValueError):
        parse_segment(["=EMEA"])


@pytest.mark.parametrize("region", ["A,B", "A=B", "Köln", "7"])
def test_report_segment_with_odd_values(make_project, run_main, tmp_path, region):
    root = make_project(project_files(), config=CONFIG)
    url = f"duckdb:///{tmp_path / 'results.duckdb'}"
    code, out, err = run_main("run", str(root), "--warehouse", url, "--out", str(tmp_path / "out"), "-q")
    assert code == 0, out + err
    code, out, err = run_main(
        "report",
        str(root),
        "--warehouse",
        url,
        "--segment",
        f"region={region},channel=web",
        "--format",
        "json",
    )
    assert code == 0, out + err
    import json

    report = json.loads(out)
    scores = [s for _, r, c, s in rows() if r == region and c == "web"]
    assert report["segment"] == {"region": region, "channel": "web"}
    (metric,) = report["metrics"]
    assert metric["latest"]["value"] == pytest.approx(sum(scores) / len(scores))


def test_report_unknown_segment_suggests(make_project, run_main, tmp_path):
    root = make_project(project_files(), config=CONFIG)
    url = f"duckdb:///{tmp_path / 'results.duckdb'}"
    assert run_main("run", str(root), "--warehouse", url, "--out", str(tmp_path / "out"), "-q")[0] == 0
    code, out, err = run_main("report", str(root), "--warehouse", url, "--segment", "region=köln")
    assert code == 2 and "did you mean 'region=Köln'?" in out + err
    # Only the segments of the same dimensions are listed, not every combination.
    assert "stored are region=7; region=A,B; region=A=B; region=EMEA; region=Köln; region=(none)" in out + err
    assert "channel=" not in out + err


def test_segments_named_but_not_stored_are_warned(make_project, run_main, tmp_path):
    """A goal override or a held segment whose value no stored row has applies to nothing: a
    located warning after run (CX620), with a close stored value; the run still exits 0."""
    found = project_files()
    found["specs.yaml"] += """\
owners:
  - {id: koln, name: Koln team, segments: [{region: Köln}, {region: Atlantis}]}
goals:
  - metric: mean_score
    target: 7
    segments:
      - {where: {region: EMAE}, target: 3}
      - {where: {region: EMEA}, target: 4}
      - {where: {region: A=B, channel: web}, target: 4}
"""
    root = make_project(found, config=CONFIG)
    url = f"duckdb:///{tmp_path / 'results.duckdb'}"
    code, out, err = run_main("run", str(root), "--warehouse", url, "--out", str(tmp_path / "out"), "-q")
    assert code == 0, out + err
    assert "specs.yaml:12:60: warning CX620: owner 'koln' holds segment region=Atlantis" in err
    assert "specs.yaml:17:17: warning CX620: goal 'mean_score' sets targets in segment region=EMAE" in err
    assert "did you mean 'EMEA'?" in err
    assert err.count("CX620") == 2


STORES = """\
version: 1
sources:
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    dimensions: [store]
metrics:
  - {id: nps, type: nps, source: responses, column: score}
  - {id: csat, type: rate, source: responses, condition: "score >= 8"}
  - {id: mean_score, type: mean, source: responses, column: score}
"""


def store_rows():
    import random

    rng = random.Random(20)
    rows = [(f"S{rng.randint(0, 59):02d}", rng.randint(0, 10)) for _ in range(700)]
    rows += [("BAD", rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 9])) for _ in range(60)]  # really worse
    rows += [("TINY", 0), ("TINY", 0)]  # 2 responses at 0%: no evidence of anything
    return rows


def pooled_below_rest(rows) -> dict:
    """(metric, store) → p of each store significantly below the rest, in plain Python: the
    pooled two-proportion z-test (NPS: on the points −100/0/100), Student's t for the mean."""
    import math

    from cxspec.runs.stats import t_two_sided_p

    def points(metric, score):
        if metric == "nps":
            return 100 * ((score >= 9) - (score <= 6))
        return 100 * (score >= 8) if metric == "csat" else score

    found = {}
    for store in sorted({s for s, _ in rows}):
        for metric in ("nps", "csat", "mean_score"):
            seg = [points(metric, x) for s, x in rows if s == store]
            rest = [points(metric, x) for s, x in rows if s != store]
            n, m = len(rest), len(seg)
            ms, mr = sum(seg) / m, sum(rest) / n
            if metric == "mean_score":
                if m < 2:
                    continue
                squares = sum((x - ms) ** 2 for x in seg) + sum((x - mr) ** 2 for x in rest)
                error = math.sqrt(squares / (n + m - 2) * (1 / n + 1 / m))
                p = t_two_sided_p((ms - mr) / error, n + m - 2) if error else None
            else:
                both = seg + rest
                mean = sum(both) / len(both)
                error = math.sqrt(sum((x - mean) ** 2 for x in both) / len(both) * (1 / n + 1 / m))
                p = math.erfc(abs(ms - mr) / error / math.sqrt(2)) if error else None
            if p is not None and ms < mr and p < 0.05:
                found[(metric, store)] = p
    return found


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres"])
def test_below_rest_pools_the_variance(make_project, tmp_path, request, engine):
    """below_rest on many small stores: the stores flagged, and their p, are those of the
    pooled test computed in plain Python on the rows, on every engine; a store with 2
    responses at 0% is not flagged for its rate or NPS (its own margin of 0 made it p < 0.001)."""
    from cxspec import load_project
    from cxspec.registry import default_registry
    from cxspec.runs.run import run_project
    from cxspec.runs.segment_issues import detect_all

    rows = store_rows()
    found = {
        "specs.yaml": STORES,
        "data/responses.csv": "id,t,score,store\n"
        + "".join(f"{i},2026-01-{10 + i % 15},{x},{s}\n" for i, (s, x) in enumerate(rows)),
    }
    project = load_project(make_project(found, config="version: 1\nproject: stores\nsegments: [store]\n"))
    url = (
        request.getfixturevalue("postgres_url")
        if engine == "postgres"
        else f"{engine}:///{tmp_path / 'r.db'}"
    )
    stored = run_project(project, default_registry(), url)
    got = {
        (i.metric, i.dimensions["store"]): i.p_value
        for i in detect_all(project, default_registry(), stored.results)
        if i.kind == "below_rest"
    }
    want = pooled_below_rest(rows)
    assert ("csat", "BAD") in want
    assert ("csat", "TINY") not in want and ("nps", "TINY") not in want
    assert got.keys() == want.keys()
    for key, p in want.items():
        assert got[key] == pytest.approx(p, rel=1e-6), key


def test_terminal_league_of_many_segments_shows_both_ends(make_project, run_main, tmp_path):
    """62 stores: the terminal shows the 10 best and the 10 worst and how many are left out
    (10,000 stores printed 10,000 lines); report.md keeps every one."""
    rows = store_rows()
    found = {
        "specs.yaml": STORES + "pyramids:\n  - id: cx-index\n    children: [{metric: nps}, {metric: csat}]\n",
        "data/responses.csv": "id,t,score,store\n"
        + "".join(f"{i},2026-01-{10 + i % 15},{x},{s}\n" for i, (s, x) in enumerate(rows)),
    }
    root = make_project(found, config="version: 1\nproject: stores\nsegments: [store]\n")
    url = f"duckdb:///{tmp_path / 'r.db'}"
    out_dir = tmp_path / "out"
    assert run_main("run", str(root), "--warehouse", url, "--out", str(out_dir), "-q")[0] == 0
    code, out, _ = run_main("report", str(root), "--warehouse", url)
    stores = sorted({s for s, _ in rows})
    league = out.split("Segments (")[1].split("\n\n")[0].splitlines()
    assert league[0].startswith(f"{len(stores)}) by cx-index")
    assert sum(line.lstrip().startswith("store=") for line in league) == 20
    assert f"… {len(stores) - 20} more (report.md / report.html)" in out
    markdown = (out_dir / "report.md").read_text(encoding="utf-8")
    assert all(f"| store={s} |" in markdown for s in stores)


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres"])
def test_rows_of_a_key_alike_in_time_keep_the_same_row_everywhere(make_project, tmp_path, request, engine):
    """Rows of one key with the same time (a resent survey answer): every engine keeps the
    same one, the greatest by the columns' values in name order, in the total and in each
    segment (the three engines kept three different rows: three means)."""
    from cxspec import load_project
    from cxspec.query import Request, compute
    from cxspec.registry import default_registry

    rows = [(i % 40, "2026-01-10", (i * 7) % 11, f"S{i % 3}") for i in range(160)]
    rows += [(99, "2026-01-11", 1, "S0"), (99, "2026-01-12", 0, "S1")]  # the latest time still wins
    found = {
        "specs.yaml": STORES,
        "data/responses.csv": "id,t,score,store\n" + "".join(f"{i},{t},{x},{s}\n" for i, t, x, s in rows),
    }
    project = load_project(make_project(found, config="version: 1\nproject: keys\nsegments: [store]\n"))
    url = request.getfixturevalue("postgres_url") if engine == "postgres" else f"{engine}:///:memory:"
    got = {
        (r.metric, tuple(r.dimensions.items())): r.value
        for r in compute(project, Request(segments=(("store",),)), default_registry(), url)
        if r.metric == "mean_score"
    }
    kept: dict = {}
    for key, t, score, store in rows:  # by time, then by id, score, store (name order): greatest
        if key not in kept or (t, key, score, store) > kept[key]:
            kept[key] = (t, key, score, store)
    want: dict = {}
    for _, _, score, store in kept.values():
        for dims in ((), (("store", store),)):
            want.setdefault(("mean_score", dims), []).append(score)
    assert got == pytest.approx({k: sum(v) / len(v) for k, v in want.items()})
