"""The built-in lint rules (`cxspec lint`), registered through the same hook as a plugin's.

Each rule is documented in docs/lint-rules.md under its code: why, an example, the fix.
"""

from __future__ import annotations

import json
import re

from cxspec.builtin.analysis_lint_rules import ANALYSIS_LINT_RULES
from cxspec.hookspecs import hookimpl
from cxspec.lint.finding import at, finding
from cxspec.lint_rule import LintRule

#: Metric types that summarise survey answers.
SURVEY_TYPES = frozenset({"nps", "csat", "ces"})
#: Categories that count as operational counterparts of a perception metric.
OPERATIONAL = frozenset({"operational", "behaviour"})
#: Words that mark a commercial metric (sales push, campaign response) rather than an experience.
NON_CX_WORDS = frozenset(
    {"upsell", "upsells", "upselling", "crosssell", "campaign", "campaigns", "promo", "promotion",
     "coupon", "revenue", "sales", "arpu", "winback"}
)  # fmt: skip
NON_CX_PAIRS = frozenset({("cross", "sell"), ("cross", "selling"), ("up", "sell"), ("win", "back")})


class MetricWithoutOwner(LintRule):
    name = "metric-without-owner"
    code = "CXL001"
    default_severity = "error"
    description = "A metric names no owner accountable for moving it."

    def check(self, project):
        for metric in project.metrics.values():
            if not metric.owner:
                yield finding(
                    self, metric, f"metric {metric.id!r} has no accountable owner", field="id",
                    hint="add `owner:` with the id of the team or person accountable for moving it",
                )  # fmt: skip


class MetricWithoutGoal(LintRule):
    name = "metric-without-goal"
    code = "CXL002"
    description = "A metric has no goal, so its status is opinion, not green/amber/red."

    def check(self, project):
        for metric in project.metrics.values():
            if metric.id not in project.goals:
                yield finding(
                    self, metric, f"metric {metric.id!r} has no goal", field="id",
                    hint=f"add `- metric: {metric.id}` with `target` and `warn` under `goals:`, or "
                    "suppress it on the metric for a context metric (a volume)",
                )  # fmt: skip


def is_survey_metric(metric) -> bool:
    """NPS, CSAT and CES, and any perception metric read from a source (answers are a sample)."""
    return metric.type in SURVEY_TYPES or (metric.category == "perception" and metric.source is not None)


class SurveyMetricWithoutMinSample(LintRule):
    name = "survey-metric-without-min-sample"
    code = "CXL003"
    description = "A survey metric has no `min_sample`: a handful of answers would be reported as a score."

    def check(self, project):
        for metric in project.metrics.values():
            if is_survey_metric(metric) and metric.min_sample is None:
                yield finding(
                    self, metric, f"survey metric {metric.id!r} ({metric.type}) has no min_sample",
                    field="type",
                    hint="add `min_sample:` (e.g. 30): below it the value is `insufficient_sample` and "
                    "stays out of rollups",
                )  # fmt: skip


def _words(*texts) -> list[str]:
    words = []
    for text in texts:
        words.extend(w for w in re.split(r"[^a-z0-9]+", str(text or "").lower()) if w)
    return words


def non_cx_reason(metric) -> str | None:
    """Why a metric is not a CX metric, or None: an outcome, or a commercial (non-perception) metric."""
    if metric.category == "outcome":
        return "an outcome metric"
    if metric.category == "perception":
        return None  # how customers felt about a campaign is still their experience
    words = _words(metric.id, metric.name, *metric.tags)
    hits = sorted(set(words) & NON_CX_WORDS) + [
        f"{a}-{b}" for a, b in zip(words, words[1:], strict=False) if (a, b) in NON_CX_PAIRS
    ]
    return f"a commercial metric ({', '.join(hits)})" if hits else None


class NonCxMetricInPyramid(LintRule):
    name = "non-cx-metric-in-pyramid"
    code = "CXL004"
    default_severity = "error"
    description = (
        "An outcome or commercial metric (upsell, campaign response, revenue) is rolled into a CX index."
    )

    def check(self, project):
        for pyramid in project.pyramids.values():
            for node in pyramid.nodes():
                metric = project.metrics.get(node.ref or "") if node.kind == "metric" else None
                reason = non_cx_reason(metric) if metric is not None else None
                if reason:
                    yield finding(
                        self, node, f"{metric.id!r} is {reason}, not a CX metric, in pyramid {pyramid.id!r}",
                        field="metric",
                        hint="take it out of the CX index and relate it to the index instead; if it "
                        "measures behaviour, give it `category: behaviour`",
                    )  # fmt: skip


class TouchpointWithoutMetric(LintRule):
    name = "touchpoint-without-metric"
    code = "CXL005"
    description = "A touch point that no metric measures."

    def check(self, project):
        measured = {m.touchpoint for m in project.metrics.values()}
        for touchpoint in project.touchpoints.values():
            if touchpoint.id not in measured:
                yield finding(
                    self, touchpoint, f"touch point {touchpoint.id!r} has no metric", field="id",
                    hint=f"add a metric with `touchpoint: {touchpoint.id}` (its perception and its "
                    "operational side), or remove the touch point",
                )  # fmt: skip


class StageWithoutTouchpoint(LintRule):
    name = "stage-without-touchpoint"
    code = "CXL006"
    description = "A journey stage with no touch point: that part of the journey is not measured."

    def check(self, project):
        placed = {(t.journey, t.stage) for t in project.touchpoints.values()}
        for journey in project.journeys.values():
            for index, stage in enumerate(journey.stages):
                if (journey.id, stage) not in placed:
                    yield finding(
                        self, journey, f"stage {stage!r} of journey {journey.id!r} has no touch point",
                        field="stages", index=index,
                        hint=f"add a touch point with `journey: {journey.id}` and `stage: {stage}`",
                    )  # fmt: skip


def unfinished_weights(weights: list[float | None]) -> str | None:
    """Why sibling weights look like percentages or fractions left half-done, or None.

    Weights are relative, so any positive numbers work; but weights written as percentages
    that sum to 99 or 101 (33/33/33), fractions that sum to 0.99, or percentages next to a
    sibling left at the default 1 usually mean the author meant something else.
    """
    explicit = [w for w in weights if w is not None]
    if len(weights) < 2 or not explicit:
        return None
    total = sum(explicit)
    written = "+".join(f"{w:g}" for w in explicit)
    if len(explicit) < len(weights) and 90 <= total <= 110:
        missing = len(weights) - len(explicit)
        return f"weights {written} look like percentages but {missing} sibling(s) have none (1)"
    if len(explicit) < len(weights):
        return None
    if 90 <= total <= 110 and abs(total - 100) > 1e-9:
        return f"weights {written} sum to {total:g}, not 100"
    if all(w < 1 for w in explicit) and 0.9 <= total <= 1.1 and abs(total - 1) > 1e-9:
        return f"weights {written} sum to {total:g}, not 1"
    return None


class UnfinishedPercentageWeights(LintRule):
    name = "unfinished-percentage-weights"
    code = "CXL007"
    description = "Sibling pyramid weights that look like unfinished percentages (33/33/33, sum 99 or 101)."

    def check(self, project):
        for pyramid in project.pyramids.values():
            parents = [pyramid, *(n for n in pyramid.nodes() if n.children)]
            for parent in parents:
                weights = [
                    float(c.raw["weight"]) if isinstance(c.raw.get("weight"), (int, float)) else None
                    for c in parent.children
                ]
                reason = unfinished_weights(weights)
                if reason:
                    label = parent.id if parent is pyramid else f"{pyramid.id}/{parent.label}"
                    yield at(
                        self, parent.loc("children", key=True), f"children of {label!r}: {reason}",
                        hint="weights are relative: write 1/1/1 for equal parts, or make percentages add "
                        "up to exactly 100",
                        span=len("children"),
                    )  # fmt: skip


class PerceptionWithoutOperational(LintRule):
    name = "perception-without-operational"
    code = "CXL008"
    description = "A perception metric at a touch point where no operational or behaviour metric explains it."

    def check(self, project):
        explained = {
            m.touchpoint for m in project.metrics.values() if m.touchpoint and m.category in OPERATIONAL
        }
        for metric in project.metrics.values():
            if metric.category == "perception" and metric.touchpoint and metric.touchpoint not in explained:
                yield finding(
                    self, metric,
                    f"perception metric {metric.id!r} has no operational counterpart at touch point "
                    f"{metric.touchpoint!r}", field="touchpoint",
                    hint="add an operational or behaviour metric at the same touch point (wait time, "
                    "resolution, errors) so that a drop in the score can be explained",
                )  # fmt: skip


class OwnerWithoutContact(LintRule):
    name = "owner-without-contact"
    code = "CXL009"
    description = "An owner with neither `email` nor `github`: issues routed to it reach nobody."

    def check(self, project):
        for owner in project.owners.values():
            if not owner.email and not owner.github:
                yield finding(
                    self, owner, f"owner {owner.id!r} has no email or github handle", field="id",
                    hint="add `email:` (issue routing) and `github:` (CODEOWNERS reviews)",
                )  # fmt: skip


class MetricWithoutDescription(LintRule):
    name = "metric-without-description"
    code = "CXL010"
    default_severity = "info"
    enabled_by_default = False
    description = "A metric without `description`: the catalog cannot say what was asked or counted."

    def check(self, project):
        for metric in project.metrics.values():
            if not (metric.description or "").strip():
                yield finding(
                    self, metric, f"metric {metric.id!r} has no description", field="id",
                    hint="add `description:`: the question asked, or what is counted, in words",
                )  # fmt: skip


#: Fields that name, document or route a metric without changing the number it computes.
_NOT_DEFINITION = frozenset(
    {"id", "name", "description", "owner", "tracked_by", "tags", "min_sample", "version", "lint", "unit",
     "category", "touchpoint", "issues"}
)  # fmt: skip


def definition_key(project, metric) -> str:
    """What the number is: the metric's computing fields, with its touch point's `match`."""
    fields = {k: v for k, v in metric.raw.items() if k not in _NOT_DEFINITION}
    touchpoint = project.touchpoints.get(metric.touchpoint or "")
    fields["match"] = touchpoint.match if touchpoint is not None else None
    return json.dumps(fields, sort_keys=True, default=str)


class DuplicateMetricDefinition(LintRule):
    name = "duplicate-metric-definition"
    code = "CXL011"
    description = "Two metrics compute the same number under different ids."

    def check(self, project):
        first: dict[str, object] = {}
        ordered = sorted(project.metrics.values(), key=lambda m: (m.file, m.raw.pos))
        for metric in ordered:
            key = definition_key(project, metric)
            if key in first:
                other = first[key]
                yield finding(
                    self, metric,
                    f"metric {metric.id!r} computes the same as {other.id!r} ({other.loc('id')})",
                    field="id",
                    hint=f"keep one of them; point goals and pyramids at {other.id!r}",
                )  # fmt: skip
            else:
                first[key] = metric


class MetricWithoutTracker(LintRule):
    name = "metric-without-tracker"
    code = "CXL012"
    default_severity = "info"
    description = "A metric without `tracked_by`: nobody is named for measuring it (the audit trail)."

    def check(self, project):
        for metric in project.metrics.values():
            if not metric.tracked_by:
                yield finding(
                    self, metric, f"metric {metric.id!r} names nobody who tracks it", field="id",
                    hint="add `tracked_by:` with the team that measures it (often the CX insights team)",
                )  # fmt: skip


BUILTIN_LINT_RULES = (
    MetricWithoutOwner,
    MetricWithoutGoal,
    SurveyMetricWithoutMinSample,
    NonCxMetricInPyramid,
    TouchpointWithoutMetric,
    StageWithoutTouchpoint,
    UnfinishedPercentageWeights,
    PerceptionWithoutOperational,
    OwnerWithoutContact,
    MetricWithoutDescription,
    DuplicateMetricDefinition,
    MetricWithoutTracker,
    *ANALYSIS_LINT_RULES,
)


@hookimpl
def cxspec_register_lint_rules():
    return list(BUILTIN_LINT_RULES)
