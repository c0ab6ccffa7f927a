"""A diff as text (terminal), Markdown (a pull-request comment) or JSON. Deterministic:
the same two sides print the same bytes."""

from __future__ import annotations

import json

from cxspec.diffing.normalise import KINDS, SINGULAR
from cxspec.markdown_text import md_code, md_text

STATUSES = ("added", "removed", "changed", "renamed")
#: Rows per list or table in Markdown: a pull-request comment holds at most 65,536 characters.
MD_MAX_ROWS = 100
_ALL = "`cxspec diff --format text` or `--format json` lists them all"
_MARKS = {"added": "+", "removed": "-", "changed": "~", "renamed": "→"}


def _value(value) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _number(value) -> str:
    """A stored metric value, rounded for reading (JSON keeps it whole)."""
    return "(none)" if value is None else f"{round(value, 2):g}"


def _score(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def _delta(before, after) -> str:
    if before is None or after is None:
        return ""
    change = after - before
    return " (no change)" if abs(change) < 0.05 else f" ({change:+.1f})"


def _counts(changes) -> dict[str, int]:
    return {s: sum(c.status == s for c in changes) for s in STATUSES}


def _count_text(changes) -> str:
    counts = _counts(changes)
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n)


def _title(change) -> str:
    what = SINGULAR[change.kind]
    if change.kind == "config":
        return "config"
    if change.status == "renamed":
        return f"{what} {change.old_id} renamed to {change.id}"
    return f"{what} {change.id}"


# -- text ---------------------------------------------------------------------------------


def render_text(diff) -> str:
    out = [f"cxspec diff: {diff.base} → {diff.head}"]
    if diff.breaking:
        out.append(f"{len(diff.breaking)} breaking change{'s' if len(diff.breaking) != 1 else ''}:")
        out.extend(f"  ✖ {SINGULAR[b.kind]} {b.id} [{b.reason}]: {b.message}" for b in diff.breaking)
    if not diff.changed:
        out.append("no changes in meaning")
    for kind in KINDS:
        changes = diff.changes[kind]
        if not changes:
            continue
        out.append(f"{kind}: {_count_text(changes)}")
        for change in changes:
            out.append(f"  {_MARKS[change.status]} {_title(change)}  ({change.where})")
            out.extend(f"      {f.field}: {_value(f.old)} → {_value(f.new)}" for f in change.fields)
    out.extend(_effect_text(diff.effect))
    return "\n".join(out) + "\n"


def _effect_text(effect) -> list[str]:
    if effect is None:
        return []
    if effect.period is None:
        return [f"effect on scores: {effect.note}"]
    out = [
        f"effect on the latest stored period {effect.period} "
        "(stored metric values, HEAD's goals and weights):"
    ]
    for s in effect.index:
        out.append(f"  index {s.pyramid}: {_score(s.before)} → {_score(s.after)}{_delta(s.before, s.after)}")
    out.extend(f"  {s.node}: {_score(s.before)} → {_score(s.after)}" for s in effect.scores)
    for s in effect.statuses:
        out.append(
            f"  status of {s.metric} ({_number(s.value)}): {s.before or '(none)'} → {s.after or '(none)'}"
        )
    if not effect.scores and not effect.statuses:
        out.append("  no score or status changes")
    return out


# -- Markdown -----------------------------------------------------------------------------


def _cell(value: str) -> str:
    return md_text(value)


def _code(value: str, *, in_table: bool = True) -> str:
    return md_code(value, in_table=in_table)


def render_markdown(diff) -> str:
    out = [f"### cxspec diff: {_code(diff.base, in_table=False)} → {_code(diff.head, in_table=False)}", ""]
    if diff.breaking:
        n = len(diff.breaking)
        out.append(f"**⚠️ {n} breaking change{'s' if n != 1 else ''}** (`cxspec diff` exits 1)")
    else:
        out.append("✅ No breaking changes")
    out.append("")
    if diff.changed:
        out.append("| entity | added | removed | changed | renamed |")
        out.append("|---|---:|---:|---:|---:|")
        for kind in KINDS:
            if diff.changes[kind]:
                counts = _counts(diff.changes[kind])
                out.append(f"| {kind} | " + " | ".join(str(counts[s]) for s in STATUSES) + " |")
    else:
        out.append(
            "No changes in meaning (reordered, reformatted, re-commented or moved specs are no change)."
        )
    out.append("")
    if diff.breaking:
        out.append("#### Breaking changes")
        out.append("")
        for b in diff.breaking[:MD_MAX_ROWS]:
            ident, reason = _code(b.id, in_table=False), _code(b.reason, in_table=False)
            out.append(f"- ❌ **{SINGULAR[b.kind]} {ident}** ({reason}): {_cell(b.message)}")
        if len(diff.breaking) > MD_MAX_ROWS:
            out.append(f"- … and {len(diff.breaking) - MD_MAX_ROWS} more: {_ALL}")
        out.append("")
    out.extend(_effect_markdown(diff.effect))
    for kind in KINDS:
        changes = diff.changes[kind]
        if not changes:
            continue
        out.append(f"<details><summary>{kind}: {_count_text(changes)}</summary>")
        out.append("")
        out.append("| change | id | where | field | before | after |")
        out.append("|---|---|---|---|---|---|")
        rows = []
        for c in changes:
            ident = f"{_code(c.old_id)} → {_code(c.id)}" if c.old_id else _code(c.id)
            for f in c.fields or [None]:
                field_cells = (
                    f"{_code(f.field)} | {_code(_value(f.old))} | {_code(_value(f.new))}" if f else " | | "
                )
                where = _code(f.where if f and f.where else c.where)
                rows.append(f"| {_MARKS[c.status]} {c.status} | {ident} | {where} | {field_cells} |")
        out.extend(rows[:MD_MAX_ROWS])
        out.append("")
        if len(rows) > MD_MAX_ROWS:
            out.append(f"… and {len(rows) - MD_MAX_ROWS} more rows: {_ALL}")
            out.append("")
        out.append("</details>")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _effect_markdown(effect) -> list[str]:
    if effect is None:
        return []
    if effect.period is None:
        return [f"_Effect on scores: {_cell(effect.note or '')}_", ""]
    out = [
        f"#### Effect on the latest stored period ({effect.period})",
        "",
        "Stored metric values scored with BASE's and with HEAD's goals and weights.",
        "",
        "| | before | after |",
        "|---|---:|---:|",
    ]
    for s in effect.index:
        after = f"{_score(s.after)}{_delta(s.before, s.after)}"
        out.append(f"| **index {_code(s.pyramid)}** | {_score(s.before)} | {after} |")
    out.extend(f"| {_code(s.node)} | {_score(s.before)} | {_score(s.after)} |" for s in effect.scores)
    for s in effect.statuses:
        out.append(
            f"| status of {_code(s.metric)} ({_number(s.value)}) | {s.before or '–'} | {s.after or '–'} |"
        )
    out.append("")
    return out


# -- JSON ---------------------------------------------------------------------------------


def as_data(diff) -> dict:
    effect = diff.effect
    return {
        "base": diff.base,
        "head": diff.head,
        "breaking": [
            {"kind": SINGULAR[b.kind], "id": b.id, "reason": b.reason, "message": b.message}
            for b in diff.breaking
        ],
        "summary": {kind: _counts(diff.changes[kind]) for kind in KINDS},
        "changes": [
            {
                "kind": SINGULAR[c.kind],
                "id": c.id,
                "old_id": c.old_id,
                "status": c.status,
                "where": c.where,
                "fields": [
                    {"field": f.field, "old": f.old, "new": f.new, "where": f.where} for f in c.fields
                ],
            }
            for kind in KINDS
            for c in diff.changes[kind]
        ],
        "effect": None
        if effect is None
        else {
            "period": effect.period,
            "note": effect.note,
            "index": [{"pyramid": s.pyramid, "before": s.before, "after": s.after} for s in effect.index],
            "scores": [
                {"pyramid": s.pyramid, "node": s.node, "before": s.before, "after": s.after}
                for s in effect.scores
            ],
            "statuses": [
                {"metric": s.metric, "value": s.value, "before": s.before, "after": s.after}
                for s in effect.statuses
            ],
        },
    }


def render_json(diff) -> str:
    return json.dumps(as_data(diff), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


RENDERERS = {"text": render_text, "md": render_markdown, "json": render_json}
