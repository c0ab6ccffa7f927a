"""The pyramid as a drill-down tree: one tab per pyramid, groups that open and close, each
node with its weight, score bar, trend and history; leaves with the metric's value."""

from __future__ import annotations

from cxspec.display import format_score
from cxspec.reports.html.charts import sparkline
from cxspec.reports.html.common import Context, band, e, score_trend, status_dot
from cxspec.reports.model import Node, Pyramid, Report


def pyramids_card(report: Report, ctx: Context) -> str:
    pyramids = report.pyramids
    if not pyramids:
        return '<section id="pyramid" class="card"><h2>Pyramid</h2><p class="muted">No pyramid.</p></section>'
    tabs = "".join(
        f'<button type="button" role="tab" data-tab="pyr-{e(p.id)}" '
        f'aria-selected="{"true" if i == 0 else "false"}">{e(p.name)}</button>'
        for i, p in enumerate(pyramids)
    )
    panels = "".join(_pyramid_panel(p, i == 0, ctx) for i, p in enumerate(pyramids))
    head = (
        '<div class="tree-head" aria-hidden="true"><span>node</span><span>weight</span><span>value</span>'
        "<span>score 0–100</span><span></span><span>trend</span><span>history</span></div>"
    )
    return (
        f'<section id="pyramid" class="card tree-card"><div class="card-head"><h2>Pyramid</h2>'
        f'<div class="tabs" role="tablist">{tabs}</div><div class="tools">'
        f'<button type="button" class="link" data-tree="expand">expand all</button>'
        f'<button type="button" class="link" data-tree="collapse">collapse all</button></div></div>'
        f"{head}{panels}</section>"
    )


def _pyramid_panel(pyramid: Pyramid, first: bool, ctx: Context) -> str:
    hidden = "" if first else " hidden"
    tree = _tree_node(pyramid.tree, 0, 1.0, pyramid, ctx)
    return (
        f'<div class="tree-panel" role="tabpanel" id="pyr-{e(pyramid.id)}"{hidden}>'
        f'<ul class="tree" role="tree" aria-label="{e(pyramid.name)}">{tree}</ul></div>'
    )


def _has_red(node: Node) -> bool:
    return any(leaf.status == "red" for leaf in node.leaves())


def _tree_node(node: Node, depth: int, share: float, pyramid: Pyramid, ctx: Context) -> str:
    if node.kind == "metric":
        return _tree_leaf(node, depth, share, ctx)
    children = node.children
    total = sum(c.weight for c in children) or 1.0
    expanded = depth == 0 or _has_red(node)
    inner = "".join(_tree_node(c, depth + 1, c.weight / total, pyramid, ctx) for c in children)
    coverage = node.coverage
    cov = ""
    if coverage is not None and coverage < 0.999:
        cov = (
            f' <span class="cov-badge" title="coverage: {coverage * 100:.0f}% of the declared weight has a '
            f'score this period">{coverage * 100:.0f}% cov.</span>'
        )
    title = (
        f"{node.name}: weighted mean of {len(children)} children's 0–100 scores"
        f" (normalize: {pyramid.normalize}); coverage "
        f"{'–' if coverage is None else f'{coverage * 100:.0f}%'}; previous {format_score(node.previous)}"
    )
    row = (
        f'<div class="row" style="--d:{depth}">'
        f'<button type="button" class="toggle" data-toggle aria-label="expand or collapse {e(node.name)}">'
        f'<span class="caret" aria-hidden="true"></span><span class="name">{e(node.name)}</span>{cov}'
        "</button>"
        f'{_weight(node, depth, share)}<span class="val"></span>{_score_cells(node, title, ctx)}</div>'
    )
    return (
        f'<li class="node group" role="treeitem" aria-expanded="{"true" if expanded else "false"}">'
        f'{row}<ul role="group">{inner}</ul></li>'
    )


def _tree_leaf(node: Node, depth: int, share: float, ctx: Context) -> str:
    metric = ctx.metrics.get(node.metric)
    if metric is None:
        value = '<span class="val">–</span>'
        title = node.name
    else:
        value = f'<span class="val">{ctx.metric_number(metric)}{status_dot(node.status)}</span>'
        title = f"score 0–100 of {metric.name} (its value on its natural range)\n{ctx.metric_title(metric)}"
    owner = f'<span class="owner-tag" title="{e(ctx.owner_title(node.owner))}">{e(node.owner or "")}</span>'
    row = (
        f'<div class="row" style="--d:{depth}"><span class="leafname">'
        f'<button type="button" class="name link-ish" data-detail="metric-{e(node.metric)}" '
        f'title="{e(title)}">{e(node.name)}</button>{owner}</span>'
        f"{_weight(node, depth, share)}{value}{_score_cells(node, title, ctx)}</div>"
    )
    return f'<li class="node leaf" role="treeitem" data-metric="{e(node.metric)}">{row}</li>'


def _weight(node: Node, depth: int, share: float) -> str:
    if depth == 0:
        return '<span class="w"></span>'
    return (
        f'<span class="w" title="weight {node.weight:g}: {share * 100:.0f}% of its parent">'
        f"×{node.weight:g}</span>"
    )


def _score_cells(node: Node, title: str, ctx: Context) -> str:
    score = node.score
    width = 0 if score is None else max(0.0, min(100.0, score))
    history = ctx.shown(node.series)
    spark = sparkline([s.score for s in history], 64, 20, f"score over {len(history)} periods")
    return (
        f'<span class="bar" aria-hidden="true"><i class="band-{band(score)}" style="width:{width:.1f}%"></i>'
        "</span>"
        f'<span class="score band-{band(score)}" title="{e(title)}">{e(format_score(score))}</span>'
        f"{score_trend(score, node.previous)}{spark}"
    )
