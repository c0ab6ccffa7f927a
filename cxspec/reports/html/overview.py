"""The top of the dashboard: the header bar, and the first screen (the CX index, goal status,
every pyramid's score, the pyramid tree, the lowest touch points) with the issues beside it."""

from __future__ import annotations

from cxspec.display import format_score
from cxspec.reports.html.common import (
    KIND,
    STATUS,
    STATUS_OF_CLASS,
    Context,
    band,
    e,
    score_trend,
    status_dot,
)
from cxspec.reports.html.charts import sparkline
from cxspec.reports.html.issue_filters import issue_data, issue_filters, issue_state
from cxspec.reports.html.journeys import lowest_touchpoints
from cxspec.reports.html.tree import pyramids_card
from cxspec.reports.model import Report

_GRAIN_WORD = {"day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly", "year": "yearly"}
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def header(report: Report, ctx: Context) -> str:
    grain = report.project.grain or ""
    latest = report.latest
    nav = "".join(
        f'<a href="#{anchor}">{label}</a>'
        for anchor, label in (
            ("pyramid", "Pyramid"),
            ("issues", "Issues"),
            ("journeys", "Journeys"),
            ("metrics", "Metrics"),
        )
    )
    return (
        f'<header class="top"><div class="wrap top-inner"><div class="brand">'
        f'<span class="logo" aria-hidden="true"></span><div><h1>{e(report.project.name)}</h1>'
        f'<p class="sub">CX dashboard · {e(_GRAIN_WORD.get(grain, grain))} · latest period '
        f"<strong>{e(ctx.period(latest))}</strong>"
        f' <span class="muted">({e(latest or "no data")})</span>'
        + "".join(
            f' · <span class="in-progress">{e(ctx.period(p))} in progress</span>'
            for p in report.in_progress
            if latest is None or p > latest
        )
        + "</p></div></div>"
        f'<nav aria-label="Sections">{nav}</nav></div></header>'
    )


def overview(report: Report, ctx: Context) -> str:
    """The first screen: index, goal status and pyramids over the pyramid tree; issues beside them."""
    hero = (
        '<div class="hero" aria-label="Summary">'
        + _index_card(report, ctx)
        + _status_card(report)
        + _pyramid_scores(report)
        + "</div>"
    )
    return (
        f'<div class="wrap overview"><div class="main-col">{hero}{_data_notes(report)}'
        f"{pyramids_card(report, ctx)}{lowest_touchpoints(ctx)}</div>"
        f"{_issues(report, ctx)}</div>"
    )


def _data_notes(report: Report) -> str:
    """Failed metrics and rows left out: what the numbers below do not include."""
    notes = report.data_notes()
    if not notes:
        return ""
    items = "".join(f"<li>{e(note)}</li>" for note in notes)
    return (
        '<section id="data-notes" class="card"><div class="card-head"><h2>Not in these numbers</h2>'
        f'</div><ul class="issues">{items}</ul></section>'
    )


def _index_card(report: Report, ctx: Context) -> str:
    index = report.index
    if not index:
        return '<div class="card index-card"><h2>CX index</h2><p class="muted">No pyramid declared.</p></div>'
    pyramid = next((p for p in report.pyramids if p.id == index.pyramid), None)
    series = pyramid.tree.series if pyramid else []
    before = [s.period for s in series if ctx.latest and s.period < ctx.latest]
    versus = f"vs {ctx.period(before[-1])}" if before else ""
    cov_text = f"{index.coverage * 100:.0f}%" if index.coverage is not None else "–"
    title = (
        f"{index.name} ({index.pyramid}): the pyramid's root score on 0–100, the weighted mean of its "
        f"groups (normalize: {pyramid.normalize if pyramid else None}).\n"
        f"Owner: {ctx.owner_title(pyramid.owner if pyramid else None)}\n"
        f"Previous period: {format_score(index.previous)}"
    )
    shown = ctx.shown(series)
    spark = sparkline([s.score for s in shown], 240, 46, f"{index.name} over {len(shown)} periods")
    return (
        f'<div class="card index-card"><h2>{e(index.name)}</h2>'
        f'<div class="index-main"><span class="index-value band-{band(index.score)}" '
        f'title="{e(title)}">{e(format_score(index.score))}</span><span class="index-of">/ 100</span>'
        f'<div class="index-meta">{score_trend(index.score, index.previous)}'
        f'<span class="muted">{e(versus)}</span>'
        f'<span class="cov" title="weight of the parts with data / weight declared">'
        f"coverage {e(cov_text)}</span></div></div>{spark}</div>"
    )


def _status_card(report: Report) -> str:
    counts = {"ok": 0, "warn": 0, "bad": 0, "na": 0, "none": 0}
    for metric in report.metrics:
        counts[STATUS.get(metric.status, ("", "none"))[1]] += 1
    total = sum(counts.values()) or 1
    labels = {
        "ok": "on target",
        "warn": "short of target",
        "bad": "off target",
        "na": "small sample",
        "none": "no goal / no data",
    }
    bar = "".join(
        f'<i class="seg st-{k}" style="width:{100 * n / total:.2f}%" title="{n} {labels[k]}"></i>'
        for k, n in counts.items()
        if n
    )
    legend = "".join(
        f"<li>{status_dot(STATUS_OF_CLASS.get(k))}<strong>{n}</strong> {labels[k]}</li>"
        for k, n in counts.items()
    )
    return (
        f'<div class="card"><h2>Goals <span class="muted">· {len(report.metrics)} metrics</span></h2>'
        f'<div class="stackbar" role="img" aria-label="metrics by goal status">{bar}</div>'
        f'<ul class="legend">{legend}</ul></div>'
    )


def _pyramid_scores(report: Report) -> str:
    rows = []
    for pyramid in report.pyramids:
        tree = pyramid.tree
        rows.append(
            f'<li><span class="pname">{e(pyramid.name)}</span>'
            f'<span class="pscore band-{band(tree.score)}">{e(format_score(tree.score))}</span>'
            f"{score_trend(tree.score, tree.previous)}</li>"
        )
    return f'<div class="card"><h2>Pyramids</h2><ul class="pyr-list">{"".join(rows)}</ul></div>'


# ---------------------------------------------------------------- issues

_SEV_ICON = {
    "error": '<svg viewBox="0 0 16 16" aria-hidden="true"><circle cx="8" cy="8" r="7"/>'
    '<path d="M5.5 5.5l5 5M10.5 5.5l-5 5"/></svg>',
    "warning": '<svg viewBox="0 0 16 16" aria-hidden="true"><path class="tri" d="M8 1.5l7 12.5H1z"/>'
    '<path d="M8 6v4M8 11.6v.4"/></svg>',
    "info": '<svg viewBox="0 0 16 16" aria-hidden="true"><circle cx="8" cy="8" r="7"/>'
    '<path d="M8 7v4.5M8 4.6v.4"/></svg>',
}


def _issue_counts(issues) -> str:
    errors = sum(1 for i in issues if i.severity == "error")
    others = len(issues) - errors
    return (
        f'<p class="issue-counts"><span class="sev-count bad">{errors}</span> '
        f"error{'s' if errors != 1 else ''} "
        f'<span class="sev-count warn">{others}</span> other{"s" if others != 1 else ""}</p>'
    )


def _issue_kinds(issues) -> str:
    kinds: dict[str, int] = {}
    for issue in issues:
        kinds[issue.kind] = kinds.get(issue.kind, 0) + 1
    owners = {i.owner for i in issues if i.owner}
    text = ", ".join(f"{n} {KIND.get(k, k)}" for k, n in kinds.items())
    routed = f"routed to {len(owners)} owner{'s' if len(owners) != 1 else ''}"
    return f'<p class="issue-kinds muted small">{e(text + " · " + routed if text else routed)}</p>'


def _issues(report: Report, ctx: Context) -> str:
    issues = sorted(report.issues, key=lambda i: _SEVERITY_ORDER.get(i.severity, 3))
    items = "".join(_issue(i, ctx) for i in issues) or '<li class="none">No issues in the latest period.</li>'
    return (
        f'<section id="issues" class="card issues-card"><div class="card-head"><h2>Issues '
        f'<span class="muted">· {e(ctx.period(ctx.latest))}</span></h2>{_issue_counts(issues)}</div>'
        f"{_issue_kinds(issues)}{issue_filters(issues, ctx) if issues else ''}"
        f'<ul class="issues">{items}</ul></section>'
    )


def _issue(issue, ctx: Context) -> str:
    """Severity icon, kind and owner; the message opens the metric's details or shows the touch point."""
    severity = issue.severity or "info"
    kind = issue.kind or ""
    metric = ctx.metrics.get(issue.metric or "")
    tp = ctx.touchpoints.get(issue.touchpoint or "")
    message = e(issue.message)
    if metric is not None:
        message = (
            f'<button type="button" class="msg link-ish" data-detail="metric-{e(metric.id)}" '
            f'title="{e(ctx.metric_title(metric))}">{message}</button>'
        )
    elif tp is not None:
        message = (
            f'<button type="button" class="msg link-ish" data-spot="{e(tp.id)}" '
            f'title="show touch point {e(tp.name)} and its metrics">{message}</button>'
        )
    else:
        message = f'<p class="msg">{message}</p>'
    stats = f'<span class="muted small">p = {issue.p_value:.3f}</span>' if issue.p_value is not None else ""
    return (
        f'<li class="issue sev-{e(severity)}"{issue_data(issue)}><span class="sev-icon" title="{e(severity)}">'
        f'{_SEV_ICON.get(severity, _SEV_ICON["info"])}</span><div class="issue-body">'
        f'<div class="issue-meta"><span class="kind k-{e(kind)}">{e(KIND.get(kind, kind))}</span>{stats}'
        f'<span class="owner-chip" title="owner: {e(ctx.owner_title(issue.owner))}">'
        f"{e(ctx.owner_name(issue.owner))}</span>"
        f"</div>{message}{issue_state(issue)}</div></li>"
    )
