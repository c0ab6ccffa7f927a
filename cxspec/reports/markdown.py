"""Markdown: the scorecard for a pull-request comment or a wiki page.

Every name, message and unit from the specs or the data goes through `md_text`, so that it
stays text in the rendered page (cxspec/markdown_text.py).
"""

from __future__ import annotations

from cxspec.display import format_count, format_margin, format_score, format_value
from cxspec.grains import grain_note
from cxspec.issues_state.benchmarks import gap_lines
from cxspec.issues_state.initiatives import impact_text
from cxspec.issues_state.report_states import state_line
from cxspec.markdown_text import md_code, md_text
from cxspec.reports import analyses
from cxspec.reports.model import MetricEntry, Node, Report, as_report
from cxspec.reports.segments import red_names, scope_line

_STATUS = {"green": "🟢", "amber": "🟠", "red": "🔴", "insufficient_sample": "⚪"}


def _trend(score, previous) -> str:
    if score is None or previous is None:
        return ""
    delta = score - previous
    return "→ 0.0" if abs(delta) < 0.05 else (f"▲ {delta:+.1f}" if delta > 0 else f"▼ {delta:+.1f}")


def _value(metric: MetricEntry) -> str:
    return md_text(format_value(metric.display, metric.latest.value if metric.latest else None))


def _rows(node: Node, depth: int, metrics: dict[str, MetricEntry]) -> list[str]:
    """Table rows for a pyramid node and its descendants."""
    indent = "&nbsp;&nbsp;" * depth * 2
    name = md_text(node.name)
    trend = _trend(node.score, node.previous)
    if node.kind == "metric":
        metric = metrics[node.metric]
        rows = [
            f"| {indent}{name} | {format_score(node.score)} | {trend} | {_value(metric)} | "
            f"{_STATUS.get(metric.status, '')} | {md_text(metric.owner)} |"
        ]
    else:
        rows = [f"| {indent}**{name}** | **{format_score(node.score)}** | {trend} |  |  |  |"]
    for child in node.children:
        rows += _rows(child, depth + 1, metrics)
    return rows


def _goal(metric: MetricEntry) -> str:
    goal = metric.goal
    if not goal or goal.target is None:
        return ""
    text = format_value(metric.display, goal.target)
    if goal.warn is not None:
        text += f" (warn {format_value(metric.display, goal.warn)})"
    return md_text(text)


def render(report: Report | dict) -> str:
    report = as_report(report)
    project = report.project
    latest = report.latest or "(no data)"
    lines = [f"# {md_text(project.name)}: CX scorecard, {md_text(project.grain)} {latest}", ""]
    later = [p for p in report.in_progress if not report.latest or p > report.latest]
    if later:
        lines += [f"{', '.join(later)} in progress: not over yet, so not the headline and no issues.", ""]
    scope = scope_line(report)
    if scope:
        lines += [f"*{md_text(scope)}*", ""]
    index = report.index
    if index:
        score = f"{md_text(index.name)}: {format_score(index.score)} / 100"
        lines += [f"**{score}** {_trend(index.score, index.previous)}", ""]
    if report.segments and not report.segment:
        lines += [
            "## Segments",
            "",
            f"| segment | {md_text(index.name if index else 'index')} | trend | metrics in red | owner |",
            "|---|---:|---:|---|---|",
        ]
        for entry in report.segments:
            lines.append(
                f"| {md_text(entry.label)} | {format_score(entry.index)} | {_trend(entry.index, entry.previous)} | "
                f"{md_text(red_names(report, entry, 8)) or '–'} | {md_text(entry.owner or '')} |"
            )
        lines.append("")
    for pyramid in report.pyramids:
        lines += [
            f"## {md_text(pyramid.name)}",
            "",
            "| node | score | trend | value | status | owner |",
            "|---|---:|---:|---:|:---:|---|",
        ]
        lines += _rows(pyramid.tree, 0, report.metric_by_id)
        lines.append("")
    notes = report.data_notes()
    if notes:
        lines += ["## Not in these numbers", ""] + [f"- {md_text(note)}" for note in notes] + [""]
    lines += analyses.markdown(report, md_text)
    lines += ["## Issues", ""]
    if not report.issues:
        lines.append("No issues.")
    for issue in report.issues:
        owner = f" — owner: {md_code(issue.owner, in_table=False)}" if issue.owner else ""
        state = state_line(issue)
        state = f" — *{md_text(state)}*" if state else ""
        lines.append(f"- **{md_text(issue.kind)}** {md_text(issue.message)}{owner}{state}")
    benchmarks = gap_lines(report, format_value)
    if benchmarks:
        lines += ["", "## Benchmarks", "", "| metric | benchmark | benchmark value | latest | gap | as of | source |",
                  "|---|---|---:|---:|---:|---|---|"]  # fmt: skip
        for entry, b, gap in benchmarks:
            lines.append(
                f"| {md_text(entry.name)} | {md_text(b['name'])} | {md_text(format_value(entry.display, b['value']))} | "
                f"{_value(entry)} | {md_text(gap)} | {md_text(b.get('as_of') or '')} | {md_text(b.get('source') or '')} |"
            )
    if report.initiatives:
        lines += ["", "## Initiative impact", "", "| initiative | date | owner | metric | impact |", "|---|---|---|---|---|"]
        for row in report.initiatives:
            entry = report.metric_by_id.get(row["metric"])
            fmt = (lambda v, d=entry.display: format_value(d, v)) if entry else str
            lines.append(
                f"| {md_text(row['name'])} | {md_text(row['date'])} | {md_text(row['owner'] or '')} | "
                f"{md_text(entry.name if entry else row['metric'])} | {md_text(impact_text(row, fmt))} |"
            )
    lines += [
        "",
        "## Metrics",
        "",
        "| metric | value | ± (95%) | n | goal | status | owner |",
        "|---|---:|---:|---:|---|:---:|---|",
    ]
    for metric in report.metrics:
        point = metric.latest
        moe = format_margin(metric.display, point.moe) if point else ""
        n = format_count(point.n) if point and point.n is not None else ""
        lines.append(
            f"| {md_text(metric.name + grain_note(metric, project.grain))} | {_value(metric)} | "
            f"{md_text(moe)} | {n} | {_goal(metric)} | "
            f"{_STATUS.get(metric.status, '')} | {md_text(metric.owner)} |"
        )
    hashes = ", ".join(project.spec_hashes)
    lines += ["", f"<sub>spec {md_text(hashes)} · computed {md_text(project.computed_at)} UTC</sub>", ""]
    return "\n".join(lines)
