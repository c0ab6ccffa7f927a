"""The compiled fast path may only say "valid" where jsonschema finds no error."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from cxspec.fastschema import NotCompilable, compile_schema
from cxspec.registry import default_registry
from cxspec.schema import item_schema, project_schema
from cxspec.schema_check import SpecValidator

REGISTRY = default_registry()

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 200),
    st.floats(-2, 200, allow_nan=False),
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


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    type_name=st.sampled_from(sorted(REGISTRY.metric_types)),
    item=st.dictionaries(st.sampled_from(FIELDS), values, max_size=8),
)
def test_metric_items(type_name, item):
    agree(item_schema("metric", REGISTRY.metric_types[type_name]), item)


@settings(max_examples=200, deadline=None)
@given(
    type_name=st.sampled_from(sorted(REGISTRY.source_types)),
    item=st.dictionaries(st.sampled_from(FIELDS), values, max_size=8),
)
def test_source_items(type_name, item):
    agree(item_schema("source", REGISTRY.source_types[type_name]), item)


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
