"""`previous_ids:` name ids no metric has now (CX330), each claimed by one metric (CX331)."""

from __future__ import annotations

from cxspec.model import locate


def check(ctx) -> None:
    project, sink = ctx.project, ctx.sink
    claimed: dict[str, str] = {}
    for metric_id in sorted(project.metrics):
        metric = project.metrics[metric_id]
        listed = metric.raw.get("previous_ids")
        for index, old in enumerate(listed if isinstance(listed, list) else []):
            if not isinstance(old, str):
                continue
            where = locate(metric.file, listed, index)
            if old in project.metrics:
                sink.add(
                    "CX330",
                    f"metric {metric_id!r} lists {old!r} in previous_ids, but metric {old!r} still exists",
                    where,
                    hint=f"remove metric {old!r} (its history carries on under {metric_id!r}) "
                    "or drop it from previous_ids",
                    span=len(old),
                )
            elif old in claimed and claimed[old] == metric_id:  # twice in one list
                sink.add(
                    "CX331",
                    f"metric {metric_id!r} lists {old!r} twice in previous_ids",
                    where,
                    hint=f"keep {old!r} once",
                    span=len(old),
                )
            elif old in claimed:
                sink.add(
                    "CX331",
                    f"metrics {claimed[old]!r} and {metric_id!r} both list {old!r} in previous_ids",
                    where,
                    hint=f"keep {old!r} in the previous_ids of one of them",
                    span=len(old),
                )
            else:
                claimed[old] = metric_id
