"""The journeys, stages left to right with their touch points as cards, and the touch points
with the lowest scores (where to act first). Scores are the report's (cxspec/runs/rollup.py)."""

from __future__ import annotations

from cxspec.display import format_score
from cxspec.reports.html.common import Context, band, e, status_dot
from cxspec.reports.model import Journey, Report, TouchpointEntry


def journeys_section(report: Report, ctx: Context) -> str:
    legend = (
        '<ul class="legend inline"><li><i class="sw band-ok"></i>score ≥ 75</li>'
        '<li><i class="sw band-warn"></i>50–75</li><li><i class="sw band-bad"></i>&lt; 50</li>'
        '<li><i class="sw band-none"></i>no score</li><li><i class="sw unplanned"></i>unplanned touch point'
        "</li>"
        '<li class="muted">click a touch point to highlight its metrics</li></ul>'
    )
    body = "".join(_journey(j, ctx) for j in report.journeys) or '<p class="muted">No journeys declared.</p>'
    return (
        f'<section id="journeys" class="section wrap"><div class="section-head"><h2>Journeys</h2>{legend}'
        "</div>"
        f"{body}</section>"
    )


def _journey(journey: Journey, ctx: Context) -> str:
    mean = journey.score
    title = (
        "mean score of its touch points (metrics with enough answers only); a touch point more "
        "than 10 points below it is a below_journey issue"
    )
    stages = "".join(_stage(i, stage, ctx) for i, stage in enumerate(journey.stages))
    owner = journey.owner
    return (
        f'<article class="card journey" id="journey-{e(journey.id)}"><div class="journey-head">'
        f'<h3>{e(journey.name)}</h3><span class="owner-chip" title="{e(ctx.owner_title(owner))}">'
        f'{e(ctx.owner_name(owner))}</span><span class="muted">{len(journey.touchpoints)} touch points</span>'
        f'<span class="jmean band-{band(mean)}" title="{e(title)}">'
        f"journey mean {e(format_score(mean))}</span>"
        f'</div><div class="stages" style="--cols:{max(1, len(journey.stages))}">{stages}</div></article>'
    )


def _stage(i: int, stage, ctx: Context) -> str:
    cards = "".join(_touchpoint(tp, ctx) for tp in stage.touchpoints)
    label = stage.id.replace("-", " ").replace("_", " ")
    return (
        f'<div class="stage"><div class="stage-head"><span class="step">{i + 1}</span>'
        f'<span class="stage-name">{e(label)}</span></div>'
        f"{cards or '<p class=empty-stage>no touch point</p>'}</div>"
    )


def _metrics_of(tp: TouchpointEntry, ctx: Context) -> list:
    return [ctx.metrics[m] for m in tp.metrics if m in ctx.metrics]


def _tp_flags(tp: TouchpointEntry, metrics: list, ctx: Context) -> str:
    """Tags of a touch point card: unplanned, below its journey (by how much), small sample."""
    flags = [] if tp.intended else ['<span class="tag unplanned-tag">unplanned</span>']
    journey_mean = ctx.journey_of[tp.id][0].score
    for issue in ctx.issues_by_tp.get(tp.id, []):
        if issue.kind == "below_journey":
            known = journey_mean is not None and tp.score is not None
            gap = f"{journey_mean - tp.score:.0f} " if known else ""
            flags.append(f'<span class="tag below" title="{e(issue.message)}">▼ {gap}below journey</span>')
    small = [m for m in metrics if m.status == "insufficient_sample"]
    if small and len(small) == len([m for m in metrics if m.score is not None]):
        flags.append(
            '<span class="tag na" title="every scored metric of this touch point has fewer answers than its '
            'minimum sample">small sample</span>'
        )
    return f'<div class="tp-flags">{"".join(flags)}</div>' if flags else ""


def _tp_open(tp: TouchpointEntry, ctx: Context, extra_class: str = "") -> str:
    """The opening tag of a clickable touch point card (click: highlight its metrics)."""
    unplanned = not tp.intended
    title = (
        f"{tp.name} ({tp.id}): mean 0–100 score of its metrics\nOwner: "
        f"{ctx.owner_title(tp.owner)}"
        f"\n{'unplanned (not designed by the company)' if unplanned else 'intended touch point'}"
    )
    classes = f"tp{extra_class} band-{band(tp.score)}{' unplanned' if unplanned else ''}"
    return (
        f'<div class="{classes}" data-tp="{e(tp.id)}" role="button" tabindex="0" aria-pressed="false" '
        f'title="{e(title)}"><div class="tp-top"><span class="tp-name">{e(tp.name)}</span>'
        f'<span class="tp-score">{e(format_score(tp.score))}</span></div>'
    )


def _touchpoint(tp: TouchpointEntry, ctx: Context) -> str:
    metrics = _metrics_of(tp, ctx)
    rows = (
        "".join(
            f'<li>{status_dot(m.status)}<span class="tm-name" '
            f'title="{e(m.name)}">{e(m.name)}</span>{ctx.metric_number(m, "num small")}</li>'
            for m in metrics
        )
        or '<li class="muted">no metric measures it</li>'
    )
    return (
        f'{_tp_open(tp, ctx)}<div class="tp-owner">{e(ctx.owner_name(tp.owner))}</div>'
        f'{_tp_flags(tp, metrics, ctx)}<ul class="tp-metrics">{rows}</ul></div>'
    )


def lowest_touchpoints(ctx: Context, count: int = 5) -> str:
    """The touch points with the lowest scores, across journeys: where to act first."""
    scored = [tp for tp in ctx.touchpoints.values() if tp.score is not None]
    lowest = sorted(scored, key=lambda tp: (tp.score, tp.id))[:count]
    if not lowest:
        return ""
    cards = "".join(
        f'{_tp_open(tp, ctx, " mini")}<div class="tp-owner">{e(ctx.journey_of[tp.id][0].name)} · '
        f"{e(ctx.journey_of[tp.id][1])}</div>"
        f"{_tp_flags(tp, _metrics_of(tp, ctx), ctx)}</div>"
        for tp in lowest
    )
    return (
        '<section class="card act-card" aria-label="Lowest touch points"><div class="card-head">'
        '<h2>Lowest touch points</h2><span class="muted small">where to act first · click one to '
        f'highlight its metrics</span></div><div class="act-grid">{cards}</div></section>'
    )
