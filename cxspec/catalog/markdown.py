"""The catalog as Markdown pages (for a repository or a wiki): README.md, owners.md,
journeys.md and one page per metric under metrics/."""

from __future__ import annotations

from cxspec.catalog import text as t
from cxspec.display import format_period as fmt_period

_DOT = {"green": "🟢", "amber": "🟠", "red": "🔴", "insufficient_sample": "⚪"}


def _cell(value) -> str:
    return ("" if value is None else str(value)).replace("|", "\\|").replace("\n", " ")


def _code(value) -> str:
    return f"`{_cell(value)}`" if value else ""


def _link(metric_id: str, metrics: dict, prefix: str = "metrics/") -> str:
    metric = metrics.get(metric_id)
    return f"[{_cell(metric['name'] if metric else metric_id)}]({prefix}{metric_id}.md)"


def render_pages(catalog: dict) -> dict[str, str]:
    metrics = {m["id"]: m for m in catalog["metrics"]}
    pages = {
        "README.md": _index(catalog),
        "owners.md": _owners(catalog, metrics),
        "journeys.md": _journeys(catalog, metrics),
    }
    for metric in catalog["metrics"]:
        pages[f"metrics/{metric['id']}.md"] = _metric(catalog, metric)
    return pages


def _index(catalog: dict) -> str:
    project = catalog["project"]
    lines = [f"# {project['name']}: metric catalog", ""]
    if project["description"]:
        lines += [project["description"], ""]
    lines += [
        t.values_heading(catalog),
        "",
        f"{len(catalog['metrics'])} metrics · [owners: who is accountable for what](owners.md) · "
        "[journey map](journeys.md)",
        "",
        "| metric | type | category | touch point | owner | latest | status |",
        "|---|---|---|---|---|---:|:---:|",
    ]
    for m in catalog["metrics"]:
        status = (m["latest"] or {}).get("status")
        lines.append(
            f"| [{_cell(m['name'])}](metrics/{m['id']}.md) `{m['id']}` | {m['type']} | "
            f"{m['category'] or ''} | "
            f"{_cell((m['touchpoint'] or {}).get('name'))} | {_cell((m['owner'] or {}).get('name'))} | "
            f"{_cell(t.value_text(m))} | {_DOT.get(status, '')} |"
        )
    return "\n".join(lines) + "\n"


def _metric(catalog: dict, m: dict) -> str:
    lines = [f"# {m['name']} (`{m['id']}`)", "", "[← all metrics](../README.md)", ""]
    if m["description"]:
        lines += [m["description"], ""]
    touchpoint, journey = m["touchpoint"], m["journey"]
    rows = [
        ("type", f"`{m['type']}` · {m['category'] or 'no category'} · {t.direction_text(m)}"),
        ("definition", m["definition"]),
        ("formula", m["formula"]),
        ("source", t.source_text(m["source"])),
        ("filter", _code(m["filter"])),
        ("computed from", ", ".join(f"[{d}]({d}.md)" for d in m["depends_on"])),
        (
            "touch point",
            f"{touchpoint['name']} (`{touchpoint['id']}`), stage {touchpoint['stage']}"
            + ("" if touchpoint["intended"] else ", not intended")
            if touchpoint
            else "",
        ),
        ("journey", f"{journey['name']} (`{journey['id']}`)" if journey else ""),
        ("owner (accountable)", t.owner_text(m["owner"])),
        ("tracked by", t.owner_text(m["tracked_by"])),
        ("goal", t.goal_text(m)),
        ("minimum sample", m["min_sample"]),
        ("version", m["version"]),
        ("tags", ", ".join(m["tags"])),
        ("defined in", f"`{m['file']}:{m['line']}`"),
    ]
    lines += ["| | |", "|---|---|"]
    lines += [f"| {name} | {_cell(value)} |" for name, value in rows if value not in (None, "")]
    lines += ["", "## Pyramids", ""]
    lines += [f"- {t.pyramid_text(p)}" for p in m["pyramids"]] or ["In no pyramid."]
    lines += ["", "## Latest value", ""]
    if m["latest"]:
        lines.append(
            f"{t.value_text(m)} in {fmt_period(m['latest']['period'], catalog['project']['grain'])}"
            + (f": {t.status_text(m)}" if t.status_text(m) else "")
            + (f"; previous period {t.value_text(m, m['previous'])}" if m["previous"] else "")
        )
    else:
        lines.append(t.values_heading(catalog) if not catalog["values"]["latest"] else "No value stored.")
    lines += ["", f"## Compiled SQL ({catalog['project']['dialect']})", "", "```sql", m["sql"], "```", ""]
    return "\n".join(lines)


def _owners(catalog: dict, metrics: dict) -> str:
    owners = {o["id"]: o for o in catalog["owners"]}
    lines = [
        f"# {catalog['project']['name']}: owners",
        "",
        "[← all metrics](README.md) · Who is accountable for moving each metric, who measures it, and "
        "what else each team or person owns, in the organisation's order.",
        "",
    ]

    def write(owner, depth):
        heading = "#" * min(2 + depth, 6)
        lines.extend([f"{heading} {owner['name']} (`{owner['id']}`)", ""])
        contact = ", ".join(c for c in (owner["github"], owner["email"]) if c)
        lines.append(f"{owner['kind']}" + (f" · {contact}" if contact else "") + (
            f" · part of `{owner['parent']}`" if owner["parent"] else ""))  # fmt: skip
        lines.append("")
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
                items = [_link(i, metrics) if linked else f"`{i}`" for i in owner[key]]
                lines.append(f"- **{label}**: " + ", ".join(items))
        if any(owner[k] for k in ("accountable_for", "tracks", "goals", "touchpoints", "journeys")):
            lines.append("")
        for member in owner["members"]:
            write(owners[member], depth + 1)

    for owner in catalog["owners"]:
        if not owner["parent"] or owner["parent"] not in owners:
            write(owner, 0)
    return "\n".join(lines).rstrip("\n") + "\n"


def _journeys(catalog: dict, metrics: dict) -> str:
    lines = [f"# {catalog['project']['name']}: journey map", "", "[← all metrics](README.md)", ""]
    for journey in catalog["journeys"]:
        lines += [f"## {journey['name']} (`{journey['id']}`)", ""]
        if journey["description"]:
            lines += [journey["description"], ""]
        if journey["owner"]:
            lines += [f"Owner: `{journey['owner']}`", ""]
        lines += ["| stage | touch point | metrics (latest) |", "|---|---|---|"]
        for stage in journey["stages"]:
            if not stage["touchpoints"]:
                lines.append(f"| {stage['id']} | *no touch point* | |")
            for tp in stage["touchpoints"]:
                name = _cell(tp["name"]) + ("" if tp["intended"] else " *(not intended)*")
                measured = "; ".join(
                    f"{_link(mid, metrics)} {_cell(t.value_text(metrics[mid]))}" for mid in tp["metrics"]
                )
                lines.append(f"| {stage['id']} | {name} | {measured or '*not measured*'} |")
        lines.append("")
    return "\n".join(lines)
