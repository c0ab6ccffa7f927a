"""`cxspec issues`: list the stored issues with their state; ack, resolve or reopen one."""

from __future__ import annotations

import datetime as dt

import click

from cxspec.commands.common import load_or_exit, refuse_missing_results

STATUSES = ("open", "acknowledged", "resolved", "all")


class _ListByDefault(click.Group):
    """`cxspec issues [PROJECT] …` lists; `cxspec issues ack|resolve|reopen ID …` acts."""

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@click.group("issues", cls=_ListByDefault)
def issues_command():
    """Issues with a life: list them (the default), or ack, resolve or reopen one.

    States are stored by `cxspec run` in the table cxspec_issues (docs/closing-the-loop.md).
    """


def _connect(project, warehouse):
    from cxspec.diagnostics import CxspecError
    from cxspec.issues_state.table import refuse_unsupported
    from cxspec.query import connect, warehouse_class
    from cxspec.registry import default_registry

    loaded = load_or_exit(project, "execute")
    url = warehouse or loaded.config.warehouse
    if not warehouse_class(url, default_registry()).keeps_results(url, loaded.root):
        raise CxspecError(
            f"the warehouse {url} keeps nothing between runs, issue states included: give the project a "
            'file, e.g. warehouse: "duckdb:///cxspec-out/results.duckdb"'
        )
    refuse_missing_results(url, loaded, default_registry())
    connection = connect(warehouse, loaded, default_registry())
    try:
        refuse_unsupported(connection)
    except Exception:
        connection.close()
        raise
    return loaded, connection


@issues_command.command("list")
@click.argument("project", default=".", type=click.Path())
@click.option("--status", type=click.Choice(STATUSES), default="all", show_default=True)
@click.option("--owner", help="Only the issues of this owner id.")
@click.option(
    "--format", "fmt", type=click.Choice(("table", "json", "md")), default="table", show_default=True
)
@click.option("--warehouse", help="Where the results are stored: the project's warehouse when absent.")
def list_command(project, status, owner, fmt, warehouse):
    """The stored issues, open first."""
    from cxspec.issues_state.listing import RENDERERS, select
    from cxspec.issues_state.table import read_issues

    loaded, connection = _connect(project, warehouse)
    with connection:
        records = read_issues(connection, loaded.config.project)
    if owner is not None:
        _refuse_unknown_owner(owner, loaded, records)
    click.echo(RENDERERS[fmt](select(records, status, owner, loaded)), nl=False)


def _refuse_unknown_owner(owner: str, loaded, records) -> None:
    """An owner neither the project nor any stored issue has: a typo listed "no issues"."""
    from cxspec.suggest import did_you_mean, known_list

    known = set(loaded.owners) | {r.owner for r in records.values() if r.owner}
    if owner in known:
        return
    close = did_you_mean(owner, known)
    listed = f"owners: {known_list(known)}" if known else "the project has no owners"
    raise click.UsageError(f"--owner {owner!r}: no such owner ({close or listed})")


#: The longest note and name taken: a note is a sentence or two (link to anything longer); a
#: pasted log of 100 KB was stored, then printed whole on every line of `cxspec issues`.
MAX_NOTE_CHARS = 2000
MAX_BY_CHARS = 100


def _plain_text(ctx, param, value):
    """`--note` and `--by` as stored and shown in every report: not empty, not too long, and
    without control characters (an ESC in `--by` reached the terminal and the HTML report
    raw); a note may hold line breaks and tabs (Windows line ends become plain ones)."""
    if value is None:
        return value
    if not value.strip():
        wanted = "say in a few words what was done or decided" if param.name == "note" else "name who acts"
        raise click.BadParameter(f"is empty: {wanted}", ctx, param)
    from cxspec.terminal_text import shown

    value = value.replace("\r\n", "\n") if param.name == "note" else value
    allowed = "\n\t" if param.name == "note" else ""
    bad = sorted({c for c in value if c not in allowed and shown(c) != c})
    if bad:
        listed = ", ".join(shown(c) for c in bad[:5])
        raise click.BadParameter(f"holds control characters ({listed}): write plain text", ctx, param)
    limit = MAX_NOTE_CHARS if param.name == "note" else MAX_BY_CHARS
    if len(value) > limit:
        advice = "a sentence or two; link to anything longer" if param.name == "note" else "a name"
        long = f"is {len(value):,} characters long, more than {limit:,}: give {advice}"
        raise click.BadParameter(long, ctx, param)
    return value


def _action(action: str):
    @click.argument("issue_id", metavar="ID")
    @click.option(
        "--note",
        required=action != "reopen",
        callback=_plain_text,
        help="What was done or decided, in a sentence.",
    )
    @click.option("--by", "by", callback=_plain_text, help="Who acts (default: the login name).")
    @click.option("--project", "project", default=".", type=click.Path(), show_default=True)
    @click.option("--warehouse", help="Where the results are stored: the project's warehouse when absent.")
    def command(issue_id, note, by, project, warehouse):
        import getpass

        from cxspec.issues_state.sync import apply_action

        who = by or _login(getpass)
        at = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        from cxspec.terminal_text import shown

        loaded, connection = _connect(project, warehouse)
        with connection:
            record = apply_action(
                connection, loaded.config.project, issue_id, action, note, who, at, loaded.renamed_metrics()
            )
        click.echo(f"{record.id}: {record.status} (by {shown(who)})")

    return command


def _login(getpass) -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in containers without a passwd entry
        return "unknown"


for _name, _help in (
    ("ack", "Acknowledge an issue: someone owns it now."),
    ("resolve", "Resolve an issue by hand (it reopens when a later period shows it again)."),
    ("reopen", "Reopen a resolved issue (counted as a reopening)."),
):
    issues_command.command(_name, help=_help)(_action(_name))
