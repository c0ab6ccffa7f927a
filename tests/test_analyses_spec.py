"""The `drivers:` and `links:` sections: schema, references and sense checks, each a located
diagnostic with its code (CX202, CX301–CX316, fragments CX5xx)."""

from __future__ import annotations

import pytest

SOURCES = """\
version: 1
sources:
  - {id: responses, type: file, path: data/r.csv, time: at, entity: customer_id, key: id}
  - {id: subscriptions, type: file, path: data/s.csv, entity: customer_id, start: started_at}
  - {id: plain, type: file, path: data/p.csv}
"""

CASES = {
    "unknown source": ("drivers:\n  - {id: a, source: nope, outcome: y, drivers: [{name: x, column: x}]}\n", "CX202", 7),
    "duplicate driver": (
        "drivers:\n  - id: a\n    source: responses\n    outcome: y\n    drivers:\n"
        "      - {name: x, column: x1}\n      - {name: x, column: x2}\n", "CX313", 12),
    "driver is the outcome": (
        "drivers:\n  - {id: a, source: responses, outcome: y, drivers: [{name: x, column: y}]}\n", "CX316", 7),
    "driver expression": (
        "drivers:\n  - {id: a, source: responses, outcome: y, drivers: [{name: x, expr: 'a +'}]}\n", "CX501", 7),
    "driver with column and expr": (
        "drivers:\n  - {id: a, source: responses, outcome: y, drivers: [{name: x, column: a, expr: b}]}\n",
        "CX1", 7),
    "unknown method": (
        "drivers:\n  - {id: a, source: responses, outcome: y, method: ridge, drivers: [{name: x, column: a}]}\n",
        "CX1", 7),
    "link outcome without end": (
        "links:\n  - id: l\n    cx: {source: responses, column: nps, groups: nps}\n"
        "    outcome: {source: subscriptions, event: end, within: 90d}\n", "CX314", 9),
    "link cx source without time": (
        "links:\n  - id: l\n    cx: {source: plain, column: nps, groups: nps}\n"
        "    outcome: {source: subscriptions, event: start, within: 90d}\n", "CX314", 8),
    "top box without scale": (
        "links:\n  - id: l\n    cx: {source: responses, column: csat, groups: top_box}\n"
        "    outcome: {source: subscriptions, event: start, within: 90d}\n", "CX315", 8),
    "top box leaves no rest": (
        "links:\n  - id: l\n    cx: {source: responses, column: csat, groups: top_box, scale: [1, 2], top_box: 2}\n"
        "    outcome: {source: subscriptions, event: start, within: 90d}\n", "CX302", 8),
    "bad window": (
        "links:\n  - id: l\n    cx: {source: responses, column: nps, groups: nps}\n"
        "    outcome: {source: subscriptions, event: start, within: 90 days}\n", "CX1", 9),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_mistake_is_located_with_its_code(make_project, validate, case):
    text, code, line = CASES[case]
    root = make_project({"specs/a.yaml": SOURCES + text})
    found = [d for d in validate(root).diagnostics if d.code.startswith(code)]
    assert found, (case, validate(root).diagnostics)
    assert found[0].file == "specs/a.yaml" and found[0].line == line, found[0]


def test_a_valid_drivers_and_links_file_is_clean(make_project, validate):
    root = make_project({"specs/a.yaml": SOURCES + (
        "drivers:\n  - id: a\n    source: responses\n    outcome: y\n    min_sample: 50\n    drivers:\n"
        "      - {name: x, column: x1, scale: [1, 5]}\n      - {name: v, expr: '(x2 + x3) / 2'}\n"
        "links:\n  - id: l\n    cx: {source: responses, column: nps, groups: {quantiles: 4}}\n"
        "    outcome: {source: subscriptions, event: start, within: 12w}\n"
    )})  # fmt: skip
    assert [d for d in validate(root).diagnostics if d.severity.value == "error"] == []
