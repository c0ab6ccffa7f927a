"""`cxspec export`: write a project for another tool through an exporter output plugin."""

from __future__ import annotations

from pathlib import Path

import click

from cxspec.commands.common import data_root_option, load_or_exit


@click.command("export")
@click.argument("project", default=".", type=click.Path())
@click.option("--to", "target", required=True, help="The exporter (see `cxspec plugins`), e.g. dbt.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write.")
@click.option("--dialect", default="duckdb", show_default=True, help="SQL dialect of compiled queries.")
@data_root_option
def export_command(project, target, out_dir, dialect):
    """Export the project's metrics for another tool (dbt, MetricFlow…)."""
    from cxspec.diagnostics import CxspecError
    from cxspec.registry import default_registry

    registry = default_registry()
    exporters = {name: o for name, o in registry.outputs.items() if o.kind == "export"}
    if target not in exporters:
        from cxspec.known_plugins import install_hint

        known = ", ".join(sorted(exporters)) or "none installed"
        hint = install_hint("output", target, registry) or "see `cxspec plugins`"
        raise CxspecError(f"no exporter named {target!r} (installed: {known}); {hint}")
    from cxspec.plugins import configured
    from cxspec.safe_write import check_output_folder

    loaded = load_or_exit(project, "compile")
    check_output_folder(Path(out_dir))
    exporter = configured(exporters[target], "output", loaded, registry)  # with its plugin's config
    written = exporter.export(loaded, registry, Path(out_dir), dialect=dialect)
    for path in written:
        click.echo(f"wrote {path}")
