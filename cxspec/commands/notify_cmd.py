"""`cxspec notify`: send the pending notifications of issue changes now, or show them."""

from __future__ import annotations

import click

from cxspec.commands.common import load_or_exit, refuse_missing_results


@click.command("notify")
@click.argument("project", default=".", type=click.Path())
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
@click.option("--warehouse", help="Where the results are stored: the project's warehouse when absent.")
def notify_command(project, dry_run, warehouse):
    """Send the issue changes waiting in the outbox to the targets of `notify:` in cxspec.yaml.

    `cxspec run` sends them itself; this retries failed deliveries, or (--dry-run) shows them.
    """
    from cxspec.diagnostics import CxspecError
    from cxspec.issues_state.table import refuse_unsupported
    from cxspec.notify.config import targets
    from cxspec.notify.deliver import deliver
    from cxspec.notify.outbox import pending
    from cxspec.notify.preview import preview
    from cxspec.query import connect
    from cxspec.registry import default_registry

    loaded = load_or_exit(project, "execute")
    refuse_missing_results(warehouse, loaded, default_registry())
    found = targets(loaded)
    with connect(warehouse, loaded, default_registry()) as connection:
        refuse_unsupported(connection)
        if dry_run or not found:
            click.echo(preview(loaded, pending(connection, loaded.config.project)), nl=False)
            return
        outcome = deliver(connection, loaded)
    click.echo(f"sent {outcome.sent} issue change(s)")
    if outcome.failed:
        raise CxspecError("; ".join(outcome.failed))
