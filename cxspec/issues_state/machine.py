"""The life of an issue, as pure functions over records (storage: table.py).

- An issue seen for the first time is `open` (transition `new`).
- Seen again: it keeps its state; when the period is a later one, `last_period` moves on
  and `periods_open` counts it. An `open` issue seen in its `escalate_after`-th period is
  `escalated` (its state stays `open`: the transition is what notifications use).
- An `open` or `acknowledged` issue not seen in the latest period is `resolved` by data; one
  whose metric, touch point or segment the project no longer measures is `resolved` with a
  note saying so (nothing was seen because nothing looked).
- A `resolved` issue seen in a period later than its `last_period` is reopened (`open`,
  `times_reopened` + 1). A rerun of the period a person resolved it in does not reopen it.
- People: `ack` (open or acknowledged → acknowledged), `resolve` (open or acknowledged →
  resolved), `reopen` (resolved → open, counted as a reopening). Anything else is refused.

Every change of state is a note (at, by, status, note): the history is the notes.

A metric renamed with `previous_ids:` keeps its issues: ids hash the metric id, so each issue
of an earlier id moves to the id it has now, with its state, counts and history, and a note
of the rename (`renamed`), before the run's issues are matched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from cxspec.diagnostics import CxspecError
from cxspec.issues_state.ids import id_of, subject_of
from cxspec.issues_state.ids import issue_id as id_for

STATES = ("open", "acknowledged", "resolved")
#: Who writes the notes of transitions the data makes.
SYSTEM = "cxspec"
#: Transitions a run can make (`escalated` and `resolved` are sent only when `on:` asks).
TRANSITIONS = ("new", "reopened", "escalated", "resolved")
ACTIONS = {"ack": "acknowledged", "resolve": "resolved", "reopen": "open"}


class StateError(CxspecError):
    """A person's action that the issue's state does not allow."""


@dataclass(frozen=True)
class Note:
    at: str  # 'YYYY-MM-DD HH:MM:SS' UTC
    by: str
    status: str
    note: str


@dataclass(frozen=True)
class IssueRecord:
    id: str
    kind: str
    metric: str | None  # the metric, or for a touch point's issue the touch point
    dimensions: dict
    owner: str | None
    status: str
    first_period: str
    last_period: str
    periods_open: int = 1
    times_reopened: int = 0
    notes: tuple[Note, ...] = field(default_factory=tuple)
    severity: str = "warning"
    message: str = ""
    #: The latest period when it was resolved (None while it is not): reports list the
    #: issues resolved in their latest period.
    resolved_in: str | None = None

    def to_contract(self) -> dict:
        """The JSON of `cxspec issues --format json` (docs/closing-the-loop.md)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "metric": self.metric,
            "dimensions": dict(self.dimensions),
            "owner": self.owner,
            "status": self.status,
            "first_period": self.first_period,
            "last_period": self.last_period,
            "periods_open": self.periods_open,
            "times_reopened": self.times_reopened,
            "notes": [{"at": n.at, "by": n.by, "status": n.status, "note": n.note} for n in self.notes],
        }

    @property
    def latest_note(self) -> Note | None:
        return self.notes[-1] if self.notes else None


@dataclass(frozen=True)
class Transition:
    kind: str  # one of TRANSITIONS
    period: str
    record: IssueRecord  # the issue after it


def no_longer_measured(project) -> Callable[[IssueRecord], str | None]:
    """Why an issue's subject is no longer measured by `project` (None while it is): its metric
    or touch point is gone from the specs, or its segment's dimensions from `segments:`. Such an
    issue was "not seen" only because nothing looked: removing `segments:` resolved every
    segment's issue "by data", in the very period whose data had raised it."""
    sets = {frozenset(s) for s in project.segments}

    def reason(record: IssueRecord) -> str | None:
        subject = record.metric
        if subject is not None and subject not in project.metrics and subject not in project.touchpoints:
            return f"{subject!r} is no longer a metric or touch point of the project"
        if record.dimensions and frozenset(record.dimensions) not in sets:
            names = ", ".join(sorted(record.dimensions))
            return f"cxspec.yaml has no segment by {names} any more"
        return None

    return reason


def advance(
    records: dict[str, IssueRecord],
    seen: list,
    period: str,
    at: str,
    *,
    escalate_after: int = 3,
    gone: Callable[[IssueRecord], str | None] | None = None,
) -> tuple[dict[str, IssueRecord], list[Transition]]:
    """The records after a run whose latest period is `period` found the issues `seen`, and
    the transitions that made; in a stable order (ids sorted). `gone` (no_longer_measured):
    an issue no longer measured is resolved with a note that says why, not "by data"."""
    out = dict(records)
    transitions: list[Transition] = []
    found = {}
    for issue in seen:
        found.setdefault(id_of(issue), issue)
    for issue_id in sorted(found):
        issue = found[issue_id]
        before = out.get(issue_id)
        fresh = dict(owner=issue.owner, severity=issue.severity, message=issue.message)
        if before is None:
            note = Note(at, SYSTEM, "open", f"new in {period}: {issue.message}")
            record = IssueRecord(
                issue_id, issue.kind, subject_of(issue), dict(getattr(issue, "dimensions", None) or {}),
                status="open", first_period=period, last_period=period, notes=(note,), **fresh,
            )  # fmt: skip
            transitions.append(Transition("new", period, record))
        elif before.status == "resolved":
            if period <= before.last_period:
                out[issue_id] = replace(before, **fresh)
                continue
            note = Note(at, SYSTEM, "open", f"seen again in {period}: {issue.message}")
            record = replace(
                before, status="open", resolved_in=None, last_period=period, periods_open=before.periods_open + 1,
                times_reopened=before.times_reopened + 1, notes=(*before.notes, note), **fresh,
            )  # fmt: skip
            transitions.append(Transition("reopened", period, record))
        else:
            later = period > before.last_period
            record = replace(
                before,
                last_period=max(period, before.last_period),
                periods_open=before.periods_open + (1 if later else 0),
                **fresh,
            )
            if later and record.status == "open" and record.periods_open == escalate_after:
                transitions.append(Transition("escalated", period, record))
        out[issue_id] = record
    for issue_id in sorted(out):
        record = out[issue_id]
        if issue_id in found or record.status == "resolved":
            continue
        why = gone(record) if gone is not None else None
        if why:
            text = f"not measured in {period}: {why}; resolved"
        else:
            text = f"not seen in {period}: resolved by data"
        note = Note(at, SYSTEM, "resolved", text)
        record = replace(record, status="resolved", resolved_in=period, notes=(*record.notes, note))
        out[issue_id] = record
        transitions.append(Transition("resolved", period, record))
    return out, transitions


def renamed(
    records: dict[str, IssueRecord], renames: dict[str, str], at: str
) -> tuple[dict[str, IssueRecord], list[str]]:
    """The records with the issues of earlier metric ids (`renames`: old id → id now) under
    the metric's id now, and the ids they had. An issue the new id already has is kept as it
    is (the old one stays, and the data resolves it)."""
    out = dict(records)
    gone: list[str] = []
    for old_issue in sorted(records):
        record = records[old_issue]
        new = renames.get(record.metric) if record.metric is not None else None
        if new is None:
            continue
        new_issue = id_for(record.kind, new, record.dimensions)
        if new_issue in out:
            continue
        text = f"metric {record.metric} renamed {new} (previous_ids): was issue {old_issue}"
        note = Note(at, SYSTEM, record.status, text)
        out[new_issue] = replace(record, id=new_issue, metric=new, notes=(*record.notes, note))
        del out[old_issue]
        gone.append(old_issue)
    return out, gone


def act(record: IssueRecord, action: str, note: str | None, by: str, at: str) -> IssueRecord:
    """A person's action on an issue: `ack`, `resolve` or `reopen` (StateError if not allowed)."""
    allowed = {"ack": ("open", "acknowledged"), "resolve": ("open", "acknowledged"), "reopen": ("resolved",)}
    if action not in allowed:
        raise StateError(f"unknown action {action!r}: use ack, resolve or reopen")
    if record.status not in allowed[action]:
        hint = {"resolved": "reopen it first", "open": "it is open", "acknowledged": "it is acknowledged"}
        raise StateError(f"issue {record.id} is {record.status}: cannot {action} it ({hint[record.status]})")
    status = ACTIONS[action]
    text = note or {"ack": "acknowledged", "resolve": "resolved", "reopen": "reopened"}[action]
    changed = replace(record, status=status, notes=(*record.notes, Note(at, by, status, text)))
    if action == "reopen":
        changed = replace(changed, times_reopened=record.times_reopened + 1, resolved_in=None)
    elif action == "resolve":
        changed = replace(changed, resolved_in=record.last_period)
    return changed
