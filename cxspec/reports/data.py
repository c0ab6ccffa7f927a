"""The report model (cxspec/reports/model.py), built once from stored results only: what
every format renders and what `report.json` serializes (docs/report-json.md)."""

from __future__ import annotations

from cxspec.reports.analyses import driver_entries, left_out_entries, link_entries
from cxspec.reports.model import (
    Goal,
    Index,
    Journey,
    MetricEntry,
    Node,
    Owner,
    Point,
    ProjectInfo,
    Pyramid,
    Report,
    ScorePoint,
    Stage,
    TouchpointEntry,
)
from cxspec.issues_state.benchmarks import with_benchmarks
from cxspec.issues_state.initiatives import impacts
from cxspec.issues_state.report_states import with_states
from cxspec.grains import at_grain, leaf_period, metric_grains
from cxspec.periods import headline_period, in_progress
from cxspec.reports.segments import in_scope, league, stored_segments
from cxspec.runs.issues import change_p_value
from cxspec.runs.segment_issues import detect_all
from cxspec.runs.rollup import natural_score, rollup


#: A segment's report in place of the links (`run` computes them for the total only).
LINKS_FOR_THE_TOTAL = (
    "Links are computed for the whole programme only, not per segment: "
    "`cxspec report` without --segment shows what CX is worth."
)


def metric_definition(project, registry, metric) -> str:
    """One line saying how the number is computed: what its type computes (the type says),
    from which source, where its filter and its touch point's match hold."""
    parts = [registry.metric_types[metric.type].definition(metric, project)]
    if metric.source:
        parts.append(f"from {metric.source}")
    conditions = [c for c in (metric.filter,) if c]
    touchpoint = project.touchpoints.get(metric.touchpoint or "")
    if touchpoint is not None and touchpoint.match:
        conditions.append(touchpoint.match)
    if conditions:
        parts.append("where " + " and ".join(conditions))
    return " ".join(parts)


def stored_run(project_id: str, results) -> dict | None:
    """The latest stored run the report is made from: its time (UTC) and an id derived from
    the project, that time and the spec hash it ran, so a report can be matched to the rows."""
    import hashlib

    if not results:
        return None
    time = max(r.computed_at for r in results)
    hashes = sorted({r.spec_hash for r in results if r.computed_at == time})
    digest = hashlib.sha256("\n".join([project_id, time, *hashes]).encode("utf-8")).hexdigest()
    return {"id": digest[:12], "time": time}


def build_report(stored, registry) -> dict:
    """The report as the JSON-ready dict of `report.json`."""
    return build_model(stored, registry).to_dict()


def build_model(
    stored, registry, *, period: str | None = None, as_of: str | None = None, segment: dict | None = None
) -> Report:
    """The report model of what is stored for a project at its grain: of the total, or of
    one `segment` ({"region": "EMEA"}).

    Its headline (`latest`) is `period` when given, else the latest complete period (at
    `as_of` too, when given): a period computed before it was over is "in progress"."""
    project = stored.project
    total = [r for r in stored.results if not r.dimensions]
    results = [r for r in stored.results if in_scope(r.dimensions, segment)] if segment else total
    every_score = [*stored.scores, *getattr(stored, "segment_scores", [])]  # the segments' kept apart, or not
    scores = [s for s in every_score if in_scope(getattr(s, "dimensions", None), segment)]
    headline_rows = at_grain(total, stored.grain)  # metrics of their own grain: not periods of the report
    periods = sorted({r.period for r in headline_rows} | {s.period for s in scores})
    computed: dict[str, str] = {}
    for row in headline_rows:
        if row.computed_at and (row.period not in computed or row.computed_at < computed[row.period]):
            computed[row.period] = row.computed_at
    partial = in_progress(periods, computed, stored.grain)
    latest = period if period is not None else headline_period(periods, computed, stored.grain, as_of)
    by_metric: dict[str, list] = {}
    for row in results:
        by_metric.setdefault(row.metric, []).append(row)

    grains = metric_grains(project)
    own_latest = {m: latest and leaf_period(latest, stored.grain, grains[m]) for m in project.metrics}
    metrics = [
        _metric(project, registry, metric, by_metric.get(metric_id, []), own_latest[metric_id], grains[metric_id])
        for metric_id, metric in sorted(project.metrics.items())
    ]
    with_benchmarks(project, metrics)
    metric_index = {m.id: m for m in metrics}
    builder = _Pyramids(project, scores, latest, metric_index)
    pyramids = [builder.pyramid(p) for p in sorted(project.pyramids.values(), key=lambda p: p.id)]

    latest_results = {r.metric: r for r in results if r.period == own_latest.get(r.metric, latest)}
    scores = rollup(project, registry, latest_results)
    by_id = sorted(project.journeys.values(), key=lambda j: j.id)
    journeys = [_journey(project, journey, metrics, scores) for journey in by_id]

    index = None
    if pyramids:
        main = next((p for p in pyramids if p.id == "cx-index"), pyramids[0])
        index = Index(main.id, main.name, main.tree.score, main.tree.previous, main.tree.coverage)

    computed = sorted({r.computed_at for r in total})
    # issues only on a period that was over: a one-day month is no evidence of anything
    found = detect_all(project, registry, stored.results, latest) if latest and latest not in partial else []
    # the total's report lists the total's issues and the segments the total hides (below_rest)
    listed = [i for i in found if in_scope(i.dimensions, segment) or (not segment and i.kind == "below_rest")]
    states = with_states(project, listed, getattr(stored, "issue_records", None) or {}, latest)
    return Report(
        project=ProjectInfo(
            id=project.config.project,
            name=project.config.name or project.config.project,
            grain=stored.grain,
            spec_hashes=sorted({r.spec_hash for r in total}),
            computed_at=computed[-1] if computed else None,
        ),
        periods=periods,
        in_progress=partial,
        run=stored_run(project.config.project, total),
        initiatives=impacts(project, total, lambda m, a, b: change_p_value(project, registry, m, a, b)),
        latest=latest,
        index=index,
        pyramids=pyramids,
        metrics=metrics,
        journeys=journeys,
        # drivers are stored per segment too; links for the total only: a segment's report says so
        drivers=driver_entries(project, getattr(stored, "drivers", []), segment),
        drivers_left_out=left_out_entries(
            project, getattr(stored, "drivers", []), getattr(stored, "drivers_left_out", []), segment,
            stored_segments(stored.results),
        ),
        links=[] if segment else link_entries(
            project, getattr(stored, "link_groups", []), getattr(stored, "link_contrasts", []),
            getattr(stored, "link_as_of", {}), getattr(stored, "links_omitted", []),
            getattr(stored, "links_warnings", []),
        ),  # fmt: skip
        links_note=LINKS_FOR_THE_TOTAL if segment and project.links else None,
        issues=[i for i in states if in_scope(i.dimensions, segment) or (not segment and i.kind == "below_rest")],
        owners=[
            Owner(o.id, o.name or o.id, o.kind, o.email, o.github, o.parent)
            for o in sorted(project.owners.values(), key=lambda o: o.id)
        ],
        failed=[f.as_dict() for f in stored.failures],
        left_out={s: found.as_dict() for s, found in sorted(stored.left_out.items()) if found.reported},
        segment=dict(segment) if segment else None,
        segments=league(project, stored.results, every_score, found, latest, registry),
    )


def _metric(project, registry, metric, rows: list, latest: str | None, grain: str | None = None) -> MetricEntry:
    kind = registry.metric_types[metric.type]
    touchpoint = project.touchpoints.get(metric.touchpoint or "")
    goal = project.goals.get(metric.id)
    series = [Point(r.period, r.value, r.n, r.invalid, r.moe, r.status) for r in rows]
    latest_point = next((p for p in series if p.period == latest), None)
    return MetricEntry(
        id=metric.id,
        name=metric.name or metric.id,
        type=metric.type,
        category=metric.category,
        direction=metric.direction,
        unit=metric.unit or kind.unit,
        owner=metric.owner,
        tracked_by=metric.tracked_by,
        touchpoint=metric.touchpoint,
        journey=touchpoint.journey if touchpoint else None,
        stage=touchpoint.stage if touchpoint else None,
        description=metric.description,
        definition=metric_definition(project, registry, metric),
        version=metric.version,
        min_sample=metric.min_sample,
        natural_range=list(kind.natural_range(metric) or []) or None,
        goal=Goal(goal.target, goal.warn, goal.due, goal.owner) if goal else None,
        latest=latest_point,
        previous=next((p for p in reversed(series) if latest and p.period < latest), None),
        score=natural_score(registry, metric, latest_point.value) if latest_point else None,
        series=series,
        breaks=[rows[i].period for i in range(1, len(rows)) if rows[i].definition != rows[i - 1].definition],
        display=kind.display(metric),
        grain=grain,
    )


class _Pyramids:
    """Pyramid trees with each node's stored scores."""

    def __init__(self, project, scores, latest, metrics: dict[str, MetricEntry]):
        self.project, self.latest, self.metrics = project, latest, metrics
        self.by_node: dict[tuple[str, str], list[ScorePoint]] = {}
        for score in scores:
            point = ScorePoint(score.period, score.score, score.coverage)
            self.by_node.setdefault((score.pyramid, score.node), []).append(point)

    def pyramid(self, pyramid) -> Pyramid:
        name = pyramid.name or pyramid.id
        children = self.walk(pyramid, pyramid.children, pyramid.id)
        tree = self.node(pyramid, pyramid.id, name, "group", 1.0, children=children)
        return Pyramid(pyramid.id, name, pyramid.owner, pyramid.normalize, tree)

    def node(self, pyramid, path: str, name: str, kind: str, weight: float, metric_id=None, children=()):
        series = self.by_node.get((pyramid.id, path), [])
        latest = next((s for s in reversed(series) if s.period == self.latest), None)
        previous = next((s.score for s in reversed(series) if self.latest and s.period < self.latest), None)
        node = Node(
            id=path,
            name=name,
            kind=kind,
            weight=weight,
            metric=metric_id,
            score=latest.score if latest else None,
            coverage=latest.coverage if latest else None,
            previous=previous,
            series=list(series),
            children=list(children),
        )
        if metric_id:
            node.status = self.metrics[metric_id].status
            node.owner = self.metrics[metric_id].owner
        return node

    def walk(self, pyramid, nodes, parent: str) -> list[Node]:
        out = []
        for node in nodes:
            if node.kind == "metric":
                metric = self.project.metrics[node.ref]
                path = f"{parent}/{metric.id}"
                name = metric.name or metric.id
                out.append(self.node(pyramid, path, name, "metric", node.weight, metric.id))
                continue
            if node.kind == "pyramid":
                included = self.project.pyramids[node.ref]
                path, children = f"{parent}/{included.id}", included.children
                name = included.name or included.id
            else:
                path, name, children = f"{parent}/{node.id}", node.name or node.id, node.children
            inner = self.walk(pyramid, children, path)
            out.append(self.node(pyramid, path, name, "group", node.weight, children=inner))
        return out


def _journey(project, journey, metrics: list[MetricEntry], scores) -> Journey:
    stages = []
    for stage in journey.stages:
        touchpoints = [
            TouchpointEntry(
                id=tp.id,
                name=tp.name or tp.id,
                owner=tp.owner,
                intended=tp.intended,
                metrics=[m.id for m in metrics if m.touchpoint == tp.id],
                score=scores.touchpoints.get(tp.id),
            )
            for tp in sorted(project.touchpoints.values(), key=lambda t: t.id)
            if tp.journey == journey.id and tp.stage == stage
        ]
        stages.append(Stage(stage, touchpoints))
    name = journey.name or journey.id
    return Journey(journey.id, name, journey.owner, stages, scores.journeys.get(journey.id))
