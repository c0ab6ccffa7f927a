"""Run the registered lint rules on a valid project, with the project's configuration and
inline suppressions applied; findings sorted by file:line:col."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from cxspec.diagnostics import Diagnostic, Location, Severity, sort_diagnostics
from cxspec.lint.config import CONFIG_CODE, OFF, RuleIndex, read_config
from cxspec.lint.suppress import collect
from cxspec.plugins import configured
from cxspec.project_files import CONFIG_FILE


@dataclass
class LintResult:
    diagnostics: list[Diagnostic]
    #: Names of the rules that ran.
    ran: list[str]
    #: Findings left out by an inline `lint: {ignore: …}`.
    suppressed: int = 0


def lint_project(project, registry) -> LintResult:
    rules = registry.lint_rules
    index = RuleIndex(rules)
    config, problems = read_config(project.config.raw, index)
    suppressions, ignore_problems = collect(project, index)
    by_file: dict[str, list] = {}
    for suppression in suppressions:  # a finding is only checked against its own file's
        by_file.setdefault(suppression.file, []).append(suppression)
    found = problems + ignore_problems
    ran, suppressed = [], 0
    for name, rule in sorted(rules.items(), key=lambda item: (item[1].code, item[0])):
        level = config.level(name, rule)
        if level == OFF:
            continue
        ran.append(name)
        try:
            severity = Severity(level)
            configured_rule = configured(rule, "lint rule", project, registry)  # its plugin's config
            diagnostics = [d for d in configured_rule.check(project) if isinstance(d, Diagnostic)]
        except Exception as exc:  # a broken plugin rule is reported, not a traceback
            found.append(_failed(name, rule, f"{type(exc).__name__}: {exc}"))
            continue
        for diagnostic in diagnostics:
            if any(s.covers(diagnostic, name) for s in by_file.get(diagnostic.file, ())):
                suppressed += 1
                continue
            found.append(dataclasses.replace(diagnostic, code=rule.code, severity=severity))
    return LintResult(sort_diagnostics(found), ran, suppressed)


def _failed(name: str, rule, reason: str) -> Diagnostic:
    return Diagnostic(
        CONFIG_CODE,
        f"lint rule {name!r} ({rule.code}) failed: {reason}",
        Location(CONFIG_FILE),
        Severity.ERROR,
        f"disable it with `lint: {{disable: [{name}]}}` in cxspec.yaml and report the bug",
    )
