"""Segment values the specs name but no stored row has (CX620, a warning after `run`), and
segments with more values than a run keeps (CX621, an error before storing): a
goal's override `where: {region: EMAE}` or an owner's `segments: [{region: Atlantis}]` would
otherwise apply to nothing without a word (a misspelt value, a region renamed in the data).
Validation cannot tell (the values are in the data); the run's stored rows can."""

from __future__ import annotations

from cxspec.diagnostics import DiagnosticSink, Severity, SpecError
from cxspec.locations import locate
from cxspec.model import segment_covers, segment_text
from cxspec.runs.segment_owners import segment_label
from cxspec.suggest import did_you_mean


def stored_segments(results) -> set[tuple]:
    """The distinct segments of `results`, each as its (dimension, value) pairs sorted by name."""
    # distinct first: a run stores 100k+ rows, a few hundred segments, a dict shared per segment
    shared = {id(r.dimensions): r.dimensions for r in results if r.dimensions}
    distinct = {tuple(d.items()) for d in shared.values()}
    return {tuple(sorted(items, key=lambda kv: kv[0])) for items in distinct}


def unmatched_segments(project, results) -> list:
    """CX620 for each override and held segment that matches no stored row's dimensions."""
    stored = stored_segments(results)
    if not stored:  # no segment stored (none configured, or the run failed): nothing to tell
        return []
    found = [dict(s) for s in stored]
    sink = DiagnosticSink()

    def tell(where: dict, what: str, location) -> None:
        if any(segment_covers(where, dims) for dims in found):
            return
        name = next(iter(where))
        values = sorted({segment_text(d[name]) for d in found if name in d and d[name] is not None})
        close = did_you_mean(segment_text(where[name]) or "", values)
        listed = ", ".join(repr(v) for v in values[:10]) + (
            f" … ({len(values) - 10:,} more)" if len(values) > 10 else ""
        )
        sink.add(
            "CX620",
            f"{what} segment {segment_label(where)}, which no stored row has: it applies to nothing",
            location,
            hint=(f"{close} " if close else "") + f"stored values of {name}: {listed or 'none'}",
            severity=Severity.WARNING,
            span=len(name),
        )

    for goal_id in sorted(project.goals):
        for override in project.goals[goal_id].segments:
            if override.where:
                tell(override.where, f"goal {goal_id!r} sets targets in", override.loc("where"))
    for owner_id in sorted(project.owners):
        owner = project.owners[owner_id]
        items = owner.raw.get("segments") if hasattr(owner.raw, "get") else None
        for index, held in enumerate(owner.segments):
            if held and items is not None and index < len(items):
                tell(held, f"owner {owner_id!r} holds", locate(owner.file, items, index))
    return sink.items


#: The most values one segment of `segments:` may have in a run (docs/limits.md): a segment is a
#: unit that acts (a region, a channel, a store, a team), and a customer id or a ticket id
#: given by mistake made 50,000 segments, a 26 MB report, an issue per customer and as many
#: notifications.
MAX_SEGMENT_VALUES = 10_000


class TooManySegments(SpecError):
    """A segment with more values than MAX_SEGMENT_VALUES: nothing is stored."""

    summary = "cxspec: a segment has too many values; nothing was stored"


def refuse_too_many_segments(project, results) -> None:
    """CX621 at the `segments:` item of cxspec.yaml whose dimensions have more than
    MAX_SEGMENT_VALUES values among `results` (before anything is stored)."""
    if not project.segments:
        return
    counts: dict[frozenset, int] = {}
    for items in stored_segments(results):
        key = frozenset(name for name, _ in items)
        counts[key] = counts.get(key, 0) + 1
    config = project.config
    raw = config.raw.get("segments") if hasattr(config.raw, "get") else None
    sink = DiagnosticSink()
    for index, names in enumerate(project.segments):
        found = counts.get(frozenset(names), 0)
        if found <= MAX_SEGMENT_VALUES:
            continue
        label = ", ".join(names)
        sink.add(
            "CX621",
            f"segment [{label}] has {found:,} values in the data, more than {MAX_SEGMENT_VALUES:,}",
            locate(config.file, raw, index) if raw is not None else locate(config.file, config.raw),
            hint="a segment is a unit that acts (a region, a channel, a store): slice by an identifier "
            f"with `cxspec query --by {names[0]}` instead, or segment by a coarser dimension",
            span=len(names[0]) if len(names) == 1 else 1,
        )
    if sink.items:
        error = TooManySegments(sink.items)
        error.root = project.root
        raise error
