"""Bounded depth: how deep pyramids nest (includes followed), how deep ratio/derived metrics
depend on each other, how long owner `parent` chains are, and how large the expression a
metric expands to is (CX210-CX213, docs/limits.md).

Every command walks these structures, some recursively; the limits keep each walk short
and linear. The check itself is iterative (post-order with an explicit stack), and reports
only the first item past a limit on each chain, not every item beyond it.
"""

from __future__ import annotations

from collections import Counter

from cxspec.fragment_facts import fragment_facts

#: Levels of a pyramid below its root, counting those of the pyramids it includes.
MAX_PYRAMID_DEPTH = 32
#: Nodes of one pyramid with its includes expanded (an included pyramid counts each time).
MAX_PYRAMID_NODES = 100_000
#: Ratio/derived metrics on top of each other (a metric that reads a source is level 0).
MAX_METRIC_DEPTH = 50
#: Metric references in a metric's formula with every ratio/derived input written out.
MAX_EXPANDED_TERMS = 10_000
#: Owners in a `parent` chain, the owner itself included.
MAX_OWNER_DEPTH = 32


def fold(nodes, references, combine) -> dict:
    """value[node] = combine(node, {referenced node: its value}) for every node, in post-order
    without recursion. A reference back into the path being walked (a cycle, reported by
    CX204-CX206) is left out."""
    value: dict = {}
    on_path: set = set()
    for root in nodes:
        if root in value:
            continue
        stack = [(root, iter(references(root)))]
        on_path.add(root)
        while stack:
            node, pending = stack[-1]
            for nxt in pending:
                if nxt not in value and nxt not in on_path:
                    on_path.add(nxt)
                    stack.append((nxt, iter(references(nxt))))
                    break
            else:
                stack.pop()
                on_path.discard(node)
                value[node] = combine(node, {r: value[r] for r in references(node) if r in value})
    return value


def _chain(start, deepest: dict) -> str:
    """start → … → the end of its deepest path, shortened in the middle."""
    path, seen = [start], {start}
    while deepest.get(path[-1]) is not None and deepest[path[-1]] not in seen:
        path.append(deepest[path[-1]])
        seen.add(path[-1])
    names = path if len(path) <= 6 else [*path[:3], "…", *path[-2:]]
    return " → ".join(names)


def check(ctx) -> None:
    project, registry, sink = ctx.project, ctx.registry, ctx.sink
    _metrics(project, registry, sink)
    _pyramids(project, sink)
    _owners(project, sink)


def _metrics(project, registry, sink) -> None:
    metrics = project.metrics

    def references(metric_id) -> list[str]:
        metric = metrics[metric_id]
        metric_type = registry.metric_types.get(metric.type)
        if metric_type is None or not metric.valid or metric_type.reads_source:
            return []
        return [target for target, _ in metric_type.depends_on(metric) if target in metrics]

    def uses(metric_id) -> Counter:
        """How many times the metric's formula names each input (`a + a` names a twice)."""
        metric = metrics[metric_id]
        metric_type = registry.metric_types[metric.type]
        counts: Counter = Counter()
        for target, field in metric_type.depends_on(metric):
            if target not in metrics:
                continue
            if field == "expr" and isinstance(metric.get("expr"), str):
                named = fragment_facts(metric.get("expr"), metric.dialect).columns.count(target)
                counts[target] += max(named, 1)
            else:
                counts[target] += 1
        return counts

    deepest: dict = {}

    def combine(metric_id, inputs: dict) -> tuple[int, int]:
        """(depth, terms): levels of ratio/derived metrics, metric references written out."""
        if not references(metric_id):
            return 0, 1
        depth = 1 + max((inputs[r][0] for r in inputs), default=0)
        deepest[metric_id] = max(inputs, key=lambda r: inputs[r][0], default=None)
        terms = sum((inputs[r][1] if r in inputs else 1) * n for r, n in uses(metric_id).items())
        return depth, min(terms, MAX_EXPANDED_TERMS + 1)

    measured = fold(sorted(metrics), references, combine)
    for metric_id, (depth, terms) in sorted(measured.items()):
        inputs = [measured[r] for r in references(metric_id) if r in measured]
        if depth == MAX_METRIC_DEPTH + 1:
            sink.add(
                "CX211",
                f"metric {metric_id!r} is {depth} levels of ratio/derived metrics deep "
                f"({_chain(metric_id, deepest)}), more than {MAX_METRIC_DEPTH}",
                metrics[metric_id].loc("id"),
                hint="compute intermediate values from the sources instead of stacking metrics",
            )
        if terms > MAX_EXPANDED_TERMS and all(t <= MAX_EXPANDED_TERMS for _, t in inputs):
            sink.add(
                "CX213",
                f"metric {metric_id!r} expands to more than {MAX_EXPANDED_TERMS:,} metric "
                "references when its ratio/derived inputs are written out",
                metrics[metric_id].loc("id"),
                hint="an input used several times at each level doubles the formula per level: "
                "simplify the chain",
            )


def _pyramids(project, sink) -> None:
    pyramids = project.pyramids

    def includes(pyramid_id) -> list[tuple[int, str]]:
        """(level, included pyramid) for each include node, level 1 for a top child."""
        found = []
        stack = [(node, 1) for node in pyramids[pyramid_id].children]
        while stack:
            node, level = stack.pop()
            if node.kind == "pyramid" and node.ref in pyramids:
                found.append((level, node.ref))
            stack.extend((child, level + 1) for child in node.children)
        return found

    def own_shape(pyramid_id) -> tuple[int, int]:
        """(levels, nodes) of the pyramid itself, includes counted as one node."""
        levels, count = 0, 0
        stack = [(node, 1) for node in pyramids[pyramid_id].children]
        while stack:
            node, level = stack.pop()
            levels, count = max(levels, level), count + 1
            stack.extend((child, level + 1) for child in node.children)
        return levels, count

    deepest: dict = {}

    def references(pyramid_id) -> list[str]:
        return [ref for _, ref in includes(pyramid_id)]

    def combine(pyramid_id, inner: dict) -> tuple[int, int]:
        depth, nodes = own_shape(pyramid_id)
        for level, ref in includes(pyramid_id):
            if ref in inner:
                if level + inner[ref][0] > depth:
                    depth, deepest[pyramid_id] = level + inner[ref][0], ref
                nodes += inner[ref][1]
        return depth, min(nodes, MAX_PYRAMID_NODES + 1)

    measured = fold(sorted(pyramids), references, combine)
    for pyramid_id, (depth, nodes) in sorted(measured.items()):
        inner = [measured[r] for r in references(pyramid_id) if r in measured]
        if depth > MAX_PYRAMID_DEPTH and all(d <= MAX_PYRAMID_DEPTH for d, _ in inner):
            sink.add(
                "CX210",
                f"pyramid {pyramid_id!r} nests {depth} levels deep, its includes followed "
                f"({_chain(pyramid_id, deepest)}), more than {MAX_PYRAMID_DEPTH}",
                pyramids[pyramid_id].loc("id"),
                hint="include fewer pyramids inside each other, or flatten groups",
            )
        if nodes > MAX_PYRAMID_NODES and all(n <= MAX_PYRAMID_NODES for _, n in inner):
            sink.add(
                "CX213",
                f"pyramid {pyramid_id!r} expands to more than {MAX_PYRAMID_NODES:,} nodes, each "
                "included pyramid counted every time it is included",
                pyramids[pyramid_id].loc("id"),
                hint="a pyramid included several times at each level doubles the tree per level",
            )


def _owners(project, sink) -> None:
    owners = project.owners

    def references(owner_id) -> list[str]:
        parent = owners[owner_id].parent
        return [parent] if parent in owners else []

    measured = fold(sorted(owners), references, lambda _, up: 1 + max(up.values(), default=0))
    parents = {o: (references(o) or [None])[0] for o in owners}
    for owner_id, depth in sorted(measured.items()):
        if depth == MAX_OWNER_DEPTH + 1:
            sink.add(
                "CX212",
                f"owner {owner_id!r} is {depth} owners down a `parent` chain "
                f"({_chain(owner_id, parents)}), more than {MAX_OWNER_DEPTH}",
                owners[owner_id].loc("parent"),
                hint="an organisation chart this deep is a mistake: check the `parent` fields",
            )
