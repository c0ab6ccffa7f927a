"""Words and numbers shared by the HTML and Markdown catalog pages."""

from __future__ import annotations

from cxspec.display import (
    Display,
    format_count,
    format_margin,
    format_period,
    format_value,
    format_with_unit,
)

STATUS_WORDS = {
    "green": "on target",
    "amber": "short of target",
    "red": "off target",
    "insufficient_sample": "sample too small",
}


def display_of(metric: dict) -> Display:
    """How the metric's numbers read, as its type says (the catalog entry's `display`)."""
    return Display.from_dict(metric.get("display") or {})


def value_text(metric: dict, row: dict | None = None) -> str:
    """`+12 ±4.1 (n 812)` for the latest stored value, `–` without one."""
    row = metric["latest"] if row is None else row
    if not row or row.get("value") is None:
        return "–"
    display = display_of(metric)
    text = format_with_unit(display, row["value"])
    moe = format_margin(display, row.get("moe"))
    if moe:
        text += f" {moe}"
    if row.get("n") is not None:
        text += f" (n {format_count(row['n'])})"
    return text


def status_text(metric: dict) -> str:
    status = (metric["latest"] or {}).get("status")
    return STATUS_WORDS.get(status, status or "")


def goal_text(metric: dict) -> str:
    goal = metric["goal"]
    if not goal:
        return ""
    display = display_of(metric)
    text = f"target {format_value(display, goal['target'])}"
    if goal.get("warn") is not None:
        text += f", warn {format_value(display, goal['warn'])}"
    if goal.get("due"):
        text += f", due {goal['due']}"
    if goal.get("owner"):
        text += f", owner {goal['owner']}"
    return text


def owner_text(owner: dict | None) -> str:
    if not owner:
        return ""
    contact = ", ".join(c for c in (owner.get("github"), owner.get("email")) if c)
    return f"{owner['name']} ({contact})" if contact else owner["name"]


def pyramid_text(entry: dict) -> str:
    return f"{' › '.join(entry['path'])} (weight {entry['weight']:g}, {entry['share']:g}% of the total)"


def direction_text(metric: dict) -> str:
    return "lower is better" if metric["direction"] == "lower_is_better" else "higher is better"


def values_heading(catalog: dict) -> str:
    values = catalog["values"]
    if values["latest"]:
        period = format_period(values["latest"], catalog["project"]["grain"])
        return f"Latest values: {period} (stored run of {values['computed_at']} UTC)."
    return f"No values: {values['note'] or 'no stored results'}."


def source_text(source: dict | None) -> str:
    if not source:
        return "computed from other metrics"
    parts = [f"{source['id']} ({source['type']}"]
    if source.get("where"):
        parts[0] += f": {source['where']}"
    parts[0] += ")"
    if source.get("time"):
        parts.append(f"time {source['time']}")
    if source.get("key"):
        parts.append(f"one row per {source['key']}")
    if source.get("filter"):
        parts.append(f"source filter {source['filter']}")
    return "; ".join(parts)
