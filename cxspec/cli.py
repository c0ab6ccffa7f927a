"""The `cxspec` command. Exit 0: clean; 1: problems found (or an internal error); 2: usage."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import click

from cxspec import __version__
from cxspec.diagnostics import CxspecError, Severity, has_errors
from cxspec.safe_write import OutputPathError

FORMAT_NAMES = ("text", "json", "github", "junit", "sarif")


def _path_prefix(root: Path | None) -> str:
    """How to turn project-relative paths into paths relative to the working folder."""
    if root is None:
        return ""
    relative = os.path.relpath(root.resolve(), Path.cwd().resolve())
    if relative == "." or relative.startswith(".."):
        return ""
    return Path(relative).as_posix() + "/"


def _color(stream) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="cxspec")
def cli():
    """cxspec: customer-experience metrics as code.

    Write NPS, CSAT, CES, churn and operational metrics, their touch points, journeys,
    goals, owners and CX pyramid as YAML specs; validate them, compile them to SQL and
    run them on your warehouse.
    """


@cli.command()
@click.argument("project", default=".", type=click.Path(file_okay=True, dir_okay=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    default="text",
    show_default=True,
    help="How to print the problems.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.pass_context
def validate(ctx, project, fmt, strict):
    """Check a project against the schema and the semantic rules.

    Every problem is printed at file:line:col with a code (docs/validation-codes.md).
    """
    from cxspec.formats import RenderContext, render
    from cxspec.validate import validate_project

    result = validate_project(project)
    root = result.root
    context = RenderContext(
        root=root,
        command="validate",
        files=tuple(result.project.files) if result.project else (),
        color=_color(sys.stdout) and fmt == "text",
        path_prefix=_path_prefix(root) if fmt != "json" else "",
        failing=frozenset({Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}),
    )
    click.echo(render(fmt, result.diagnostics, context), nl=False)
    failed = has_errors(result.diagnostics) or (
        strict and any(d.severity is Severity.WARNING for d in result.diagnostics)
    )
    ctx.exit(1 if failed or result.project is None else 0)


@cli.command()
@click.option(
    "--kind",
    type=click.Choice(["spec", "project"]),
    default="spec",
    show_default=True,
    help="spec: spec files; project: cxspec.yaml.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Write both schema files into this folder instead of printing one.",
)
def schema(kind, out_dir):
    """Print the composed JSON Schema (built-ins plus installed plugins)."""
    from cxspec.registry import default_registry
    from cxspec.schema import SCHEMA_FILES, project_schema, render, spec_schema

    registry = default_registry()
    documents = {"spec": lambda: spec_schema(registry), "project": project_schema}
    if out_dir:
        from cxspec.safe_write import write_file

        for name, filename in SCHEMA_FILES.items():
            click.echo(f"wrote {write_file(Path(out_dir), filename, render(documents[name]()))}")
        return
    click.echo(render(documents[kind]()), nl=False)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Write into a folder that already holds a project.")
def init(directory, force):
    """Create a small starter project in DIRECTORY that validates clean."""
    from cxspec.scaffold import write_starter

    written = write_starter(Path(directory), force=force)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"\nnext: cxspec validate {directory}")


def _add_commands() -> None:
    """Every `*_command` in cxspec/commands/*_cmd.py, in file-name order (one module per command)."""
    import importlib
    import pkgutil

    import cxspec.commands as commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if not info.name.endswith("_cmd"):
            continue
        module = importlib.import_module(f"cxspec.commands.{info.name}")
        for attribute in sorted(vars(module)):
            command = getattr(module, attribute)
            if attribute.endswith("_command") and isinstance(command, click.Command):
                cli.add_command(command)


_add_commands()


def main(argv=None) -> None:
    """Entry point: no traceback reaches the user unless CXSPEC_DEBUG is set."""
    try:
        code = cli.main(args=argv, prog_name="cxspec", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        code = 1
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except OutputPathError as exc:  # found before anything was computed: a usage error
        click.echo(f"cxspec: error: {exc}", err=True)
        code = 2
    except CxspecError as exc:
        click.echo(f"cxspec: error: {exc}", err=True)
        code = 1
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        code = 130
    except Exception as exc:
        if os.environ.get("CXSPEC_DEBUG"):
            raise
        click.echo(
            f"cxspec: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in cxspec; set CXSPEC_DEBUG=1 to see the traceback and please report it.",
            err=True,
        )
        code = 1
    sys.exit(code if isinstance(code, int) else 0)


def console() -> None:
    """The `cxspec` program: `main()` in a process of its own.

    Cyclic garbage collection stays off: a large project is millions of small objects that
    live until the end, and collector passes over them cost seconds (1.8 s after compiling
    10,000 metrics) while freeing nothing that is needed; reference counting still frees
    the rest. At the end the process exits without tearing its heap down, once the output
    is flushed (every file and connection is closed by then).
    """
    gc.disable()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, int | None):
            print(exc.code, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
