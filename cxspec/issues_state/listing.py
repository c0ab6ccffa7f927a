"""`cxspec issues` output: a table for people, Markdown, and the JSON of the contract."""

from __future__ import annotations

import json

from cxspec.issues_state.machine import IssueRecord
from cxspec.markdown_text import md_text
from cxspec.runs.segment_owners import copied_owner
from cxspec.terminal_text import shown

STATUS_ORDER = {"open": 0, "acknowledged": 1, "resolved": 2}
COLUMNS = ("id", "status", "kind", "metric", "owner", "since", "periods", "reopened", "latest note")


def select(
    records: dict[str, IssueRecord], status: str, owner: str | None, project=None
) -> list[IssueRecord]:
    """The records asked for: open first, then acknowledged, then resolved; by id within. An
    owner's issues include a held segment's issues of the metrics it owns (told as well)."""

    def owned(r: IssueRecord) -> bool:
        if owner is None or r.owner == owner:
            return True
        return project is not None and copied_owner(project, r.metric, r.dimensions, r.owner) == owner

    chosen = [r for r in records.values() if (status == "all" or r.status == status) and owned(r)]
    return sorted(chosen, key=lambda r: (STATUS_ORDER.get(r.status, 3), r.id))


def _cells(record: IssueRecord) -> list[str]:
    note = record.latest_note
    return [
        record.id,
        record.status,
        record.kind,
        record.metric or "",
        record.owner or "(no owner)",
        record.first_period,
        str(record.periods_open),
        str(record.times_reopened),
        f"{note.by}: {note.note}" if note else "",
    ]


def render_json(records: list[IssueRecord]) -> str:
    return json.dumps({"issues": [r.to_contract() for r in records]}, indent=2, ensure_ascii=False) + "\n"


def render_table(records: list[IssueRecord]) -> str:
    if not records:
        return "no issues\n"
    rows = [list(COLUMNS)] + [[shown(c) for c in _cells(r)] for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1] for row in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def render_md(records: list[IssueRecord]) -> str:
    if not records:
        return "No issues.\n"
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(md_text(c) for c in _cells(r)) + " |" for r in records]
    return "\n".join(lines) + "\n"


RENDERERS = {"table": render_table, "json": render_json, "md": render_md}
