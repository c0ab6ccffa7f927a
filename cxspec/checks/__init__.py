"""Semantic checks: what the schema cannot say. Each module checks one concern."""

from __future__ import annotations

from cxspec.check_context import CheckContext, Phase
from cxspec.checks import (
    analyses,
    booleans,
    columns,
    cycles,
    depth,
    fragments,
    grains,
    lookups,
    loop_config,
    references,
    renames,
    segments,
    segment_owners,
    values,
    warehouse,
)
from cxspec.checks import text as control_characters

#: Run in this order over a built project; each is given the CheckContext and reports to its sink.
CHECKS = (
    references.check,
    renames.check,
    lookups.check,
    grains.check,
    segments.check,
    segment_owners.check,
    cycles.check,
    depth.check,
    values.check,
    fragments.check,
    warehouse.check,
    loop_config.check,
    columns.check,
    booleans.check,
    control_characters.check,
    analyses.check,
)


def run_checks(project, registry, sink, phase: Phase = "validate") -> None:
    context = CheckContext(project, registry, sink, phase)
    for check in CHECKS:
        check(context)
