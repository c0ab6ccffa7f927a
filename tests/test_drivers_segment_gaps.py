"""A segment whose rows hold no complete case at all (APAC never answered the billing
question) is not in the drivers scan, so `run` has nothing to leave out there: the total's
report listed no such segment, while APAC's metrics are stored. Now listed with n 0 (a
segment with too few complete cases is CX614: tests/test_drivers_segments.py). Counts
against plain Python on the rows, on DuckDB, SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

CONFIG = "version: 1\nproject: gaps\nsegments: [region]\n"
SPEC = """version: 1
sources:
  - {id: r, type: file, path: data/r.csv, time: at, entity: c, key: id, dimensions: [region]}
metrics:
  - {id: mean_ltr, type: mean, source: r, column: ltr}
drivers:
  - id: loyalty
    source: r
    outcome: ltr
    min_sample: 20
    drivers:
      - {name: billing, column: b}
      - {name: network, column: n}
"""


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///{tmp_path / 'results.db'}"


def rows():
    out = []
    for i in range(150):
        region = ["EMEA", "AMER", "APAC"][i % 3]
        b, n = 1 + (i * 5) % 7 % 5, 1 + (i * 7) % 5
        ltr = min(10, b + n + i % 4)
        out.append(
            (i, f"c{i}", f"2026-01-{1 + i % 28:02d} 10:00:00", region, ltr, "" if region == "APAC" else b, n)
        )
    return out


def test_a_segment_without_a_complete_case_is_listed_in_the_total_report(
    make_project, run_main, url, tmp_path
):
    data = rows()
    text = "id,c,at,region,ltr,b,n\n" + "".join(",".join(map(str, r)) + "\n" for r in data)
    root = make_project(
        {"specs/a.yaml": SPEC, "data/r.csv": text},
        config=CONFIG.replace("gaps", f"g{abs(hash(url)) % 10**6}"),
    )
    complete = {}
    for r in data:
        if r[5] != "":
            complete[r[3]] = complete.get(r[3], 0) + 1
    assert complete == {"EMEA": 50, "AMER": 50}
    code, out, err = run_main("run", str(root), "--warehouse", url, "--out", str(tmp_path / "out"), "-q")
    assert code == 0, out + err
    code, out, err = run_main("report", str(root), "--warehouse", url, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert [(e["segment"], e["n"], e["code"]) for e in report["drivers_left_out"]] == [
        ("region=APAC", 0, "CX602")
    ]
    assert {d["n"] for d in report["drivers"]} == {100}
    code, out, err = run_main(
        "report", str(root), "--warehouse", url, "--segment", "region=APAC", "--format", "md"
    )
    assert code == 0, err
    assert "not computed for region=APAC: no complete case in this segment (CX602)" in out
    code, out, err = run_main(
        "report", str(root), "--warehouse", url, "--segment", "region=EMEA", "--format", "json"
    )
    assert json.loads(out)["drivers_left_out"] == [] and {d["n"] for d in json.loads(out)["drivers"]} == {50}
