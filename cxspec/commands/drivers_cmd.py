"""`cxspec drivers`: key-driver analyses computed now, as a table or JSON."""

from __future__ import annotations

import json
import sys

import click

from cxspec.commands.common import check_range, load_or_exit
from cxspec.model import GRAINS
from cxspec.terminal_text import shown


def _fmt(value, digits: int = 3) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def render_table(results) -> str:
    header = ["analysis", "period", "dimensions", "driver", "importance", "share %", "95% interval",
              "corr", "beta", "performance", "n", "r2"]  # fmt: skip
    rows = [
        [
            r.analysis,
            r.period or "–",
            shown(", ".join(f"{k}={v}" for k, v in r.dimensions.items())) or "–",
            r.driver,
            _fmt(r.importance),
            _fmt(r.share, 1),
            f"{_fmt(r.lower)} … {_fmt(r.upper)}",
            _fmt(r.correlation),
            _fmt(r.beta),
            _fmt(r.performance, 2),
            f"{r.n:,}",
            _fmt(r.r2),
        ]
        for r in results
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    text_columns = {0, 1, 2, 3}

    def line(cells):
        return "  ".join(
            str(c).ljust(w) if i in text_columns else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(header), line(["─" * w for w in widths]), *(line(r) for r in rows)]
    return "\n".join(out) + "\n"


def render_json(results) -> str:
    return json.dumps({"drivers": [r.as_dict() for r in results]}, indent=2, ensure_ascii=False) + "\n"


def report_diagnostics(project, diagnostics) -> bool:
    """Print data diagnostics to stderr; whether any is an error."""
    from cxspec.diagnostics import has_errors, sort_diagnostics
    from cxspec.formats import RenderContext, render

    if not diagnostics:
        return False
    context = RenderContext(root=project.root, files=tuple(project.files))
    click.echo(render("text", sort_diagnostics(diagnostics), context), err=True, nl=False)
    return has_errors(diagnostics)


@click.command("drivers")
@click.argument("project", default=".", type=click.Path())
@click.argument("ids", nargs=-1)
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option("--grain", type=click.Choice(GRAINS), help="One analysis per period of this grain.")
@click.option("--by", "by", multiple=True, help="A dimension of the source to split by (repeatable).")
@click.option(
    "--warehouse", help="Where to run: duckdb:///:memory: (default), sqlite:///file.db, postgresql://…"
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def drivers_command(project, ids, start, end, grain, by, warehouse, fmt):
    """What matters most: key-driver analyses (importance, share, 95% interval, performance).

    Every analysis of the project, or those named by ID. Docs: docs/drivers-and-links.md.
    """
    from cxspec.drivers.compute import compute_drivers
    from cxspec.query import connect
    from cxspec.registry import default_registry

    check_range(start, end)
    loaded = load_or_exit(project, "query")
    unknown = [i for i in ids if i not in loaded.drivers]
    if unknown:
        known = ", ".join(sorted(loaded.drivers)) or "none"
        raise click.UsageError(f"no drivers analysis {unknown[0]!r} (the project has: {known})")
    for name in by:
        for i in ids or sorted(loaded.drivers):
            source = loaded.sources.get(loaded.drivers[i].source)
            if source is None or source.dimension(name) is None:
                raise click.UsageError(f"--by {name}: source of analysis {i!r} has no dimension {name!r}")
    registry = default_registry()
    with connect(warehouse, loaded, registry) as wh:
        from cxspec.data_checks import analysis_sources, checked_sources

        # their sources' data errors (times that are no time…) as located messages, not SQL errors
        sources = analysis_sources(loaded, ids, 'drivers', by=by)
        checked_sources(wh, loaded, registry, [], None, sources=sources)
        outcome = compute_drivers(
            wh, loaded, registry, ids, grain=grain, by=tuple(dict.fromkeys(by)),
            start=start.date() if start else None, end=end.date() if end else None,
        )  # fmt: skip
    click.echo(render_json(outcome.results) if fmt == "json" else render_table(outcome.results), nl=False)
    if report_diagnostics(loaded, outcome.diagnostics):
        sys.exit(1)
