"""Flatten what the plugins register into name → instance maps.

Each plugin's hooks are called one plugin at a time, and everything a plugin returns is
checked before any of it is used: a hook that raises, returns something that is not a list
of the documented classes, or a type whose JSON Schema fragment is not valid JSON Schema
makes the plugin *broken*. A broken plugin is left out whole (half a plugin would be worse
than none), recorded in ``Registry.broken`` with the reason, and named in a one-line
warning on stderr; every other plugin keeps working.

Two plugins registering the same name (a metric type, a URL scheme…) is a *conflict*:
which one computes the numbers would be an accident of install order, so the commands
refuse to run (exit 1, the message names both and how to disable one), except
`cxspec plugins`, which shows it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import lru_cache

from cxspec.diagnostics import PluginError
from cxspec.lint_rule import LintRule
from cxspec.metric_type import MetricType
from cxspec.issue_rule import IssueRule
from cxspec.output import Output
from cxspec.plugins import DISABLE_VARIABLE, PluginInfo, get_plugin_manager
from cxspec.source_type import SourceType


@dataclass
class Registry:
    """Everything the plugins register, by name."""

    metric_types: dict[str, MetricType] = field(default_factory=dict)
    source_types: dict[str, SourceType] = field(default_factory=dict)
    sql_functions: frozenset[str] = frozenset()
    #: Report formats and exporters, by name.
    outputs: dict[str, Output] = field(default_factory=dict)
    #: Lint rules, by name.
    lint_rules: dict[str, LintRule] = field(default_factory=dict)
    #: Issue rules (more kinds of CX issues), by name.
    issue_rules: dict[str, IssueRule] = field(default_factory=dict)
    #: URL scheme → warehouse class (instantiated per connection, unlike the types).
    warehouses: dict[str, type] = field(default_factory=dict)
    #: Which plugin registered each name, for messages: ("metric type", "nps") → plugin name;
    #: warehouses by scheme: ("warehouse", "duckdb").
    provided_by: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Plugins that failed to load or returned something unusable: name → reason.
    broken: dict[str, str] = field(default_factory=dict)
    #: Every plugin found (loaded, broken or disabled), by name.
    plugins: dict[str, PluginInfo] = field(default_factory=dict)
    #: SQL function names each plugin adds to the allow-list.
    sql_functions_by_plugin: dict[str, list[str]] = field(default_factory=dict)
    #: Names registered by two plugins: one message each.
    conflicts: list[str] = field(default_factory=list)
    #: ``cxspec_after_run`` implementations: (plugin name, function, argument names), in load order.
    after_run: list[tuple] = field(default_factory=list)

    def plugin_label(self, plugin_name: str) -> str:
        """'cxspec-spark 0.1.0 (spark)' for messages; the name alone for built-ins and tests."""
        info = self.plugins.get(plugin_name)
        if info is None or info.builtin or not info.distribution:
            return repr(plugin_name)
        version = f" {info.version}" if info.version else ""
        return f"{plugin_name!r} ({info.distribution}{version})"


#: hook → (the kind of thing it registers, the base class, the attributes each must set).
REGISTER_HOOKS = {
    "cxspec_register_metric_types": ("metric type", MetricType, ("name",)),
    "cxspec_register_source_types": ("source type", SourceType, ("name",)),
    "cxspec_register_warehouses": ("warehouse", None, ("name", "schemes", "dialect")),
    "cxspec_register_outputs": ("output", Output, ("name",)),
    "cxspec_register_lint_rules": ("lint rule", LintRule, ("name", "code")),
    "cxspec_register_issue_rules": ("issue rule", IssueRule, ("name", "kind")),
}


#: Class attributes with a fixed set of values, per kind.
CHOICES = {
    "output": {"kind": ("report", "export")},
    "lint rule": {"default_severity": ("error", "warning", "info")},
    "issue rule": {"severity": ("error", "warning", "info")},
    "metric type": {"shape": ("measures", "rows", "spine", "metrics")},
}


#: Hooks that register nothing: kept to be called when their moment comes.
CALLED_LATER = ("cxspec_after_run",)


class Unusable(Exception):
    """What a plugin's hook returned cannot be used; the message says why."""


def _call(impl, hook_name: str):
    try:
        result = impl.function()
    except (Exception, SystemExit) as exc:  # sys.exit() in a plugin is a bug of the plugin
        raise Unusable(f"{hook_name} raised {type(exc).__name__}: {exc}") from None
    if result is None:
        return []
    if not isinstance(result, (list, tuple)):
        raise Unusable(f"{hook_name} returned {type(result).__name__} {result!r:.60}, not a list")
    return list(result)


def _checked_class(cls, hook_name: str, kind: str, base: type, attributes: tuple[str, ...]) -> type:
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise Unusable(f"{hook_name} returned {cls!r:.60}, not a {base.__module__}.{base.__name__} subclass")
    for attribute in attributes:
        value = getattr(cls, attribute, None)
        if attribute == "schemes":
            ok = isinstance(value, (list, tuple)) and value and all(isinstance(s, str) and s for s in value)
        else:
            ok = isinstance(value, str) and value
        if not ok:
            raise Unusable(f"{kind} {cls.__name__} has no valid `{attribute}` ({value!r:.40})")
    for attribute, allowed in CHOICES.get(kind, {}).items():
        if getattr(cls, attribute, None) not in allowed:
            raise Unusable(
                f"{kind} {cls.__name__}: `{attribute}` is {getattr(cls, attribute, None)!r:.40}, "
                f"not one of {', '.join(allowed)}"
            )
    # The planner scans a source for every type that reads one: a type computed from other
    # metrics must say it reads none, or it would be planned as measures and fail to compile.
    if kind == "metric type" and (cls.shape == "metrics") == bool(cls.reads_source):
        raise Unusable(
            f"{kind} {cls.__name__}: shape {cls.shape!r} with reads_source = {cls.reads_source!r}: "
            "a type computed from other metrics (shape 'metrics') sets reads_source = False, "
            "and only it"
        )
    return cls


def _checked_schema(cls, kind: str) -> None:
    """A type's fields must make a valid JSON Schema: validation relies on it.

    Checking against the meta-schema costs milliseconds a type (and importing jsonschema, tens
    of them), so only external plugins' types are checked when the registry is built, and a
    schema found valid is remembered by its content in the user's cache (cxspec/user_cache.py);
    a test checks the built-ins' the same way.
    """
    from cxspec import user_cache

    fields, required = getattr(cls, "fields", None), getattr(cls, "required", ())
    if not isinstance(fields, dict) or not all(isinstance(k, str) for k in fields):
        raise Unusable(f"{kind} {cls.name!r}: `fields` is not a mapping of field names to JSON Schemas")
    if not isinstance(required, (list, tuple)) or not all(isinstance(r, str) for r in required):
        raise Unusable(f"{kind} {cls.name!r}: `required` is not a list of field names")
    schema = {"type": "object", "properties": fields, "required": list(required)}
    key = user_cache.content_key(VALID_SCHEMA, schema)
    if user_cache.known(VALID_SCHEMA, key):
        return
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:  # the type's own fields only: the common ones are cxspec's, tested
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "its fields"
        raise Unusable(f"{kind} {cls.name!r}: invalid JSON Schema at {where}: {exc.message}") from None
    user_cache.remember(VALID_SCHEMA, key)


#: The user-cache kind of "this JSON Schema is valid against draft 2020-12's meta-schema".
VALID_SCHEMA = "valid-schema-2020-12"


def _contributions(pm, plugin_name: str, *, check_schemas: bool) -> dict[str, list]:
    """Everything one plugin registers, checked: hook name → classes (or function names)."""
    from cxspec.warehouse import Warehouse

    found: dict[str, list] = {}
    for caller in pm.get_hookcallers(pm.get_plugin(plugin_name)) or []:
        hook_name = caller.name
        for impl in caller.get_hookimpls():
            if impl.plugin_name != plugin_name:
                continue
            if hook_name in CALLED_LATER:  # called with arguments later, not registering anything
                found[hook_name] = [(impl.function, tuple(impl.argnames))]
                continue
            items = _call(impl, hook_name)
            if hook_name == "cxspec_sql_functions":
                bad = [n for n in items if not isinstance(n, str) or not n]
                if bad:
                    raise Unusable(f"{hook_name} returned {bad[0]!r:.40}, not a function name")
                found[hook_name] = [n.lower() for n in items]
                continue
            kind, base, attributes = REGISTER_HOOKS[hook_name]
            base = base or Warehouse
            classes = [_checked_class(c, hook_name, kind, base, attributes) for c in items]
            names = [c.name for c in classes]
            if len(set(names)) < len(names):
                twice = sorted(n for n in set(names) if names.count(n) > 1)[0]
                raise Unusable(f"{hook_name} returned two classes named {twice!r}")
            if check_schemas and kind in ("metric type", "source type"):
                for cls in classes:
                    _checked_schema(cls, kind)
            if base is not Warehouse:
                classes = [_instance(c, kind) for c in classes]
            found[hook_name] = classes
    return found


def _instance(cls, kind: str):
    try:
        return cls()
    except (Exception, SystemExit) as exc:
        raise Unusable(f"{kind} {cls.__name__}() raised {type(exc).__name__}: {exc}") from None


def build_registry(*, external: bool = True, extra: tuple = ()) -> Registry:
    """The registry of the built-ins, the installed plugins (unless not `external`) and `extra`.

    :param extra: ``(name, plugin)`` pairs registered as if installed (see get_plugin_manager).
    """
    loaded = get_plugin_manager(external=external, extra=extra)
    pm = loaded.manager
    registry = Registry(plugins=loaded.plugins)
    per_plugin: dict[str, dict[str, list]] = {}
    for name, info in loaded.plugins.items():
        if info.broken or info.disabled or pm.get_plugin(name) is None:
            continue
        try:
            per_plugin[name] = _contributions(pm, name, check_schemas=not info.builtin)
        except Unusable as exc:
            loaded.mark_broken(name, str(exc))
    for name, found in per_plugin.items():
        _merge(registry, name, found)
    registry.broken = loaded.broken
    return registry


def _merge(registry: Registry, plugin_name: str, found: dict[str, list]) -> None:
    targets = {
        "cxspec_register_metric_types": registry.metric_types,
        "cxspec_register_source_types": registry.source_types,
        "cxspec_register_outputs": registry.outputs,
        "cxspec_register_lint_rules": registry.lint_rules,
        "cxspec_register_issue_rules": registry.issue_rules,
    }
    for hook_name, target in targets.items():
        kind = REGISTER_HOOKS[hook_name][0]
        for item in found.get(hook_name, []):
            # Lint rules are named in configuration by name or code: both must be unique.
            code_free = kind != "lint rule" or _claim(registry, "lint rule code", item.code, plugin_name)
            if _claim(registry, kind, item.name, plugin_name) and code_free:
                target[item.name] = item
    for cls in found.get("cxspec_register_warehouses", []):
        for scheme in cls.schemes:
            if _claim(registry, "warehouse", scheme.lower(), plugin_name):
                registry.warehouses[scheme.lower()] = cls
    registry.after_run += [(plugin_name, *impl) for impl in found.get("cxspec_after_run", [])]
    functions = found.get("cxspec_sql_functions", [])
    if functions:
        registry.sql_functions_by_plugin[plugin_name] = functions
        registry.sql_functions = registry.sql_functions | frozenset(functions)


def _claim(registry: Registry, kind: str, name: str, plugin_name: str) -> bool:
    """Record who provides `name`; False (and a conflict) when another plugin already does."""
    first = registry.provided_by.get((kind, name))
    if first is None:
        registry.provided_by[(kind, name)] = plugin_name
        return True
    what = f"{kind} scheme {name + '://'!r}" if kind == "warehouse" else f"{kind} {name!r}"
    blockable = [p for p in (first, plugin_name) if not registry.plugins[p].builtin]
    registry.conflicts.append(
        f"{what} is registered by two plugins: {registry.plugin_label(first)} and "
        f"{registry.plugin_label(plugin_name)}; uninstall one, or set "
        f"{DISABLE_VARIABLE}={blockable[-1] if blockable else plugin_name}"
    )
    return False


def warn_broken(registry: Registry, stream=None) -> None:
    """One line on stderr per broken plugin."""
    stream = stream or sys.stderr
    for name, reason in sorted(registry.broken.items()):
        stream.write(
            f"cxspec: warning: plugin {registry.plugin_label(name)} is broken and was left out: {reason} "
            f"(see `cxspec plugins`)\n"
        )


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry of the installed plugins, built once per process.

    Warns on stderr about broken plugins; raises PluginError when two plugins conflict.
    """
    registry = build_registry()
    if registry.conflicts:
        raise PluginError("; ".join(registry.conflicts))
    warn_broken(registry)
    return registry
