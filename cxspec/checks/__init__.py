"""Semantic checks: what the schema cannot say. Each module checks one concern."""

from __future__ import annotations

from cxspec.checks import cycles, fragments, references, values, warehouse
from cxspec.checks import text as control_characters

#: Run in this order over a built project; each reports to a DiagnosticSink.
CHECKS = (references.check, cycles.check, values.check, fragments.check, warehouse.check)
CHECKS += (control_characters.check,)


def run_checks(project, registry, sink) -> None:
    for check in CHECKS:
        check(project, registry, sink)
