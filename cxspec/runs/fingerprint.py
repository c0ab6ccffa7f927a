"""Hashes of what specs mean (not how they are written): a reformatted, reordered or
re-commented spec hashes the same; a changed filter, scale or weight does not."""

from __future__ import annotations

import hashlib
import json

from cxspec.model import SECTIONS


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _digest(value) -> str:
    return hashlib.sha256(_canonical(value).encode("utf-8")).hexdigest()[:16]


def spec_hash(project) -> str:
    """One hash for the whole programme, recorded with every stored result."""
    content = {"config": {k: v for k, v in project.config.raw.items() if k != "version"}}
    for section in SECTIONS:
        content[section] = {key: dict(entity.raw) for key, entity in sorted(project.section(section).items())}
    return _digest(content)


def metric_definition_hash(project, metric) -> str:
    """What a metric measures: its own fields, its source's and its touch point's match."""
    source = project.sources.get(metric.source or "")
    touchpoint = project.touchpoints.get(metric.touchpoint or "")
    fields = {
        k: v
        for k, v in metric.raw.items()
        if k
        not in ("name", "description", "owner", "tracked_by", "tags", "min_sample", "lint", "previous_ids", "issues")
    }
    if metric.previous_ids:  # renamed: hashed under its first id, so its history shows no break
        fields["id"] = metric.previous_ids[0]
    content = {
        "metric": fields,
        # a lint suppression says nothing about what is measured
        "source": {k: v for k, v in source.raw.items() if k != "lint"} if source is not None else None,
        "match": touchpoint.match if touchpoint is not None else None,
    }
    return _digest(content)
