"""The metrics section: a filter bar, then one card per metric (value, trend, n, ±, goal,
owner and its chart), grouped by the top-level groups of the index pyramid."""

from __future__ import annotations

from cxspec.display import format_count, format_margin
from cxspec.reports.html.charts import Chart
from cxspec.reports.html.common import Context, e, goal_text, status_pill, value_trend
from cxspec.reports.model import MetricEntry, Report


def _metric_groups(report: Report, ctx: Context) -> list[tuple[str, list[str]]]:
    """Metrics grouped by the top-level groups of the index pyramid, then the rest."""
    main_id = report.index.pyramid if report.index else None
    pyramid = next((p for p in report.pyramids if p.id == main_id), None)
    placed: set[str] = set()
    groups = []
    if pyramid:
        direct = []
        for child in pyramid.tree.children:
            ids = [m.metric for m in child.leaves() if m.metric in ctx.metrics and m.metric not in placed]
            placed.update(ids)
            if child.kind == "metric":
                direct += ids
            elif ids:
                groups.append((child.name, ids))
        if direct:
            groups.append((pyramid.name, direct))
    rest = [m.id for m in report.metrics if m.id not in placed]
    if rest:
        groups.append(("Other metrics" if groups else "Metrics", rest))
    return groups


def metrics_section(report: Report, ctx: Context) -> str:
    statuses = [
        ("all", "all"),
        ("red", "off target"),
        ("amber", "short of target"),
        ("green", "on target"),
        ("insufficient_sample", "small sample"),
        ("none", "no goal / data"),
    ]
    categories = sorted({m.category or "" for m in report.metrics} - {""})
    chips = "".join(
        f'<button type="button" class="chip" data-filter="status" data-value="{e(v)}" '
        f'aria-pressed="{"true" if v == "all" else "false"}">{e(label)}</button>'
        for v, label in statuses
    )
    cats = "".join(f'<option value="{e(c)}">{e(c)}</option>' for c in categories)
    toolbar = (
        f'<div class="toolbar"><div class="chips" role="group" aria-label="status">{chips}</div>'
        f'<select data-filter="category" aria-label="category"><option value="all">all categories</option>'
        f'{cats}</select><input type="search" data-filter="q" placeholder="search metrics, owners…" '
        f'aria-label="search metrics"><span class="count muted" id="metric-count">'
        f"{len(report.metrics)} metrics</span></div>"
        '<div id="spot-bar" class="spot-bar" hidden><span id="spot-text"></span>'
        '<button type="button" class="link" data-clear-spot>clear</button></div>'
    )
    sections = "".join(
        f'<div class="mgroup"><h3>{e(name)} <span class="muted">· {len(ids)}</span></h3><div class="mgrid">'
        + "".join(_metric_card(ctx.metrics[m], ctx) for m in ids)
        + "</div></div>"
        for name, ids in _metric_groups(report, ctx)
    )
    return (
        f'<section id="metrics" class="section wrap"><div class="section-head"><h2>Metrics</h2>'
        '<p class="muted small chart-key"><i class="k-line"></i>value <i class="k-band"></i>± margin of '
        "error (95%)"
        ' <i class="k-target"></i>target <i class="k-warn"></i>warn <i class="k-break"></i>definition '
        "changed"
        f"</p></div>{ctx.history_note()}{toolbar}{sections}</section>"
    )


def _metric_card(metric: MetricEntry, ctx: Context) -> str:
    latest = metric.latest
    status = metric.status
    tp = ctx.touchpoints.get(metric.touchpoint or "")
    words = (metric.id, metric.name, metric.owner, metric.tracked_by, metric.category, tp.name if tp else "")
    search = " ".join(str(x) for x in words if x).lower()
    sub = [f"<code>{e(metric.id)}</code>", e(metric.category or "")]
    if tp:
        sub.append(
            f'<button type="button" class="link" data-spot="{e(tp.id)}" title="touch point '
            f'{e(tp.name)} in journey {e(metric.journey)}">{e(tp.name)}</button>'
        )
    meta = []
    if latest and latest.moe is not None:
        moe = format_margin(metric.display, latest.moe)
        meta.append(f'<span title="95% margin of error">{e(moe)}</span>')
    if latest and latest.n is not None:
        meta.append(
            f'<span title="valid observations (minimum sample {e(metric.min_sample or "–")})">'
            f"n = {format_count(latest.n)}</span>"
        )
    goal = goal_text(metric).replace("Goal: ", "")
    meta.append(f"<span>{e(goal)}</span>" if goal else "<span>no goal</span>")
    meta.append(
        f'<span title="{e(ctx.owner_title(metric.owner))}">owner '
        f"<strong>{e(metric.owner or '–')}</strong></span>"
    )
    if metric.breaks:
        meta.append(
            f'<span class="tag break-tag" title="definition changed in {e(", ".join(metric.breaks))}">'
            f"definition changed</span>"
        )
    no_data = "" if latest else f'<span class="muted small">no data in {e(ctx.period(ctx.latest))}</span>'
    return (
        f'<article class="card mcard" id="m-{e(metric.id)}" data-metric="{e(metric.id)}" '
        f'data-status="{e(status or "none")}" data-category="{e(metric.category or "")}" '
        f'data-search="{e(search)}"><div class="mhead"><div class="mtitle">'
        f'<button type="button" class="mname link-ish" data-detail="metric-{e(metric.id)}" '
        f'title="{e(ctx.metric_title(metric))}">{e(metric.name)}</button>'
        f'<div class="msub">{" · ".join(sub)}</div></div>{status_pill(status, bool(latest))}</div>'
        f'<div class="mvalue">{ctx.metric_number(metric, "num big")}<span '
        f'class="unit">{e(metric.display.unit)}</span>'
        f"{value_trend(metric)}{no_data}</div>"
        f'<div class="mmeta">{"".join(meta)}</div>'
        f"{Chart(metric, ctx).render()}</article>"
    )
