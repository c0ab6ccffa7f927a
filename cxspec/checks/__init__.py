"""Semantic checks: what the schema cannot say. Each module checks one concern."""

from __future__ import annotations

from cxspec.checks import cycles, depth, fragments, references, values, warehouse

#: Run in this order over a built project; each reports to a DiagnosticSink.
CHECKS = (references.check, cycles.check, depth.check, values.check, fragments.check, warehouse.check)


def run_checks(project, registry, sink) -> None:
    for check in CHECKS:
        check(project, registry, sink)
