"""Segments in the HTML dashboard: the league table (each segment's CX index, its metrics in
red, its owner and issues) and a segment selector that puts one segment's values beside the
total's for every metric. Rendered in Python like every section; the script only switches
which segment's column is shown (without a script every column shows)."""

from __future__ import annotations

from cxspec.display import format_score, format_value
from cxspec.reports.html.common import e, status_dot
from cxspec.reports.segments import red_names


def segments_section(report, ctx) -> str:
    if not report.segments or report.segment:
        return ""
    index = report.index.name if report.index else "index"
    rows = "".join(
        f'<tr data-segment="{i}"><th scope="row">{e(s.label)}</th><td class="num">{e(format_score(s.index))}</td>'
        f'<td class="red-list">{e(red_names(report, s, 8)) or "–"}</td><td>{e(ctx.owner_name(s.owner) if s.owner else "")}'
        f'</td><td class="num">{s.issues}</td></tr>'
        for i, s in enumerate(report.segments)
    )
    league = (
        f'<table class="league"><thead><tr><th scope="col">segment</th><th scope="col">{e(index)}</th>'
        '<th scope="col">metrics in red</th><th scope="col">owner</th><th scope="col">issues</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )
    options = "".join(f'<option value="{i}">{e(s.label)}</option>' for i, s in enumerate(report.segments))
    selector = (
        '<label class="segment-pick">segment <select id="segment-select" aria-label="segment">'
        f'<option value="*">every segment</option>{options}</select></label>'
    )
    head = "".join(
        f'<th scope="col" data-segment="{i}">{e(s.label)}</th>' for i, s in enumerate(report.segments)
    )
    body = []
    for metric in report.metrics:
        total = format_value(metric.display, metric.latest.value if metric.latest else None)
        cells = []
        for i, s in enumerate(report.segments):
            got = s.values.get(metric.id)
            if got is None:
                cells.append(f'<td class="num" data-segment="{i}">–</td>')
                continue
            status = got.get("status")
            cells.append(
                f'<td class="num" data-segment="{i}" data-status="{e(status or "none")}">'
                f"{e(format_value(metric.display, got.get('value')))} {status_dot(status)}</td>"
            )
        body.append(
            f'<tr data-metric="{e(metric.id)}"><th scope="row">{e(metric.name)}</th>'
            f'<td class="num">{e(total)} {status_dot(metric.status)}</td>{"".join(cells)}</tr>'
        )
    values = (
        f'<table class="segment-values" id="segment-values"><thead><tr><th scope="col">metric</th>'
        f'<th scope="col">total</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )
    return (
        '<section id="segments" class="section wrap"><div class="section-head"><h2>Segments</h2>'
        f'<span class="muted small">{len(report.segments)} segments · {e(ctx.period(report.latest))} · '
        "cxspec report --segment DIMENSION=VALUE for one segment's scorecard</span></div>"
        f'<div class="card">{league}</div><div class="card"><div class="toolbar">{selector}</div>{values}</div>'
        "</section>"
    )
