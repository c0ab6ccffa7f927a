"""Build the plugin manager: built-ins first, then the `cxspec` entry points, then checks.

CXSPEC_DISABLE_PLUGINS=name,name (or `*`) blocks external plugins by entry-point name.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from importlib import metadata

import pluggy

from cxspec import hookspecs

#: Built-in plugins, registered like external ones.
BUILTIN_PLUGINS = (
    "cxspec.builtin.metric_types",
    "cxspec.builtin.source_types",
    "cxspec.builtin.sql_functions",
    "cxspec.builtin.warehouses",
    "cxspec.builtin.outputs",
)

ENTRY_POINT_GROUP = "cxspec"


@dataclass
class LoadedPlugins:
    manager: pluggy.PluginManager
    #: Plugins that failed to load, by name, with the reason.
    broken: dict[str, str] = field(default_factory=dict)


def get_plugin_manager(*, external: bool = True) -> LoadedPlugins:
    pm = pluggy.PluginManager("cxspec")
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    loaded = LoadedPlugins(pm)
    if external:
        _load_entry_points(loaded)
    pm.check_pending()
    return loaded


def _load_entry_points(loaded: LoadedPlugins) -> None:
    blocked = {b.strip() for b in os.environ.get("CXSPEC_DISABLE_PLUGINS", "").split(",") if b}
    if "*" in blocked:
        return
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in blocked or loaded.manager.has_plugin(ep.name):
            continue
        try:
            plugin = ep.load()
            loaded.manager.register(plugin, name=ep.name)
        except Exception as exc:  # a broken plugin must not take the CLI down
            loaded.broken[ep.name] = f"{type(exc).__name__}: {exc}"
