"""Cells of spaces only (' ', a tab): blank in a spreadsheet, but not empty fields. A column
of nothing else was refused as text with "some of its values are not numbers, booleans, dates
or times" and the hint to clean its values that are not numbers, which named nothing to
clean; the message says they are blank and the hint how to treat them. A measured column of
them counts them invalid, the same on every engine.
"""

from __future__ import annotations

import json

CONFIG = "version: 1\nproject: blanks\ngrain: month\n"
SOURCE = "version: 1\nsources:\n  - {id: r, type: file, path: data/r.csv, time: t}\nmetrics:\n"
DATA = "t,score,flag\n2026-01-05,  ,yes\n2026-01-06, ,\t\n2026-01-07,\t, \n2026-01-08,,no\n"


def refusal(run_main, root) -> str:
    code, _, err = run_main("query", str(root))
    assert code == 1 and "Traceback" not in err
    return err


def test_a_comparison_over_a_column_of_blanks(make_project, run_main):
    metric = '  - {id: hi, type: rate, source: r, condition: "score >= 9"}\n'
    err = refusal(run_main, make_project({"specs.yaml": SOURCE + metric, "data/r.csv": DATA}, config=CONFIG))
    assert "specs.yaml:5:49: error CX406" in err
    assert "(all its 3 values are blank (spaces only, not empty fields), so it is read as text)" in err
    assert (
        "hint: empty those cells of 'score' in the data (an empty field is no value), and declare its "
        "type (`columns: {score: number}` on the source)" in err
    )


def test_a_condition_over_yes_no_answers_and_blanks(make_project, run_main):
    metric = "  - {id: flagged, type: rate, source: r, condition: flag}\n"
    err = refusal(run_main, make_project({"specs.yaml": SOURCE + metric, "data/r.csv": DATA}, config=CONFIG))
    assert "error CX407" in err
    assert "2 of its 4 values are not yes/no or true/false but blank (spaces only, not empty fields)" in err
    assert "hint: empty those cells of 'flag' in the data (an empty field is no value)" in err
    assert "declare its type" not in err  # its other values type it


def test_a_measured_column_of_blanks_counts_them_invalid(make_project, run_main, warehouse):
    metric = "  - {id: avg, type: mean, source: r, column: score}\n"
    root = make_project({"specs.yaml": SOURCE + metric, "data/r.csv": DATA}, config=CONFIG)
    code, out, err = run_main("query", str(root), "--warehouse", warehouse, "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["results"]
    assert [(r["value"], r["n"], r["invalid"]) for r in rows] == [(None, 0, 3)]


def test_validate_data_warns_of_blank_cells_in_a_measured_column(make_project, run_main):
    metric = "  - {id: avg, type: mean, source: r, column: score}\n"
    root = make_project({"specs.yaml": SOURCE + metric, "data/r.csv": DATA}, config=CONFIG)
    code, out, err = run_main("validate", "--data", str(root))
    assert code == 0
    assert (
        "specs.yaml:5:46: warning CX417: 3 of the 3 values of column 'score' of source 'r' are blank "
        "(spaces only, not empty fields): metric 'avg' counts them invalid" in out + err
    )
    assert "hint: empty those cells in the data" in out + err
