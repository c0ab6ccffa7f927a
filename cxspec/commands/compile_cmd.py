"""`cxspec compile`: the SQL of a project, one file per query, plus a manifest."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cxspec.commands.as_of import as_of_option
from cxspec.commands.common import build_request, data_root_option, load_or_exit, request_options
from cxspec.schema import dialects


def explain(queries) -> str:
    lines = []
    for query in queries:
        plan = query.plan
        lines.append(
            f"query {query.name}  (dialect {plan.dialect}, grain {plan.grain}"
            + (f", by {', '.join(plan.dimensions)}" if plan.dimensions else "")
            + ")"
        )
        for scan in plan.scans:
            lines.append(f"  scan {scan.source.id} ({scan.source.type}): read once")
            if scan.measure_metrics:
                chunks = scan.predicate_chunks()
                columns = ", ".join(scan.group_columns) or "none"
                lines.append(
                    f"    two-level: first level groups by period, dimensions, filter columns ({columns}) "
                    f"and {len(scan.predicates)} filter flag(s) in {len(chunks)} aggregate(s), "
                    f"summing {len(scan.measures)} measure(s)"
                )
                lines.append(
                    "      " + ", ".join(f"{m.metric.id} ({m.metric.type})" for m in scan.measure_metrics)
                )
            if scan.row_metrics:
                lines.append(
                    "    over rows: "
                    + ", ".join(f"{m.metric.id} ({m.metric.type})" for m in scan.row_metrics)
                )
            if scan.spine_metrics:
                lines.append(
                    "    over a spine of periods: "
                    + ", ".join(f"{m.metric.id} ({m.metric.type})" for m in scan.spine_metrics)
                )
        for number, level in enumerate(plan.levels, start=1):
            lines.append(
                f"  from other metrics, level {number}: "
                + ", ".join(f"{m.metric.id} ({m.metric.type})" for m in level)
            )
        lines.append(f"  outputs: {len(query.metrics)} metric(s)")
    return "\n".join(lines) + "\n"


def manifest(project, request, dialect: str, queries) -> dict:
    return {
        "project": project.config.project,
        "dialect": dialect,
        "grain": request.grain or project.config.grain,
        "dimensions": list(request.by),
        "queries": [
            {
                "name": q.name,
                "file": f"{q.name}.sql",
                "sources": q.sources,
                "metrics": q.metrics,
                "columns": q.columns,
            }
            for q in queries
        ],
    }


@click.command("compile")
@click.argument("project", default=".", type=click.Path())
@click.option(
    "--dialect",
    type=click.Choice(dialects()),
    help="SQL dialect of the output (any sqlglot dialect)  [default: duckdb, or the warehouse's]",
)
@click.option(
    "--warehouse",
    help="Compile for this warehouse (duckdb:///…, sqlite:///…, postgresql://…): its column types "
    "and its way of reading sources, exactly the SQL `query` and `run` execute there.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Write <query>.sql files and manifest.json here.",
)
@click.option("--explain", "show_plan", is_flag=True, help="Print the plan instead of the SQL.")
@request_options
@data_root_option
@as_of_option(default_now=False)
def compile_command(project, dialect, warehouse, out_dir, show_plan, **request_args):
    """Compile the metrics to SQL: one query per group of connected sources."""
    from cxspec.commands.common import project_inputs
    from cxspec.registry import default_registry
    from cxspec.safe_write import check_output_folder, refuse_inputs, write_file

    loaded = load_or_exit(project, "compile")
    if out_dir and not show_plan:
        check_output_folder(Path(out_dir), ["manifest.json"])
    request = build_request(**request_args)
    registry = default_registry()
    if warehouse:
        queries, dialect = _for_warehouse(loaded, request, registry, warehouse, dialect)
    else:
        from cxspec.compiler.compile import compile_request

        dialect = dialect or "duckdb"
        queries = compile_request(loaded, request, dialect, registry)
    if show_plan:
        click.echo(explain(queries), nl=False)
        return
    if not out_dir:
        for query in queries:
            click.echo(f"-- query: {query.name}\n{query.sql};\n")
        return
    folder = Path(out_dir)
    names = [f"{query.name}.sql" for query in queries] + ["manifest.json"]
    refuse_inputs([folder / name for name in names], project_inputs(loaded, warehouse, registry))
    for query in queries:
        write_file(folder, f"{query.name}.sql", query.sql + ";\n")
    document = manifest(loaded, request, dialect, queries)
    write_file(folder, "manifest.json", json.dumps(document, indent=2, sort_keys=True) + "\n")
    click.echo(
        f"wrote {len(queries)} quer{'y' if len(queries) == 1 else 'ies'} and manifest.json to {folder}"
    )


def _for_warehouse(project, request, registry, url: str, dialect: str | None):
    """The queries as they run on the warehouse at `url` (connected to for its column types
    and its relations; files are loaded into engines that cannot read them)."""
    from cxspec.query import compile_for, connect

    with connect(url, project, registry) as warehouse:
        if dialect and dialect != warehouse.dialect:
            raise click.UsageError(
                f"--dialect {dialect} does not match the warehouse, which runs {warehouse.dialect} SQL"
            )
        return compile_for(warehouse, project, request, registry), warehouse.dialect
