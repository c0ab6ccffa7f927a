"""Flatten what the plugins register into name → instance maps."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from cxspec.diagnostics import PluginError
from cxspec.lint_rule import LintRule
from cxspec.metric_type import MetricType
from cxspec.output import Output
from cxspec.plugins import get_plugin_manager
from cxspec.source_type import SourceType


@dataclass
class Registry:
    metric_types: dict[str, MetricType] = field(default_factory=dict)
    source_types: dict[str, SourceType] = field(default_factory=dict)
    sql_functions: frozenset[str] = frozenset()
    #: Report formats and exporters, by name.
    outputs: dict[str, Output] = field(default_factory=dict)
    #: Lint rules, by name.
    lint_rules: dict[str, LintRule] = field(default_factory=dict)
    #: URL scheme → warehouse class (instantiated per connection, unlike the types).
    warehouses: dict[str, type] = field(default_factory=dict)
    #: Which plugin registered each name, for messages.
    provided_by: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Plugins that failed to load: name → reason.
    broken: dict[str, str] = field(default_factory=dict)


def _collect(pm, hook_name: str, base: type, kind: str, registry: Registry) -> dict:
    found: dict = {}
    hook = getattr(pm.hook, hook_name)
    for impl in reversed(hook.get_hookimpls()):  # registration order
        plugin_name = pm.get_name(impl.plugin) or repr(impl.plugin)
        try:
            classes = impl.function() or []
        except Exception as exc:
            registry.broken[plugin_name] = f"{hook_name} raised {type(exc).__name__}: {exc}"
            continue
        for cls in classes:
            if not (isinstance(cls, type) and issubclass(cls, base)) or not getattr(cls, "name", None):
                registry.broken[plugin_name] = f"{hook_name} returned {cls!r}, not a named {base.__name__}"
                continue
            if cls.name in found:
                first = registry.provided_by[(kind, cls.name)]
                raise PluginError(f"{kind} {cls.name!r} is registered twice: by {first} and by {plugin_name}")
            found[cls.name] = cls()
            registry.provided_by[(kind, cls.name)] = plugin_name
    return found


def build_registry(*, external: bool = True) -> Registry:
    loaded = get_plugin_manager(external=external)
    pm = loaded.manager
    registry = Registry(broken=dict(loaded.broken))
    registry.metric_types = _collect(pm, "cxspec_register_metric_types", MetricType, "metric type", registry)
    registry.source_types = _collect(pm, "cxspec_register_source_types", SourceType, "source type", registry)
    registry.warehouses = _collect_warehouses(pm, registry)
    registry.outputs = _collect(pm, "cxspec_register_outputs", Output, "output", registry)
    registry.lint_rules = _collect(pm, "cxspec_register_lint_rules", LintRule, "lint rule", registry)
    functions: set[str] = set()
    for names in pm.hook.cxspec_sql_functions():
        functions.update(n.lower() for n in names or ())
    registry.sql_functions = frozenset(functions)
    return registry


def _collect_warehouses(pm, registry: Registry) -> dict[str, type]:
    from cxspec.warehouse import Warehouse

    by_scheme: dict[str, type] = {}
    for impl in reversed(pm.hook.cxspec_register_warehouses.get_hookimpls()):
        plugin_name = pm.get_name(impl.plugin) or repr(impl.plugin)
        try:
            classes = impl.function() or []
        except Exception as exc:
            registry.broken[plugin_name] = f"cxspec_register_warehouses raised {type(exc).__name__}: {exc}"
            continue
        for cls in classes:
            if not (isinstance(cls, type) and issubclass(cls, Warehouse)):
                registry.broken[plugin_name] = f"cxspec_register_warehouses returned {cls!r}"
                continue
            for scheme in cls.schemes:
                if scheme in by_scheme:
                    first = registry.provided_by[("warehouse", scheme)]
                    raise PluginError(
                        f"warehouse scheme {scheme!r} is registered twice: by {first} and {plugin_name}"
                    )
                by_scheme[scheme] = cls
                registry.provided_by[("warehouse", scheme)] = plugin_name
    return by_scheme


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry of the installed plugins, built once per process."""
    return build_registry()
