"""Names that first-party plugin packages provide, so that a spec (or a URL, or a command)
naming one without the plugin installed is told which package to install.

Only packages that are published belong here; a test checks each entry against what the
package in `plugins/` really registers. Third-party plugins are not listed: for them the
message lists what is installed instead.
"""

from __future__ import annotations

#: Distribution → kind ("metric type", "source type", "warehouse" by URL scheme, "output")
#: → the names it provides. Kinds are the ones `Registry.provided_by` uses.
PACKAGES: dict[str, dict[str, tuple[str, ...]]] = {
    "cxspec-spark": {"warehouse": ("spark", "sc")},
    "cxspec-survey-exports": {"source type": ("qualtrics_export", "surveymonkey_export")},
    "cxspec-dbt": {"output": ("dbt",)},
}


def package_for(kind: str, name) -> str | None:
    """The first-party package that provides `name` of `kind`, if one does."""
    if not isinstance(name, str):
        return None
    for package, provides in PACKAGES.items():
        if name in provides.get(kind, ()):
            return package
    return None


def install_hint(kind: str, name, registry=None) -> str | None:
    """What to do when `name` of `kind` is not installed, or None if no known package has it.

    With a registry, says when the package is installed but broken or disabled, which
    `pip install` would not fix.
    """
    package = package_for(kind, name)
    if package is None:
        return None
    what = f"{name}://" if kind == "warehouse" else name
    for info in registry.plugins.values() if registry is not None else ():
        if info.distribution and _normal(info.distribution) == _normal(package):
            if info.broken:
                return f"{what} comes with {package}, which is installed but broken: see `cxspec plugins`"
            if info.disabled:
                return f"{what} comes with {package}, which is disabled by CXSPEC_DISABLE_PLUGINS"
    return f"{what} comes with the {package} plugin: pip install {package}"


def _normal(distribution: str) -> str:
    """Distribution names compare case-insensitively, with `-`, `_` and `.` alike (PEP 503)."""
    return distribution.lower().replace("_", "-").replace(".", "-")
