"""`cxspec query`: compute metrics now and print them (table, json or csv)."""

from __future__ import annotations

import csv
import io
import json

import click

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


def render_json(results) -> str:
    return json.dumps({"results": [r.as_dict() for r in results]}, indent=2, ensure_ascii=False) + "\n"


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
def query_command(project, warehouse, fmt, **request_args):
    """Compute metrics now and print them."""
    from cxspec.finite import check_finite
    from cxspec.query import compute
    from cxspec.registry import default_registry

    loaded = load_or_exit(project, "execute")
    request = build_request(**request_args)
    results = compute(loaded, request, default_registry(), warehouse)
    check_finite(results, "nothing was printed")
    dimensions = list(request.by)
    if fmt == "json":
        click.echo(render_json(results), nl=False)
    elif fmt == "csv":
        click.echo(render_csv(results, dimensions), nl=False)
    else:
        click.echo(render_table(results, dimensions), nl=False)
