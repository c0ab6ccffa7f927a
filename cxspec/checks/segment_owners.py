"""Owners holding segments (`owners: [{id, segments: [{region: EMEA}]}]`): each held segment
names the dimensions of a segment of `segments:` in cxspec.yaml (CX350), and no two owners
hold the same segment (CX351), so that every issue in a segment has one owner."""

from __future__ import annotations

from cxspec.locations import locate
from cxspec.model import segment_text
from cxspec.suggest import did_you_mean
from cxspec.yamlread import YamlMap, YamlSeq


def configured_segments(project) -> list[tuple[str, ...]]:
    """The segments of cxspec.yaml, each as its dimension names."""
    return list(getattr(project.config, "segments", None) or [])


def check(ctx) -> None:
    project, sink = ctx.project, ctx.sink
    segments = {frozenset(s) for s in configured_segments(project)}
    names = sorted({n for s in segments for n in s})
    held: dict[tuple, str] = {}
    for owner_id in sorted(project.owners):
        owner = project.owners[owner_id]
        items = owner.raw.get("segments") if hasattr(owner.raw, "get") else None
        if not isinstance(items, YamlSeq):
            continue
        for index, item in enumerate(items):
            if not isinstance(item, YamlMap) or not item:
                continue  # the schema reports it
            if frozenset(item) not in segments:
                unknown = [k for k in item if k not in names]
                first = unknown[0] if unknown else next(iter(item))
                if unknown:
                    message = (
                        f"owner {owner_id!r} holds a segment by {first!r}, which no segment of cxspec.yaml has"
                    )
                    hint = did_you_mean(first, names) or _listed(segments)
                else:
                    listed = ", ".join(item)
                    message = f"owner {owner_id!r} holds segment [{listed}], which cxspec.yaml does not compute"
                    hint = _listed(segments)
                sink.add(
                    "CX350",
                    message,
                    locate(owner.file, item, first, key=True),
                    hint=hint,
                    span=len(str(first)),
                )
            key = tuple(sorted((k, segment_text(v)) for k, v in item.items()))
            if key in held:
                sink.add(
                    "CX351",
                    f"owners {held[key]!r} and {owner_id!r} both hold segment "
                    + ", ".join(f"{k}={v}" for k, v in item.items()),
                    locate(owner.file, items, index),
                    hint="a segment's issues go to one owner: keep it in one owner's segments",
                )
            else:
                held[key] = owner_id


def _listed(segments) -> str:
    if not segments:
        return "add `segments:` to cxspec.yaml (e.g. `segments: [region]`) first"
    listed = "; ".join("[" + ", ".join(sorted(s)) + "]" for s in sorted(segments, key=sorted))
    return f"segments computed: {listed}"
