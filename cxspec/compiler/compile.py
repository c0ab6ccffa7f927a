"""Compile a request into queries: one self-contained statement per group of sources that
ratio or derived metrics connect, each source read once."""

from __future__ import annotations

from dataclasses import dataclass, replace

from cxspec.compiler.grouping import SET
from cxspec.compiler.plan import Plan, Planner, Request
from cxspec.compiler.sqlgen import RESULT_COLUMNS, generate
from cxspec.gcpause import paused_gc
from cxspec.resolve import Resolver


@dataclass
class CompiledQuery:
    name: str
    sql: str
    sources: list[str]
    metrics: list[str]
    columns: list[str]
    plan: Plan


def split(plan: Plan, registry) -> list[Plan]:
    """Independent parts of a plan: sources connected by ratio/derived metrics stay together."""
    parent = {scan.source.id: scan.source.id for scan in plan.scans}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    metric_sources: dict[str, set[str]] = {}
    for scan in plan.scans:
        for group in (scan.measure_metrics, scan.row_metrics, scan.spine_metrics):
            for metric_plan in group:
                metric_sources[metric_plan.metric.id] = {scan.source.id}
    for level in plan.levels:
        for metric_plan in level:
            sources: set[str] = set()
            for dep, _ in metric_plan.type.depends_on(metric_plan.metric):
                sources |= metric_sources.get(dep, set())
            metric_sources[metric_plan.metric.id] = sources
            ordered = sorted(sources)
            for other in ordered[1:]:
                parent[find(other)] = find(ordered[0])
    groups: dict[str, list[str]] = {}
    for source_id in sorted(parent):
        groups.setdefault(find(source_id), []).append(source_id)
    if not groups:
        return [plan]
    ordered_groups = sorted(groups.values())
    parts = []
    for members in ordered_groups:
        member_set = set(members)
        # A metric computed from no source at all (a derived constant) goes with the first part.
        first = members == ordered_groups[0]
        owned = {
            m for m, sources in metric_sources.items() if sources & member_set or (not sources and first)
        }
        owned |= {m for m in plan.outputs if m not in metric_sources and first}
        parts.append(
            replace(
                plan,
                scans=[s for s in plan.scans if s.source.id in member_set],
                levels=[
                    lvl
                    for lvl in ([m for m in level if m.metric.id in owned] for level in plan.levels)
                    if lvl
                ],
                outputs=[m for m in plan.outputs if m in owned],
            )
        )
    return [p for p in parts if p.outputs]


def _sources_read(project, parts) -> list:
    """The scanned sources and the sources their lookup dimensions read, each once."""
    found: dict[str, object] = {}
    for part in parts:
        for scan in part.scans:
            found.setdefault(scan.source.id, scan.source)
            for dimension in scan.source.dimensions:
                other = project.sources.get(dimension.lookup or "")
                if other is not None:
                    found.setdefault(other.id, other)
    return list(found.values())


def compile_request(project, request: Request, dialect: str, registry, resolver=None, *, pretty=True):
    """The queries of a request, rendered in `dialect`.

    `resolver` turns the sources read into relations and column types first (a
    `cxspec.resolve.Resolver`; without one, no warehouse is asked).

    Cyclic garbage collection is paused meanwhile: the trees are millions of small objects
    that all stay alive, so collector passes over them find nothing to free.
    """
    with paused_gc():
        return _compile_request(project, request, dialect, registry, resolver, pretty=pretty)


def _compile_request(
    project,
    request: Request,
    dialect: str,
    registry,
    resolver: Resolver | None = None,
    *,
    pretty=True,
) -> list[CompiledQuery]:
    plan = Planner(project, registry, dialect).plan(request)
    resolver = resolver or Resolver(project, registry, dialect)
    parts = split(plan, registry)
    resolution = resolver.resolve(_sources_read(project, parts))
    compiled = []
    for part in parts:
        tree = generate(part, resolution)
        sources = [scan.source.id for scan in part.scans]
        compiled.append(
            CompiledQuery(
                name="+".join(sources) or "metrics",
                sql=tree.sql(dialect=dialect, pretty=pretty, copy=False),  # a fresh tree: no copy
                sources=sources,
                metrics=list(part.outputs),
                columns=[
                    "metric",
                    "period",
                    *part.dimensions,
                    *([SET] if part.sets else []),
                    *RESULT_COLUMNS,
                ],
                plan=part,
            )
        )
    return compiled
