"""The composed JSON Schema is valid draft 2020-12, and says what `cxspec validate` says.

Editors check specs with the composed schema (if/then per type + unevaluatedProperties);
cxspec dispatches each metric and source item to its type's closed schema. For every built-in
type, both must accept and refuse the same items.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from cxspec.diagnostics import DiagnosticSink
from cxspec.registry import build_registry
from cxspec.schema import item_schema, project_schema, render, spec_schema
from cxspec.schema_check import SpecValidator
from cxspec.yamlread import load_bytes, parse

#: The built-in types only: plugins installed here (plugins/*) have tests of their own.
REGISTRY = build_registry(external=False)
REPO = Path(__file__).resolve().parent.parent
COMPOSED = Draft202012Validator(spec_schema(REGISTRY))
DISPATCH = SpecValidator(REGISTRY)


def test_composed_schemas_are_valid_draft_2020_12():
    Draft202012Validator.check_schema(spec_schema(REGISTRY))
    Draft202012Validator.check_schema(project_schema())
    for name in ("spec.schema.json", "cxspec.schema.json"):
        schema = json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_composed_schema_lists_every_type():
    defs = spec_schema(REGISTRY)["$defs"]
    assert defs["metric"]["properties"]["type"]["enum"] == sorted(REGISTRY.metric_types)
    assert defs["source"]["properties"]["type"]["enum"] == sorted(REGISTRY.source_types)
    assert len(defs["metric"]["allOf"]) == len(REGISTRY.metric_types)
    assert defs["metric"]["unevaluatedProperties"] is False


def test_render_is_stable():
    schema = spec_schema(REGISTRY)
    assert render(schema) == render(copy.deepcopy(schema))
    assert render(schema).endswith("}\n")


# -- what each side says about one item ------------------------------------------------------


def composed_ok(section: str, item: dict) -> bool:
    return not list(COMPOSED.iter_errors({"version": 1, section: [item]}))


def dispatch_ok(section: str, item: dict) -> bool:
    """What `cxspec validate` says, from YAML text as a user would write it (JSON is YAML)."""
    data = parse(json.dumps({"version": 1, section: [item]}))
    sink = DiagnosticSink()
    result = DISPATCH.check_spec_file(data, "spec.yaml", sink)
    assert bool(sink.items) == bool(result.invalid)
    return not sink.items


def valid_value(name: str, schema: dict):
    known = {
        "id": "item_1", "source": "responses", "column": "score", "condition": "resolved = 1",
        "filter": "channel = 'web'", "percentile": 0.9, "numerator": "nps", "denominator": "csat",
        "expr": "nps - csat", "taken": "2026-03-31", "path": "data/responses.csv", "table": "support.tickets",
        "query": "SELECT 1", "scale": [1, 5], "top_box": 2, "delimiter": ";", "columns": {"score": "integer"},
        "dimensions": ["channel", {"name": "touchpoint", "expr": "lower(touchpoint)"}],
        "lint": {"ignore": ["CXL002", "metric-without-owner"], "reason": "text"},
        "issues": {"alpha": 0.01, "consecutive_declines": 2, "significant_rise": False},
    }  # fmt: skip
    if name in known:
        return known[name]
    if "enum" in schema:
        return schema["enum"][-1]
    kind = schema.get("type")
    if kind == "string":
        return "text"
    if kind == "integer":
        return 3
    if kind == "number":
        return 0.5
    if kind == "boolean":
        return True
    if kind == "array":
        return ["a", "b"]
    raise AssertionError(f"no valid value for {name}: {schema}")


def invalid_values(schema: dict) -> list:
    if "enum" in schema:
        return ["not-one-of-them", 5]
    kind = schema.get("type")
    values = {"string": [5, None, ["x"]], "integer": ["3", 2.5, True], "number": ["0.5", True],
              "boolean": ["yes", 1], "array": ["x", {"a": 1}],
              "object": ["x", {}, {"ignore": []}, {"ignore": ["CXL002"], "bogus": 1}]}[kind]  # fmt: skip
    if kind == "string" and schema.get("minLength"):
        values.append("")
    if kind == "string" and "pattern" in schema:
        values.append("Not An Id!")
    if kind == "array" and "minItems" in schema:
        values.append([1])
    if kind == "array" and schema.get("uniqueItems"):
        values.append(["a", "a"])
    if kind == "integer" and "minimum" in schema:
        values.append(schema["minimum"] - 1)
    return values


def item_cases(kind: str, type_name: str):
    """(label, item, valid?) for one metric or source type."""
    types = REGISTRY.metric_types if kind == "metric" else REGISTRY.source_types
    schema = item_schema(kind, types[type_name])
    properties = schema["properties"]
    required = schema["required"]
    minimal = {
        name: type_name if name == "type" else valid_value(name, properties[name]) for name in required
    }
    full = dict(minimal)
    for name, field in properties.items():
        if name not in full:
            full[name] = valid_value(name, field)
    yield "minimal", minimal, True
    yield "all fields", full, True
    for name in required:
        if name != "type":
            yield f"without {name}", {k: v for k, v in minimal.items() if k != name}, False
    yield "without type", {k: v for k, v in minimal.items() if k != "type"}, False
    yield "unknown type", {**minimal, "type": "no_such_type"}, False
    yield "unknown key", {**minimal, "bogus": 1}, False
    foreign = sorted(
        {n for t in types.values() for n in item_schema(kind, t)["properties"]} - set(properties)
    )
    for name in foreign:  # a field of another type
        other = next(t for t in types.values() if name in item_schema(kind, t)["properties"])
        yield (
            f"foreign {name}",
            {**minimal, name: valid_value(name, item_schema(kind, other)["properties"][name])},
            False,
        )
    for name, field in properties.items():
        if name in ("type", "id"):
            continue
        for index, bad in enumerate(invalid_values(field)):
            yield f"bad {name} #{index}", {**minimal, name: bad}, False
    yield "bad id", {**minimal, "id": "Bad Id"}, False


CASES = [
    pytest.param(kind, label, item, valid, id=f"{kind}:{type_name}:{label}")
    for kind, types in (("metric", REGISTRY.metric_types), ("source", REGISTRY.source_types))
    for type_name in sorted(types)
    for label, item, valid in item_cases(kind, type_name)
]


@pytest.mark.parametrize(("kind", "label", "item", "valid"), CASES)
def test_editors_and_cxspec_agree(kind, label, item, valid):
    section = kind + "s"
    assert composed_ok(section, item) is valid, f"composed schema on {item}"
    assert dispatch_ok(section, item) is valid, f"cxspec on {item}"


def test_every_builtin_type_is_covered():
    covered = {(p.values[0], p.id.split(":")[1]) for p in CASES}
    expected = {("metric", t) for t in REGISTRY.metric_types} | {("source", t) for t in REGISTRY.source_types}
    assert covered == expected
    assert {"nps", "csat", "ces", "rate", "percentile", "ratio", "derived", "churn_rate"} <= set(
        REGISTRY.metric_types
    )


# -- whole documents ---------------------------------------------------------------------------

#: Every section, as in the product's example.
DOCUMENT = """\
version: 1
owners:
  - id: cx-office
    name: Customer Experience Office
    kind: team
    email: cx@acme.example
    github: "@acme/cx-office"
  - id: support-ops
    kind: team
    parent: cx-office
sources:
  - id: responses
    type: file
    path: data/survey_responses.csv
    time: responded_at
    entity: customer_id
    key: response_id
    keep: latest
    dimensions:
      - channel
      - name: touchpoint
        expr: "lower(trim(touchpoint))"
journeys:
  - id: new-customer
    owner: cx-office
    stages: [discover, buy, onboard]
touchpoints:
  - id: onboarding-call
    journey: new-customer
    stage: onboard
    intended: true
    match: "touchpoint = 'onboarding_call'"
metrics:
  - id: onboarding_nps
    type: nps
    source: responses
    column: nps_score
    touchpoint: onboarding-call
    category: perception
    owner: support-ops
    min_sample: 30
    version: 1
    tags: [onboarding]
goals:
  - metric: onboarding_nps
    target: 50
    warn: 40
    due: 2027-06-30
pyramids:
  - id: cx-index
    normalize: bounds
    children:
      - id: onboarding
        weight: 3
        children:
          - metric: onboarding_nps
            weight: 2
            bounds: [-100, 100]
"""


def both_say(document: dict) -> tuple[bool, bool]:
    sink = DiagnosticSink()
    DISPATCH.check_spec_file(parse(json.dumps(document)), "spec.yaml", sink)
    return not list(COMPOSED.iter_errors(document)), not sink.items


def plain(data):
    return json.loads(json.dumps(data))


def test_a_document_with_every_section_is_valid_for_both():
    assert both_say(plain(parse(DOCUMENT))) == (True, True)


def test_the_starter_project_is_valid_for_both():
    text = (resources.files("cxspec") / "starter" / "specs" / "programme.yaml").read_bytes()
    assert both_say(plain(load_bytes(text).data)) == (True, True)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("owners", 0, "kind"), "squad"),
        (("owners", 0, "email"), "cx-at-acme"),
        (("owners", 1, "parent"), "Support Ops"),
        (("journeys", 0, "stages"), []),
        (("touchpoints", 0, "intended"), "yes"),
        (("goals", 0, "target"), "30"),
        (("goals", 0, "due"), "30/06/2027"),
        (("pyramids", 0, "children", 0, "weight"), "2"),
        (("pyramids", 0, "children", 0, "metric"), "onboarding_nps"),  # a group and a leaf at once
        (("pyramids", 0, "children", 0, "children", 0, "bounds"), [0]),
        (("pyramids", 0, "normalize"), "goals"),
        (("metrics", 0, "category"), "cx"),
        (("sources", 0, "keep"), "newest"),
        (("sources", 0, "dimensions", 1, "name"), "2nd"),
        (("sources", 0, "extra"), 1),
        (("extra",), []),
    ],
)
def test_both_refuse_a_broken_document(path, value):
    document = plain(parse(DOCUMENT))
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    assert both_say(document) == (False, False)


def test_project_schema_agrees_with_cxspec_yaml_checks():
    validator = Draft202012Validator(project_schema())
    for text, ok in [
        ("version: 1\nproject: acme\n", True),
        ("version: 1\nproject: acme\ngrain: week\ndialect: postgres\npaths: [specs]\n", True),
        ("version: 1\nproject: acme\ngrain: fortnight\n", False),
        ("version: 1\nproject: Acme Corp\n", False),
        ("version: 1\n", False),
        ("version: 1\nproject: acme\nwarehose: x\n", False),
        ("version: 1\nproject: acme\npaths: []\n", False),
    ]:
        data = parse(text)
        sink = DiagnosticSink()
        DISPATCH.check_project_file(data, "cxspec.yaml", sink)
        assert (not sink.items) is ok, text
        assert (not list(validator.iter_errors(json.loads(json.dumps(data))))) is ok, text
