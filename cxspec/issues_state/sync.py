"""Issue states after a run, and people's actions on them, stored in one transaction each.

`state_period` says which period decides what is open: the latest stored period now (one
place to change when runs learn which periods are complete).
"""

from __future__ import annotations

from collections.abc import Callable

from cxspec.issues_state.machine import IssueRecord, Transition, act, advance, no_longer_measured, renamed
from cxspec.issues_state.table import (
    ISSUE_COLUMNS,
    ISSUE_KEY,
    ISSUES,
    IssueStateError,
    delete_issues,
    ensure_table,
    project_lock,
    read_issues,
    refuse_unsupported,
    supports_state,
    write_issues,
)
from cxspec.runs.segment_issues import detect_all

#: Transition hooks run inside the transaction that stores the transitions (the outbox).
OnTransitions = Callable[[object, list[Transition]], None]


def state_period(results, grain: str) -> str | None:
    """The period whose issues decide the states: the latest complete one stored without
    dimensions (cxspec/periods.py); None while no period is complete, so that a one-day month
    neither raises nor resolves anything."""
    from cxspec.grains import at_grain
    from cxspec.periods import headline_period, in_progress

    computed: dict[str, str] = {}
    totals = [r for r in results if not r.dimensions]  # 2,400 of a segmented run's 169,200 rows
    for r in at_grain(totals, grain):
        if r.computed_at and (r.period not in computed or r.computed_at < computed[r.period]):
            computed[r.period] = r.computed_at
    periods = sorted(computed)
    period = headline_period(periods, computed, grain, None)
    return None if period is None or period in in_progress(periods, computed, grain) else period


def sync_issues(
    warehouse, project, registry, results, at: str, *, escalate_after: int = 3, on_transitions=None
) -> list[Transition]:
    """Move every stored issue of the project on by what `results` show; return the
    transitions. Engines without issue states (Spark) are left alone: nothing is kept."""
    if not supports_state(warehouse):
        return []
    period = state_period(results, project.config.grain)
    if period is None:
        return []
    seen = detect_all(project, registry, results, period)  # the total's and every segment's
    project_id = project.config.project
    with warehouse.transaction():
        project_lock(warehouse, project_id, "issues")
        ensure_table(warehouse, ISSUES, ISSUE_COLUMNS, ISSUE_KEY)
        # A metric renamed with `previous_ids:` keeps its issues' states under its new id.
        stored = read_issues(warehouse, project_id)
        before, gone = renamed(stored, project.renamed_metrics(), at)
        delete_issues(warehouse, project_id, gone)
        after, transitions = advance(
            before, seen, period, at, escalate_after=escalate_after, gone=no_longer_measured(project)
        )
        # Against the rows as stored, not as renamed: a moved issue that this run leaves as it
        # is must still be written under its new id (its old row was just deleted).
        changed = [r for i, r in sorted(after.items()) if stored.get(i) != r]
        write_issues(warehouse, project_id, changed)
        if on_transitions is not None and transitions:
            on_transitions(warehouse, transitions)
    return transitions


def apply_action(
    warehouse, project_id: str, issue_id: str, action: str, note, by: str, at: str, renames=None
) -> IssueRecord:
    """A person's `ack`, `resolve` or `reopen` of one issue, stored. `renames` (earlier metric
    id → id now, `previous_ids:`): an id a notification gave before the metric was renamed is
    answered with the id its issue has now."""
    refuse_unsupported(warehouse)
    with warehouse.transaction():
        project_lock(warehouse, project_id, "issues")
        records = read_issues(warehouse, project_id)
        record = records.get(issue_id)
        if record is None:
            moved = _renamed_from(records, issue_id, renames or {})
            if moved is not None:
                old, new = moved
                raise IssueStateError(
                    f"issue {issue_id} is {new.id} now: its metric {old} was renamed {new.metric} "
                    f"(previous_ids); act on {new.id} ({new.status})"
                )
            raise IssueStateError(_unknown(issue_id, project_id, records))
        changed = act(record, action, note, by, at)
        write_issues(warehouse, project_id, [changed])
    return changed


def _renamed_from(records: dict[str, IssueRecord], issue_id: str, renames: dict[str, str]):
    """(the earlier metric id, the stored issue) that `issue_id` was before its metric was
    renamed; None if none."""
    from cxspec.issues_state.ids import issue_id as id_for

    for record in records.values():
        for old, new in sorted(renames.items()):
            if record.metric == new and id_for(record.kind, old, record.dimensions) == issue_id:
                return old, record
    return None


def _unknown(issue_id: str, project_id: str, records: dict[str, IssueRecord]) -> str:
    from cxspec.suggest import did_you_mean

    if not records:
        return f"no issue {issue_id!r} in project {project_id!r}: none stored yet (run `cxspec run` first)"
    wanted = issue_id.strip().lower()
    if wanted in records:  # pasted with spaces around it, or in capitals
        return f"no issue {issue_id!r} in project {project_id!r}: did you mean {wanted!r}?"
    same_kind = sorted(i for i in records if i.rsplit("-", 1)[0] == wanted.rsplit("-", 1)[0])
    close = did_you_mean(wanted, same_kind or sorted(records))
    listed = ", ".join((same_kind or sorted(records))[:5])
    return f"no issue {issue_id!r} in project {project_id!r} (" + (close or f"issues: {listed}") + ")"
