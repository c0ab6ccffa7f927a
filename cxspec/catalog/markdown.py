"""The catalog as Markdown pages (for a repository or a wiki): README.md, owners.md,
journeys.md and one page per metric under metrics/.

Every name, description, filter and value from the specs or the data goes through `md_text`
or `md_code` (cxspec/markdown_text.py), so that it stays text in the rendered page.
"""

from __future__ import annotations

import re

from cxspec.catalog import text as t
from cxspec.display import format_period
from cxspec.markdown_text import md_code, md_text

_DOT = {"green": "🟢", "amber": "🟠", "red": "🔴", "insufficient_sample": "⚪"}


def _link(metric_id: str, metrics: dict, prefix: str = "metrics/") -> str:
    metric = metrics.get(metric_id)
    return f"[{md_text(metric['name'] if metric else metric_id)}]({prefix}{metric_id}.md)"


def _with_code(text: str, *, in_table: bool = True) -> str:
    """A type's own words (its formula), where `…` marks code: code spans stay code spans."""
    parts = re.split(r"`([^`]+)`", text or "")
    return "".join(md_code(p, in_table=in_table) if i % 2 else md_text(p) for i, p in enumerate(parts))


def _fenced(code: str, language: str) -> list[str]:
    """A fenced code block whose fence no run of backticks in the code can close."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", code, fence]


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
    lines = [f"# {md_text(project['name'])}: metric catalog", ""]
    if project["description"]:
        lines += [md_text(project["description"]), ""]
    lines += [
        md_text(t.values_heading(catalog)),
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
            f"| [{md_text(m['name'])}](metrics/{m['id']}.md) {md_code(m['id'])} | {md_text(m['type'])} | "
            f"{md_text(m['category'])} | "
            f"{md_text((m['touchpoint'] or {}).get('name'))} | {md_text((m['owner'] or {}).get('name'))} | "
            f"{md_text(t.value_text(m))} | {_DOT.get(status, '')} |"
        )
    return "\n".join(lines) + "\n"


def _touchpoint_text(touchpoint) -> str:
    if not touchpoint:
        return ""
    name, stage = md_text(touchpoint["name"]), md_text(touchpoint["stage"])
    text = f"{name} ({md_code(touchpoint['id'])}), stage {stage}"
    return text + ("" if touchpoint["intended"] else ", not intended")


def _metric(catalog: dict, m: dict) -> str:
    title = f"# {md_text(m['name'])} ({md_code(m['id'], in_table=False)})"
    lines = [title, "", "[← all metrics](../README.md)", ""]
    if m["description"]:
        lines += [md_text(m["description"]), ""]
    journey, category = m["journey"], md_text(m["category"] or "no category")
    rows = [
        ("type", f"{md_code(m['type'])} · {category} · {t.direction_text(m)}"),
        ("definition", md_text(m["definition"])),
        ("formula", _with_code(m["formula"])),
        ("source", md_text(t.source_text(m["source"]))),
        ("filter", md_code(m["filter"])),
        ("computed from", ", ".join(f"[{md_text(d)}]({d}.md)" for d in m["depends_on"])),
        ("touch point", _touchpoint_text(m["touchpoint"])),
        ("journey", f"{md_text(journey['name'])} ({md_code(journey['id'])})" if journey else ""),
        ("owner (accountable)", md_text(t.owner_text(m["owner"]))),
        ("tracked by", md_text(t.owner_text(m["tracked_by"]))),
        ("goal", md_text(t.goal_text(m))),
        ("minimum sample", md_text(m["min_sample"])),
        ("version", md_text(m["version"])),
        ("tags", md_text(", ".join(m["tags"]))),
        ("defined in", md_code(f"{m['file']}:{m['line']}")),
    ]
    lines += ["| | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows if value not in (None, "")]
    lines += ["", "## Pyramids", ""]
    lines += [f"- {md_text(t.pyramid_text(p))}" for p in m["pyramids"]] or ["In no pyramid."]
    lines += ["", "## Latest value", ""]
    if m["latest"]:
        lines.append(
            md_text(
                f"{t.value_text(m)} in {format_period(m['latest']['period'], catalog['project']['grain'])}"
                + (f": {t.status_text(m)}" if t.status_text(m) else "")
                + (f"; previous period {t.value_text(m, m['previous'])}" if m["previous"] else "")
            )
        )
    else:
        heading = t.values_heading(catalog) if not catalog["values"]["latest"] else "No value stored."
        lines.append(md_text(heading))
    lines += ["", f"## Compiled SQL ({md_text(catalog['project']['dialect'])})", ""]
    lines += [*_fenced(m["sql"], "sql"), ""]
    return "\n".join(lines)


def _owners(catalog: dict, metrics: dict) -> str:
    owners = {o["id"]: o for o in catalog["owners"]}
    lines = [
        f"# {md_text(catalog['project']['name'])}: owners",
        "",
        "[← all metrics](README.md) · Who is accountable for moving each metric, who measures it, and "
        "what else each team or person owns, in the organisation's order.",
        "",
    ]

    def write(owner, depth):
        heading = "#" * min(2 + depth, 6)
        lines.extend([f"{heading} {md_text(owner['name'])} ({md_code(owner['id'], in_table=False)})", ""])
        contact = ", ".join(c for c in (owner["github"], owner["email"]) if c)
        parent = f" · part of {md_code(owner['parent'], in_table=False)}" if owner["parent"] else ""
        lines.append(md_text(f"{owner['kind']}" + (f" · {contact}" if contact else "")) + parent)
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
                items = [_link(i, metrics) if linked else md_code(i, in_table=False) for i in owner[key]]
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
    lines = [f"# {md_text(catalog['project']['name'])}: journey map", "", "[← all metrics](README.md)", ""]
    for journey in catalog["journeys"]:
        lines += [f"## {md_text(journey['name'])} ({md_code(journey['id'], in_table=False)})", ""]
        if journey["description"]:
            lines += [md_text(journey["description"]), ""]
        if journey["owner"]:
            lines += [f"Owner: {md_code(journey['owner'], in_table=False)}", ""]
        lines += ["| stage | touch point | metrics (latest) |", "|---|---|---|"]
        for stage in journey["stages"]:
            if not stage["touchpoints"]:
                lines.append(f"| {md_text(stage['id'])} | *no touch point* | |")
            for tp in stage["touchpoints"]:
                name = md_text(tp["name"]) + ("" if tp["intended"] else " *(not intended)*")
                measured = "; ".join(
                    f"{_link(mid, metrics)} {md_text(t.value_text(metrics[mid]))}" for mid in tp["metrics"]
                )
                lines.append(f"| {md_text(stage['id'])} | {name} | {measured or '*not measured*'} |")
        lines.append("")
    return "\n".join(lines)
