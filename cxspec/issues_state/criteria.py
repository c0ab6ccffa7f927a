"""The criteria issues are detected with: `issues:` in cxspec.yaml, overridable per metric
(`issues:` on the metric). Defaults are those of spec language v1."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Criteria:
    """The thresholds of the issue rules."""

    #: Two-sided significance level of `significant_drop`, `significant_rise` and initiative impact.
    alpha: float = 0.05
    #: How far (0–100 score points) a touch point may lie below its journey's mean.
    below_journey_gap: float = 10.0
    #: `declining`: this many periods in a row each worse than the one before (0: off).
    consecutive_declines: int = 3
    #: Whether significant changes for the better are issues of severity info.
    significant_rise: bool = True
    #: An open issue seen in this many periods is `escalated` (a notification on request).
    escalate_after: int = 3


NUMBER = {"type": "number"}
#: The JSON Schema of an `issues:` block (cxspec.yaml and metrics alike).
SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "description": "Criteria of issue detection (docs/closing-the-loop.md).",
    "properties": {
        "alpha": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5},
        "below_journey_gap": {"type": "number", "minimum": 0},
        "consecutive_declines": {"type": "integer", "minimum": 0},
        "significant_rise": {"type": "boolean"},
        "escalate_after": {"type": "integer", "minimum": 1},
    },
}


def _merged(base: Criteria, block) -> Criteria:
    if not isinstance(block, dict) and not hasattr(block, "items"):
        return base
    names = {f.name for f in fields(Criteria)}
    values = {k: v for k, v in dict(block).items() if k in names}
    return replace(base, **values)


def project_criteria(project) -> Criteria:
    return _merged(Criteria(), project.config.raw.get("issues"))


def metric_criteria(project, metric) -> Criteria:
    """The project's criteria with the metric's own `issues:` over them."""
    return _merged(project_criteria(project), metric.raw.get("issues") if metric.valid else None)
