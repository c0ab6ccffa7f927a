"""`cxspec notify --dry-run`: what the next delivery would send, target by target, with
no secret in it (targets are named by their variables)."""

from __future__ import annotations

import json

from cxspec.notify.config import targets
from cxspec.notify.senders import email_message, webhook_body
from cxspec.terminal_text import shown


def preview(project, waiting: list[dict]) -> str:
    if not targets(project):
        return "no notification targets: add `notify:` to cxspec.yaml (docs/closing-the-loop.md)\n"
    if not waiting:
        return "nothing to send: no issue changed since the last delivery\n"
    by_key = {t.key: t for t in targets(project)}
    out = []
    for key in sorted({r["target"] for r in waiting}):
        rows = [r for r in waiting if r["target"] == key]
        issues = [json.loads(r["payload"]) for r in rows]
        target = by_key.get(key)
        if target is None:
            out.append(f"== notify target {key}: no longer in cxspec.yaml ({len(rows)} kept)")
            continue
        tried = sum(1 for r in rows if r["tries"])
        retry = f", {tried} to retry (last error: {rows[-1]['last_error']})" if tried else ""
        out.append(f"== {target.label}: {len(rows)} issue change(s){retry}")
        if target.type == "webhook":
            body = webhook_body(project.config.project, issues, target.options.get("format", "json"))
            out.append(json.dumps(json.loads(body), indent=2, ensure_ascii=False))
            continue
        for owner in sorted({i["owner"] or "" for i in issues}):
            mine = [i for i in issues if (i["owner"] or "") == owner]
            entity = project.owners.get(owner)
            address = entity.email if entity is not None and entity.email else None
            if address is None:
                out.append(f"-- owner {owner or '(none)'} has no email: {len(mine)} change(s) cannot be sent")
                continue
            message = email_message(target.options["from"], address, project.config.project, mine)
            out.append(f"-- To: {address}\nSubject: {message['Subject']}\n\n{message.get_content().rstrip()}")
    # issue messages quote the data (a segment's value): shown, as every terminal output, so an ESC
    # in a lookup's region cannot recolour or retitle the operator's terminal
    return "\n".join(shown(line) for part in out for line in part.split("\n")) + "\n"
