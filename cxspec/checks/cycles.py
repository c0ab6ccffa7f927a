"""No circles: among ratio/derived metrics (CX204), pyramids (CX205) and owners (CX206)."""

from __future__ import annotations


def find_cycle(start: str, edges) -> list[str] | None:
    """A cycle through `start` in the graph `edges(node) -> neighbours`, or None (iterative DFS)."""
    stack = [(start, iter(edges(start)))]
    path = [start]
    on_path = {start}
    visited = set()
    while stack:
        node, neighbours = stack[-1]
        advanced = False
        for nxt in neighbours:
            if nxt == start:
                return path + [start]
            if nxt not in on_path and nxt not in visited:
                stack.append((nxt, iter(edges(nxt))))
                path.append(nxt)
                on_path.add(nxt)
                advanced = True
                break
        if not advanced:
            stack.pop()
            visited.add(path.pop())
            on_path.discard(node)
    return None


def strongly_connected(nodes, edges) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively, in one pass over the graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(edges(root)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, neighbours = work[-1]
            advanced = False
            for nxt in neighbours:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(edges(nxt))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _report_cycles(nodes: dict, edges, sink, code: str, what: str, loc_of) -> None:
    """One diagnostic per circle (strongly connected component), at its first member."""
    for component in strongly_connected(nodes, edges):
        start = component[0]
        if len(component) == 1 and start not in edges(start):
            continue
        members = set(component)

        def inside(node, members=members):
            return [m for m in edges(node) if m in members]

        cycle = find_cycle(start, inside)
        sink.add(
            code,
            f"{what} cycle: {' → '.join(cycle or [start, start])}",
            loc_of(start),
            hint="break the circle: one of them must not depend on the others",
        )


def check(ctx) -> None:
    project, registry, sink = ctx.project, ctx.registry, ctx.sink
    metrics = project.metrics

    def metric_edges(metric_id):
        metric = metrics.get(metric_id)
        metric_type = registry.metric_types.get(metric.type) if metric else None
        if metric_type is None or not metric.valid:
            return []
        return [target for target, _ in metric_type.depends_on(metric) if target in metrics]

    computed = {m.id: m for m in metrics.values() if m.valid and not _reads_source(registry, m)}
    _report_cycles(computed, metric_edges, sink, "CX204", "metric", lambda i: metrics[i].loc("id"))

    pyramids = project.pyramids

    def pyramid_edges(pyramid_id):
        pyramid = pyramids.get(pyramid_id)
        if pyramid is None:
            return []
        return [n.ref for n in pyramid.nodes() if n.kind == "pyramid" and n.ref in pyramids]

    _report_cycles(pyramids, pyramid_edges, sink, "CX205", "pyramid", lambda i: pyramids[i].loc("id"))

    owners = project.owners

    def owner_edges(owner_id):
        owner = owners.get(owner_id)
        return [owner.parent] if owner and owner.parent in owners else []

    _report_cycles(owners, owner_edges, sink, "CX206", "owner", lambda i: owners[i].loc("parent"))


def _reads_source(registry, metric) -> bool:
    metric_type = registry.metric_types.get(metric.type)
    return metric_type is None or metric_type.reads_source
