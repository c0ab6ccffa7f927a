"""Markdown: the scorecard for a pull-request comment or a wiki page."""

from __future__ import annotations

from cxspec.reports.terminal import _value

_STATUS = {"green": "🟢", "amber": "🟠", "red": "🔴", "insufficient_sample": "⚪"}


def _score(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def _trend(score, previous) -> str:
    if score is None or previous is None:
        return ""
    delta = score - previous
    return "→ 0.0" if abs(delta) < 0.05 else (f"▲ {delta:+.1f}" if delta > 0 else f"▼ {delta:+.1f}")


def _rows(node, depth: int, metrics: dict) -> list[str]:
    """Table rows for a pyramid node and its descendants."""
    indent = "&nbsp;&nbsp;" * depth * 2
    if node["kind"] == "metric":
        metric = metrics[node["metric"]]
        status = (metric.get("latest") or {}).get("status")
        rows = [
            f"| {indent}{node['name']} | {_score(node['score'])} | "
            f"{_trend(node['score'], node['previous'])} | {_value(metric)} | "
            f"{_STATUS.get(status, '')} | {metric['owner'] or ''} |"
        ]
    else:
        rows = [
            f"| {indent}**{node['name']}** | **{_score(node['score'])}** | "
            f"{_trend(node['score'], node['previous'])} |  |  |  |"
        ]
    for child in node["children"]:
        rows += _rows(child, depth + 1, metrics)
    return rows


def render(report: dict) -> str:
    project = report["project"]
    lines = [f"# {project['name']}: CX scorecard, {project['grain']} {report['latest'] or '(no data)'}", ""]
    index = report["index"]
    if index:
        lines += [
            f"**{index['name']}: {_score(index['score'])} / 100** "
            f"{_trend(index['score'], index['previous'])}",
            "",
        ]
    metrics = {m["id"]: m for m in report["metrics"]}
    for pyramid in report["pyramids"]:
        lines += [
            f"## {pyramid['name']}",
            "",
            "| node | score | trend | value | status | owner |",
            "|---|---:|---:|---:|:---:|---|",
        ]

        lines += _rows(pyramid["tree"], 0, metrics)
        lines.append("")
    lines += ["## Issues", ""]
    if not report["issues"]:
        lines.append("No issues.")
    for issue in report["issues"]:
        owner = f" — owner: `{issue['owner']}`" if issue.get("owner") else ""
        lines.append(f"- **{issue['kind']}** {issue['message']}{owner}")
    lines += [
        "",
        "## Metrics",
        "",
        "| metric | value | ± | n | goal | status | owner |",
        "|---|---:|---:|---:|---|:---:|---|",
    ]
    for metric in report["metrics"]:
        latest = metric.get("latest") or {}
        goal = metric.get("goal")
        goal_text = (
            f"{goal['target']:g} (warn {goal['warn']:g})"
            if goal and goal.get("warn") is not None
            else (f"{goal['target']:g}" if goal else "")
        )
        moe = f"{latest['moe']:.1f}" if latest.get("moe") is not None else ""
        lines.append(
            f"| {metric['name']} | {_value(metric)} | {moe} | {latest.get('n') or ''} | {goal_text} | "
            f"{_STATUS.get(latest.get('status'), '')} | {metric['owner'] or ''} |"
        )
    lines += [
        "",
        f"<sub>spec {', '.join(project['spec_hashes'])} · computed {project['computed_at']} UTC</sub>",
        "",
    ]
    return "\n".join(lines)
