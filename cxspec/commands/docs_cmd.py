"""`cxspec docs`: the metric catalog as a static site and Markdown (docs/catalog.md)."""

from __future__ import annotations

from pathlib import Path

import click

from cxspec.commands.common import data_root_option, load_or_exit
from cxspec.schema import dialects


@click.command("docs")
@click.argument("project", default=".", type=click.Path())
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Folder to write (default: catalog/ in the project's output folder).",
)
@click.option("--warehouse", help="Where stored results are read from (default: the project's warehouse).")
@click.option("--no-values", is_flag=True, help="Leave stored values out (a catalog of definitions only).")
@click.option(
    "--dialect",
    type=click.Choice(dialects()),
    default="duckdb",
    show_default=True,
    help="SQL dialect of the compiled SQL shown for each metric.",
)
@data_root_option
def docs_command(project, out_dir, warehouse, no_values, dialect):
    """Write the metric catalog: every metric with its definition, formula, compiled SQL,
    source, owner, tracker, touch point, journey, goal, pyramid path and latest stored value;
    the owners' view and the journey map. HTML (self-contained) and Markdown; same specs and
    stored results, same bytes."""
    from cxspec.catalog import build_catalog, write_catalog
    from cxspec.catalog.values import no_values as empty
    from cxspec.catalog.values import read_values
    from cxspec.commands.common import project_inputs
    from cxspec.registry import default_registry
    from cxspec.safe_write import check_output_folder, refuse_inputs, refuse_linked_project_folder

    loaded = load_or_exit(project, "compile")
    registry = default_registry()
    folder = Path(out_dir) if out_dir else loaded.root / loaded.config.output / "catalog"
    if not out_dir:
        refuse_linked_project_folder(loaded.root, folder)
    check_output_folder(folder, ["index.html", "catalog.json"])
    names = ("index.html", "catalog.json")
    refuse_inputs([folder / name for name in names], project_inputs(loaded, warehouse, registry))
    if no_values:
        stored, note = empty(loaded), "left out (--no-values)"
    else:
        stored, note = read_values(loaded, registry, warehouse)
    catalog = build_catalog(loaded, registry, stored, dialect=dialect, values_note=note)
    written = write_catalog(catalog, folder)
    values = catalog["values"]
    click.echo(
        f"wrote the catalog of {len(catalog['metrics'])} metrics ({len(written)} files) to {folder}: "
        f"{folder / 'index.html'}, {folder / 'markdown' / 'README.md'}"
    )
    click.echo(
        f"values: {values['latest']} (stored {values['computed_at']} UTC)"
        if values["latest"]
        else f"values: {note}"
    )
