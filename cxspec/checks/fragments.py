"""Every SQL fragment parses as one confined expression (CX501–CX505); expressions over
other metrics (MetricType.metric_expression_fields: derived `expr`) name existing metrics
(CX506)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from cxspec.fragment_facts import fragment_facts, referenced_names
from cxspec.sqlfrag import fragment_location
from cxspec.suggest import did_you_mean


def fragments(project, registry):
    """(owner entity, raw mapping, field, text, what) for every fragment in the project."""
    for source in project.sources.values():
        if not source.valid:
            continue
        if source.filter:
            yield source, source.raw, "filter", source.filter, f"filter of source {source.id!r}"
        for dimension in source.dimensions:
            if dimension.expr:
                yield source, dimension.raw, "expr", dimension.expr, f"dimension {dimension.name!r}"
    for touchpoint in project.touchpoints.values():
        if touchpoint.valid and touchpoint.match:
            yield touchpoint, touchpoint.raw, "match", touchpoint.match, f"match of {touchpoint.id!r}"
    for analysis in project.drivers.values():
        if not analysis.valid:
            continue
        if analysis.filter:
            yield analysis, analysis.raw, "filter", analysis.filter, f"filter of drivers {analysis.id!r}"
        for driver in analysis.drivers:
            if driver.expr:
                yield analysis, driver.raw, "expr", driver.expr, f"driver {driver.name!r}"
    for metric in project.metrics.values():
        metric_type = registry.metric_types.get(metric.type)
        if not metric.valid or metric_type is None:
            continue
        if metric.filter:
            yield metric, metric.raw, "filter", metric.filter, f"filter of metric {metric.id!r}"
        for name in metric_type.predicate_fields:
            text = metric.raw.get(name)
            if isinstance(text, str):
                yield metric, metric.raw, name, text, f"{name} of metric {metric.id!r}"


def check(ctx) -> None:
    project, registry, sink = ctx.project, ctx.registry, ctx.sink
    dialect = project.config.dialect
    allowed = registry.sql_functions
    lines = _line_reader(project.root)
    for entity, raw, field, text, what in fragments(project, registry):
        _check_one(entity.file, raw, field, text, what, dialect, allowed, lines, sink)
    for metric in project.metrics.values():
        metric_type = registry.metric_types.get(metric.type)
        if not metric.valid or metric_type is None:
            continue
        for field in metric_type.metric_expression_fields:
            text = metric.raw.get(field)
            if not isinstance(text, str):
                continue
            what = f"{field} of metric {metric.id!r}"
            if _check_one(metric.file, metric.raw, field, text, what, dialect, allowed, lines, sink):
                for name in referenced_names(text, dialect):
                    if name not in project.metrics:
                        sink.add(
                            "CX506",
                            f"{what} names unknown metric {name!r}",
                            metric.loc(field),
                            hint=did_you_mean(name, project.metrics)
                            or 'quote ids with a hyphen: "my-metric"',
                        )


def fragment_problems(text: str, dialect: str, allowed: frozenset) -> tuple:
    """Problems of one fragment text (its facts are computed once per text: fragment_facts.py)."""
    return fragment_facts(text, dialect).all_problems(allowed)


def _check_one(file, raw, field, text, what, dialect, allowed, lines, sink) -> bool:
    from cxspec.model import locate

    problems = fragment_problems(text, dialect, allowed)
    scalar_loc = locate(file, raw, field)
    for problem in problems:
        line_text = lines(file, scalar_loc.line)
        sink.add(
            problem.code,
            f"{what}: {problem.message}",
            fragment_location(scalar_loc, line_text, problem),
            hint=problem.hint,
        )
    return not problems


def _line_reader(root: Path):
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
