"""Helpers lint rules use to report a finding at the spec item it is about."""

from __future__ import annotations

from cxspec.diagnostics import Diagnostic, Location, Severity
from cxspec.model import Located, locate


def finding(
    rule,
    item: Located,
    message: str,
    *,
    field: str | None = None,
    hint: str | None = None,
    index: int | None = None,
) -> Diagnostic:
    """A diagnostic of `rule` at `item` (or its `field`'s value, or element `index` of that list)."""
    if index is not None and field is not None and field in item.raw:
        location = locate(item.file, item.raw[field], index)
    else:
        location = item.loc(field)
    span = len(str(item.raw.get(field, ""))) if field and index is None else 1
    return at(rule, location, message, hint=hint, span=span)


def at(rule, location: Location, message: str, *, hint: str | None = None, span: int = 1) -> Diagnostic:
    return Diagnostic(
        code=rule.code,
        message=message,
        location=location,
        severity=Severity(rule.default_severity),
        hint=hint,
        span=max(1, span),
    )
