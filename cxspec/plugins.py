"""Build the plugin manager: built-ins first, then the `cxspec` entry points, then checks.

CXSPEC_DISABLE_PLUGINS=name,name (or `*`) blocks external plugins by entry-point name or
distribution name. A plugin that fails to load (import error, a hook that is not in
cxspec/hookspecs.py, a hookimpl with arguments the hook does not have) is recorded with
its reason and left out; it never stops the others from loading.
"""

from __future__ import annotations

import copy
import importlib
import os
from dataclasses import dataclass, field

import pluggy

from cxspec import entry_points as metadata  # importlib.metadata's entry_points, cheaply
from cxspec import hookspecs
from cxspec.version import __version__

#: Built-in plugins, registered like external ones.
BUILTIN_PLUGINS = (
    "cxspec.builtin.metric_types",
    "cxspec.builtin.source_types",
    "cxspec.builtin.sql_functions",
    "cxspec.builtin.warehouses",
    "cxspec.builtin.outputs",
    "cxspec.builtin.lint_rules",
    "cxspec.builtin.issue_rules",
)

ENTRY_POINT_GROUP = "cxspec"
DISABLE_VARIABLE = "CXSPEC_DISABLE_PLUGINS"

#: Plugins registered for the whole process as if installed, by
#: ``cxspec.testing.registered_plugin`` (a test's plugin, seen by the CLI too): (name, plugin).
ADDED: list[tuple[str, object]] = []


@dataclass
class PluginInfo:
    """One plugin as `cxspec plugins` shows it."""

    #: The entry-point name (the module name for built-ins): what messages call it.
    name: str
    #: The module (or `module:attribute`) the entry point loads.
    module: str
    #: The distribution that installs it, and its version (`cxspec` for built-ins).
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False
    #: Why it was left out, when it was: broken, or disabled by CXSPEC_DISABLE_PLUGINS.
    broken: str | None = None
    disabled: bool = False


@dataclass
class LoadedPlugins:
    """The plugin manager and every plugin found."""

    manager: pluggy.PluginManager
    #: Every plugin found, loaded or not, by name: built-ins first, then external ones by name.
    plugins: dict[str, PluginInfo] = field(default_factory=dict)

    @property
    def broken(self) -> dict[str, str]:
        """Plugins that failed to load, by name, with the reason."""
        return {name: info.broken for name, info in self.plugins.items() if info.broken}

    def mark_broken(self, name: str, reason: str) -> None:
        """Record why a plugin is left out and take back whatever it registered."""
        info = self.plugins[name]
        info.broken = info.broken or reason
        plugin = self.manager.get_plugin(name)
        if plugin is not None:
            self.manager.unregister(plugin, name=name)


def blocked_names() -> set[str]:
    value = os.environ.get(DISABLE_VARIABLE, "")
    return {name.strip() for name in value.split(",") if name.strip()}


def get_plugin_manager(*, external: bool = True, extra: tuple = ()) -> LoadedPlugins:
    """The plugin manager with the built-ins, the installed plugins and `extra` plugins.

    :param external: load the `cxspec` entry points (False: built-ins only).
    :param extra: ``(name, module_or_object)`` pairs registered after the entry points, as
        if installed (tests of a plugin use this to load it without installing it).
    """
    pm = pluggy.PluginManager("cxspec")
    pm.add_hookspecs(hookspecs)
    loaded = LoadedPlugins(pm)
    for name in BUILTIN_PLUGINS:
        loaded.plugins[name] = PluginInfo(name, name, "cxspec", __version__, builtin=True)
        _register(loaded, name, lambda name=name: importlib.import_module(name))
    if external:
        _load_entry_points(loaded)
    for name, plugin in (*(ADDED if external else ()), *extra):
        loaded.plugins[name] = PluginInfo(name, getattr(plugin, "__name__", repr(plugin)))
        _register(loaded, name, lambda plugin=plugin: plugin)
    _check_unknown_hooks(loaded)
    pm.check_pending()  # nothing left to find: every unknown hook's plugin was taken out above
    return loaded


def _register(loaded: LoadedPlugins, name: str, load) -> None:
    try:
        loaded.manager.register(load(), name=name)
    except (Exception, SystemExit) as exc:  # a broken plugin must not take the CLI down
        loaded.mark_broken(name, f"cannot be loaded: {type(exc).__name__}: {exc}")


def _load_entry_points(loaded: LoadedPlugins) -> None:
    blocked = blocked_names()
    found = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: (ep.name, ep.value))
    for ep in found:
        dist = getattr(ep, "dist", None)
        dist_name = dist.metadata["Name"] if dist is not None else None
        info = PluginInfo(ep.name, ep.value, dist_name, dist.version if dist is not None else None)
        first = loaded.plugins.get(ep.name)
        if first is not None:
            if first.distribution == dist_name:  # the same distribution seen twice on sys.path
                continue
            # Two distributions, one plugin name: messages and CXSPEC_DISABLE_PLUGINS could
            # not tell them apart, so the second is not loaded.
            info.name = f"{ep.name} ({dist_name})"
            info.broken = f"its entry-point name {ep.name!r} is taken by {first.distribution}: rename one"
            loaded.plugins[info.name] = info
            continue
        loaded.plugins[ep.name] = info
        if "*" in blocked or ep.name in blocked or (dist_name and dist_name in blocked):
            info.disabled = True
            continue
        _register(loaded, ep.name, ep.load)


def _check_unknown_hooks(loaded: LoadedPlugins) -> None:
    """A `cxspec_…` function that is no hook (a typo) makes its plugin broken, not the CLI."""
    pm = loaded.manager
    for hook_name in list(vars(pm.hook)):
        if hook_name.startswith("_"):
            continue
        caller = getattr(pm.hook, hook_name)
        if caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if not impl.optionalhook:
                loaded.mark_broken(
                    impl.plugin_name,
                    f"implements {hook_name!r}, which is not a cxspec hook (see docs/plugins.md)",
                )


# -- per-project plugin configuration and the hooks called after a run ------------------------


def plugin_config(project, plugin_name: str) -> dict:
    """The plugin's block of ``plugins:`` in cxspec.yaml, or {} when there is none."""
    config = getattr(project, "config", None) if project is not None else None
    return (getattr(config, "plugins", None) or {}).get(plugin_name, {})


def configured(item, kind: str, project, registry):
    """An output or lint rule ready to be called for `project`: a copy with ``config`` set to
    its plugin's block. A copy, because one registry's instances serve every project."""
    plugin_name = registry.provided_by.get((kind, item.name))
    config = plugin_config(project, plugin_name) if plugin_name else {}
    if not config:
        return item
    instance = copy.copy(item)
    instance.config = config
    return instance


def call_after_run(registry, project, results, out_dir) -> list[str]:
    """Call every plugin's ``cxspec_after_run`` with the arguments it names; a failure is
    returned as a message naming the plugin (the results are stored already: nothing to undo)."""
    failures = []
    for plugin_name, function, argnames in getattr(registry, "after_run", ()):
        offered = {
            "project": project,
            "results": results,
            "out_dir": out_dir,
            "config": plugin_config(project, plugin_name),
        }
        try:
            function(**{name: offered[name] for name in argnames})
        except Exception as exc:  # one plugin's failure must not hide the others' work
            failures.append(
                f"cxspec_after_run of plugin {registry.plugin_label(plugin_name)} failed: "
                f"{type(exc).__name__}: {exc}"
            )
    return failures
