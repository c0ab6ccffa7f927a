"""The details panel's contents: one <template> per metric and per touch point, shown when a
number or a name is clicked; and the small JSON the page script reads."""

from __future__ import annotations

from cxspec.display import format_count, format_margin, format_score, format_value
from cxspec.reports.html.common import Context, e, status_dot, status_pill, value_trend
from cxspec.reports.model import MetricEntry, Report, TouchpointEntry


def _dl(rows) -> str:
    return "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in rows if v) + "</dl>"


def _owner_html(owner_id, ctx: Context) -> str:
    if not owner_id:
        return '<span class="muted">none</span>'
    owner = ctx.owners.get(owner_id)
    extra = " · ".join(e(c) for c in ((owner.email, owner.github) if owner else ()) if c)
    return f"{e(ctx.owner_name(owner_id))} <code>{e(owner_id)}</code>" + (
        f'<br><span class="muted small">{extra}</span>' if extra else ""
    )


def _metric_rows(metric: MetricEntry, ctx: Context) -> list[tuple[str, str]]:
    display = metric.display
    latest, previous, goal = metric.latest, metric.previous, metric.goal
    tp = ctx.touchpoints.get(metric.touchpoint or "")
    where = ""
    if tp:
        where = (
            f'<button type="button" class="link" data-spot="{e(tp.id)}">{e(tp.name)}</button>'
            f" · journey {e(metric.journey)} · stage {e(metric.stage)}"
        )
    goal_rows = ""
    if goal:
        parts = (("target", goal.target), ("warn", goal.warn))
        goal_rows = " · ".join(
            [f"{k} <strong>{e(format_value(display, v))}</strong>" for k, v in parts if v is not None]
            + ([f"due <strong>{e(goal.due)}</strong>"] if goal.due is not None else [])
        )
    latest_text = ""
    if latest:
        latest_text = (
            f"{e(format_value(display, latest.value))} {e(format_margin(display, latest.moe))} · "
            f"n = {e(format_count(latest.n))} · invalid {e(latest.invalid)} · "
            f"{e(ctx.period(latest.period))}"
        )
    unit = f" · unit {metric.unit}" if metric.unit else ""
    return [
        ("Definition", e(metric.definition)),
        ("Description", e(metric.description)),
        ("Owner (accountable)", _owner_html(metric.owner, ctx)),
        ("Tracked by", _owner_html(metric.tracked_by, ctx) if metric.tracked_by else ""),
        ("Touch point", where),
        ("Goal", goal_rows or '<span class="muted">none</span>'),
        ("Latest", latest_text or f'<span class="muted">no data in {e(ctx.period(ctx.latest))}</span>'),
        ("Previous", _previous_text(metric, ctx)),
        (
            "Margin of error",
            e(f"{format_margin(display, latest.moe)} at 95%") if latest and latest.moe is not None else "",
        ),
        ("Score 0–100", e(format_score(metric.score)) if metric.score is not None else ""),
        ("Type", e(f"{metric.type} · {metric.category or ''} · {metric.direction or ''}{unit}")),
        ("Minimum sample", e(metric.min_sample) if metric.min_sample is not None else ""),
        ("Version", e(metric.version)),
        ("Definition changed", e(", ".join(metric.breaks))),
    ]


def _previous_text(metric: MetricEntry, ctx: Context) -> str:
    previous = metric.previous
    if not previous:
        return ""
    return f"{e(format_value(metric.display, previous.value))} in {e(ctx.period(previous.period))}"


def _metric_detail(metric: MetricEntry, ctx: Context) -> str:
    display = metric.display
    latest = metric.latest
    table = "".join(
        f"<tr><td>{e(ctx.period(p.period))}</td><td>{e(format_value(display, p.value))}</td>"
        f"<td>{e(format_margin(display, p.moe))}</td><td>{e(format_count(p.n))}</td>"
        f"<td>{status_dot(p.status)}</td></tr>"
        for p in reversed(metric.series[-6:])
    )
    value = format_value(display, latest.value if latest else None)
    return (
        f'<template id="detail-metric-{e(metric.id)}"><p class="kicker">metric · <code>{e(metric.id)}'
        "</code></p>"
        f'<h2>{e(metric.name)}</h2><div class="dvalue"><span class="big">'
        f'{e(value)}</span> <span class="unit">{e(display.unit)}</span> '
        f"{status_pill(metric.status)} {value_trend(metric)}</div>"
        f'<div class="chart-slot" data-chart="{e(metric.id)}"></div>{_dl(_metric_rows(metric, ctx))}'
        f'<h3>Recent periods</h3><table class="recent"><thead><tr><th>period</th><th>value</th><th>±</th>'
        f"<th>n</th><th></th></tr></thead><tbody>{table}</tbody></table>"
        f'<p><a href="#m-{e(metric.id)}" data-goto="{e(metric.id)}">show its card ↓</a></p></template>'
    )


def _touchpoint_detail(tp: TouchpointEntry, ctx: Context) -> str:
    journey, stage = ctx.journey_of[tp.id]
    metrics = [ctx.metrics[m] for m in tp.metrics if m in ctx.metrics]
    items = (
        "".join(
            f'<li>{status_dot(m.status)}<button type="button" class="link" '
            f'data-detail="metric-{e(m.id)}" title="{e(ctx.metric_title(m))}">{e(m.name)}</button>'
            f" <strong>{e(format_value(m.display, m.latest.value if m.latest else None))}</strong>"
            f'<div class="chart-slot" data-chart="{e(m.id)}"></div></li>'
            for m in metrics
        )
        or '<li class="muted">No metric measures this touch point yet.</li>'
    )
    issues = "".join(f"<li>{e(i.message)}</li>" for i in ctx.issues_by_tp.get(tp.id, []))
    rows = [
        ("Journey", f"{e(journey.name)} · stage {e(stage)}"),
        ("Owner", _owner_html(tp.owner, ctx)),
        (
            "Kind",
            "intended touch point"
            if tp.intended
            else "unplanned touch point (reviews, word of mouth, workarounds)",
        ),
        (
            "Score 0–100",
            e(format_score(tp.score)) + ' <span class="muted small">mean of its metrics\' scores</span>',
        ),
    ]
    return (
        f'<template id="detail-tp-{e(tp.id)}"><p class="kicker">touch point · <code>{e(tp.id)}</code>'
        "</p>"
        f"<h2>{e(tp.name)}</h2>{_dl(rows)}"
        + (f'<h3>Issues</h3><ul class="plain">{issues}</ul>' if issues else "")
        + f'<h3>Metrics ({len(metrics)})</h3><ul class="plain tp-detail-metrics">{items}</ul></template>'
    )


def details(report: Report, ctx: Context) -> str:
    templates = [_metric_detail(m, ctx) for m in report.metrics]
    templates += [_touchpoint_detail(tp, ctx) for tp in ctx.touchpoints.values()]
    return "".join(templates)


def client_data(report: Report, ctx: Context) -> dict:
    return {
        "latest": report.latest,
        "touchpoints": {
            tp_id: {"name": tp.name, "metrics": list(tp.metrics)} for tp_id, tp in ctx.touchpoints.items()
        },
        "metrics": {
            m.id: {"name": m.name, "owner": m.owner, "touchpoint": m.touchpoint} for m in report.metrics
        },
    }
