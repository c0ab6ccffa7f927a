"""Apply the JSON Schema to loaded YAML and turn its errors into located diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from cxspec.diagnostics import DiagnosticSink, Location
from cxspec.fastschema import NotCompilable, compile_schema
from cxspec.known_plugins import install_hint
from cxspec.locations import locate_path
from cxspec.model import SECTIONS
from cxspec.schema import SPEC_VERSIONS, defs, item_schema, project_schema
from cxspec.suggest import did_you_mean, known_list
from cxspec.yamlread import YamlMap, YamlSeq

if TYPE_CHECKING:  # the registry is passed in: importing it would tie this module to the plugins
    from jsonschema.exceptions import ValidationError

    from cxspec.registry import Registry

_JSON_TYPES = {
    dict: "a mapping", YamlMap: "a mapping", list: "a list", YamlSeq: "a list", str: "a string",
    int: "an integer", float: "a number", bool: "true/false", type(None): "nothing (null)",
}  # fmt: skip
_TYPE_WORDS = {
    "object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
    "number": "a number", "boolean": "true or false", "null": "null",
}  # fmt: skip
#: Hints for fields whose format people get wrong.
FIELD_HINTS = {
    "scale": "a scale is [low, high], e.g. [0, 10]",
    "bounds": "bounds are [low, high], e.g. [0, 1800]",
    "due": "a date as YYYY-MM-DD",
    "taken": "a date as YYYY-MM-DD",
    "github": "a handle such as @acme/cx-office or @jane",
    "email": "an address such as cx@acme.example",
    "stages": "a list of stage ids, e.g. [discover, buy, onboard]",
    "table": "schema.table, or just table",
}


def _describe(value) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _subject(root, path) -> str:
    """Words for what a path points into: "metric 'nps_web'", "owners[2]"."""
    path = list(path)
    if len(path) >= 2 and path[0] in SECTIONS and isinstance(path[1], int):
        item = root[path[0]][path[1]]
        singular = SECTIONS[path[0]][1]
        label = item.get("id") or item.get("metric") if isinstance(item, dict) else None
        subject = f"{singular} {label!r}" if isinstance(label, str) else f"{path[0]}[{path[1]}]"
        rest = [p for p in path[2:]]
        if rest:
            subject += ", " + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest).lstrip(".")
        return subject
    return ".".join(str(p) for p in path) or "the file"


class _Checked:
    """jsonschema behind the compiled fast path: errors only come from jsonschema.

    Both are made on first use: a project checks few of the registered types, and most
    projects are valid, so jsonschema is seldom imported at all (tests/test_startup.py).
    """

    def __init__(self, schema: dict):
        self.schema = schema

    @cached_property
    def fast(self):
        try:
            return compile_schema(self.schema)
        except NotCompilable:  # a plugin's schema with keywords the fast path lacks
            return _never

    @cached_property
    def validator(self):
        from jsonschema import Draft202012Validator

        return Draft202012Validator(self.schema)

    def iter_errors(self, instance):
        if self.fast(instance):
            return iter(())
        return self.validator.iter_errors(instance)


def _never(instance) -> bool:
    return False


@dataclass
class SchemaResult:
    """What the schema check found."""

    #: (section, index) of items that broke the schema.
    invalid: set = field(default_factory=set)


class SpecValidator:
    """Validates spec files and cxspec.yaml against the composed schema."""

    def __init__(self, registry: Registry):
        self.registry = registry
        all_defs = defs(registry)
        open_item = {"type": "object"}
        shell_defs = dict(all_defs, metric=open_item, source=open_item)
        shell = {
            "type": "object",
            "required": ["version"],
            "properties": {
                "version": {},
                **{
                    s: {"type": "array", "items": {"$ref": f"#/$defs/{d}"}}
                    for s, d in (
                        ("owners", "owner"),
                        ("sources", "source"),
                        ("journeys", "journey"),
                        ("touchpoints", "touchpoint"),
                        ("metrics", "metric"),
                        ("goals", "goal"),
                        ("pyramids", "pyramid"),
                        ("drivers", "drivers_analysis"),
                        ("links", "link"),
                    )
                },
            },
            "additionalProperties": False,
            "$defs": shell_defs,
        }
        self.shell = _Checked(shell)
        self.project = _Checked(project_schema())
        self.items = {
            "metrics": {n: _Checked(item_schema("metric", t)) for n, t in registry.metric_types.items()},
            "sources": {n: _Checked(item_schema("source", t)) for n, t in registry.source_types.items()},
        }

    # -- entry points -------------------------------------------------------------------

    def check_project_file(self, data, file: str, sink: DiagnosticSink) -> bool:
        if not self._check_version(data, file, sink):
            return False
        errors = []
        for error in self.project.iter_errors(data):  # lazily: stop when the file is full
            errors.append(error)
            self._report(error, data, [], file, sink)
            if sink.full(file):
                break
        return not errors

    def check_spec_file(self, data, file: str, sink: DiagnosticSink) -> SchemaResult:
        result = SchemaResult()
        if not self._check_version(data, file, sink):
            result.invalid.add("*")
            return result
        for error in self.shell.iter_errors(data):
            self._report(error, data, [], file, sink)
            path = list(error.absolute_path)
            if len(path) >= 2:
                result.invalid.add((path[0], path[1]))
            elif path:
                result.invalid.add((path[0], "*"))
            if sink.full(file):  # iter_errors is lazy: the rest is never computed
                break
        for section in ("metrics", "sources"):
            items = data.get(section)
            if not isinstance(items, list) or sink.full(file):
                continue
            for index, item in enumerate(items):
                if isinstance(item, dict) and not self._check_typed(section, index, item, data, file, sink):
                    result.invalid.add((section, index))
                if sink.full(file):
                    break
        if sink.full(file):
            result.invalid.add("*")  # a file this broken is not built into the project
        return result

    # -- helpers --------------------------------------------------------------------------

    def _check_version(self, data, file: str, sink: DiagnosticSink) -> bool:
        if not isinstance(data, YamlMap):
            sink.add(
                "CX010",
                f"expected a mapping of sections, found {_describe(data)}",
                locate_path(file, data, []),
                hint="a spec file starts with `version: 1`",
            )
            return False
        if "version" not in data:
            sink.add(
                "CX007",
                "`version` is missing",
                Location(file, *data.pos),
                hint="add `version: 1` as the first line",
            )
            return False
        if data["version"] not in SPEC_VERSIONS or isinstance(data["version"], bool):
            sink.add(
                "CX008",
                f"spec language version {data['version']!r} is not supported",
                locate_path(file, data, ["version"]),
                hint=f"this cxspec reads version {', '.join(map(str, SPEC_VERSIONS))}",
            )
            return False
        return True

    def _check_typed(self, section, index, item, root, file, sink) -> bool:
        validators = self.items[section]
        kind = "metric" if section == "metrics" else "source"
        type_name = item.get("type")
        base = [section, index]
        if "type" not in item:
            label = item.get("id")
            sink.add(
                "CX102",
                f"{kind} {label!r} has no `type`"
                if isinstance(label, str)
                else f"{section}[{index}] has no `type`",
                locate_path(file, root, base),
                hint=f"one of: {known_list(validators)}",
            )
            return False
        if not isinstance(type_name, str) or type_name not in validators:
            # A first-party plugin's type names its package; a typo of an installed one, the fix.
            hint = (
                install_hint(f"{kind} type", type_name, self.registry)
                or did_you_mean(type_name, validators)
                or (
                    f"no installed plugin provides {kind} type {type_name!r}; "
                    f"install the one that does, or use one of: {known_list(validators)}"
                )
            )
            sink.add(
                "CX107",
                f"unknown {kind} type {type_name!r}",
                locate_path(file, root, [*base, "type"]),
                hint=hint,
            )
            return False
        errors = list(validators[type_name].iter_errors(item))
        for error in errors:
            self._report(error, root, base, file, sink, type_name=type_name)
        return not errors

    def _report(self, error: ValidationError, root, base, file, sink, *, type_name=None) -> None:
        path = [*base, *error.absolute_path]
        keyword = error.validator
        instance = error.instance
        subject = _subject(root, path)
        where = locate_path(file, root, path)
        last = path[-1] if path else None
        hint = FIELD_HINTS.get(last) if isinstance(last, str) else None
        if keyword == "additionalProperties" and isinstance(instance, dict):
            allowed = list(error.schema.get("properties", {}))
            for key in instance:
                if key in allowed:
                    continue
                if sink.full(file):
                    return
                suggestion = did_you_mean(key, allowed)
                of_type = f" of type {type_name!r}" if type_name and len(path) == len(base) else ""
                sink.add(
                    "CX101",
                    f"unknown key {key!r} in {subject}{of_type}",
                    locate_path(file, root, [*path, key], key=True),
                    hint=suggestion or f"allowed here: {known_list(allowed, 12)}",
                    span=len(str(key)),
                )
            return
        if keyword in ("required", "dependentRequired") and isinstance(instance, dict):
            wanted = error.validator_value
            if keyword == "dependentRequired":
                wanted = [r for k, reqs in wanted.items() if k in instance for r in reqs]
            for name in wanted:
                if name not in instance:
                    sink.add("CX102", f"{subject} is missing `{name}`", where, hint=FIELD_HINTS.get(name))
            return
        if keyword == "type":
            expected = error.validator_value
            expected = [expected] if isinstance(expected, str) else expected
            words = " or ".join(_TYPE_WORDS.get(t, t) for t in expected)
            sink.add("CX103", f"{subject} should be {words}, not {_describe(instance)}", where, hint=hint)
            return
        if keyword in ("enum", "const"):
            allowed = error.validator_value if keyword == "enum" else [error.validator_value]
            suggestion = did_you_mean(instance, allowed) if isinstance(instance, str) else None
            sink.add(
                "CX104",
                f"{subject} is {instance!r}, not one of: {known_list(allowed, 12)}",
                where,
                hint=suggestion,
            )
            return
        if (
            keyword == "pattern"
            and last == "id"
            or (keyword == "pattern" and error.validator_value == "^[a-z][a-z0-9_-]*$")
        ):
            fixed = _id_like(instance) if isinstance(instance, str) else None
            sink.add(
                "CX105",
                f"{subject} is {instance!r}, not a valid id",
                where,
                hint=(
                    f"ids are lower case letters, digits, _ and -: try {fixed!r}"
                    if fixed
                    else "ids are lower case letters, digits, _ and -"
                ),
            )
            return
        if keyword in (
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "minItems",
            "maxItems",
            "minLength",
            "maxLength",
            "uniqueItems",
        ):
            sink.add(
                "CX106",
                f"{subject}: {_range_words(keyword, error.validator_value, instance)}",
                where,
                hint=hint,
            )
            return
        if keyword == "oneOf" and last == "dimensions" or (len(path) >= 2 and path[-2] == "dimensions"):
            sink.add(
                "CX100",
                f"{subject} should be a column name or a mapping with `name` and `expr`",
                where,
                hint='e.g. channel, or {name: touchpoint, expr: "lower(touchpoint)"}',
            )
            return
        if keyword == "oneOf" and isinstance(instance, dict):
            # Branches that each require one field (a pyramid node; a driver's column or expr).
            branches = error.validator_value
            choices = [b["required"][0] for b in branches if isinstance(b, dict) and list(b) == ["required"]]
            objects = [i for i, b in enumerate(branches) if isinstance(b, dict) and b.get("type") == "object"]
            if len(choices) != len(branches) and len(objects) == 1:
                # one branch is a mapping (a link's `groups: {quantiles: 4}`): what is wrong in it
                inner = [e for e in error.context if e.schema_path and e.schema_path[0] == objects[0]]
                for sub in inner:
                    self._report(sub, root, base, file, sink, type_name=type_name)
                if inner:
                    return
            if len(choices) != len(branches):
                choices = ["children", "metric", "pyramid"]
            present = [k for k in choices if k in instance]
            node = choices == ["children", "metric", "pyramid"]
            sink.add(
                "CX100",
                f"{subject} has {' and '.join(f'`{k}`' for k in present) or 'none'} "
                f"of {', '.join(f'`{k}`' for k in choices)}: "
                + ("a node has exactly one" if node else "give exactly one"),
                where,
                hint="a group has children, a leaf names a metric or a pyramid" if node else None,
            )
            return
        if keyword == "pattern":
            sink.add(
                "CX100",
                f"{subject} is {instance!r}, which has the wrong form",
                where,
                hint=hint or f"expected the pattern {error.validator_value}",
            )
            return
        sink.add("CX100", f"{subject}: {error.message}", where, hint=hint)


def _id_like(text: str) -> str | None:
    import re

    fixed = re.sub(r"[^a-z0-9_-]+", "_", text.strip().lower()).strip("_")
    if fixed and not fixed[0].isalpha():
        fixed = "m_" + fixed
    return fixed or None


def _range_words(keyword: str, bound, instance) -> str:
    return {
        "minimum": f"{instance!r} is below the minimum {bound}",
        "maximum": f"{instance!r} is above the maximum {bound}",
        "exclusiveMinimum": f"{instance!r} must be greater than {bound}",
        "exclusiveMaximum": f"{instance!r} must be less than {bound}",
        "minItems": f"needs at least {bound} item{'s' if bound != 1 else ''}",
        "maxItems": f"takes at most {bound} item{'s' if bound != 1 else ''}",
        "minLength": "must not be empty" if bound == 1 else f"needs at least {bound} characters",
        "maxLength": f"is longer than {bound} characters",
        "uniqueItems": "lists the same item twice",
    }[keyword]
