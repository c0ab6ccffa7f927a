"""Options and helpers shared by the commands that compile or run a project."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from cxspec.check_context import Phase
from cxspec.data_roots import DataRootError, operator_roots
from cxspec.model import GRAINS

if TYPE_CHECKING:
    from cxspec.compiler.plan import Request


#: Where `--data-root` leaves the resolved roots, in the click context of the command.
_ROOTS_KEY = "cxspec.data_roots"


def _remember_roots(ctx: click.Context, param, values) -> None:
    try:
        ctx.meta[_ROOTS_KEY] = operator_roots(values)
    except DataRootError as exc:
        raise click.UsageError(f"{exc}: data roots are existing folders") from None


def data_root_option(function):
    """--data-root DIR (repeatable), for every command that loads a project: folders outside
    the project that file sources may read, added to CXSPEC_DATA_ROOTS (cxspec/data_roots.py)."""
    return click.option(
        "--data-root",
        "data_roots",
        multiple=True,
        type=click.Path(file_okay=False),
        expose_value=False,
        callback=_remember_roots,
        help="A folder outside the project that file sources may read (repeatable; "
        "adds to CXSPEC_DATA_ROOTS).",
    )(function)


def current_data_roots():
    """The data roots of the running command (its --data-root and CXSPEC_DATA_ROOTS)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and _ROOTS_KEY in ctx.meta:
        return ctx.meta[_ROOTS_KEY]
    try:
        return operator_roots()
    except DataRootError as exc:
        raise click.UsageError(f"{exc}: data roots are existing folders") from None


def load_or_exit(project_path: str, phase: Phase):
    """The validated project, or its problems on stderr and exit 1.

    `phase` is what the command goes on to do (checks may skip costly reads under "validate").
    """
    from cxspec.diagnostics import Severity
    from cxspec.formats import RenderContext, render
    from cxspec.registry import default_registry
    from cxspec.validate import validate_project

    result = validate_project(project_path, default_registry(), phase=phase, data_roots=current_data_roots())
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    if result.project is None or errors:
        context = RenderContext(root=result.root, files=tuple(result.project.files) if result.project else ())
        click.echo(render("text", errors or result.diagnostics, context), err=True, nl=False)
        click.echo("cxspec: the project has errors; fix them first (cxspec validate)", err=True)
        sys.exit(1)
    return result.project


def request_options(function):
    """--metric, --grain, --by, --where, --from, --to."""
    options = [
        click.option(
            "--metric", "-m", "metrics", multiple=True, help="A metric id (repeatable); all when absent."
        ),
        click.option("--grain", type=click.Choice(GRAINS), help="Period grain; the project's when absent."),
        click.option("--by", "by", multiple=True, help="A dimension to slice by (repeatable)."),
        click.option("--where", help="A predicate over dimensions, e.g. \"channel = 'web'\"."),
        click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD)."),
        click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def check_range(start, end) -> None:
    """A reversed --from/--to is a usage error (exit 2), not an empty result."""
    if start and end and start > end:
        raise click.UsageError(
            f"--from {start:%Y-%m-%d} is after --to {end:%Y-%m-%d}: give the earlier day first"
        )


def build_request(metrics, grain, by, where, start, end, as_of=None) -> Request:
    from cxspec.compiler.plan import Request

    check_range(start, end)
    return Request(
        as_of=as_of,
        metrics=tuple(metrics),
        grain=grain,
        by=tuple(dict.fromkeys(by)),
        where=where,
        start=start.date() if start else None,
        end=end.date() if end else None,
    )


def refuse_missing_results(url: str | None, loaded, registry) -> None:
    """For commands that read stored results (report, issues, notify): a DuckDB or SQLite
    file that does not exist holds nothing (a mistyped `--warehouse`). Connecting would create
    it empty, and the command answer "no issues" as if there were none."""
    from cxspec.diagnostics import CxspecError
    from cxspec.query import warehouse_class
    from cxspec.warehouse import redact

    url = url or loaded.config.warehouse
    path = warehouse_class(url, registry).results_file(url, loaded.root)
    if path is None or path.exists() or any(p.exists() and not p.is_dir() for p in path.parents):
        return  # (a path under a file: connecting says so)
    raise CxspecError(
        f"nothing is stored in {redact(url)}: {path} does not exist (run `cxspec run` first, "
        "or check --warehouse and the project's `warehouse:`)"
    )


def project_inputs(loaded, url: str | None = None, registry=None) -> dict:
    """Files an output must never replace, path -> what it is: the results database of the
    warehouse (`url`, or the project's), with its journal, cxspec.yaml, every spec file and
    every file a source reads (docs/security.md)."""
    from pathlib import Path

    from cxspec.project_files import CONFIG_FILE

    root = Path(loaded.root)
    inputs: dict = {root / CONFIG_FILE: f"the project's {CONFIG_FILE}"}
    inputs.update({root / name: f"the spec file {name}" for name in loaded.files})
    for source in loaded.sources.values():
        path = source.get("path")
        if isinstance(path, str):
            inputs.setdefault(root / path, f"the data file of source {source.id!r}")
    if registry is not None:
        from cxspec.diagnostics import CxspecError
        from cxspec.query import DEFAULT_WAREHOUSE, warehouse_class
        from cxspec.warehouse import redact

        url = url or loaded.config.warehouse or DEFAULT_WAREHOUSE
        try:
            database = warehouse_class(url, registry).results_file(url, root)
        except CxspecError:  # an unknown scheme: said when connecting
            database = None
        if database is not None:
            what = f"the results database of {redact(url)}"
            for suffix in ("", ".wal", "-wal", "-journal", "-shm"):
                inputs.setdefault(database.with_name(database.name + suffix), what)
    return inputs
