"""`cxspec migrate`: bring the stored-results tables to this cxspec's layout."""

from __future__ import annotations

import click

from cxspec.commands.common import data_root_option, load_or_exit


@click.command("migrate")
@click.argument("project", default=".", type=click.Path())
@click.option("--warehouse", help="Where the results are stored: the project's warehouse when absent.")
@data_root_option
def migrate_command(project, warehouse):
    """Convert stored results tables of an older layout, in one transaction (all or nothing)."""
    from cxspec.diagnostics import CxspecError
    from cxspec.query import connect
    from cxspec.registry import default_registry
    from cxspec.runs.layout import LAYOUT_VERSION, VERSIONED, migrate
    from cxspec.runs.store import ADDED, TABLES

    loaded = load_or_exit(project, "execute")
    with connect(warehouse, loaded, default_registry()) as connection:
        if connection.dialect not in VERSIONED:
            raise CxspecError(
                f"the {connection.name} warehouse keeps its tables its own way: nothing to migrate"
            )
        done = migrate(connection, TABLES, ADDED)
    for line in done:
        click.echo(f"migrated {line}")
    nothing = "" if done else " (nothing to convert)"
    click.echo(f"the stored results tables have layout {LAYOUT_VERSION}{nothing}")
