"""The SQL of the dbt models: cxspec's compiled queries, each source's rows for MetricFlow,
and MetricFlow's time spine."""

from __future__ import annotations

from dataclasses import dataclass

from cxspec import CompiledQuery, Generator, Plan, Request, ScanPlan, compile_request, dim_column

from cxspec_dbt.names import claim, dbt_name
from cxspec_dbt.sources import DbtResolver

#: MetricFlow's time spine: a model of this name with a `date_day` column.
TIME_SPINE = "metricflow_time_spine"
TIME_SPINE_SQL = """\
-- MetricFlow's time spine: one row per day (dbt's cross-database date_spine macro).
{{ config(materialized='table') }}
select cast(date_day as date) as date_day
from (
    {{ dbt.date_spine('day',
        "cast('" ~ var('cxspec_time_spine_start') ~ "' as date)",
        "cast('" ~ var('cxspec_time_spine_end') ~ "' as date)") }}
) as days
"""


@dataclass
class QueryModel:
    name: str
    query: CompiledQuery

    @property
    def sql(self) -> str:
        return self.query.sql + "\n"


def query_models(project, registry, dialect: str, taken: dict[str, str]) -> list[QueryModel]:
    """One model per query `cxspec compile` writes: the same SQL, with dbt `source()` calls."""
    queries = compile_request(project, Request(), dialect, registry, DbtResolver(project, registry, dialect))
    return [QueryModel(claim(taken, f"cxspec_{dbt_name(q.name)}", f"query {q.name}"), q) for q in queries]


def row_model_name(source) -> str:
    return f"cxspec_rows_{dbt_name(source.id)}"


def row_model_sql(project, source, dialect: str, registry) -> str:
    """A source's rows as cxspec counts them (its filter, de-duplication by key, rows without
    an event time dropped), with the UTC day in `__period` and each dimension in `__dim_<name>`:
    what the MetricFlow semantic model of the source reads. Built by cxspec's own compiler."""
    names = tuple(d.name for d in source.dimensions)
    plan = Plan(
        request=Request(by=names),
        grain="day",
        dialect=dialect,
        dimensions=names,
        scans=[],
        levels=[],
        outputs=[],
    )
    # The source and the sources its lookup dimensions join (each once), as compile_request reads.
    looked_up = {d.lookup: project.sources[d.lookup] for d in source.dimensions if d.lookup}
    read = [source, *(looked_up[s] for s in sorted(looked_up) if s != source.id)]
    generator = Generator(plan, DbtResolver(project, registry, dialect).resolve(read))
    select = generator.source_rows(ScanPlan(source, list(source.dimensions)))
    return select.sql(dialect=dialect, pretty=True) + "\n"


__all__ = ["TIME_SPINE", "TIME_SPINE_SQL", "QueryModel", "dim_column", "query_models", "row_model_sql"]
