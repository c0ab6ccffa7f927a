"""Stable issue ids: the same problem gets the same id in every run, whatever the period."""

from __future__ import annotations

import hashlib
import json


def issue_id(kind: str, subject: str | None, dimensions: dict | None = None) -> str:
    """`kind-` and 10 hex digits of a hash of the kind, the metric (or touch point) and the
    dimensions: short enough to type in `cxspec issues ack ID`, stable across runs."""
    key = json.dumps([kind, subject or "", dimensions or {}], sort_keys=True, separators=(",", ":"))
    return f"{kind.replace('_', '-')}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:10]}"


def subject_of(issue) -> str | None:
    """What an issue is about: its metric, or for a touch point's issue the touch point."""
    return issue.metric or issue.touchpoint


def id_of(issue) -> str:
    return issue_id(issue.kind, subject_of(issue), getattr(issue, "dimensions", None) or {})
