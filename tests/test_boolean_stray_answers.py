"""A column declared `boolean` with stray answers ("Don't know", "n/a") among its yes/no is
read as text, and a condition over it is refused on every engine (CX407) at the condition,
naming how many values do not fit and one of them: guessing what "Don't know" means gave
silent wrong numbers on paths that read the column indirectly (a reverted attempt counted
them invalid only where the condition named the column). The hint says what to do; doing it
(emptying those cells, and leaving them out with a filter) gives on every engine the rate
plain Python gives."""

from __future__ import annotations

import json

SPECS = """version: 1
sources:
  - id: t
    type: file
    path: data/t.csv
    time: t
    columns: {resolved: boolean}
metrics:
  - {id: fcr, type: rate, source: t, condition: resolved}
"""
ANSWERS = ["yes", "no", "Don't know", "yes", "n/a", "yes", "no", "", "yes"]


def write(make_project, answers, specs=SPECS):
    rows = "".join(f"{i},2026-01-{i + 1:02d},{a}\n" for i, a in enumerate(answers))
    return make_project({"specs.yaml": specs, "data/t.csv": "id,t,resolved\n" + rows})


def test_stray_answers_are_refused_at_the_condition_with_what_to_do(make_project, run_main, warehouse):
    root = write(make_project, ANSWERS)
    for command in (("validate", "--data", str(root)), ("query", str(root), "--warehouse", warehouse)):
        code, out, err = run_main(*command)
        said = out + err
        assert code == 1 and "Traceback" not in said, said
        assert (
            "specs.yaml:9:49: error CX407: condition of metric 'fcr' uses text column 'resolved' of "
            "source 't' (declared `boolean`, but 2 of its values do not fit (such as \"Don't know\")"
        ) in said, said
        assert (
            'hint: write those cells as yes or no, or empty them and leave them out with `filter: "resolved'
            in said
        )


def test_emptying_them_gives_the_rate_plain_python_gives(make_project, run_main, warehouse):
    answers = ["" if a in ("Don't know", "n/a") else a for a in ANSWERS]
    given = [a for a in answers if a]
    filtered = SPECS.replace("condition: resolved}", 'condition: resolved, filter: "resolved IS NOT NULL"}')
    for specs, rows in ((SPECS, answers), (filtered, given)):  # an empty answer: not yes, or left out
        root = write(make_project, answers, specs)
        code, out, err = run_main("query", str(root), "--warehouse", warehouse, "--format", "json")
        assert code in (0, None), err
        (result,) = json.loads(out)["results"]
        assert result["n"] == len(rows) and result["invalid"] == 0
        assert abs(result["value"] - 100 * rows.count("yes") / len(rows)) < 1e-9
