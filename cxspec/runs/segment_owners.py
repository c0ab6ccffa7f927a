"""Who an issue in a segment goes to (docs/owners.md, "Segments"): the owner holding the
segment (`owners: [{id, segments: [{region: EMEA}]}]`), else the owner the total's issue has.
The total's owner is told of a held segment's issues as well (`copied_owner`).

An owner holding `{region: EMEA}` also holds its combinations (`{region: EMEA, channel:
phone}`) unless another owner holds the combination itself: the most specific holding wins.
Two owners holding the same segment are a validation error (CX351), so the choice is unique.
"""

from __future__ import annotations

from cxspec.model import segment_covers


def holds(held: dict, dimensions: dict) -> bool:
    """Whether a held segment covers the dimensions of a result or an issue."""
    return bool(held) and segment_covers(held, dimensions)


def segment_owner(project, dimensions: dict) -> str | None:
    """The id of the owner holding the segment `dimensions` most specifically; None for the
    total or when nobody holds it."""
    if not dimensions:
        return None
    best: tuple[int, str] | None = None
    for owner_id in sorted(project.owners):
        for held in project.owners[owner_id].segments:
            if holds(held, dimensions) and (best is None or len(held) > best[0]):
                best = (len(held), owner_id)
    return best[1] if best else None


def total_owner(project, metric) -> str | None:
    """Who the total's issue of `metric` goes to: its owner, else its touch point's, else its
    journey's."""
    touchpoint = project.touchpoints.get(metric.touchpoint) if metric.touchpoint else None
    journey = project.journeys.get(touchpoint.journey) if touchpoint and touchpoint.journey else None
    return metric.owner or (touchpoint and touchpoint.owner) or (journey and journey.owner) or None


def copied_owner(project, metric_id: str | None, dimensions: dict, owner: str | None) -> str | None:
    """The owner told of a segment's issue besides the one it is routed to: the total's owner
    (PRODUCT.md: issues in a held segment go to its holder "as well as to the metric's owner");
    None for the total, an unknown metric, or when both are the same owner."""
    metric = project.metrics.get(metric_id or "")
    if not dimensions or metric is None:
        return None
    also = total_owner(project, metric)
    return also if also and also != owner else None


def segment_label(dimensions: dict) -> str:
    """`region=EMEA`, `region=EMEA, channel=phone`; `total` for no dimensions."""
    if not dimensions:
        return "total"
    return ", ".join(f"{k}={'(none)' if v is None else v}" for k, v in dimensions.items())
