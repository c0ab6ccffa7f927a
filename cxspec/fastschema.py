"""A compiled fast path for the JSON Schema keywords cxspec's schemas use.

jsonschema stays the reference: it produces every error message. This module only answers
"certainly valid" quickly for the common case (most items in a project are valid), and is
conservative: whenever it is not sure it answers False and jsonschema decides. So
`compile_schema(s)(x) is True` must imply `jsonschema` finds no error in `x` — a property
test keeps that true. It exists because jsonschema checking every item is most of the
schema step of a large project (figures in docs/design.md, "Per-type schema dispatch").
"""

from __future__ import annotations

import re
from collections.abc import Callable

Check = Callable[[object], bool]

_IGNORED = {"$schema", "$id", "title", "description", "format", "$comment", "default", "examples", "$defs"}


class NotCompilable(Exception):
    """The schema uses a keyword this fast path does not handle."""


def _is_int(x) -> bool:
    return type(x) is int


def _is_number(x) -> bool:
    return type(x) is int or type(x) is float


_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "integer": _is_int,
    "number": _is_number,
    "boolean": lambda x: type(x) is bool,
    "null": lambda x: x is None,
}


def compile_schema(schema, root: dict | None = None) -> Check:
    """A predicate that is True only for instances jsonschema accepts."""
    return _Compiler(root if root is not None else schema).compile(schema)


class _Compiler:
    def __init__(self, root: dict):
        self.root = root
        self.refs: dict[str, Check] = {}

    def compile(self, schema) -> Check:
        if schema is True or schema == {}:
            return lambda x: True
        if schema is False:
            return lambda x: False
        if not isinstance(schema, dict):
            raise NotCompilable(repr(schema))
        checks: list[Check] = []
        for keyword, value in schema.items():
            if keyword in _IGNORED:
                continue
            builder = getattr(self, "k_" + keyword.replace("$", ""), None)
            if builder is None:
                raise NotCompilable(keyword)
            built = builder(value, schema)
            if built is not None:
                checks.append(built)
        if len(checks) == 1:
            return checks[0]
        return lambda x: all(check(x) for check in checks)

    # -- keywords ---------------------------------------------------------------------

    def k_ref(self, value, schema) -> Check:
        if not value.startswith("#/$defs/"):
            raise NotCompilable(value)
        name = value[len("#/$defs/") :]
        target = self.root.get("$defs", {}).get(name)
        if target is None:
            raise NotCompilable(value)
        if name not in self.refs:
            self.refs[name] = lambda x: False  # placeholder while compiling recursive refs
            compiled = self.compile(target)
            self.refs[name] = compiled
        refs = self.refs
        return lambda x: refs[name](x)

    def k_type(self, value, schema) -> Check:
        if isinstance(value, str):
            return _TYPES[value]
        checks = [_TYPES[t] for t in value]
        return lambda x: any(c(x) for c in checks)

    def k_enum(self, value, schema) -> Check:
        if not all(isinstance(v, str) for v in value):
            raise NotCompilable("enum of non-strings")
        allowed = frozenset(value)
        return lambda x: isinstance(x, str) and x in allowed

    def k_const(self, value, schema) -> Check:
        if isinstance(value, str):
            return lambda x: isinstance(x, str) and x == value
        if type(value) is int:
            return lambda x: type(x) is int and x == value
        raise NotCompilable("const")

    def k_pattern(self, value, schema) -> Check:
        # Compiled on first use: a project uses few of the schema's patterns (start-up).
        search = None

        def matches(x) -> bool:
            nonlocal search
            if not isinstance(x, str):
                return True
            if search is None:
                try:
                    search = re.compile(value).search
                except re.error:  # not Python's regex syntax: jsonschema decides
                    return False
            return search(x) is not None

        return matches

    def _bound(self, compare) -> Check:
        return lambda x: not _is_number(x) or compare(x)

    def k_minimum(self, value, schema):
        return self._bound(lambda x: x >= value)

    def k_maximum(self, value, schema):
        return self._bound(lambda x: x <= value)

    def k_exclusiveMinimum(self, value, schema):
        return self._bound(lambda x: x > value)

    def k_exclusiveMaximum(self, value, schema):
        return self._bound(lambda x: x < value)

    def k_minLength(self, value, schema):
        return lambda x: not isinstance(x, str) or len(x) >= value

    def k_maxLength(self, value, schema):
        return lambda x: not isinstance(x, str) or len(x) <= value

    def k_minItems(self, value, schema):
        return lambda x: not isinstance(x, list) or len(x) >= value

    def k_maxItems(self, value, schema):
        return lambda x: not isinstance(x, list) or len(x) <= value

    def k_uniqueItems(self, value, schema):
        if not value:
            return None

        def unique(x) -> bool:
            if not isinstance(x, list):
                return True
            # Only strings are compared here; anything else goes to jsonschema.
            return all(isinstance(i, str) for i in x) and len(set(x)) == len(x)

        return unique

    def k_items(self, value, schema) -> Check:
        check = self.compile(value)
        return lambda x: not isinstance(x, list) or all(check(i) for i in x)

    def k_required(self, value, schema) -> Check:
        names = tuple(value)
        return lambda x: not isinstance(x, dict) or all(n in x for n in names)

    def k_dependentRequired(self, value, schema) -> Check:
        pairs = [(k, tuple(v)) for k, v in value.items()]
        return lambda x: (
            not isinstance(x, dict) or all(all(n in x for n in needs) for k, needs in pairs if k in x)
        )

    def k_properties(self, value, schema) -> Check:
        checks = {name: self.compile(sub) for name, sub in value.items()}

        def properties(x) -> bool:
            if not isinstance(x, dict):
                return True
            for key, item in x.items():
                check = checks.get(key)
                if check is not None and not check(item):
                    return False
            return True

        return properties

    def k_additionalProperties(self, value, schema) -> Check:
        if "patternProperties" in schema or not (value is False or isinstance(value, dict)):
            raise NotCompilable("additionalProperties")
        allowed = frozenset(schema.get("properties", {}))
        if value is False:
            return lambda x: not isinstance(x, dict) or all(isinstance(k, str) and k in allowed for k in x)
        extra = self.compile(value)  # a map: keys outside `properties` hold values of this schema
        return lambda x: not isinstance(x, dict) or all(k in allowed or extra(v) for k, v in x.items())

    def k_minProperties(self, value, schema) -> Check:
        return lambda x: not isinstance(x, dict) or len(x) >= value

    def k_propertyNames(self, value, schema) -> Check:
        check = self.compile(value)
        return lambda x: not isinstance(x, dict) or all(isinstance(k, str) and check(k) for k in x)

    def k_anyOf(self, value, schema) -> Check:
        # Sound as it is: a branch whose fast check passes is a branch jsonschema passes.
        checks = [self.compile(sub) for sub in value]
        return lambda x: any(c(x) for c in checks)

    def k_oneOf(self, value, schema) -> Check:
        # Counting passing branches is only sound when the fast checks cannot miss a branch
        # that jsonschema would pass: branches that are bare `required` lists (exact), or
        # branches with pairwise different `type`s (at most one can hold at all).
        bare = all(set(b) == {"required"} for b in value)
        types = [b.get("type") for b in value]
        disjoint = all(isinstance(t, str) for t in types) and len(set(types)) == len(types)
        if not (bare or disjoint):
            raise NotCompilable("oneOf")
        checks = [self.compile(sub) for sub in value]
        return lambda x: sum(1 for c in checks if c(x)) == 1
