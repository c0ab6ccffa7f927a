"""A file that cannot be read, or reads with a duplicate key, does not bury its own error
under errors that only follow from it (cxspec/yamlread.py, cxspec/validate.py).

One repeated `target:` in goals.yaml dropped the whole file: eight CX308s ("metric … has no
goal with both target and warn") were printed, sorted before the CX002 that caused them. A
duplicate key now keeps the first value and is reported alone. A file with a syntax error
still defines nothing, but every unknown reference (CX202) then says which unread file may
define it."""

from __future__ import annotations

from cxspec.yamlread import load_bytes

SPECS = """\
version: 1
owners:
  - {id: cx, kind: team, name: CX}
sources:
  - {id: r, type: file, path: r.csv, time: t, key: id}
metrics:
  - {id: avg, name: Average, type: mean, source: r, column: score, owner: cx}
  - {id: top, name: Top, type: rate, source: r, condition: "score >= 9", owner: cx}
pyramids:
  - id: index
    normalize: goal
    children:
      - {metric: avg}
      - {metric: top}
"""

GOALS = """\
version: 1
goals:
  - metric: avg
    target: 8
    warn: 6
    target: 9
  - {metric: top, target: 50, warn: 40}
"""


def test_a_duplicate_key_is_the_only_error_and_the_first_value_is_kept(make_project, validate):
    root = make_project({"specs.yaml": SPECS, "goals.yaml": GOALS, "r.csv": "id,t,score\n"})
    found = [(d.code, d.file, d.line, d.column) for d in validate(root).diagnostics]
    assert found == [("CX002", "goals.yaml", 6, 5)]
    assert validate(root).project.goals["avg"].target == 8


def test_a_duplicate_key_leaves_the_document_readable():
    document = load_bytes(b"a: 1\nb: 2\na: 3\n")
    assert document.data == {"a": 1, "b": 2}
    ((code, line, column),) = [(p.code, p.line, p.column) for p in document.problems]
    assert (code, line, column) == ("CX002", 3, 1)


def test_unknown_references_name_the_file_that_could_not_be_read(make_project, validate):
    metrics = SPECS.split("metrics:")[1].split("pyramids:")[0]
    broken = "version: 1\nmetrics:" + metrics + "  - {id: broken, [\n"
    specs = SPECS.replace("metrics:" + metrics, "")
    root = make_project({"specs.yaml": specs, "metrics.yaml": broken, "r.csv": "id,t,score\n"})
    diagnostics = validate(root).diagnostics
    assert [d.code for d in diagnostics if d.file == "metrics.yaml"] == ["CX001"]
    unknown = [d for d in diagnostics if d.code == "CX202"]
    assert unknown  # the pyramid's leaves: every problem is still reported
    for d in unknown:
        assert d.hint.endswith("metrics.yaml could not be read (see its error) and may define it"), d.hint
