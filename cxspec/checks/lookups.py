"""Lookup dimensions (`{name, from, column}`): the source they name exists (CX202), both
sources have an `entity` to join on (CX332), and `expr`/`column` are used only where they
apply (CX311)."""

from __future__ import annotations

from cxspec.suggest import did_you_mean


def check(ctx) -> None:
    project, sink = ctx.project, ctx.sink
    for source_id in sorted(project.sources):
        source = project.sources[source_id]
        for dimension in source.dimensions:
            if dimension.lookup is None:
                if dimension.column is not None:
                    sink.add(
                        "CX311",
                        f"column has no effect on dimension {dimension.name!r}, which is not looked up",
                        dimension.loc("column"),
                        hint="add `from: SOURCE` to look it up in another source, or remove column",
                    )
                continue
            if dimension.expr is not None:
                sink.add(
                    "CX311",
                    f"dimension {dimension.name!r} has both expr and from",
                    dimension.loc("expr"),
                    hint="a dimension is an expression over this source or a column looked up in another",
                )
                continue
            other = project.sources.get(dimension.lookup)
            if other is None:
                sink.add(
                    "CX202",
                    f"unknown source {dimension.lookup!r}",
                    dimension.loc("from"),
                    hint=did_you_mean(dimension.lookup, project.sources) or "no source has this id",
                    span=len(dimension.lookup),
                )
                continue
            for holder, where in ((source, "this source"), (other, f"source {other.id!r}")):
                if not holder.entity:
                    sink.add(
                        "CX332",
                        f"dimension {dimension.name!r} is looked up by entity, but {where} has no entity",
                        dimension.loc("from"),
                        hint=f"give {where} `entity: COLUMN` (the customer key both sources share)",
                        span=len(dimension.lookup),
                    )
                    break
