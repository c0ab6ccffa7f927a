"""The `lint:` section of cxspec.yaml: which rules run, at which severity.

enable: opt-in rules to run (or `all`); disable: rules not to run; severity: rule → error,
warning, info or off. Rules are named by name or code. A name that matches no installed rule
is a CXL000 finding at its place in cxspec.yaml (never silently ignored).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cxspec.diagnostics import Diagnostic, Location, Severity
from cxspec.model import locate
from cxspec.project_files import CONFIG_FILE
from cxspec.suggest import did_you_mean
from cxspec.yamlread import YamlMap, YamlSeq

#: The code of problems with lint's own configuration and suppressions; it cannot be disabled.
CONFIG_CODE = "CXL000"
OFF = "off"


class RuleIndex:
    """Looks rules up by name or code."""

    def __init__(self, rules: dict):
        self.rules = rules
        self.by_ref = {**{r.code: n for n, r in rules.items()}, **{n: n for n in rules}}

    def resolve(self, ref: str) -> str | None:
        return self.by_ref.get(ref)

    def unknown(self, ref: str, location: Location, *, severity: Severity, what: str) -> Diagnostic:
        hint = (
            did_you_mean(ref, sorted(self.by_ref)) or "see `cxspec lint --list-rules` or docs/lint-rules.md"
        )
        return Diagnostic(
            CONFIG_CODE, f"unknown lint rule {ref!r} in {what}", location, severity, hint, len(ref)
        )


@dataclass
class LintConfig:
    enabled: set[str] = field(default_factory=set)
    disabled: set[str] = field(default_factory=set)
    severity: dict[str, str] = field(default_factory=dict)

    def level(self, name: str, rule) -> str:
        """The severity a rule's findings get, or `off`."""
        if name in self.disabled:
            return OFF
        if name in self.severity:
            return self.severity[name]
        if not rule.enabled_by_default and name not in self.enabled:
            return OFF
        return rule.default_severity


def read_config(config_raw, index: RuleIndex) -> tuple[LintConfig, list[Diagnostic]]:
    config, problems = LintConfig(), []
    section = config_raw.get("lint") if isinstance(config_raw, YamlMap) else None
    if not isinstance(section, YamlMap):
        return config, problems

    def names(key: str) -> set[str]:
        found = set()
        values = section.get(key)
        if not isinstance(values, YamlSeq):
            return found
        for position, ref in enumerate(values):
            if key == "enable" and ref == "all":
                found |= set(index.rules)
                continue
            name = index.resolve(ref)
            if name is None:
                where = locate(CONFIG_FILE, values, position)
                problems.append(index.unknown(ref, where, severity=Severity.ERROR, what=f"lint.{key}"))
            else:
                found.add(name)
        return found

    config.enabled = names("enable")
    config.disabled = names("disable")
    levels = section.get("severity")
    if isinstance(levels, YamlMap):
        for ref, level in levels.items():
            name = index.resolve(ref)
            if name is None:
                where = locate(CONFIG_FILE, levels, ref, key=True)
                problems.append(index.unknown(ref, where, severity=Severity.ERROR, what="lint.severity"))
            else:
                config.severity[name] = level
    return config, problems
