"""How the specs use a source's columns: the fragments over its rows, and the type each use
expects of a column.

`fragments` lists the SQL fragments evaluated over a source's rows (its `filter`, dimension
`expr`s, each metric's `filter` and predicate fields, the `match` of a metric's touch point);
their facts (fragment_facts.py) hold the bare columns each uses as conditions and the
columns it compares with a constant. checks/booleans.py refuses the uses engines answer
differently with them (CX405–CX407).

`column_uses` turns the uses into types, for a CSV file without rows: it has no values to
type its columns from (column_types.py), and a column read as text where a condition or a
number is expected makes PostgreSQL and Spark refuse the query (`CASE WHEN resolved` over
text, `text >= integer`) while the others answer. A column is

- `BOOLEAN` when it is a condition, or compared with true or false;
- `DOUBLE` when it is measured (a metric type's `measured_fields`, such as an NPS's
  `column`; a drivers analysis's outcome and driver columns; a link's score and value
  columns), or compared with a number;
- `TIMESTAMP` when it is the source's `time`, `start` or `end`, or compared with a date or
  time literal (`DATE '2026-01-01'`);
- `VARCHAR` (text) when it is compared with text, or used in two of these ways.

A lookup dimension's uses (in metrics' fragments, drivers analyses' `filter` and `expr`s,
segments' `where:` values) are uses of the column it looks up as well: a looked-up column is
read as written (text) unless some use needs its type (column_types.looked_up_as_written).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from cxspec.fragment_facts import fragment_facts

#: Source fields that each name a time column of the source's rows.
TIME_FIELDS = ("time", "start", "end")


@dataclass(frozen=True)
class Fragment:
    """A fragment over a source's rows: where it is written, and what it is, for messages."""

    file: str
    raw: object
    field: str
    text: str
    what: str
    #: Whether the whole fragment is a condition (a filter, a `condition`); False for a
    #: dimension's `expr`.
    predicate: bool = True
    #: A metric's fragment (its filter, predicate fields, touch point match): it may name the
    #: source's lookup and expression dimensions too (compiler/plan.py with_dimensions).
    metric: bool = False


def fragments(project, registry, source) -> Iterator[Fragment]:
    """The fragments over a source's rows, in spec order."""

    def one(file, raw, field, text, what, predicate=True, metric=True):
        return [Fragment(file, raw, field, text, what, predicate, metric)] if isinstance(text, str) else []

    what = f"filter of source {source.id!r}"
    yield from one(source.file, source.raw, "filter", source.filter, what, metric=False)
    for dimension in source.dimensions:
        what = f"dimension {dimension.name!r} of source {source.id!r}"
        yield from one(source.file, dimension.raw, "expr", dimension.expr, what, False, metric=False)
    for metric in project.metrics.values():
        metric_type = registry.metric_types.get(metric.type)
        if not metric.valid or metric_type is None or metric.source != source.id:
            continue
        yield from one(metric.file, metric.raw, "filter", metric.filter, f"filter of metric {metric.id!r}")
        for name in metric_type.predicate_fields:
            yield from one(
                metric.file, metric.raw, name, metric.raw.get(name), f"{name} of metric {metric.id!r}"
            )
        touchpoint = project.touchpoints.get(metric.touchpoint) if metric.touchpoint else None
        if touchpoint is not None and touchpoint.valid and touchpoint.match:
            what = f"match of touch point {touchpoint.id!r} (metric {metric.id!r})"
            yield from one(touchpoint.file, touchpoint.raw, "match", touchpoint.match, what)


def column_uses(project, registry) -> dict[str, dict[str, str]]:
    """Source id → lower-case column name → the type the specs' uses expect of the column.

    A lookup dimension's uses are uses of the column it looks up too: a metric filter
    `tier > 2` of another source, or a segment `where: {tier: 2}` (a goal's, an owner's),
    compare the looked-up column with a number (column_types.looked_up_as_written)."""
    dialect = project.config.dialect
    found: dict[str, dict[str, set[str]]] = {}
    valid = [source for source in project.sources.values() if source.valid]

    def use(source_id, name, kind):
        if isinstance(name, str) and name:
            found.setdefault(source_id, {}).setdefault(name.lower(), set()).add(kind)

    def use_dimension(source, name, kind) -> None:
        """A use of `name` where a source's lookup dimensions are seen (a metric's fragment)."""
        dimension = _lookups(source).get(name.lower())
        if dimension is not None:
            use(dimension.lookup, dimension.lookup_column, kind)

    looked = {(d.lookup, d.lookup_column.lower()) for source in valid for d in _lookups(source).values()}
    for source in valid:
        found.setdefault(source.id, {})
        for field in TIME_FIELDS:
            use(source.id, source.get(field), "TIMESTAMP")
        for metric in project.metrics.values():
            metric_type = registry.metric_types.get(metric.type)
            if metric.valid and metric_type is not None and metric.source == source.id:
                for field in getattr(metric_type, "measured_fields", ()):
                    use(source.id, metric.raw.get(field), "DOUBLE")
        for analysis in getattr(project, "drivers", {}).values():  # what drivers and links measure
            if analysis.valid and analysis.source == source.id:
                for name in (analysis.outcome, *(d.column for d in analysis.drivers)):
                    use(source.id, name, "DOUBLE")
                for driver in analysis.drivers:
                    if driver.expr:
                        _number_uses(fragment_facts(driver.expr, dialect), partial(use, source.id))
                        # a lookup dimension it names, as a metric's fragment would
                        _number_uses(fragment_facts(driver.expr, dialect), partial(use_dimension, source))
                if analysis.filter:  # read as a metric's filter (drivers/moments.py)
                    facts = fragment_facts(analysis.filter, dialect)
                    named = [(name, "BOOLEAN") for name in facts.conditions(predicate=True)]
                    named += [(name, constant.type) for name, constant in facts.comparisons]
                    named += [(name, "DOUBLE") for name in facts.arithmetic_columns]
                    for name, kind in named:
                        use_dimension(source, name, kind)
        for link in getattr(project, "links", {}).values():
            if link.valid and link.cx_source == source.id:
                use(source.id, link.cx_column, "DOUBLE")
            if link.valid and link.outcome_source == source.id and link.value:
                use(source.id, link.value, "DOUBLE")
        for fragment in fragments(project, registry, source):
            facts = fragment_facts(fragment.text, dialect)
            found_uses = [(name, "BOOLEAN") for name in facts.conditions(predicate=fragment.predicate)]
            found_uses += [(name, constant.type) for name, constant in facts.comparisons]
            # Arithmetic over a looked-up column or value (`tier + 1 > 3`) needs it typed too;
            # over another column it says nothing of its type (`t + INTERVAL …` is a time).
            arithmetic = [(name, "DOUBLE") for name in facts.arithmetic_columns]
            for name, kind in found_uses + [u for u in arithmetic if (source.id, u[0].lower()) in looked]:
                use(source.id, name, kind)
            for name, kind in found_uses + arithmetic if fragment.metric else ():
                use_dimension(source, name, kind)
    for where in _segment_wheres(project):
        for name, value in where.items():
            kind = (
                "BOOLEAN" if isinstance(value, bool) else "DOUBLE" if isinstance(value, int | float) else None
            )
            for source in valid if kind else ():
                use_dimension(source, str(name), kind)
    return {
        source.id: {
            name: kinds.pop() if len(kinds) == 1 else "VARCHAR" for name, kinds in found[source.id].items()
        }
        for source in valid
    }


def _lookups(source) -> dict:
    """A source's lookup dimensions by lower-case name."""
    return {d.name.lower(): d for d in source.dimensions if d.lookup and d.lookup_column}


def _segment_wheres(project) -> Iterator[dict]:
    """The segments the specs name by their values: goals' `where:`, owners' `segments:`."""
    for goal in project.goals.values():
        for override in goal.segments:
            yield override.where or {}
    for owner in project.owners.values():
        yield from (held for held in owner.segments if isinstance(held, dict))


def _number_uses(facts, use) -> None:
    """The uses in an expression that gives a number (a driver's `expr`): what it compares or
    tests as in any fragment, and every other column it reads is a number."""
    for name, constant in facts.comparisons:
        use(name, constant.type)
    tested = list(facts.conditions(predicate=False))
    for name in tested:
        use(name, "BOOLEAN")
    typed = {n for n, _ in facts.comparisons} | set(tested)
    for name in facts.names:
        if name not in typed:
            use(name, "DOUBLE")
