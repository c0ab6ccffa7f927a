"""Segments in reports: the scope a report is about (the total, or one segment with
`cxspec report --segment region=EMEA`) and the league table of segments (each segment's CX
index and its metrics in red in the headline period), for every format alike."""

from __future__ import annotations

import re

from cxspec.grains import leaf_period, metric_grains
from cxspec.model import segment_text
from cxspec.reports.model import SegmentEntry
from cxspec.runs.segment_owners import segment_label, segment_owner
from cxspec.runs.store import dimensions_key


def parse_segment(values) -> dict:
    """`("region=EMEA",)` or `("region=EMEA,channel=phone",)` as {"region": "EMEA", …}; an
    empty value (`region=`) is the segment of events without one (null); a value may hold `=`
    and commas (`region=A,B`). Raises ValueError."""
    found: dict = {}
    for value in values:
        for part in _COMMA.split(value):
            name, sep, text = part.partition("=")
            name = name.strip()
            if not sep or not name:
                raise ValueError(f"{part!r} is not DIMENSION=VALUE (e.g. region=EMEA)")
            if name in found:
                raise ValueError(f"{name} is given twice: a segment has one value per dimension")
            found[name] = text if text != "" else None
    return found


#: A comma that starts the next DIMENSION=: one inside a value stays (`region=A,B`).
_COMMA = re.compile(r",(?=\s*[A-Za-z_][A-Za-z0-9_]*\s*=)")


def in_scope(dimensions: dict | None, segment: dict | None) -> bool:
    """Whether a row or an issue with `dimensions` belongs to the report of `segment`."""
    return dimensions_key(dimensions or {}) == dimensions_key(_text(segment))


def _text(segment: dict | None) -> dict:
    return {k: segment_text(v) for k, v in (segment or {}).items()}


def stored_segments(results) -> list[dict]:
    """Every segment stored, in a stable order."""
    seen = {dimensions_key(r.dimensions): r.dimensions for r in results if r.dimensions}
    return [dict(seen[k]) for k in sorted(seen)]


def main_pyramid(project):
    if not project.pyramids:
        return None
    return project.pyramids.get("cx-index") or project.pyramids[sorted(project.pyramids)[0]]


def league(project, results, scores, issues, latest: str | None, registry=None) -> list[SegmentEntry]:
    """A line per segment with results in `latest`: best index first (unscored last), then by label.

    The index is the stored pyramid score of the segment; where none is stored, it is scored
    here from the segment's results with the stored scores' tree (`pyramid_score`)."""
    if latest is None:
        return []
    pyramid = main_pyramid(project)
    entries: dict[str, SegmentEntry] = {}
    grain = project.config.grain
    own = {m: leaf_period(latest, grain, g) for m, g in metric_grains(project).items()}  # cxspec/grains.py
    grains = metric_grains(project)
    history: dict[str, dict[tuple, object]] = {}  # segment → (metric, period) → result
    for r in results:
        if r.dimensions:
            history.setdefault(dimensions_key(r.dimensions), {})[(r.metric, r.period)] = r
        if not r.dimensions or r.period != own.get(r.metric, latest):
            continue
        key = dimensions_key(r.dimensions)
        entry = entries.get(key)
        if entry is None:
            dims = dict(r.dimensions)
            entry = entries[key] = SegmentEntry(dims, segment_label(dims), owner=segment_owner(project, dims))
        if r.metric not in project.metrics:
            continue
        entry.values[r.metric] = {"value": r.value, "n": r.n, "status": r.status}
        if r.status == "red":
            entry.red.append(r.metric)
    if pyramid is not None:
        for s in scores:
            dims = getattr(s, "dimensions", None) or {}
            entry = entries.get(dimensions_key(dims)) if dims else None
            if entry is None or s.pyramid != pyramid.id or s.node != pyramid.id:
                continue
            if s.period == latest:
                entry.index, entry.coverage = s.score, s.coverage
            elif s.period < latest:
                entry.previous = s.score  # scores come ordered by period: the last earlier one stays
    if pyramid is not None and registry is not None:
        for key, entry in entries.items():
            if entry.index is not None:
                continue
            rows = history.get(key, {})

            def at(period, rows=rows):  # each leaf at its own grain's period (cxspec/grains.py)
                picked = {m: rows.get((m, leaf_period(period, grain, g))) for m, g in grains.items()}
                return {m: r for m, r in picked.items() if r is not None}

            entry.index, entry.coverage = pyramid_score(project, registry, pyramid, at(latest))
            earlier = sorted({p for (m, p) in rows if p < latest and grains.get(m) == grain})
            if earlier:
                entry.previous = pyramid_score(project, registry, pyramid, at(earlier[-1]))[0]
    for issue in issues:
        entry = entries.get(dimensions_key(issue.dimensions)) if issue.dimensions else None
        if entry is not None:
            entry.issues += 1
    for entry in entries.values():
        entry.red.sort()
    return sorted(entries.values(), key=lambda e: (e.index is None, -(e.index or 0.0), e.label))


def scope_line(report) -> str | None:
    """ "Segment region=EMEA (owner emea-cx)" for a segment's report; None for the total's."""
    if not report.segment:
        return None
    from cxspec.runs.segment_owners import segment_label as label

    held = next((e.owner for e in report.segments if in_scope(e.dimensions, report.segment)), None)
    return f"Segment {label(report.segment)}" + (f" (owner {held})" if held else "") + ": only its rows"


def red_names(report, entry: SegmentEntry, limit: int = 4) -> str:
    """The names of a segment's metrics in red, the first `limit` of them."""
    names = [report.metric_by_id[m].name if m in report.metric_by_id else m for m in entry.red]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def pyramid_score(project, registry, pyramid, results: dict) -> tuple[float | None, float | None]:
    """(score, coverage) of a pyramid's root over one period's results (metric → result), as
    the stored scores compute it (cxspec/runs/scoring.py): leaves scaled onto 0–100 by the
    shape's bounds, inverted when asked, clamped; insufficient samples and missing values left
    out; a group the weighted mean of its children that have a score."""
    from cxspec.runs.scoring import pyramid_shape

    shape = pyramid_shape(project, registry)
    children: dict[str, list[tuple[float, float]]] = {}
    for pyr, _node, parent, metric, weight, low, high, invert in shape.leaves:
        r = results.get(metric)
        if (
            pyr != pyramid.id
            or r is None
            or r.value is None
            or r.status == "insufficient_sample"
            or high == low
        ):
            continue
        value = 100 * (r.value - low) / (high - low)
        value = 100 - value if invert else value
        children.setdefault(parent, []).append((weight, min(max(value, 0.0), 100.0)))
    root: tuple[float, float | None] | None = None
    for _pyr, node, parent, weight, _depth, declared in sorted(
        (g for g in shape.groups if g[0] == pyramid.id), key=lambda g: -g[4]
    ):
        below = children.get(node, [])
        if not below:
            continue
        total = sum(w for w, _ in below)
        score = sum(w * s for w, s in below) / total
        if parent is None:
            root = (score, total / declared if declared else None)
        else:
            children.setdefault(parent, []).append((weight, score))
    return (None, None) if root is None else (round(root[0], 10), root[1])
