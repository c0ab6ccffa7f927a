"""Every reference names an item that exists (CX202), and stages belong to journeys (CX203)."""

from __future__ import annotations

from cxspec.model import locate
from cxspec.suggest import did_you_mean


def _ref(sink, entity, field, value, targets: dict, what: str, loc=None) -> None:
    if value is None or value in targets:
        return
    sink.add(
        "CX202",
        f"unknown {what} {value!r}",
        loc or entity.loc(field),
        hint=did_you_mean(value, targets)
        or (f"no {what} has this id" if targets else f"no {what}s are defined"),
        span=len(str(value)) if loc is None else 1,
    )


def check(ctx) -> None:
    project, registry, sink = ctx.project, ctx.registry, ctx.sink
    owners = project.owners
    for owner in owners.values():
        _ref(sink, owner, "parent", owner.parent, owners, "owner")
    for source in project.sources.values():
        _ref(sink, source, "owner", source.get("owner"), owners, "owner")
    for journey in project.journeys.values():
        _ref(sink, journey, "owner", journey.owner, owners, "owner")
        seen: set[str] = set()
        raw_stages = journey.raw.get("stages")
        # index the list as written: journey.stages leaves out what is not a string
        for index, stage in enumerate(raw_stages if isinstance(raw_stages, list) else []):
            if not isinstance(stage, str):
                continue
            if stage in seen:
                sink.add(
                    "CX209",
                    f"journey {journey.id!r} lists stage {stage!r} twice",
                    locate(journey.file, raw_stages, index),
                    span=len(stage),
                )
            seen.add(stage)
    for touchpoint in project.touchpoints.values():
        _ref(sink, touchpoint, "owner", touchpoint.owner, owners, "owner")
        _ref(sink, touchpoint, "journey", touchpoint.journey, project.journeys, "journey")
        journey = project.journeys.get(touchpoint.journey or "")
        if (
            journey is not None
            and journey.valid
            and touchpoint.stage
            and touchpoint.stage not in journey.stages
        ):
            sink.add(
                "CX203",
                f"stage {touchpoint.stage!r} is not a stage of journey {journey.id!r}",
                touchpoint.loc("stage"),
                hint=did_you_mean(touchpoint.stage, journey.stages)
                or f"its stages: {', '.join(journey.stages)}",
                span=len(touchpoint.stage),
            )
    for metric in project.metrics.values():
        _ref(sink, metric, "source", metric.source, project.sources, "source")
        _ref(sink, metric, "owner", metric.owner, owners, "owner")
        _ref(sink, metric, "tracked_by", metric.tracked_by, owners, "owner")
        _ref(sink, metric, "touchpoint", metric.touchpoint, project.touchpoints, "touch point")
        metric_type = registry.metric_types.get(metric.type)
        if metric_type is not None and metric.valid:
            for target, field in metric_type.depends_on(metric):
                # Names in an expression are reported where they stand in it (CX506, fragments.py).
                if field not in metric_type.metric_expression_fields:
                    _ref(sink, metric, field, target, project.metrics, "metric")
    for goal in project.goals.values():
        _ref(sink, goal, "metric", goal.id, project.metrics, "metric")
        _ref(sink, goal, "owner", goal.owner, owners, "owner")
    for pyramid in project.pyramids.values():
        _ref(sink, pyramid, "owner", pyramid.owner, owners, "owner")
        for node in pyramid.nodes():
            _ref(sink, node, "owner", node.owner, owners, "owner")
            if node.kind == "metric":
                _ref(sink, node, "metric", node.ref, project.metrics, "metric")
            elif node.kind == "pyramid":
                _ref(sink, node, "pyramid", node.ref, project.pyramids, "pyramid")
