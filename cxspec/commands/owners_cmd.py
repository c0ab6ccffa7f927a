"""`cxspec owners`: who is accountable for what; `--codeowners` writes CODEOWNERS lines."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cxspec.commands.common import data_root_option, load_or_exit


def repository_prefix(root: Path) -> str:
    """The project folder's path inside its git repository (`specs/acme/`), '' outside git."""
    from cxspec.diagnostics import CxspecError
    from cxspec.diffing.versions import repository_of

    try:
        _, inside = repository_of(root)
    except CxspecError:
        return ""
    return f"{inside}/" if inside else ""


@click.command("owners")
@click.argument("project", default=".", type=click.Path())
@click.option("--codeowners", is_flag=True, help="Print CODEOWNERS lines instead of the owners' view.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--path-prefix",
    help="The project folder's path in the repository, for CODEOWNERS paths (found with git when absent).",
)
@click.option(
    "--out", "out_file", type=click.Path(dir_okay=False), help="Write to this file instead of stdout."
)
@data_root_option
def owners_command(project, codeowners, fmt, path_prefix, out_file):
    """The owners' view: each owner, under its parent, with the metrics it is accountable for,
    tracks, and its goals, touch points, journeys and pyramids."""
    from cxspec import owners

    loaded = load_or_exit(project, "validate")
    if out_file:
        from cxspec.commands.common import project_inputs
        from cxspec.safe_write import check_output_folder, refuse_inputs

        check_output_folder(Path(out_file).parent, [Path(out_file).name])
        refuse_inputs([Path(out_file)], project_inputs(loaded))
    if codeowners:
        prefix = repository_prefix(loaded.root) if path_prefix is None else path_prefix.strip("/")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        result = owners.codeowners(loaded, prefix)
        for warning in result.warnings:
            click.echo(f"cxspec: warning: {warning}", err=True)
        text = "\n".join(result.lines) + "\n"
    elif fmt == "json":
        text = json.dumps(owners.view_data(loaded), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    else:
        text = owners.render_view(loaded)
    if out_file:
        from cxspec.safe_write import write_text

        write_text(Path(out_file), text)
    else:
        click.echo(text, nl=False)
