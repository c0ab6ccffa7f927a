"""Goal status and pyramid scores (docs/spec-reference.md, "goals" and "pyramids"): pyramid
scores as SQL over stored results, computed in the warehouse; goal status in Python as a run
stages its results (goal_statuses: one test per row, and the run keeps what it stored
instead of reading it back), and as SQL for what-if reports (status_expression)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from cxspec.compiler.sqlkit import case_when, col, div, double, exact_sum, mul, num, paren, sub, text
from cxspec.runs.static import static_table

GOALS = {"metric": "VARCHAR", "target": "DOUBLE", "warn": "DOUBLE", "lower": "INT", "min_sample": "BIGINT"}
LEAVES = {"pyramid": "VARCHAR", "node": "VARCHAR", "parent": "VARCHAR", "metric": "VARCHAR",
          "weight": "DOUBLE", "low": "DOUBLE", "high": "DOUBLE", "invert": "INT"}  # fmt: skip
GROUPS = {"pyramid": "VARCHAR", "node": "VARCHAR", "parent": "VARCHAR", "weight": "DOUBLE",
          "depth": "INT", "declared": "DOUBLE"}  # fmt: skip


def goals_table(project) -> exp.Query:
    rows = []
    for metric_id, metric in sorted(project.metrics.items()):
        goal = project.goals.get(metric_id)
        if goal is None and metric.min_sample is None:
            continue
        rows.append(
            (
                metric_id,
                goal.target if goal else None,
                goal.warn if goal else None,
                int(metric.lower_is_better),
                metric.min_sample,
            )
        )
    return static_table(GOALS, rows)


INSUFFICIENT = "insufficient_sample"


def status_expression(value: exp.Expression, n: exp.Expression, goal: str) -> exp.Expression:
    """green / amber / red by the goal, insufficient_sample below min_sample, else NULL: the
    SQL of goal_statuses, for what-if reports over stored results (diffing/effect.py)."""
    lower = exp.EQ(this=col("lower", goal), expression=num(1))
    higher = exp.EQ(this=col("lower", goal), expression=num(0))

    def meets(threshold: str) -> exp.Expression:
        return exp.or_(
            exp.and_(higher.copy(), exp.GTE(this=value.copy(), expression=col(threshold, goal))),
            exp.and_(lower.copy(), exp.LTE(this=value.copy(), expression=col(threshold, goal))),
        )

    return exp.Case(
        ifs=[
            exp.If(this=exp.LT(this=n.copy(), expression=col("min_sample", goal)), true=text(INSUFFICIENT)),
            exp.If(
                this=exp.or_(
                    exp.Is(this=col("target", goal), expression=exp.Null()),
                    exp.Is(this=value.copy(), expression=exp.Null()),
                ),
                true=exp.cast(exp.Null(), "VARCHAR"),
            ),
            exp.If(this=meets("target"), true=text("green")),
            exp.If(this=exp.Is(this=col("warn", goal), expression=exp.Null()), true=text("red")),
            exp.If(this=meets("warn"), true=text("amber")),
        ],
        default=text("red"),
    )


def goal_statuses(project):
    """status(metric, key, dimensions, value, n): a result's goal status, as a run stores it
    (status_expression's rules, the same order of tests): insufficient_sample when n is below
    the metric's min_sample; None without a target or a value; green when the value meets the
    target (>=, or <= for lower_is_better), else red without a warn, amber when it meets the
    warn, else red. In a segment the most specific `segments:` override's target and warn
    (Goal.for_segment), found once per metric and stored key `key`. Thresholds compared as
    doubles (float), as the SQL casts them."""
    rules = {}
    for metric_id, metric in project.metrics.items():
        goal = project.goals.get(metric_id)
        if goal is not None or metric.min_sample is not None:
            rules[metric_id] = (goal, metric.lower_is_better, metric.min_sample)
    thresholds: dict[tuple, tuple] = {}  # (metric, key) → (target, warn)

    def status(metric_id, key, dimensions, value, n):
        rule = rules.get(metric_id)
        if rule is None:
            return None
        goal, lower, min_sample = rule
        if min_sample is not None and n is not None and n < min_sample:
            return INSUFFICIENT
        if goal is None or value is None:
            return None
        found = thresholds.get((metric_id, key))
        if found is None:
            pair = goal.for_segment(dimensions) if dimensions and goal.segments else (goal.target, goal.warn)
            found = thresholds[(metric_id, key)] = tuple(None if t is None else float(t) for t in pair)
        target, warn = found
        if target is None:
            return None
        if (value <= target) if lower else (value >= target):
            return "green"
        if warn is None:
            return "red"
        return "amber" if ((value <= warn) if lower else (value >= warn)) else "red"

    return status


@dataclass
class PyramidShape:
    leaves: list[tuple]
    groups: list[tuple]
    max_depth: int


def pyramid_shape(project, registry) -> PyramidShape:
    """Every pyramid flattened to leaves and groups with paths as node ids."""
    leaves: list[tuple] = []
    groups: list[tuple] = []
    max_depth = 0

    def visit(pyramid, nodes, parent: str, depth: int, seen: tuple[str, ...]):
        nonlocal max_depth
        declared = 0.0
        for node in nodes:
            declared += node.weight
            if node.kind == "metric":
                metric = project.metrics[node.ref]
                low, high, invert = _normalisation(project, registry, pyramid, node, metric)
                leaves.append(
                    (pyramid.id, f"{parent}/{metric.id}", parent, metric.id, node.weight, low, high, invert)
                )
                continue
            if node.kind == "pyramid":
                included = project.pyramids[node.ref]
                if included.id in seen:  # validation reports cycles; never loop
                    continue
                path = f"{parent}/{included.id}"
                children, next_seen = included.children, (*seen, included.id)
            else:
                path = f"{parent}/{node.id}"
                children, next_seen = node.children, seen
            max_depth = max(max_depth, depth)
            child_declared = visit(pyramid, children, path, depth + 1, next_seen)
            groups.append((pyramid.id, path, parent, node.weight, depth, child_declared))
        return declared

    for pyramid in sorted(project.pyramids.values(), key=lambda p: p.id):
        declared = visit(pyramid, pyramid.children, pyramid.id, 1, (pyramid.id,))
        groups.append((pyramid.id, pyramid.id, None, 1.0, 0, declared))
    return PyramidShape(leaves, groups, max_depth)


def _normalisation(project, registry, pyramid, node, metric) -> tuple[float, float, int]:
    """(low, high, invert): the score is 100·(value − low)/(high − low), inverted when asked."""
    if pyramid.normalize == "goal":
        goal = project.goals[metric.id]
        return goal.warn, goal.target, 0  # lower_is_better goals have target < warn: the sign flips
    bounds = node.bounds or registry.metric_types[metric.type].natural_range(metric)
    return bounds[0], bounds[1], int(metric.lower_is_better)


def clamp(value: exp.Expression) -> exp.Expression:
    return case_when(
        exp.LT(this=paren(value), expression=num(0)),
        num(0),
        case_when(exp.GT(this=paren(value.copy()), expression=num(100)), num(100), value.copy()),
    )


def scores_query(shape: PyramidShape, results: exp.Expression, *, segments: bool = False) -> exp.Select:
    """(pyramid, node, parent, period, score, coverage) for every leaf and group.

    `results` yields (metric, period, value, status) rows of one grain without dimensions;
    with `segments`, (metric, period, dimensions, value, status) rows, each segment (the
    `dimensions` text) scored on its own with the same tree and weights, and `dimensions`
    after `period` in the output.
    """
    by = [col("dimensions")] if segments else []

    def keyed(table: str) -> list[exp.Column]:
        return [col("period", table), *[col("dimensions", table) for _ in by]]

    ctes: list[exp.CTE] = []

    def cte(name: str, query: exp.Expression) -> exp.Table:
        ctes.append(exp.CTE(this=query, alias=exp.TableAlias(this=exp.to_identifier(name, quoted=True))))
        return exp.table_(exp.to_identifier(name, quoted=True))

    leaves = cte("leaves", static_table(LEAVES, shape.leaves))
    groups = cte("groups", static_table(GROUPS, shape.groups))
    source = (
        exp.alias_(results, "q", table=True, copy=False) if isinstance(results, exp.Subquery) else results
    )
    base = cte("results", exp.select("*").from_(source))  # PostgreSQL wants subqueries named
    scaled = mul(
        num(100), div(sub(col("value", "r"), col("low", "l")), sub(col("high", "l"), col("low", "l")))
    )
    score = case_when(
        exp.EQ(this=col("invert", "l"), expression=num(1)), sub(num(100), scaled), scaled.copy()
    )
    leaf_scores = (
        exp.select(
            col("pyramid", "l"),
            col("node", "l"),
            col("parent", "l"),
            col("weight", "l"),
            *keyed("r"),
            exp.alias_(double(clamp(score)), "score", quoted=True, copy=False),
            exp.alias_(double(exp.Null()), "coverage", quoted=True, copy=False),
        )
        .from_(exp.alias_(leaves.copy(), "l", table=True, copy=False))
        .join(
            exp.alias_(base.copy(), "r", table=True, copy=False),
            on=exp.EQ(this=col("metric", "r"), expression=col("metric", "l")),
        )
        .where(
            exp.and_(
                exp.Not(this=exp.Is(this=col("value", "r"), expression=exp.Null())),
                exp.or_(
                    exp.Is(this=col("status", "r"), expression=exp.Null()),
                    exp.NEQ(this=col("status", "r"), expression=text("insufficient_sample")),
                ),
            )
        )
    )
    scored_leaves = cte("scored_leaf", leaf_scores)
    # A group at depth d scores its children: leaves, and the groups of level d+1. Each level
    # reads the one below once, so the query grows linearly with the depth (reading the
    # union of all levels below twice per level made engines plan in quadratic time or worse).
    levels: list[exp.Table] = []
    for depth in range(shape.max_depth, -1, -1):
        below = exp.select("*").from_(scored_leaves.copy())
        if levels:
            below = exp.union(below, exp.select("*").from_(levels[-1].copy()), distinct=False)
        children = exp.alias_(exp.Subquery(this=below), "c", table=True, copy=False)
        level = (
            exp.select(
                col("pyramid", "g"),
                col("node", "g"),
                col("parent", "g"),
                col("weight", "g"),
                *keyed("c"),
                # Exact sums (sqlkit.exact_sum): a parallel SUM of doubles changed the
                # scores' last bits from run to run.
                exp.alias_(
                    div(exact_sum(mul(col("weight", "c"), col("score", "c"))), exact_sum(col("weight", "c"))),
                    "score",
                    quoted=True,
                    copy=False,
                ),
                exp.alias_(
                    div(exact_sum(col("weight", "c")), double(exp.Max(this=col("declared", "g")))),
                    "coverage",
                    quoted=True,
                    copy=False,
                ),
            )
            .from_(children)
            .join(
                exp.alias_(groups.copy(), "g", table=True, copy=False),
                on=exp.and_(
                    exp.EQ(this=col("parent", "c"), expression=col("node", "g")),
                    exp.EQ(this=col("pyramid", "c"), expression=col("pyramid", "g")),
                ),
            )
            .where(
                exp.and_(
                    exp.EQ(this=col("depth", "g"), expression=num(depth)),
                    exp.Not(this=exp.Is(this=col("score", "c"), expression=exp.Null())),
                )
            )
            .group_by(
                col("pyramid", "g"),
                col("node", "g"),
                col("parent", "g"),
                col("weight", "g"),
                *keyed("c"),
            )
        )
        levels.append(cte(f"scored_{depth}", level))
    scored: exp.Query = exp.select("*").from_(scored_leaves.copy())
    for level_table in levels:
        scored = exp.union(scored, exp.select("*").from_(level_table.copy()), distinct=False)
    scored = cte("scored", scored)
    final = exp.select(
        col("pyramid"), col("node"), col("parent"), col("period"), *by, col("score"), col("coverage")
    )
    final = final.from_(scored.copy()).order_by(
        col("pyramid"), col("node"), col("period"), *[b.copy() for b in by]
    )
    final.set("with_", exp.With(expressions=ctes))
    return final
