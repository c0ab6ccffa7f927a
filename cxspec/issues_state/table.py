"""`cxspec_issues`: each issue's state and history, in the run's warehouse.

Created like the results tables (cxspec/runs/store.py) on the engines whose tables cxspec
keeps (DuckDB, SQLite, PostgreSQL); other engines (Spark) keep tables their own way and
issue states are refused there with a message (`supports_state`). Periods and times are
text (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`): they are compared as text, the same on every engine.
"""

from __future__ import annotations

import hashlib
import json

from sqlglot import exp

from cxspec.compiler.sqlkit import col, text
from cxspec.diagnostics import CxspecError
from cxspec.issues_state.machine import IssueRecord, Note
from cxspec.runs.layout import VERSIONED, create_table, differences, existing_columns, lock_layout, table
from cxspec.runs.static import literal

ISSUES = "cxspec_issues"
ISSUE_COLUMNS = {
    "project": "VARCHAR", "id": "VARCHAR", "kind": "VARCHAR", "metric": "VARCHAR", "dimensions": "VARCHAR",
    "owner": "VARCHAR", "status": "VARCHAR", "severity": "VARCHAR", "message": "VARCHAR",
    "first_period": "VARCHAR", "last_period": "VARCHAR", "periods_open": "INT", "times_reopened": "INT",
    "resolved_in": "VARCHAR", "notes": "VARCHAR",
}  # fmt: skip
ISSUE_KEY = ("project", "id")


class IssueStateError(CxspecError):
    """Issue states cannot be kept or read where asked."""


def supports_state(warehouse) -> bool:
    return warehouse.dialect in VERSIONED


def refuse_unsupported(warehouse) -> None:
    if not supports_state(warehouse):
        raise IssueStateError(
            f"the {warehouse.name} warehouse keeps its tables its own way: issue states "
            "(cxspec issues, notifications) are kept on DuckDB, SQLite and PostgreSQL; "
            "give the project one of those as its warehouse"
        )


def project_lock(warehouse, project_id: str, salt: str) -> None:
    """On PostgreSQL, wait for any other run of the project in the same step (this
    transaction's lock); DuckDB and SQLite let one writer in at a time anyway."""
    if warehouse.dialect != "postgres":
        return
    digest = hashlib.sha256(f"{salt}\n{project_id}".encode()).digest()
    key = int.from_bytes(digest[:8], "big") >> 1
    lock = exp.Anonymous(this="pg_advisory_xact_lock", expressions=[literal(key)])
    warehouse.execute(exp.select(lock).sql(dialect="postgres"))


def ensure_table(warehouse, name: str, columns: dict, key: tuple) -> None:
    """Create the table when missing (inside the caller's transaction); refuse one whose
    columns differ, naming what differs."""
    lock_layout(warehouse)
    found = existing_columns(warehouse, name)
    if found is None:
        warehouse.execute_statement(create_table(name, columns, key, warehouse.dialect))
        return
    problems = differences(found, columns, warehouse.dialect)
    if problems:
        raise IssueStateError(
            f"the table {name} has another layout ({', '.join(problems)}): it was made by "
            "another tool or version; rename it to keep it, and cxspec creates its own"
        )


def mine(project_id: str, ids: list[str] | None = None) -> exp.Expression:
    where = exp.EQ(this=col("project"), expression=text(project_id))
    if ids is not None:
        where = exp.and_(where, exp.In(this=col("id"), expressions=[text(i) for i in ids]))
    return where


def read_issues(warehouse, project_id: str) -> dict[str, IssueRecord]:
    """Every stored issue of the project by id ({} when nothing is stored yet)."""
    if not supports_state(warehouse) or existing_columns(warehouse, ISSUES) is None:
        return {}
    query = exp.select(*[col(c) for c in ISSUE_COLUMNS if c != "project"]).from_(table(ISSUES))
    _, rows = warehouse.execute(query.where(mine(project_id)).order_by(col("id")).sql(dialect=warehouse.dialect))
    return {row[0]: _record(row) for row in rows}


def _record(row) -> IssueRecord:
    (id_, kind, metric, dimensions, owner, status, severity, message, first, last, periods, reopened,
     resolved_in, notes) = row  # fmt: skip
    return IssueRecord(
        id=id_, kind=kind, metric=metric, dimensions=json.loads(dimensions or "{}"), owner=owner,
        status=status, first_period=first, last_period=last, periods_open=int(periods or 0),
        times_reopened=int(reopened or 0), notes=tuple(Note(**n) for n in json.loads(notes or "[]")),
        severity=severity or "warning", message=message or "", resolved_in=resolved_in,
    )  # fmt: skip


def delete_issues(warehouse, project_id: str, ids: list[str]) -> None:
    """Remove these issues' rows (inside the caller's transaction)."""
    if ids:
        where = mine(project_id, ids)
        warehouse.execute_statement(exp.delete(table(ISSUES), where=where).sql(dialect=warehouse.dialect))


def write_issues(warehouse, project_id: str, records: list[IssueRecord]) -> None:
    """Replace the stored rows of these records (inside the caller's transaction)."""
    if not records:
        return
    delete_issues(warehouse, project_id, [r.id for r in records])
    rows = [
        (
            project_id, r.id, r.kind, r.metric, json.dumps(r.dimensions, sort_keys=True), r.owner, r.status,
            r.severity, r.message, r.first_period, r.last_period, r.periods_open, r.times_reopened,
            r.resolved_in, json.dumps([n.__dict__ for n in r.notes], ensure_ascii=False),
        )  # fmt: skip
        for r in records
    ]
    warehouse.insert_rows(ISSUES, list(ISSUE_COLUMNS), rows)
