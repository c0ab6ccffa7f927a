"""A metric's own `grain:` is at or above the project's and made of its periods (CX335); a
metric computed from others is not finer than any of them (CX336)."""

from __future__ import annotations

from cxspec.grains import metric_grain, nests


def check(ctx) -> None:
    project, sink, registry = ctx.project, ctx.sink, ctx.registry
    project_grain = project.config.grain
    for metric_id in sorted(project.metrics):
        metric = project.metrics[metric_id]
        if metric.grain is not None and not nests(project_grain, metric.grain):
            sink.add(
                "CX335",
                f"metric {metric_id!r} has grain {metric.grain!r}, which is not made of the "
                f"project's {project_grain!r} periods",
                metric.loc("grain"),
                hint=f"use a grain at or above {project_grain!r} that its periods add up to "
                "(day → any; week → week; month → quarter, year; quarter → year), or remove grain",
                span=len(metric.grain),
            )
            continue
        metric_type = registry.metric_types.get(metric.type)
        if metric_type is None:
            continue
        grain = metric_grain(project, metric)
        for dependency, field_name in metric_type.depends_on(metric):
            other = project.metrics.get(dependency)
            if other is None:
                continue
            other_grain = metric_grain(project, other)
            if not nests(other_grain, grain) and nests(project_grain, other_grain):
                sink.add(
                    "CX336",
                    f"metric {metric_id!r} (grain {grain!r}) is computed from {dependency!r}, "
                    f"which has grain {other_grain!r}",
                    metric.loc("grain" if metric.grain is not None else field_name),
                    hint=f"give {metric_id!r} `grain: {other_grain}` (its inputs are computed at its grain)",
                )
                break
