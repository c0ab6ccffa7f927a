"""Who an issue in a segment goes to (docs/owners.md, "Segments"): the owner holding the
segment (`owners: [{id, segments: [{region: EMEA}]}]`), else the owner the total's issue has.

An owner holding `{region: EMEA}` also holds its combinations (`{region: EMEA, channel:
phone}`) unless another owner holds the combination itself: the most specific holding wins.
Two owners holding the same segment are a validation error (CX351), so the choice is unique.
"""

from __future__ import annotations


def same_value(value, wanted) -> bool:
    """A stored dimension value equals a value written in YAML (which may read 2024 as a number)."""
    if value is None or wanted is None:
        return value is None and wanted is None
    return str(value) == str(wanted)


def holds(held: dict, dimensions: dict) -> bool:
    """Whether a held segment covers the dimensions of a result or an issue."""
    return bool(held) and all(k in dimensions and same_value(dimensions[k], v) for k, v in held.items())


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


def segment_label(dimensions: dict) -> str:
    """`region=EMEA`, `region=EMEA, channel=phone`; `total` for no dimensions."""
    if not dimensions:
        return "total"
    return ", ".join(f"{k}={'(none)' if v is None else v}" for k, v in dimensions.items())
