"""Columns named by specs exist in sources that declare theirs (CX404); a lookup dimension is
not named like a column of its own source (CX409).

A metric's fragments (its `filter`, predicate fields, its touch point's `match`) may also
name the source's lookup and expression dimensions (compiler/plan.py with_dimensions); the
source's own `filter` and dimension `expr`s may not: they are SQL over its rows before the
lookups are joined.

A source type may know a source's columns without reading data (`SourceType.columns`: a
`sql` source's SELECT list, a plugin's export header); then a metric's `column:`, the
fragments over the source's rows (source `filter`, dimension `expr`, metric `filter` and
predicate fields such as `condition`, the `match` of a metric's touch point) are checked
against them. Names compare case-insensitively, as the engines resolve unquoted names.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from cxspec.column_types import NUMBER_PREFIX
from cxspec.fragment_facts import referenced_names
from cxspec.model import locate
from cxspec.sqlfrag import FragmentProblem, fragment_location
from cxspec.suggest import did_you_mean_name, known_list

#: Source fields that each name one column of the source's rows.
SOURCE_COLUMN_FIELDS = ("time", "start", "end", "entity", "key")


def check(ctx) -> None:
    check_columns(ctx.project, ctx.registry, ctx.sink, _declared_columns(ctx.project, ctx.registry))


def check_columns(project, registry, sink, declared: dict[str, dict[str, str]], repeated=None) -> None:
    """Report (CX404) every column named by specs that a source in `declared` (source id →
    {lower-case name: name}) does not have: the source's own fields, dimensions, metrics'
    columns and fragments. `repeated`: source id → {lower-case name: the columns of that
    name}, names a file's header writes more than once: naming one is CX404 too (which
    column is meant, nobody can tell; DuckDB would read the first)."""
    repeated = repeated or {}

    def _report(sink, name, source_id, columns, what, where, **kwargs) -> None:
        twice = repeated.get(source_id, {}).get(name.lower())
        if twice is None:
            return _report_missing(sink, name, source_id, columns, what, where, **kwargs)
        sink.add(
            "CX404",
            f"{what} names {name!r}, which the header of the file of source {source_id!r} writes "
            f"{len(twice)} times: which of those columns is meant cannot be told",
            where,
            hint=f"give the columns distinct names in the file (read now as {', '.join(twice)})",
            span=len(name),
        )

    # not the companion columns cxspec adds to a text column (its numbers): no spec names them
    declared = {
        s: {k: v for k, v in c.items() if not v.startswith(NUMBER_PREFIX)} for s, c in declared.items()
    }
    if not declared:
        return
    dialect = project.config.dialect
    lines = line_reader(project.root)
    reported: set[tuple] = set()

    def fragment(source_id, file, raw, field, text, what, *, metric=False) -> None:
        columns = declared.get(source_id)
        if columns is None or not isinstance(text, str):
            return
        # A metric's fragments may name the source's lookup and expression dimensions too
        # (compiler/plan.py with_dimensions); the source's own filter and expressions may not.
        dimensions = _fragment_dimensions(project.sources[source_id]) if metric else {}
        if dimensions:
            columns = {**columns, **dimensions}
        for name in referenced_names(text, dialect):
            if name.lower() in columns or (file, id(raw), field, name) in reported:
                continue
            reported.add((file, id(raw), field, name))
            scalar = locate(file, raw, field)
            at = name_offset(text, name)
            where = fragment_location(scalar, lines(file, scalar.line), FragmentProblem("", "", *at))
            _report(sink, name, source_id, columns, what, where, dimensions=bool(dimensions))

    for source_id in declared:
        source = project.sources[source_id]
        columns = declared[source_id]
        for name in SOURCE_COLUMN_FIELDS:
            value = source.raw.get(name)
            if isinstance(value, str) and value.lower() not in columns:
                what = f"{name} of source {source_id!r}"
                _report(sink, value, source_id, columns, what, source.loc(name))
        for dimension in source.dimensions:
            if dimension.lookup:
                continue  # a column of the looked-up source: checked there, below
            if not dimension.expr and dimension.name.lower() not in columns:
                what = f"dimension {dimension.name!r} of source {source_id!r}"
                _report(
                    sink, dimension.name, source_id, columns, what, _dimension_location(source, dimension)
                )
        what = f"filter of source {source_id!r}"
        fragment(source_id, source.file, source.raw, "filter", source.filter, what)
    for source in project.sources.values():  # lookup dimensions name a column of the other source
        for dimension in source.dimensions:
            other = declared.get(dimension.lookup) if dimension.lookup and not dimension.expr else None
            if other is not None and dimension.lookup_column.lower() not in other:
                what = f"dimension {dimension.name!r} of source {source.id!r} (looked up)"
                where = (
                    dimension.loc("column") if dimension.column else _dimension_location(source, dimension)
                )
                computed = _fragment_dimensions(project.sources[dimension.lookup])
                if dimension.lookup_column.lower() in computed:  # a lookup of a lookup, or of an expr
                    sink.add(
                        "CX404",
                        f"{what} names {dimension.lookup_column!r}, which is a dimension computed in "
                        f"source {dimension.lookup!r} (a lookup or an expr), not a column of it",
                        where,
                        hint="a lookup reads a column of the other source, one level only: look the "
                        "column up directly, or name the column the expression reads",
                        span=len(dimension.lookup_column),
                    )
                    continue
                _report(sink, dimension.lookup_column, dimension.lookup, other, what, where)
    for source_id in declared:
        _shadowed_columns(project.sources[source_id], declared[source_id], sink)
    for source_id in declared:
        source = project.sources[source_id]
        for dimension in source.dimensions:
            if dimension.expr:
                what = f"dimension {dimension.name!r} of source {source_id!r}"
                fragment(source_id, source.file, dimension.raw, "expr", dimension.expr, what)
    for metric in project.metrics.values():
        metric_type = registry.metric_types.get(metric.type)
        if not metric.valid or metric_type is None or metric.source not in declared:
            continue
        columns = declared[metric.source]
        column = metric.raw.get("column")
        if isinstance(column, str) and column.lower() not in columns:
            what = f"column of metric {metric.id!r}"
            _report(sink, column, metric.source, columns, what, metric.loc("column"))
        what = f"filter of metric {metric.id!r}"
        fragment(metric.source, metric.file, metric.raw, "filter", metric.filter, what, metric=True)
        for name in metric_type.predicate_fields:
            what = f"{name} of metric {metric.id!r}"
            text = metric.raw.get(name)
            fragment(metric.source, metric.file, metric.raw, name, text, what, metric=True)
        touchpoint = project.touchpoints.get(metric.touchpoint) if metric.touchpoint else None
        if touchpoint is not None and touchpoint.valid and touchpoint.match:
            what = f"match of touch point {touchpoint.id!r} (metric {metric.id!r})"
            text = touchpoint.match
            fragment(metric.source, touchpoint.file, touchpoint.raw, "match", text, what, metric=True)


def _fragment_dimensions(source) -> dict[str, str]:
    """{lower-case name: name} of a source's lookup and expression dimensions: names a metric's
    fragments may use besides the source's columns."""
    return {d.name.lower(): d.name for d in source.dimensions if d.lookup or d.expr}


def _shadowed_columns(source, columns: dict[str, str], sink) -> None:
    """CX409: a lookup dimension named like a column of its own source. `--by`, `--where` and
    a metric's fragments read the looked-up value, the source's own filter and expressions
    (SQL over its rows before the join) its column: one name, two meanings, and numbers that
    do not add up."""
    for dimension in source.dimensions:
        if not dimension.lookup or dimension.expr or dimension.name.lower() not in columns:
            continue
        renamed = f"{dimension.lookup}_{dimension.name}"
        sink.add(
            "CX409",
            f"dimension {dimension.name!r} of source {source.id!r} is looked up in "
            f"{dimension.lookup!r}, but {source.id!r} has a column {columns[dimension.name.lower()]!r} "
            "too: --by, --where and metric filters would read the looked-up value, the source's "
            "filter and expressions its own column",
            _dimension_location(source, dimension),
            hint=f"name it apart: {{name: {renamed}, from: {dimension.lookup}, "
            f"column: {dimension.lookup_column}}}",
            span=len(dimension.name),
        )


def _dimension_location(source, dimension):
    if dimension.raw is source.raw:  # written as a plain name in the list
        return locate(source.file, source.raw.get("dimensions"), dimension.index)
    return dimension.loc("name")


def _declared_columns(project, registry) -> dict[str, dict[str, str]]:
    """Source id → {lower-case name: name as declared}, for sources whose type knows them."""
    declared = {}
    for source in project.sources.values():
        source_type = registry.source_types.get(source.type)
        if source_type is None or not source.valid:
            continue
        columns = source_type.columns(source, project)
        if columns is not None:
            declared[source.id] = {name.lower(): name for name in columns}
    return declared


def _report_missing(
    sink, name: str, source_id: str, columns: dict[str, str], what: str, where, *, dimensions=False
) -> None:
    """CX404; `dimensions`: the fragment may name the source's lookup and expression
    dimensions too (`columns` holds them), which the message and hint say."""
    names = list(columns.values())
    kind, known = ("neither a column nor a dimension", "columns and dimensions")
    if not dimensions:
        kind, known = "not a column", "columns"
    hint = did_you_mean_name(name, names)
    sniffed = [n for n in names if re.fullmatch(r"column[0-9]+", n)]
    if hint is None and sniffed and [int(n[6:]) for n in sniffed] == list(range(len(sniffed))):
        # DuckDB's names for the columns of a file it found no header in: its first line was
        # read as a row (a delimiter or quoting it did not recognise, ';;' at every line end)
        hint = (
            f"the file was read without a header, as columns {known_list(sniffed)}: its delimiter or "
            "quoting was not recognised; declare `delimiter:` on the source, or fix the file"
        )
    hint = hint or f"its {known}: {known_list(names)}"
    sink.add(
        "CX404",
        f"{what} names {name!r}, which is {kind} of source {source_id!r}",
        where,
        hint=hint,
        span=len(name),
    )


def name_offset(text: str, name: str) -> tuple[int, int]:
    """(line, column) from 1 of the name's first use in a fragment, (1, 1) if not found."""
    found = re.search(rf'(?<![\w"]){re.escape(name)}(?!\w)|"{re.escape(name)}"', text)
    if found is None:
        return 1, 1
    start = found.start()
    return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1


def line_reader(root: Path):
    @lru_cache(maxsize=64)
    def file_lines(file: str) -> list[str]:
        try:
            return (root / file).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            return []

    def line(file: str, number: int) -> str | None:
        text = file_lines(file)
        return text[number - 1] if 0 < number <= len(text) else None

    return line
