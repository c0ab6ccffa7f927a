"""Values that make sense together: type-specific checks, goals (CX304, CX310), pyramids
(CX305–CX308, CX207)."""

from __future__ import annotations

import datetime as dt

from cxspec.locations import locate
from cxspec.model import Pyramid


def check(ctx) -> None:
    project, registry, sink = ctx.project, ctx.registry, ctx.sink
    for source in project.sources.values():
        source_type = registry.source_types.get(source.type)
        if source_type is not None and source.valid:
            source_type.check(source, ctx)
        if source.valid and "taken" in source.raw:
            _check_taken(source, sink)
    for metric in project.metrics.values():
        metric_type = registry.metric_types.get(metric.type)
        if metric_type is not None and metric.valid:
            metric_type.check(metric, ctx)
    for goal in project.goals.values():
        _check_goal(goal, project, registry, sink)
    for pyramid in project.pyramids.values():
        if pyramid.valid:
            _check_pyramid(pyramid, project, registry, sink)


def _check_taken(source, sink) -> None:
    """A snapshot's `taken:` day stands for a time column: with one (`time`, `start`) it has
    no effect (CX311); it must be a day of the calendar (CX100)."""
    check_day(sink, source.file, source.raw, "taken", f"source {source.id!r}, taken")
    for field in ("time", "start", "time_format"):
        if field in source.raw:
            sink.add(
                "CX311",
                f"taken does not go with {field} on source {source.id!r}: a snapshot's rows have no "
                "time column of their own, they are all placed on the day taken",
                source.loc("taken"),
                hint=f"remove taken (a snapshot without a time column), or remove {field}",
            )
            return


def natural_range(metric, registry):
    metric_type = registry.metric_types.get(metric.type)
    return metric_type.natural_range(metric) if metric_type and metric.valid else None


def _check_goal(goal, project, registry, sink) -> None:
    metric = project.metrics.get(goal.id)
    if metric is None or not goal.valid:
        return
    check_day(sink, goal.file, goal.raw, "due", f"goal of {metric.id!r}, due")
    _check_thresholds(goal, metric, registry, sink, f"goal of {metric.id!r}")
    for override in goal.segments:  # a segment's target and warn, held to the same rules
        where = ", ".join(f"{k}={v}" for k, v in override.where.items())
        _check_thresholds(override, metric, registry, sink, f"goal of {metric.id!r} in segment {where}")


def _check_thresholds(goal, metric, registry, sink, what: str) -> None:
    """CX304 and CX310 for a goal's or a segment override's target and warn."""
    if goal.target is None:
        return
    if goal.warn is not None:
        lower = metric.lower_is_better
        if (not lower and goal.warn > goal.target) or (lower and goal.warn < goal.target):
            side = "above" if lower else "below"
            sink.add(
                "CX304",
                f"{what}: warn {goal.warn:g} should be {side} target {goal.target:g} "
                f"({metric.direction.replace('_', ' ')})",
                goal.loc("warn"),
                hint="amber lies between warn and target; swap them, or set the metric's direction",
            )
    bounds = natural_range(metric, registry)
    if bounds is not None:
        for name in ("target", "warn"):
            value = getattr(goal, name)
            if value is not None and not bounds[0] <= value <= bounds[1]:
                sink.add(
                    "CX310",
                    f"{what}: {name} {value:g} lies outside the metric's range {bounds[0]:g}…{bounds[1]:g}",
                    goal.loc(name),
                    hint="percentages are on 0–100 and NPS on −100…100",
                )


def _check_pyramid(pyramid: Pyramid, project, registry, sink) -> None:
    seen: dict[str, object] = {}
    for node in pyramid.nodes():
        if "weight" in node.raw and node.weight <= 0:
            sink.add(
                "CX305",
                f"weight {node.weight:g} of pyramid node {node.label!r} is not positive",
                node.loc("weight"),
                hint="weights are relative shares: 1, 2, 3…",
            )
        if node.id is not None:
            if node.id in seen:
                sink.add(
                    "CX207",
                    f"pyramid {pyramid.id!r} has two nodes with id {node.id!r}",
                    node.loc("id"),
                    hint=f"first at {seen[node.id]}",
                )
            else:
                seen[node.id] = node.loc("id")
        if node.bounds is not None and node.bounds[0] >= node.bounds[1]:
            sink.add(
                "CX307",
                f"bounds [{node.bounds[0]:g}, {node.bounds[1]:g}] of {node.label!r} are empty",
                node.loc("bounds"),
                hint="write them as [low, high]",
            )
        if node.kind != "metric":
            continue
        metric = project.metrics.get(node.ref or "")
        if metric is None or not metric.valid:
            continue
        if pyramid.normalize == "bounds" and node.bounds is None and natural_range(metric, registry) is None:
            sink.add(
                "CX306",
                f"metric {metric.id!r} ({metric.type}) has no natural range: pyramid {pyramid.id!r} "
                "needs `bounds` to score it",
                node.loc("metric"),
                hint="add bounds: [low, high] to this node (values beyond are clamped)",
            )
        if pyramid.normalize == "goal":
            goal = project.goals.get(metric.id)
            if goal is None or goal.warn is None or goal.target is None:
                sink.add(
                    "CX308",
                    f"pyramid {pyramid.id!r} scores by goal, but metric {metric.id!r} has no goal "
                    "with both target and warn",
                    node.loc("metric"),
                    hint="add a goal with target and warn, or use normalize: bounds",
                )
            elif goal.warn == goal.target:
                sink.add(
                    "CX308",
                    f"goal of {metric.id!r} has warn equal to target: pyramid {pyramid.id!r} cannot "
                    "score distance to it",
                    goal.loc("warn"),
                    hint="give warn a different value from target",
                )


def check_day(sink, file, item, field: str, subject: str) -> None:
    """CX100 for a `YYYY-MM-DD` text that is no day of the calendar (2025-13-45, 2025-02-31):
    it passes the schema's pattern, and compares as text after every real day."""
    text = item.get(field)
    if not isinstance(text, str) or len(text) != 10:
        return  # the schema reports the form
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        where = locate(file, item, field)
        message = f"{subject} is {text!r}, not a day of the calendar"
        sink.add("CX100", message, where, hint="an existing day, YYYY-MM-DD")
