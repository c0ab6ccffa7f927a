"""Segments (`segments:` of cxspec.yaml) and goal overrides per segment: every dimension is
declared by a source (CX340), no segment is written twice (CX341), no dimension twice in one
segment (CX342); an override's `where:` names dimensions of one segment (CX343), and no two
overrides of a goal have the same `where:` (CX344)."""

from __future__ import annotations

from cxspec.locations import locate
from cxspec.suggest import did_you_mean
from cxspec.yamlread import YamlSeq


def declared_dimensions(project) -> set[str]:
    return {d.name for source in project.sources.values() for d in source.dimensions}


def check(ctx) -> None:
    project, sink = ctx.project, ctx.sink
    config = project.config
    items = config.raw.get("segments") if hasattr(config.raw, "get") else None
    known = declared_dimensions(project)
    seen: dict[frozenset, int] = {}
    if isinstance(items, YamlSeq):
        for index, item in enumerate(items):
            names = [item] if isinstance(item, str) else item if isinstance(item, YamlSeq) else []
            if not names or not all(isinstance(n, str) for n in names):
                continue  # the schema reports it

            def where(position, item=item, index=index):
                if isinstance(item, YamlSeq):
                    return locate(config.file, item, position)
                return locate(config.file, items, index)

            for position, name in enumerate(names):
                if name not in known:
                    sink.add(
                        "CX340",
                        f"unknown segment dimension {name!r}: no source declares it",
                        where(position),
                        hint=did_you_mean(name, sorted(known))
                        or "declare it under a source's `dimensions:` (a column, an expr or a lookup)",
                        span=len(name),
                    )
                elif name in names[:position]:
                    sink.add(
                        "CX342",
                        f"dimension {name!r} is twice in one segment",
                        where(position),
                        hint="a segment lists each dimension once",
                        span=len(name),
                    )
            key = frozenset(names)
            if key in seen:
                sink.add(
                    "CX341",
                    f"segment [{', '.join(names)}] is written twice",
                    locate(config.file, items, index),
                    hint=f"item {seen[key] + 1} of segments: already has these dimensions",
                )
            else:
                seen[key] = index
    segment_sets = set(seen)
    for goal_id in sorted(project.goals):
        goal = project.goals[goal_id]
        wheres: list[frozenset] = []
        for override in goal.segments:
            key = frozenset(override.where)
            if key not in segment_sets:
                written = ", ".join(sorted(override.where))
                sink.add(
                    "CX343",
                    f"goal of {goal_id!r}: no segment has exactly the dimensions {written}",
                    override.loc("where"),
                    hint="add the segment to `segments:` of cxspec.yaml, or name its dimensions in `where:`",
                )
            pair = frozenset(override.where.items())
            if pair in wheres:
                sink.add(
                    "CX344",
                    f"goal of {goal_id!r}: two overrides for the same segment",
                    override.loc("where"),
                    hint="one override per segment value",
                )
            wheres.append(pair)
