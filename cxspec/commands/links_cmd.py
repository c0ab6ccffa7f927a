"""`cxspec links`: CX groups against later outcomes, with their contrasts, as a table or JSON."""

from __future__ import annotations

import json
import sys

import click

from cxspec.commands.as_of import as_of_option
from cxspec.commands.common import check_range, load_or_exit
from cxspec.commands.drivers_cmd import report_diagnostics


def _fmt(value, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _table(header, rows, text_columns) -> list[str]:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]

    def line(cells):
        return "  ".join(
            str(c).ljust(w) if i in text_columns else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), line(["─" * w for w in widths]), *(line(r) for r in rows)]


def render_table(outcome) -> str:
    groups = _table(
        ["link", "group", "n", "value", "95% interval"],
        [
            [g.link, g.group, f"{g.n:,}", _fmt(g.value), f"{_fmt(g.lower)} … {_fmt(g.upper)}"]
            for g in outcome.groups
        ],
        {0, 1},
    )
    contrasts = _table(
        ["link", "a", "b", "a − b", "95% interval", "a / b"],
        [
            [c.link, c.a, c.b, _fmt(c.difference), f"{_fmt(c.lower)} … {_fmt(c.upper)}", _fmt(c.ratio)]
            for c in outcome.contrasts
        ],
        {0, 1, 2},
    )
    return "\n".join([*groups, "", *contrasts]) + "\n"


def render_json(outcome) -> str:
    document = {
        "links": [g.as_dict() for g in outcome.groups],
        "contrasts": [c.as_dict() for c in outcome.contrasts],
        # what each link left out or could not match, counted (CX615, CX622, CX623)
        "warnings": list(outcome.warnings),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@click.command("links")
@click.argument("project", default=".", type=click.Path())
@click.argument("ids", nargs=-1)
@click.option(
    "--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day of responses (YYYY-MM-DD)."
)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day of responses (YYYY-MM-DD).")
@as_of_option(
    default_now=False,
    help="Count a response only when its whole window has ended by this day (its end, 23:59:59 UTC) or "
    "instant (UTC unless an offset is given); no outcome after it is seen. "
    "Default: the outcome source's latest time.",
)
@click.option(
    "--warehouse", help="Where to run: duckdb:///:memory: (default), sqlite:///file.db, postgresql://…"
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def links_command(project, ids, start, end, as_of, warehouse, fmt):
    """What CX is worth: outcomes of CX groups in a window after each response.

    Every link of the project, or those named by ID. Docs: docs/drivers-and-links.md.
    """
    from cxspec.links.compute import compute_links
    from cxspec.query import connect
    from cxspec.registry import default_registry

    check_range(start, end)
    loaded = load_or_exit(project, "query")
    unknown = [i for i in ids if i not in loaded.links]
    if unknown:
        known = ", ".join(sorted(loaded.links)) or "none"
        raise click.UsageError(f"no link {unknown[0]!r} (the project has: {known})")
    registry = default_registry()
    with connect(warehouse, loaded, registry) as wh:
        from cxspec.data_checks import analysis_sources, checked_sources

        # their sources' data errors (times that are no time…) as located messages, not SQL errors
        checked_sources(wh, loaded, registry, [], None, sources=analysis_sources(loaded, ids, 'links'))
        outcome = compute_links(
            wh, loaded, registry, ids,
            as_of=as_of,
            start=start.date() if start else None, end=end.date() if end else None,
        )  # fmt: skip
    click.echo(render_json(outcome) if fmt == "json" else render_table(outcome), nl=False)
    if report_diagnostics(loaded, outcome.diagnostics):
        sys.exit(1)
