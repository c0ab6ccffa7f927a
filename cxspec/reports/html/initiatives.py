"""Initiatives in the HTML dashboard: a marker on each affected metric's chart at the
initiative's date, and the "Initiative impact" section."""

from __future__ import annotations

from cxspec.display import format_value
from cxspec.issues_state.initiatives import impact_text
from cxspec.reports.html.common import e


def initiative_markers(chart) -> str:
    rows = [r for r in chart.ctx.report.initiatives if r["metric"] == chart.metric.id]
    periods = [p for p in chart.ctx.periods if chart.x_lo <= chart.ctx.period_index[p] <= chart.x_hi]
    out = []
    for row in rows:
        holding = [p for p in periods if p <= row["date"]]
        if not holding:
            continue
        x = chart.x(holding[-1])
        tip = f"{row['name']} ({row['date']}): {impact_text(row, lambda v: format_value(chart.metric.display, v))}"
        out.append(
            f'<g class="initiative"><title>{e(tip)}</title><line x1="{x:.1f}" x2="{x:.1f}" y1="{chart.TOP}" '
            f'y2="{chart.H - chart.BOTTOM}"/><text x="{x + 3:.1f}" y="{chart.TOP + 18}">{e(row["name"])}</text></g>'
        )
    return "".join(out)


def initiatives_section(report, ctx) -> str:
    if not report.initiatives:
        return ""
    items = []
    for row in report.initiatives:
        entry = report.metric_by_id.get(row["metric"])
        fmt = (lambda v, d=entry.display: format_value(d, v)) if entry else str
        name = entry.name if entry else row["metric"]
        items.append(
            f'<li class="impact"><strong>{e(row["name"])}</strong> <span class="muted small">{e(row["date"])}'
            f' · {e(ctx.owner_name(row["owner"]))}</span> on <button type="button" class="link-ish" '
            f'data-goto="{e(row["metric"])}">{e(name)}</button>: {e(impact_text(row, fmt))}</li>'
        )
    return f'<section id="initiatives" class="card"><h2>Initiative impact</h2><ul>{"".join(items)}</ul></section>'
