"""`cxspec diff BASE [HEAD]`: what a change to the specs means, breaking changes flagged."""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

import click

from cxspec.commands.common import current_data_roots, data_root_option

#: Diagnostics that do not make a side unusable for a diff: it reads specs, not data.
IGNORED_CODES = frozenset({"CX402"})


def load_side(version, registry):
    """The side's valid project, or None after printing its errors to stderr."""
    from cxspec.diagnostics import Severity
    from cxspec.formats import RenderContext, render
    from cxspec.validate import validate_project

    result = validate_project(version.root, registry, phase="validate", data_roots=current_data_roots())
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR and d.code not in IGNORED_CODES]
    if result.project is not None and not errors:
        return result.project
    context = RenderContext(
        root=result.root,
        command="diff",
        files=tuple(result.project.files) if result.project else (),
        path_prefix=version.path_prefix,
    )
    click.echo(render("text", errors or result.diagnostics, context), err=True, nl=False)
    click.echo(f"cxspec: {version.label} is not a valid project; fix it first (cxspec validate)", err=True)
    return None


@click.command("diff")
@click.argument("base")
@click.argument("head", required=False)
@click.option(
    "--project",
    "-p",
    "project_dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="The project folder whose git history BASE and HEAD refs name; HEAD's folder when HEAD is absent.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True)
@click.option("--allow-breaking", is_flag=True, help="Exit 0 even when changes are breaking.")
@click.option(
    "--warehouse", help="Where results are stored (for the effect on scores): HEAD's warehouse when absent."
)
@click.option(
    "--out", "out_file", type=click.Path(dir_okay=False), help="Write to this file instead of stdout."
)
@data_root_option
def diff_command(base, head, project_dir, fmt, allow_breaking, warehouse, out_file):
    """Compare two versions of a project by meaning: BASE and HEAD are git refs or folders
    (HEAD: the working tree when absent). Exit 1 on breaking changes or an invalid side."""
    from cxspec.diffing import diff_projects
    from cxspec.diffing.render import RENDERERS
    from cxspec.diffing.versions import side
    from cxspec.registry import default_registry
    from cxspec.safe_write import check_output_folder, write_text

    if out_file:
        check_output_folder(Path(out_file).parent, [Path(out_file).name])
    registry = default_registry()
    folder = Path(project_dir)
    with tempfile.TemporaryDirectory(prefix="cxspec-diff-") as scratch:
        base_version = side(base, folder, Path(scratch) / "base")
        head_version = side(head, folder, Path(scratch) / "head")
        base_project = load_side(base_version, registry)
        head_project = load_side(head_version, registry)
        if base_project is None or head_project is None:
            sys.exit(1)
        materialised = head_version.root.resolve().is_relative_to(Path(scratch).resolve())
        results_project = dataclasses.replace(head_project, root=folder) if materialised else head_project
        diff = diff_projects(
            base_project,
            head_project,
            registry,
            base_label=base_version.label,
            head_label=head_version.label,
            warehouse=warehouse,
            results_project=results_project,
        )
    text = RENDERERS[fmt](diff)
    if out_file:
        from cxspec.commands.common import project_inputs
        from cxspec.safe_write import refuse_inputs

        refuse_inputs([Path(out_file)], project_inputs(results_project, warehouse, registry))
        write_text(Path(out_file), text)
    else:
        click.echo(text, nl=False)
    if diff.breaking and not allow_breaking:
        click.echo(
            f"cxspec: {len(diff.breaking)} breaking change(s); raise the metrics' versions, "
            "or pass --allow-breaking",
            err=True,
        )
        sys.exit(1)
