"""Comparisons and conditions that engines answer differently, refused at the fragment.

A boolean column compared with text or a number (`resolved = 'yes'`: DuckDB reads 'yes' as
true, SQLite compares its 0/1 with the text and finds nothing) is CX405; a text column
compared with a number or a boolean (`score >= 9` where some scores are words: SQLite
compares text with numbers by its own order, DuckDB and PostgreSQL refuse) is CX406; a column
that is not boolean used as a condition (`condition: flag` over text or numbers: PostgreSQL
refuses, the others pick their own truth) is CX407.

Column types: a source's `columns:` always; the types of a CSV file (column_types.py) when
data is read (every phase but "validate", which checks specs only).
"""

from __future__ import annotations

from sqlglot import exp

from cxspec.checks.columns import line_reader, name_offset
from cxspec.column_types import DECLARED, csv_types
from cxspec.model import locate
from cxspec.sqlfrag import FragmentProblem, fragment_location, parse_fragment

_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ)


def check(ctx) -> None:
    project, registry = ctx.project, ctx.registry
    lines = line_reader(project.root)
    dialect = project.config.dialect
    for source in project.sources.values():
        if not source.valid:
            continue
        types = _column_types(source, registry, project, read=ctx.phase != "validate")
        if not types:
            continue

        def fragment(file, raw, field, text, what, source=source, types=types, predicate=True) -> None:
            if isinstance(text, str):
                place = (file, raw, field, predicate)
                _check_fragment(ctx.sink, lines, source, types, place, text, what, dialect)

        fragment(source.file, source.raw, "filter", source.filter, f"filter of source {source.id!r}")
        for dimension in source.dimensions:
            what = f"dimension {dimension.name!r} of source {source.id!r}"
            fragment(source.file, dimension.raw, "expr", dimension.expr, what, predicate=False)
        for metric in project.metrics.values():
            metric_type = registry.metric_types.get(metric.type)
            if not metric.valid or metric_type is None or metric.source != source.id:
                continue
            fragment(metric.file, metric.raw, "filter", metric.filter, f"filter of metric {metric.id!r}")
            for name in metric_type.predicate_fields:
                fragment(
                    metric.file, metric.raw, name, metric.raw.get(name), f"{name} of metric {metric.id!r}"
                )
            touchpoint = project.touchpoints.get(metric.touchpoint) if metric.touchpoint else None
            if touchpoint is not None and touchpoint.valid and touchpoint.match:
                what = f"match of touch point {touchpoint.id!r} (metric {metric.id!r})"
                fragment(touchpoint.file, touchpoint.raw, "match", touchpoint.match, what)


def _column_types(source, registry, project, *, read: bool) -> dict[str, tuple[str, str]]:
    """Lower-case column name → (type, what to say about it) of the columns whose type is known."""
    types: dict[str, tuple[str, str]] = {}
    declared = source.get("columns")
    if isinstance(declared, dict):
        for name, kind in declared.items():
            if kind in DECLARED:
                types[str(name).lower()] = (DECLARED[kind], f"declared `{kind}`")
    if read:
        file_types = csv_types(source, registry.source_types.get(source.type), project)
        # a file without rows cannot make engines disagree: it is an empty source (CX415)
        for column in file_types.columns if file_types is not None and file_types.rows else ():
            types[column.name.lower()] = (column.type, _why(column))
    return types


def _why(column) -> str:
    if column.type != "VARCHAR":
        return f"all its values are {column.type.lower().replace('timestamptz', 'timestamp')}s"
    if column.misfits:
        return (
            f"declared `{column.declared}`, but {column.misfits:,} of its values do not fit "
            f"(such as {column.example!r}), so it is read as text"
        )
    if column.values == 0:
        return "all its values are empty, so it is read as text"
    return "some of its values are not numbers, booleans, dates or times, so it is read as text"


def _check_fragment(sink, lines, source, types, place, text, what, dialect) -> None:
    file, raw, field, predicate = place
    parsed = parse_fragment(text, dialect)
    if parsed.expression is None:
        return  # the fragment check reports it

    def report(code, message, column, hint) -> None:
        scalar = locate(file, raw, field)
        at = name_offset(text, column.name)
        where = fragment_location(scalar, lines(file, scalar.line), FragmentProblem("", "", *at))
        sink.add(code, message, where, hint=hint, span=len(column.name))

    for column in _conditions(parsed.expression, predicate=predicate):
        known = types.get(column.name.lower())
        if known is None or known[0] == "BOOLEAN":
            continue
        kind, why = known
        word = "text" if kind == "VARCHAR" else kind.lower().replace("bigint", "whole-number")
        message = (
            f"{what} uses {word} column {column.name!r} of source {source.id!r} ({why}) as a condition: "
            "engines disagree on which values are true"
        )
        if kind == "VARCHAR" and "empty" in why:
            hint = f"declare its type (`columns: {{{column.name}: boolean}}` on the source)"
        elif kind == "VARCHAR":
            hint = f"compare it with a value: `{column.name} = '…'`"
        else:
            hint = f"compare it with a value: `{column.name} = 1`"
        report("CX407", message, column, hint)
    for column, other in _comparisons(parsed.expression):
        known = types.get(column.name.lower())
        if known is None:
            continue
        kind, why = known
        if kind == "BOOLEAN" and _is_text_or_number(other):
            code, hint = "CX405", _boolean_hint(column.name, other)
            message = (
                f"{what} compares boolean column {column.name!r} of source {source.id!r} ({why}) "
                f"with {other.sql()}: engines disagree on what that means"
            )
        elif kind == "VARCHAR" and (_is_number(other) or isinstance(other, exp.Boolean)):
            code = "CX406"
            message = (
                f"{what} compares text column {column.name!r} of source {source.id!r} ({why}) "
                f"with {other.sql()}: engines disagree on what that means"
            )
            hint = (
                f"declare its type (`columns: {{{column.name}: number}}` on the source)"
                if "empty" in why
                else f"clean the values of {column.name!r} that are not numbers, or compare it with text"
            )
        else:
            continue
        report(code, message, column, hint)


def _conditions(tree: exp.Expression, *, predicate: bool):
    """Bare columns used where a condition is expected: the whole predicate, an operand of
    AND, OR or NOT, a CASE's WHEN."""
    if predicate and isinstance(tree.unnest(), exp.Column):
        yield tree.unnest()
    for node in tree.find_all(exp.And, exp.Or, exp.Not, exp.If):
        operands = [node.this] if isinstance(node, (exp.Not, exp.If)) else [node.this, node.expression]
        for operand in operands:
            operand = operand.unnest() if isinstance(operand, exp.Expression) else operand
            if isinstance(operand, exp.Column) and not operand.table:
                yield operand


def _comparisons(tree: exp.Expression):
    """(column, the other side) for comparisons of a bare column with a constant."""
    for node in tree.find_all(*_COMPARISONS, exp.In, exp.Between):
        if isinstance(node, exp.In):
            sides = [(node.this, value) for value in node.expressions]
        elif isinstance(node, exp.Between):
            sides = [(node.this, node.args.get("low")), (node.this, node.args.get("high"))]
        else:
            sides = [(node.this, node.expression), (node.expression, node.this)]
        for column, other in sides:
            if isinstance(column, exp.Column) and not column.table and _constant(other) is not None:
                yield column, _constant(other)
                break


def _constant(node):
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        return node
    return node if isinstance(node, (exp.Literal, exp.Boolean)) else None


def _is_number(node) -> bool:
    return isinstance(node, exp.Neg) or (isinstance(node, exp.Literal) and not node.is_string)


def _is_text_or_number(node) -> bool:
    return isinstance(node, exp.Literal) or _is_number(node)


def _boolean_hint(name: str, other) -> str:
    value = other.name.strip().lower() if isinstance(other, exp.Literal) else ""
    if value in ("no", "n", "false", "f", "0"):
        return f"write `NOT {name}` or `{name} = false`"
    return f"write `{name}` or `{name} = true`"
