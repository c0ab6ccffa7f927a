"""Install a plugin for one test the way pip would, without pip: a distribution's
`.dist-info` folder (METADATA, entry_points.txt) and its modules in a folder put on sys.path.

cxspec then finds it through its entry points and `EntryPoint.load()`, the path every
installed plugin takes. Plugins really installed in the environment (plugins/*) are hidden,
so a test sees exactly the plugins it installs. The registry cache is cleared before and
after, and the plugin's modules are forgotten afterwards.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import pytest

from cxspec.registry import default_registry


class Site:
    """A folder on sys.path that distributions are written into."""

    def __init__(self, root: Path):
        self.root = root
        self.modules: set[str] = set()

    def install(
        self,
        distribution: str,
        entry_points: dict[str, str],
        modules: dict[str, str] | None = None,
        *,
        version: str = "1.0",
        group: str = "cxspec",
    ) -> None:
        """Write `distribution` with entry points {name: "module[:attr]"} and module sources."""
        info = self.root / f"{distribution.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n", encoding="utf-8"
        )
        lines = [f"[{group}]", *(f"{name} = {value}" for name, value in entry_points.items())]
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        for name, source in (modules or {}).items():
            (self.root / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
            self.modules.add(name)
        importlib.invalidate_caches()
        default_registry.cache_clear()

    def add_path(self, folder: Path, *module_names: str) -> None:
        """Make modules in `folder` importable (an entry point can then name them)."""
        sys.path.insert(0, str(folder))
        self.modules.update(module_names)
        importlib.invalidate_caches()


def entry_points_below(root: Path):
    """`importlib.metadata.entry_points` limited to the distributions installed in `root`."""

    def entry_points(*, group: str):
        found = []
        for dist in metadata.distributions(path=[str(root)]):
            found += [ep for ep in dist.entry_points if ep.group == group]
        return found

    return entry_points


@pytest.fixture
def site(tmp_path, monkeypatch):
    import cxspec.plugins

    root = tmp_path / "site-packages"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setattr(cxspec.plugins, "metadata", SimpleNamespace(entry_points=entry_points_below(root)))
    monkeypatch.delenv("CXSPEC_DISABLE_PLUGINS", raising=False)
    default_registry.cache_clear()
    site = Site(root)
    saved_path = list(sys.path)
    yield site
    sys.path[:] = saved_path
    for name in list(sys.modules):
        if name.split(".")[0] in site.modules:
            del sys.modules[name]
    importlib.invalidate_caches()
    default_registry.cache_clear()


@pytest.fixture
def core_only(monkeypatch):
    """cxspec's built-ins only, whatever plugins are installed (CXSPEC_DISABLE_PLUGINS=*)."""
    monkeypatch.setenv("CXSPEC_DISABLE_PLUGINS", "*")
    default_registry.cache_clear()
    yield
    default_registry.cache_clear()
