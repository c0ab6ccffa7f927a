"""Data files as they are exported: a header that writes a name twice, NUL characters.

A header `score,score` (or `score,Score`: names compare case aside) made DuckDB name the
columns `score` and `score_1`, and a metric over `score` silently read the first. Naming a
repeated name is CX404 at the spec's key; repeated names no spec uses are harmless. A NUL
character is CX410 at the source's `path`, with a hint (it was an error without code or hint).
"""

from __future__ import annotations

import pytest

from cxspec import load_project
from cxspec.query import Request, compute
from cxspec.registry import default_registry

SPECS = """\
version: 1
sources:
  - id: r
    type: file
    path: data/r.csv
    time: t
metrics:
  - {id: m, type: mean, source: r, column: score}
"""
ROWS = [
    ("1", "2026-01-05", "1", "9", "3"),
    ("2", "2026-01-06", "2", "8", "4"),
    ("3", "2026-01-07", "6", "1", "5"),
]


def csv(header: str, rows=ROWS) -> str:
    return header + "\n" + "".join(",".join(row) + "\n" for row in rows)


@pytest.mark.parametrize("header", ["id,t,score,score,x", "id,t,score,x,SCORE", "id,t,Score,score,score"])
@pytest.mark.parametrize("command", ["validate", "query"])
def test_a_repeated_name_a_spec_uses_is_refused_where_the_spec_names_it(
    make_project, run_main, header, command
):
    root = make_project({"specs.yaml": SPECS, "data/r.csv": csv(header)})
    args = ["validate", str(root), "--data"] if command == "validate" else ["query", str(root), "-m", "m"]
    code, out, err = run_main(*args)
    said = out + err
    assert code == 1 and "Traceback" not in said
    times = [name.lower() for name in header.split(",")].count("score")
    assert "specs.yaml:8:44: error CX404" in said and f"writes {times} times" in said, said
    assert "hint: give the columns distinct names in the file" in said


def test_repeated_names_no_spec_uses_are_harmless(make_project, warehouse):
    """`comment,Comment` repeated, `score` once: the mean of score, as plain Python has it."""
    header = "id,t,score,comment,Comment"
    project = load_project(make_project({"specs.yaml": SPECS, "data/r.csv": csv(header)}))
    results = list(compute(project, Request(), default_registry(), warehouse))
    scores = [float(row[2]) for row in ROWS]
    assert [(r.metric, r.n) for r in results] == [("m", 3)]
    assert results[0].value == pytest.approx(sum(scores) / len(scores), abs=1e-12)


def test_a_header_naming_a_column_like_a_renamed_one_is_its_own(make_project, warehouse):
    """`score_1` written in the file is a name of its own, not a repeated `score`."""
    specs = SPECS.replace("column: score}", "column: score_1}")
    project = load_project(make_project({"specs.yaml": specs, "data/r.csv": csv("id,t,score,score_1,x")}))
    results = list(compute(project, Request(), default_registry(), warehouse))
    scores = [float(row[3]) for row in ROWS]
    assert results[0].value == pytest.approx(sum(scores) / len(scores), abs=1e-12)


def test_a_nul_character_is_cx410_at_the_path_with_a_hint(make_project, run_main):
    rows = [*ROWS[:2], ("3", "2026-01-07", "6\x00", "1", "5")]
    root = make_project({"specs.yaml": SPECS, "data/r.csv": csv("id,t,score,a,b", rows)})
    for args in (["validate", str(root), "--data"], ["query", str(root), "-m", "m"]):
        code, out, err = run_main(*args)
        said = out + err
        assert code == 1 and "Traceback" not in said
        assert "specs.yaml:5:11: error CX410" in said and "NUL character" in said, said
        assert "hint: remove the NUL characters from the file" in said
