"""`--where` values no row has: `region = 'EMAE'` (a typo of 'EMEA') gave 0 rows without a
word. Each value a `--where` compares a dimension with (`=`, `IN`) is looked for among the
dimension's values in the rows the metrics read (the same request, by those dimensions,
without the `--where`, on the same warehouse); a value none has is named, with the closest
values there are.
"""

from __future__ import annotations

from dataclasses import replace

from cxspec.lazyexp import LAZY_EXP as exp

#: Values listed when none is close.
SHOWN = 8


def compared_values(where: str, dialect: str) -> dict[str, list]:
    """Dimension name → the constants `where` compares it with by `=` or `IN` (text as str,
    numbers as float); {} when it compares none (or does not parse: the planner says why)."""
    from cxspec.sqlfrag import parse_fragment

    parsed = parse_fragment(where, dialect)
    if parsed.expression is None or parsed.problems:
        return {}
    found: dict[str, list] = {}

    def add(column, constant) -> None:
        if isinstance(column, exp.Column) and not column.table and isinstance(constant, exp.Literal):
            value = constant.this if constant.is_string else _number(constant.this)
            if value is not None:
                found.setdefault(column.name, []).append(value)

    for node in parsed.expression.find_all(exp.EQ, exp.In):
        if isinstance(node, exp.EQ):
            add(node.this, node.expression)
            add(node.expression, node.this)
        elif not node.args.get("query"):
            for constant in node.expressions:
                add(node.this, constant)
    return found


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _matches(wanted, value) -> bool:
    if isinstance(wanted, float):
        try:
            return float(value) == wanted
        except (TypeError, ValueError):
            return False
    return isinstance(value, str) and value == wanted


def unmatched_where(warehouse, project, request, registry) -> list[tuple[str, str]]:
    """(message, hint) for each value the request's `--where` compares a dimension with that
    no row the metrics read has (in the periods asked)."""
    from cxspec.query import compute_with
    from cxspec.suggest import did_you_mean

    compared = compared_values(request.where or "", project.config.dialect)
    if not compared:
        return []
    first: dict[str, str] = {}  # one metric per source read: its rows hold the values
    for metric_id in request.metrics or sorted(project.metrics):
        metric = project.metrics.get(metric_id)
        if metric is not None and metric.source in project.sources:
            first.setdefault(metric.source, metric_id)
    if not first:
        return []
    probe = replace(request, metrics=tuple(first.values()), where=None, by=tuple(compared))
    seen: dict[str, set] = {name: set() for name in compared}
    for result in compute_with(warehouse, project, probe, registry):
        for name in compared:
            value = result.dimensions.get(name)
            if value is not None:
                seen[name].add(value)
    periods = " in the periods asked" if request.start or request.end else ""
    problems = []
    for name, values in compared.items():
        for wanted in values:
            if any(_matches(wanted, value) for value in seen[name]):
                continue
            shown = sorted(str(v) for v in seen[name])
            written = repr(wanted) if isinstance(wanted, str) else f"{wanted:g}"
            message = f"--where: no row{periods} has {name} = {written}, so nothing matches it"
            same_case = [v for v in shown if isinstance(wanted, str) and v.lower() == wanted.lower()]
            close = f"did you mean {same_case[0]!r}?" if same_case else did_you_mean(str(wanted), shown)
            listed = ", ".join(repr(v) for v in shown[:SHOWN]) + (" …" if len(shown) > SHOWN else "")
            if not shown:
                hint = f"no row{periods} has any value of {name}"
            else:
                hint = (f"{close} " if close else "") + f"{name} has {listed}"
            problems.append((message, hint))
    return problems
