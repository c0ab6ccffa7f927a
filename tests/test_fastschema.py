"""The compiled fast path may only say "valid" where jsonschema finds no error."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from cxspec.fastschema import NotCompilable, compile_schema
from cxspec.registry import build_registry
from cxspec.schema import item_schema, project_schema
from cxspec.schema_check import SpecValidator

#: The built-in types: a plugin's schema may use keywords the fast path leaves to jsonschema.
REGISTRY = build_registry(external=False)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([-1, 0, 1, 2, 3, 9, 10, 11, 100, 101]),  # boundaries of the schemas' ranges
    st.sampled_from([-0.5, 0.0, 0.5, 1.0, 1.5, 99.5]),
    st.sampled_from(["", "x", "nps", "csat", "web", "a-b", "Bad Id", "0abc", "month", "lower_is_better",
                     "perception", "@acme/cx", "cx@acme.example", "2026-01-31", "bounds", "goal"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
        ["id", "name", "expr", "metric", "children", "weight", "pyramid", "bounds"]), inner, max_size=3)),
    max_leaves=6,
)
FIELDS = sorted({
    "id", "type", "name", "source", "column", "scale", "top_box", "aggregate", "condition", "percentile",
    "numerator", "denominator", "expr", "filter", "touchpoint", "category", "owner", "tracked_by",
    "direction", "unit", "min_sample", "version", "tags", "path", "table", "query", "time", "entity",
    "key", "keep", "start", "end", "dimensions", "format", "delimiter", "bogus",
})


def agree(schema, instance):
    fast = compile_schema(schema)
    if fast(instance):
        errors = list(Draft202012Validator(schema).iter_errors(instance))
        assert errors == [], (instance, errors)


VALID_FIELD_VALUES = {
    "id": "m1", "source": "responses", "column": "score", "condition": "resolved", "percentile": 0.9,
    "numerator": "a", "denominator": "b", "expr": "a - b", "path": "data/x.csv", "table": "s.t",
    "query": "SELECT 1",
}


def valid_item(kind: str, type_name: str) -> dict:
    schema = item_schema(kind, (REGISTRY.metric_types if kind == "metric" else REGISTRY.source_types)[type_name])
    return {name: VALID_FIELD_VALUES.get(name, type_name) for name in schema["required"]}


def mutated(kind: str, names):
    """A valid item of a random type with one or two of its own fields (or a stray one) changed."""

    def for_type(type_name):
        types = REGISTRY.metric_types if kind == "metric" else REGISTRY.source_types
        own = sorted(item_schema(kind, types[type_name])["properties"]) + ["bogus"]
        changes = st.dictionaries(st.sampled_from(own), st.one_of(scalars, values), min_size=1, max_size=2)
        return changes.map(lambda c: (type_name, {**valid_item(kind, type_name), **c}))

    return st.sampled_from(names).flatmap(for_type)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated("metric", sorted(REGISTRY.metric_types)))
def test_metric_items(case):
    type_name, item = case
    agree(item_schema("metric", REGISTRY.metric_types[type_name]), item)


@settings(max_examples=300, deadline=None)
@given(case=mutated("source", sorted(REGISTRY.source_types)))
def test_source_items(case):
    type_name, item = case
    agree(item_schema("source", REGISTRY.source_types[type_name]), item)


def test_valid_items_take_the_fast_path():
    for kind, names in (("metric", REGISTRY.metric_types), ("source", REGISTRY.source_types)):
        for type_name, type_obj in names.items():
            assert compile_schema(item_schema(kind, type_obj))(valid_item(kind, type_name)), type_name


@settings(max_examples=300, deadline=None)
@given(
    document=st.fixed_dictionaries(
        {"version": st.just(1)},
        optional={
            "owners": st.lists(st.dictionaries(st.sampled_from(["id", "name", "kind", "parent", "email",
                                                                "github"]), values, max_size=4), max_size=2),
            "goals": st.lists(st.dictionaries(st.sampled_from(["metric", "target", "warn", "due"]), values,
                                              max_size=4), max_size=2),
            "pyramids": st.lists(st.dictionaries(st.sampled_from(["id", "children", "normalize"]), values,
                                                 max_size=3), max_size=2),
            "journeys": st.lists(st.dictionaries(st.sampled_from(["id", "stages", "owner"]), values,
                                                 max_size=3), max_size=2),
        },
    )
)
def test_spec_file_shell(document):
    shell = SpecValidator(REGISTRY).shell
    if shell.fast(document):
        assert list(shell.validator.iter_errors(document)) == []


def test_every_internal_schema_compiles():
    validator = SpecValidator(REGISTRY)
    compile_schema(project_schema())
    for checked in [validator.shell, validator.project, *validator.items["metrics"].values(),
                    *validator.items["sources"].values()]:
        assert checked.fast({}) in (True, False)


def test_valid_pyramid_passes_fast():
    shell = SpecValidator(REGISTRY).shell
    doc = {"version": 1, "pyramids": [{"id": "cx", "children": [
        {"id": "g", "weight": 2, "children": [{"metric": "m", "bounds": [0, 10]}]}, {"pyramid": "other"}]}]}
    assert shell.fast(doc) is True
    assert shell.fast({"version": 1, "pyramids": [{"id": "cx", "children": [{"metric": "m", "pyramid": "p"}]}]}) \
        is False


def test_unknown_keywords_are_not_compiled():
    try:
        compile_schema({"allOf": [{"type": "string"}]})
    except NotCompilable:
        return
    raise AssertionError("allOf must not be compiled")


def test_repeated_tags_go_to_jsonschema():
    schema = item_schema("metric", REGISTRY.metric_types["nps"])
    item = {**valid_item("metric", "nps"), "tags": ["launch", "launch"]}
    assert compile_schema(schema)(item) is False
    assert list(Draft202012Validator(schema).iter_errors(item))


SEGMENT = {
    "anyOf": [{"type": "string", "minLength": 1}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
}


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(values, st.lists(scalars, max_size=3)))
def test_any_of_says_valid_only_where_jsonschema_does(value):
    agree(SEGMENT, value)
    agree({"type": "array", "items": SEGMENT}, value)


def test_a_project_with_segments_passes_fast():
    """cxspec.yaml's `segments:` (anyOf) must not send every valid project to jsonschema."""
    project = SpecValidator(REGISTRY).project
    assert project.fast({"version": 1, "project": "p", "segments": ["region", ["region", "channel"]]}) is True
    assert project.fast({"version": 1, "project": "p", "segments": [3]}) is False
