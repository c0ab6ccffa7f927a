"""`cxspec_outbox`: one row per transition and target, written in the transaction that
stores the transition, so a delivery is never lost; claimed before sending, so two runs at
once never send one twice; kept `pending` after a failure, so the next run retries it.

Each batch is recorded as soon as it is sent; an interrupted delivery gives back what it did
not get to (`release`). A delivery claimed by a run that died before finishing (SIGKILL, a
power cut) is claimed again after `STALE_SECONDS`; the batch on its way when a run is
stopped may reach its recipient a second time: the one case, documented.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlglot import exp

from cxspec.compiler.sqlkit import col, text
from cxspec.issues_state.table import ensure_table, mine, project_lock
from cxspec.runs.layout import existing_columns, table
from cxspec.runs.static import literal

OUTBOX = "cxspec_outbox"
OUTBOX_COLUMNS = {
    "project": "VARCHAR", "id": "VARCHAR", "issue": "VARCHAR", "transition": "VARCHAR", "period": "VARCHAR",
    "target": "VARCHAR", "owner": "VARCHAR", "payload": "VARCHAR", "status": "VARCHAR", "tries": "INT",
    "last_error": "VARCHAR", "created_at": "VARCHAR", "claimed_by": "VARCHAR", "claimed_at": "VARCHAR",
    "sent_at": "VARCHAR",
}  # fmt: skip
OUTBOX_KEY = ("project", "id")
STALE_SECONDS = 600
_LOCK = "outbox"


def payload(transition, also: str | None = None) -> dict:
    """An issue as the webhook body lists it (docs/closing-the-loop.md); `also_owner` names the
    metric's owner, told of a held segment's issue as well."""
    record = transition.record
    body = {
        "id": record.id,
        "kind": record.kind,
        "status": record.status,
        "transition": transition.kind,
        "metric": record.metric,
        "dimensions": dict(record.dimensions),
        "owner": record.owner,
        "period": transition.period,
        "message": record.message,
    }
    if also:
        body["also_owner"] = also
    return body


def delivery_id(issue_id: str, transition: str, period: str, target: str) -> str:
    key = "\n".join((issue_id, transition, period, target))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def enqueue(warehouse, project_id: str, transitions, targets, at: str, copied=None) -> int:
    """Add a pending delivery per transition and target that asks for it, once (inside the
    caller's transaction). `copied(record)` names an owner told as well (a held segment's
    issue is told to the metric's owner too): an email target writes to both owners, a webhook
    gets one message naming both. Returns how many were added."""
    ensure_table(warehouse, OUTBOX, OUTBOX_COLUMNS, OUTBOX_KEY)
    wanted = {}
    for transition in transitions:
        record, also = transition.record, copied(transition.record) if copied else None
        for target in targets:
            if transition.kind in target.on:
                key = delivery_id(record.id, transition.kind, transition.period, target.key)
                wanted[key] = (transition, target, record.owner, also)
                if also and target.type == "email":  # the copy is keyed by its owner too
                    copy = delivery_id(record.id, transition.kind, transition.period, f"{target.key}:{also}")
                    wanted[copy] = (transition, target, also, also)
    if not wanted:
        return 0
    query = exp.select(col("id")).from_(table(OUTBOX)).where(mine(project_id, sorted(wanted)))
    _, rows = warehouse.execute(query.sql(dialect=warehouse.dialect))
    known = {r[0] for r in rows}
    new = [
        (
            project_id, key, t.record.id, t.kind, t.period, target.key, owner,
            json.dumps(payload(t, also), sort_keys=True, ensure_ascii=False),
            "pending", 0, None, at, None, None, None,
        )  # fmt: skip
        for key, (t, target, owner, also) in sorted(wanted.items())
        if key not in known
    ]
    if new:
        warehouse.insert_rows(OUTBOX, list(OUTBOX_COLUMNS), new)
    return len(new)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _stale_before(at: str) -> str:
    moment = dt.datetime.strptime(at, "%Y-%m-%d %H:%M:%S") - dt.timedelta(seconds=STALE_SECONDS)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _claimable(project_id: str, at: str) -> exp.Expression:
    stale = exp.and_(
        exp.EQ(this=col("status"), expression=text("sending")),
        exp.LT(this=col("claimed_at"), expression=text(_stale_before(at))),
    )
    pending = exp.EQ(this=col("status"), expression=text("pending"))
    return exp.and_(mine(project_id), exp.or_(pending, stale))


SELECTED = ("id", "issue", "transition", "period", "target", "owner", "payload", "tries", "status", "last_error")


def pending(warehouse, project_id: str) -> list[dict]:
    """The deliveries waiting (for `cxspec notify --dry-run`), oldest first."""
    if existing_columns(warehouse, OUTBOX) is None:
        return []
    where = exp.and_(mine(project_id), exp.In(this=col("status"), expressions=[text("pending"), text("sending")]))
    query = exp.select(*[col(c) for c in SELECTED]).from_(table(OUTBOX)).where(where)
    _, rows = warehouse.execute(query.order_by(col("created_at"), col("id")).sql(dialect=warehouse.dialect))
    return [dict(zip(SELECTED, r, strict=True)) for r in rows]


def claim(warehouse, project_id: str, token: str, at: str | None = None) -> list[dict]:
    """Mark the deliveries to send as this run's, in one transaction; return them."""
    at = at or _now()
    dialect = warehouse.dialect
    with warehouse.transaction():
        project_lock(warehouse, project_id, _LOCK)
        if existing_columns(warehouse, OUTBOX) is None:
            return []
        update = exp.update(
            table(OUTBOX),
            {"status": text("sending"), "claimed_by": text(token), "claimed_at": text(at)},
            where=_claimable(project_id, at),
        )
        warehouse.execute_statement(update.sql(dialect=dialect))
        where = exp.and_(
            mine(project_id),
            exp.EQ(this=col("claimed_by"), expression=text(token)),
            exp.EQ(this=col("status"), expression=text("sending")),
        )
        query = exp.select(*[col(c) for c in SELECTED]).from_(table(OUTBOX)).where(where)
        _, rows = warehouse.execute(query.order_by(col("created_at"), col("id")).sql(dialect=dialect))
    return [dict(zip(SELECTED, r, strict=True)) for r in rows]


def finish(warehouse, project_id: str, token: str, outcomes: dict[str, tuple[str, int, str | None]]) -> None:
    """Record each claimed delivery's outcome: id → (status, tries made, error)."""
    dialect = warehouse.dialect
    at = _now()
    with warehouse.transaction():
        project_lock(warehouse, project_id, _LOCK)
        for delivery, (status, tries, error) in sorted(outcomes.items()):
            values = {
                "status": text(status),
                "tries": exp.Add(this=col("tries"), expression=literal(tries)),
                "last_error": literal(error),
                "claimed_by": exp.Null(),
            }
            if status == "sent":
                values["sent_at"] = text(at)
            where = exp.and_(mine(project_id, [delivery]), exp.EQ(this=col("claimed_by"), expression=text(token)))
            warehouse.execute_statement(exp.update(table(OUTBOX), values, where=where).sql(dialect=dialect))


def release(warehouse, project_id: str, token: str, ids: list[str]) -> None:
    """Give claimed deliveries back (pending, tries as they were): what an interrupted
    delivery did not get to. Best effort: a warehouse that cannot be written now leaves them
    claimed, and they are claimed again once stale."""
    try:
        with warehouse.transaction():
            project_lock(warehouse, project_id, _LOCK)
            where = exp.and_(mine(project_id, ids), exp.EQ(this=col("claimed_by"), expression=text(token)))
            values = {"status": text("pending"), "claimed_by": exp.Null(), "claimed_at": exp.Null()}
            update = exp.update(table(OUTBOX), values, where=where)
            warehouse.execute_statement(update.sql(dialect=warehouse.dialect))
    except Exception:  # noqa: BLE001 - the interruption being handled is what the caller reports
        pass
