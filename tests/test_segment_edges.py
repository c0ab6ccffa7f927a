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
