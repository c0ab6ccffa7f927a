"""`cxspec query`: compute metrics now and print them (table, json or csv)."""

from __future__ import annotations

import csv
import io
import json

import click

from cxspec.commands.as_of import as_of_option
from cxspec.commands.common import build_request, data_root_option, load_or_exit, request_options


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def render_table(results, dimensions) -> str:
    from cxspec.terminal_text import shown

    header = ["metric", "period", *map(shown, dimensions), "value", "n", "invalid", "moe ±"]
    rows = [
        [
            r.metric,
            r.period,
            *[shown(_fmt(r.dimensions.get(d))) for d in dimensions],  # values from the data
            _fmt(r.value),
            _fmt(r.n),
            _fmt(r.invalid),
            _fmt(r.moe),
        ]
        for r in results
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    numeric = {len(header) - i for i in range(1, 5)}

    def line(cells):
        return "  ".join(
            str(c).rjust(w) if i in numeric else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(header), line(["─" * w for w in widths])]
    out += [line(r) for r in rows]
    out.append(f"{len(results)} row{'s' if len(results) != 1 else ''}")
    return "\n".join(out) + "\n"


def render_json(results, left_out=None) -> str:
    document = {"results": [r.as_dict() for r in results]}
    document["left_out"] = {
        s: found.as_dict() for s, found in sorted((left_out or {}).items()) if found.reported
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_left_out(left_out) -> str:
    """One line per source that left rows out (none when nothing was)."""
    lines = []
    for source_id, found in sorted(left_out.items()):
        reasons = [
            f"{count:,} {words}"
            for count, words in (
                (found.no_time, "without a time"),
                (found.after_as_of, "after the as-of time"),
                (found.ends_after_as_of, "ending after the as-of time (read as not ended yet)"),
            )
            if count
        ]
        if reasons:
            lines.append(f"left out of source {source_id!r} ({found.rows:,} rows): {', '.join(reasons)}")
    return "".join(line + "\n" for line in lines)


def render_csv(results, dimensions) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["metric", "period", *dimensions, "value", "n", "invalid", "moe"])
    for r in results:
        writer.writerow(
            [
                r.metric,
                r.period,
                *[r.dimensions.get(d) for d in dimensions],
                *(
                    "" if v is None else repr(v) if isinstance(v, float) else v
                    for v in (r.value, r.n, r.invalid, r.moe)
                ),
            ]
        )
    return buffer.getvalue()


@click.command("query")
@click.argument("project", default=".", type=click.Path())
@request_options
@click.option(
    "--warehouse", help="Where to run: duckdb:///:memory: (default), sqlite:///file.db, postgresql://…"
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True
)
@data_root_option
@as_of_option(default_now=True)
def query_command(project, warehouse, fmt, **request_args):
    """Compute metrics now and print them."""
    from cxspec.data_checks import checked_sources
    from cxspec.finite import check_finite
    from cxspec.query import compute_batched, connect
    from cxspec.registry import default_registry
    from cxspec.where_values import unmatched_where

    loaded = load_or_exit(project, "execute")
    request = build_request(**request_args)
    registry = default_registry()
    unknown = [m for m in request.metrics if m not in loaded.metrics]
    with connect(warehouse, loaded, registry) as opened:
        metrics = request.metrics or sorted(loaded.metrics)
        # An unknown metric is reported by the planner (with a hint), before any data is read.
        left_out = {} if unknown else checked_sources(opened, loaded, registry, metrics, request.as_of)
        results = compute_batched(opened, loaded, request, registry)
        unmatched = unmatched_where(opened, loaded, request, registry) if request.where else []
    check_finite(results, "nothing was printed")
    for message, hint in unmatched:  # a typo'd value gave 0 rows without a word
        click.echo(f"cxspec: warning: {message}\n  hint: {hint}", err=True)
    dimensions = list(request.by)
    if fmt == "json":
        click.echo(render_json(results, left_out), nl=False)
    elif fmt == "csv":
        click.echo(render_csv(results, dimensions), nl=False)
        if render_left_out(left_out):
            click.echo(render_left_out(left_out), err=True, nl=False)
    else:
        click.echo(render_table(results, dimensions) + render_left_out(left_out), nl=False)
