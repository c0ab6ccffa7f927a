"""The issues a report lists, with their stored state: age, status and latest note.

The issues detected in the latest period come first (as detected, each with its state);
then the issues resolved in that period, which the data no longer shows, so that every
transition of the latest run is in every report format.
"""

from __future__ import annotations

from dataclasses import replace


def _state(record) -> dict:
    note = record.latest_note
    return {
        "status": record.status,
        "first_period": record.first_period,
        "periods_open": record.periods_open,
        "times_reopened": record.times_reopened,
        "note": {"at": note.at, "by": note.by, "status": note.status, "note": note.note} if note else None,
    }


def with_states(project, issues: list, records: dict, latest: str | None) -> list:
    """`issues` (detected in `latest`) with their states, then those resolved in `latest`."""
    from cxspec.runs.issues import Issue

    out = [replace(i, **_state(records[i.id])) if i.id in records else i for i in issues]
    detected = {i.id for i in issues}
    for issue_id in sorted(records):
        record = records[issue_id]
        if issue_id in detected or record.status != "resolved" or record.resolved_in != latest:
            continue
        is_metric = record.metric in project.metrics
        touchpoint = project.touchpoints.get(record.metric) if not is_metric else None
        out.append(
            Issue(
                kind=record.kind,
                period=record.last_period,
                owner=record.owner,
                message=record.message,
                metric=record.metric if is_metric else None,
                touchpoint=touchpoint.id if touchpoint is not None else None,
                journey=touchpoint.journey if touchpoint is not None else None,
                severity=record.severity,
                dimensions=dict(record.dimensions),
                id=record.id,
                **_state(record),
            )
        )
    return out


def state_line(issue) -> str | None:
    """The state of a listed issue in words ("acknowledged · 3 periods since 2026-02-01 ·
    reopened 1× · note by dana: …"); None when no state is stored."""
    if getattr(issue, "status", None) is None:
        return None
    parts = [issue.status]
    if issue.periods_open:
        plural = "s" if issue.periods_open != 1 else ""
        parts.append(f"{issue.periods_open} period{plural} since {issue.first_period}")
    if issue.times_reopened:
        parts.append(f"reopened {issue.times_reopened}×")
    note = issue.note
    if note and note.get("by") != "cxspec":
        parts.append(f"note by {note['by']}: {note['note']}")
    return " · ".join(parts)
