"""The catalog as a static HTML site: index.html, owners.html, journeys.html and one page per
metric under metrics/. Every page is self-contained (inline CSS, no script, no network) and
links to the others by relative paths, so the folder can be opened from disk or served as is."""

from __future__ import annotations

import html
import re

from cxspec.catalog import text as t
from cxspec.display import format_period as fmt_period


def e(value) -> str:
    """Text from the specs or the data, escaped for element content and quoted attributes."""
    return html.escape("" if value is None else str(value), quote=True)


CSS = """
:root{--ink:#1f2933;--muted:#616e7c;--line:#d9e2ec;--bg:#f5f7fa;--accent:#2b6cb0}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;
color:var(--ink);background:var(--bg)}header{background:#fff;border-bottom:1px solid var(--line);
padding:12px 24px}header a{margin-right:16px;color:var(--accent);text-decoration:none;font-weight:600}
main{max-width:1100px;margin:0 auto;padding:16px 24px 48px}h1{font-size:1.6em;margin:.4em 0}
h2{font-size:1.2em;margin:1.6em 0 .5em}table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef2f7;font-weight:600}td.num{text-align:right;white-space:nowrap}
code{background:#eef2f7;padding:0 3px;border-radius:3px;font-size:.92em}
pre{background:#102a43;color:#f0f4f8;padding:12px;overflow:auto;border-radius:4px;font-size:13px}
pre code{background:none;padding:0}.muted{color:var(--muted)}dl{display:grid;
grid-template-columns:max-content 1fr;gap:4px 16px;background:#fff;padding:12px;border:1px solid var(--line)}
dt{font-weight:600;color:var(--muted)}dd{margin:0}.st{display:inline-block;padding:0 8px;border-radius:9px;
font-size:.85em}.st-green{background:#c6f6d5}.st-amber{background:#feebc8}.st-red{background:#fed7d7}
.st-insufficient_sample{background:#e2e8f0}.owner{background:#fff;border:1px solid var(--line);
padding:8px 12px;margin:8px 0}.owner .owner{margin-left:20px}.stages{display:grid;gap:8px;
grid-auto-flow:column;grid-auto-columns:minmax(170px,1fr);overflow-x:auto}.stage{background:#fff;
border:1px solid var(--line);padding:8px}.stage h3{margin:0 0 6px;font-size:1em;text-transform:capitalize}
.tp{border-left:3px solid var(--accent);padding:4px 8px;margin:6px 0;background:#f8fafc}
.tp.unintended{border-left-color:#c05621}.tp ul{margin:4px 0;padding-left:18px}
""".strip()


def _page(catalog: dict, title: str, body: str, depth: int = 0) -> str:
    up = "../" * depth
    project = catalog["project"]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)} · {e(project['name'])}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header><a href="{up}index.html">{e(project["name"])}: metrics</a>'
        f'<a href="{up}owners.html">Owners</a><a href="{up}journeys.html">Journey map</a></header>\n'
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _inline_code(text: str) -> str:
    """Escaped text with Markdown-style `code` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", e(text))


def _status(metric: dict) -> str:
    status = (metric["latest"] or {}).get("status")
    if not status:
        return ""
    return f'<span class="st st-{e(status)}">{e(t.status_text(metric))}</span>'


def _link(metric_id: str, metrics: dict, prefix: str = "metrics/") -> str:
    metric = metrics.get(metric_id)
    return f'<a href="{prefix}{e(metric_id)}.html">{e(metric["name"] if metric else metric_id)}</a>'


def render_pages(catalog: dict) -> dict[str, str]:
    metrics = {m["id"]: m for m in catalog["metrics"]}
    pages = {
        "index.html": _index(catalog),
        "owners.html": _owners(catalog, metrics),
        "journeys.html": _journeys(catalog, metrics),
    }
    for metric in catalog["metrics"]:
        pages[f"metrics/{metric['id']}.html"] = _metric(catalog, metric)
    return pages


def _index(catalog: dict) -> str:
    project = catalog["project"]
    rows = []
    for m in catalog["metrics"]:
        rows.append(
            f'<tr id="{e(m["id"])}"><td><a href="metrics/{e(m["id"])}.html">{e(m["name"])}</a> '
            f"<code>{e(m['id'])}</code></td><td>{e(m['type'])}</td><td>{e(m['category'] or '')}</td>"
            f"<td>{e((m['touchpoint'] or {}).get('name') or '')}</td>"
            f"<td>{e((m['owner'] or {}).get('name') or '')}</td>"
            f'<td class="num">{e(t.value_text(m))}</td><td>{_status(m)}</td></tr>'
        )
    body = (
        f"<h1>{e(project['name'])}: metric catalog</h1>\n"
        + (f"<p>{e(project['description'])}</p>\n" if project["description"] else "")
        + f'<p class="muted">{_inline_code(t.values_heading(catalog))} '
        f"{len(catalog['metrics'])} metrics.</p>\n"
        "<table>\n<thead><tr><th>metric</th><th>type</th><th>category</th><th>touch point</th>"
        "<th>owner</th><th>latest</th><th>status</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>"
    )
    return _page(catalog, "Metric catalog", body)


def _metric(catalog: dict, m: dict) -> str:
    touchpoint, journey = m["touchpoint"], m["journey"]
    rows = [
        (
            "type",
            f"<code>{e(m['type'])}</code> · {e(m['category'] or 'no category')} · {e(t.direction_text(m))}",
        ),
        ("definition", e(m["definition"])),
        ("formula", _inline_code(m["formula"])),
        ("source", e(t.source_text(m["source"]))),
        ("filter", f"<code>{e(m['filter'])}</code>" if m["filter"] else ""),
        ("computed from", ", ".join(_link(d, {}, "") for d in m["depends_on"])),
        (
            "touch point",
            f"{e(touchpoint['name'])} <code>{e(touchpoint['id'])}</code>, stage {e(touchpoint['stage'])}"
            + ("" if touchpoint["intended"] else ", not intended")
            if touchpoint
            else "",
        ),
        (
            "journey",
            f'<a href="../journeys.html#{e(journey["id"])}">{e(journey["name"])}</a>' if journey else "",
        ),
        ("owner (accountable)", _owner(m["owner"])),
        ("tracked by", _owner(m["tracked_by"])),
        ("goal", e(t.goal_text(m))),
        ("minimum sample", e(m["min_sample"]) if m["min_sample"] is not None else ""),
        ("version", e(m["version"])),
        ("tags", e(", ".join(m["tags"]))),
        ("defined in", f"<code>{e(m['file'])}:{m['line']}</code>"),
    ]
    details = "\n".join(f"<dt>{e(name)}</dt><dd>{value}</dd>" for name, value in rows if value)
    pyramids = "".join(f"<li>{e(t.pyramid_text(p))}</li>" for p in m["pyramids"]) or "<li>In no pyramid.</li>"
    if m["latest"]:
        period = fmt_period(m["latest"]["period"], catalog["project"]["grain"])
        latest = (
            f"<p>{e(t.value_text(m))} in {e(period)} {_status(m)}"
            + (
                f'<span class="muted"> · previous {e(t.value_text(m, m["previous"]))}</span>'
                if m["previous"]
                else ""
            )
            + "</p>"
        )
    else:
        missing = t.values_heading(catalog) if not catalog["values"]["latest"] else "No value stored."
        latest = f'<p class="muted">{_inline_code(missing)}</p>'
    body = (
        f"<h1>{e(m['name'])} <code>{e(m['id'])}</code></h1>\n"
        + (f"<p>{e(m['description'])}</p>\n" if m["description"] else "")
        + f"<dl>\n{details}\n</dl>\n<h2>Pyramids</h2>\n<ul>{pyramids}</ul>\n<h2>Latest value</h2>\n{latest}\n"
        f"<h2>Compiled SQL ({e(catalog['project']['dialect'])})</h2>\n<pre><code>{e(m['sql'])}</code></pre>"
    )
    return _page(catalog, m["name"], body, depth=1)


def _owner(owner: dict | None) -> str:
    if not owner:
        return ""
    contact = [f'<a href="mailto:{e(owner["email"])}">{e(owner["email"])}</a>'] if owner.get("email") else []
    if owner.get("github"):
        contact.insert(0, e(owner["github"]))
    return f'<a href="../owners.html#{e(owner["id"])}">{e(owner["name"])}</a>' + (
        f" ({', '.join(contact)})" if contact else ""
    )


def _owners(catalog: dict, metrics: dict) -> str:
    owners = {o["id"]: o for o in catalog["owners"]}

    def block(owner) -> str:
        contact = ", ".join(e(c) for c in (owner["github"], owner["email"]) if c)
        items = []
        for label, key, linked in (
            ("accountable for", "accountable_for", True),
            ("tracks", "tracks", True),
            ("goals", "goals", True),
            ("touch points", "touchpoints", False),
            ("journeys", "journeys", False),
            ("pyramids", "pyramids", False),
            ("sources", "sources", False),
        ):
            if owner[key]:
                values = [_link(i, metrics) if linked else f"<code>{e(i)}</code>" for i in owner[key]]
                items.append(f"<li><b>{e(label)}</b>: {', '.join(values)}</li>")
        members = "".join(block(owners[m]) for m in owner["members"])
        return (
            f'<div class="owner" id="{e(owner["id"])}"><b>{e(owner["name"])}</b> '
            f"<code>{e(owner['id'])}</code> "
            f'<span class="muted">{e(owner["kind"])}{" · " + contact if contact else ""}</span>'
            + (f"<ul>{''.join(items)}</ul>" if items else "")
            + members
            + "</div>"
        )

    roots = [o for o in catalog["owners"] if not o["parent"] or o["parent"] not in owners]
    body = (
        "<h1>Owners</h1>\n<p>Who is accountable for moving each metric, who measures it, and what else "
        "each team or person owns, in the organisation's order.</p>\n" + "\n".join(block(o) for o in roots)
    )
    return _page(catalog, "Owners", body)


def _journeys(catalog: dict, metrics: dict) -> str:
    parts = ["<h1>Journey map</h1>"]
    for journey in catalog["journeys"]:
        parts.append(f'<h2 id="{e(journey["id"])}">{e(journey["name"])} <code>{e(journey["id"])}</code></h2>')
        if journey["description"]:
            parts.append(f"<p>{e(journey['description'])}</p>")
        if journey["owner"]:
            parts.append(
                f'<p class="muted">Owner: <a href="owners.html#{e(journey["owner"])}">'
                f"{e(journey['owner'])}</a></p>"
            )
        stages = []
        for stage in journey["stages"]:
            tps = []
            for tp in stage["touchpoints"]:
                measured = (
                    "".join(
                        f"<li>{_link(mid, metrics)} {e(t.value_text(metrics[mid]))} "
                        f"{_status(metrics[mid])}</li>"
                        for mid in tp["metrics"]
                    )
                    or '<li class="muted">not measured</li>'
                )
                cls = "tp" if tp["intended"] else "tp unintended"
                note = "" if tp["intended"] else ' <span class="muted">(not intended)</span>'
                tps.append(f'<div class="{cls}"><b>{e(tp["name"])}</b>{note}<ul>{measured}</ul></div>')
            content = "".join(tps) or '<p class="muted">no touch point</p>'
            stages.append(f'<div class="stage"><h3>{e(stage["id"])}</h3>{content}</div>')
        parts.append(f'<div class="stages">{"".join(stages)}</div>')
    return _page(catalog, "Journey map", "\n".join(parts))
