"""Deliver what the outbox holds: claim, send (3 tries with backoff), record the outcome.

Webhooks get one request per run with the claimed issue changes, email one message per
owner (at most MAX_PER_MESSAGE changes each: more go in several). What still fails stays
pending for the next run.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field

from cxspec.notify import outbox
from cxspec.notify.config import targets
from cxspec.notify.senders import DeliveryError, send_email, send_webhook

TRIES = 3
#: The most issue changes in one request or email. A run with thousands (a first run, a new
#: segment) sent them as one message: Slack cuts a message past 40,000 characters or refuses it
#: (a 4xx is not retried but kept pending, and refused again on every run, with every later
#: change to that target in the same message). Each part is sent and recorded on its own.
MAX_PER_MESSAGE = 100
#: Seconds to wait before the 2nd and 3rd tries.
BACKOFF = (1.0, 3.0)


@dataclass
class Outcome:
    sent: int = 0
    failed: list[str] = field(default_factory=list)  # one message per failed batch

    @property
    def ok(self) -> bool:
        return not self.failed


def _with_retries(send, sleep) -> tuple[int, str | None, bool]:
    """(tries made, the last error or None, whether it was sent)."""
    error = None
    for attempt in range(TRIES):
        try:
            send()
            return attempt + 1, None, True
        except DeliveryError as exc:
            error = str(exc)
            if not exc.retry:
                return attempt + 1, error, False
        except Exception as exc:  # noqa: BLE001 - a missing variable or a bad option: no retry helps
            return attempt + 1, str(exc), False
        if attempt + 1 < TRIES:
            sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
    return TRIES, error, False


def batches(project, claimed: list[dict]) -> list[tuple]:
    """(target, recipient or None, deliveries) in a stable order."""
    by_key = {t.key: t for t in targets(project)}
    groups: dict[tuple, list[dict]] = {}
    for row in claimed:
        target = by_key.get(row["target"])
        if target is None:  # the target was removed from cxspec.yaml: nothing to send to
            groups.setdefault((row["target"], None), []).append(row)
            continue
        recipient = None
        if target.type == "email":
            owner = project.owners.get(row["owner"] or "")
            recipient = owner.email if owner is not None and owner.email else ""
        groups.setdefault((target.key, recipient), []).append(row)
    found = []
    for (key, recipient), rows in sorted(groups.items(), key=str):
        for first in range(0, len(rows), MAX_PER_MESSAGE):  # a message of thousands is refused
            found.append((by_key.get(key), key, recipient, rows[first : first + MAX_PER_MESSAGE]))
    return found


def deliver(warehouse, project, *, sleep=None) -> Outcome:
    """Send every pending delivery of the project; record what happened, batch by batch: an
    interrupt (Ctrl-C, a CI timeout's SIGTERM) between batches leaves the batches sent as
    sent and gives the others back (pending), so none is sent twice or held back until its
    claim goes stale."""
    sleep = sleep or time.sleep
    project_id = project.config.project
    token = secrets.token_hex(8)
    claimed = outbox.claim(warehouse, project_id, token)
    outcome = Outcome()
    unfinished = {row["id"] for row in claimed}
    try:
        for target, key, recipient, rows in batches(project, claimed):
            sent, tries, error = _send_batch(target, key, recipient, rows, project, sleep)
            results = {row["id"]: ("sent" if sent else "pending", tries, error) for row in rows}
            outbox.finish(warehouse, project_id, token, results)
            unfinished -= set(results)
            if sent:
                outcome.sent += len(rows)
            else:
                outcome.failed.append(f"{error}; {len(rows)} issue change(s) kept for the next run")
    finally:
        if unfinished:  # interrupted: the batch on its way may arrive twice (docs/closing-the-loop.md)
            outbox.release(warehouse, project_id, token, sorted(unfinished))
    return outcome


def _send_batch(target, key, recipient, rows, project, sleep) -> tuple[bool, int, str | None]:
    """(sent, tries made, the last error) of one batch."""
    project_id = project.config.project
    issues = [json.loads(r["payload"]) for r in rows]
    if target is None:
        return False, 0, f"notify target {key} is no longer in cxspec.yaml"
    if target.type == "email" and not recipient:
        owners = sorted({r["owner"] or "(no owner)" for r in rows})
        return False, 0, f"{target.label}: owner {', '.join(owners)} has no email"
    if target.type == "email":
        tries, error, sent = _with_retries(
            lambda t=target, r=recipient, i=issues: send_email(t, project_id, r, i, project.root), sleep
        )
    else:
        tries, error, sent = _with_retries(lambda t=target, i=issues: send_webhook(t, project_id, i), sleep)
    return sent, tries, error


def notify_after_run(project, registry, warehouse_url, progress=None) -> list[str]:
    """After `cxspec run` stored its results: deliver the outbox when cxspec.yaml has
    targets. Returns the failures, in words (the run then exits 1; they stay pending)."""
    from cxspec.issues_state.table import supports_state
    from cxspec.query import connect, warehouse_class

    if not targets(project):
        return []
    url = warehouse_url or project.config.warehouse
    if not warehouse_class(url, registry).keeps_results(url, project.root):
        return [f"notifications need a warehouse that keeps results ({url} keeps nothing): none were sent"]
    with connect(warehouse_url, project, registry) as warehouse:
        if not supports_state(warehouse):
            return []
        if progress:
            progress("sending notifications")
        outcome = deliver(warehouse, project)
    return [f"notification failed: {message}" for message in outcome.failed]
