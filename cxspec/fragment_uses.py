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
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

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
    """Source id → lower-case column name → the type the specs' uses expect of the column."""
    dialect = project.config.dialect
    uses: dict[str, dict[str, str]] = {}
    for source in project.sources.values():
        if not source.valid:
            continue
        found: dict[str, set[str]] = {}

        def use(name, kind, found=found):
            if isinstance(name, str) and name:
                found.setdefault(name.lower(), set()).add(kind)

        for field in TIME_FIELDS:
            use(source.get(field), "TIMESTAMP")
        for metric in project.metrics.values():
            metric_type = registry.metric_types.get(metric.type)
            if metric.valid and metric_type is not None and metric.source == source.id:
                for field in getattr(metric_type, "measured_fields", ()):
                    use(metric.raw.get(field), "DOUBLE")
        for analysis in getattr(project, "drivers", {}).values():  # what drivers and links measure
            if analysis.valid and analysis.source == source.id:
                for name in (analysis.outcome, *(d.column for d in analysis.drivers)):
                    use(name, "DOUBLE")
                for driver in analysis.drivers:
                    if driver.expr:
                        _number_uses(fragment_facts(driver.expr, dialect), use)
        for link in getattr(project, "links", {}).values():
            if link.valid and link.cx_source == source.id:
                use(link.cx_column, "DOUBLE")
            if link.valid and link.outcome_source == source.id and link.value:
                use(link.value, "DOUBLE")
        for fragment in fragments(project, registry, source):
            facts = fragment_facts(fragment.text, dialect)
            for name in facts.conditions(predicate=fragment.predicate):
                use(name, "BOOLEAN")
            for name, constant in facts.comparisons:
                use(name, constant.type)
        uses[source.id] = {
            name: kinds.pop() if len(kinds) == 1 else "VARCHAR" for name, kinds in found.items()
        }
    return uses


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
