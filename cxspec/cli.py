"""The `cxspec` command. Exit 0: clean; 1: problems found (or an internal error); 2: usage."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cxspec.gcpause import paused_gc

# Importing click, ruamel.yaml and the model builds objects that live as long as the process:
# collector passes over them free nothing. The `cxspec` program turns collection off before
# this import (program.py); a host that imports the CLI gets it back on, its objects untouched.
with paused_gc():
    import click

    from cxspec.commands.as_of import as_of_option
    from cxspec.commands.common import current_data_roots, data_root_option
    from cxspec.diagnostics import CxspecError, Severity, SpecError, has_errors
    from cxspec.safe_write import OutputPathError
    from cxspec.version import __version__

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


#: Commands in modules of their own (cxspec/commands/*_cmd.py), imported only when run (or
#: listed by --help): name → "module:attribute". Starting `cxspec validate` must not pay for
#: the compiler, the warehouses or the reports (tests/test_startup.py checks this map against
#: the modules and what the validate path imports).
LAZY_COMMANDS: dict[str, str] = {
    "compile": "cxspec.commands.compile_cmd:compile_command",
    "diff": "cxspec.commands.diff_cmd:diff_command",
    "docs": "cxspec.commands.docs_cmd:docs_command",
    "drivers": "cxspec.commands.drivers_cmd:drivers_command",
    "export": "cxspec.commands.export_cmd:export_command",
    "issues": "cxspec.commands.issues_cmd:issues_command",
    "links": "cxspec.commands.links_cmd:links_command",
    "lint": "cxspec.commands.lint_cmd:lint_command",
    "migrate": "cxspec.commands.migrate_cmd:migrate_command",
    "notify": "cxspec.commands.notify_cmd:notify_command",
    "owners": "cxspec.commands.owners_cmd:owners_command",
    "plugins": "cxspec.commands.plugins_cmd:plugins_command",
    "query": "cxspec.commands.query_cmd:query_command",
    "report": "cxspec.commands.run_cmd:report_command",
    "run": "cxspec.commands.run_cmd:run_command",
}


class LazyGroup(click.Group):
    """A group whose commands in LAZY_COMMANDS are imported on first use."""

    def list_commands(self, ctx) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx, cmd_name):
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in LAZY_COMMANDS:
            import importlib

            module, _, attribute = LAZY_COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            self.add_command(command, cmd_name)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
@data_root_option
@click.option(
    "--data", "data", is_flag=True, help="Check the sources against their data on the warehouse too."
)
@click.option("--warehouse", help="Where --data reads the sources: the project's warehouse when absent.")
@as_of_option(default_now=True)
@click.pass_context
def validate(ctx, project, fmt, strict, data, warehouse, as_of):
    """Check a project against the schema and the semantic rules.

    Every problem is printed at file:line:col with a code (docs/validation-codes.md).
    With --data, every source is also read and checked against its data (columns, times,
    rows left out).
    """
    from cxspec.formats import RenderContext, render
    from cxspec.registry import default_registry
    from cxspec.validate import validate_project

    registry = default_registry()
    result = validate_project(
        project, registry, phase="execute" if data else "validate", data_roots=current_data_roots()
    )
    if data and result.project is not None and not has_errors(result.diagnostics):
        from cxspec.diagnostics import sort_diagnostics

        found = _data_diagnostics(result.project, registry, warehouse, as_of)
        result.diagnostics[:] = sort_diagnostics([*result.diagnostics, *found])
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


def _data_diagnostics(project, registry, warehouse_url, as_of) -> list:
    from cxspec.data_checks import check_data
    from cxspec.diagnostics import DiagnosticSink
    from cxspec.query import connect

    sink = DiagnosticSink()
    with connect(warehouse_url, project, registry) as warehouse:
        check_data(warehouse, project, registry, sink, sorted(project.sources), as_of)
    return sink.items


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
    from cxspec.registry import default_registry
    from cxspec.scaffold import write_starter

    written = write_starter(Path(directory), default_registry(), force=force)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"\nnext: cxspec validate {directory}")


class Interrupts:
    """SIGINT and SIGTERM stop a command the same way: the first one raises KeyboardInterrupt
    where the program is, so transactions roll back and temporary files are removed on the
    way out; `main` then says "interrupted" and exits 128 + the signal's number (130, 143).

    The signal that arrived is remembered because libraries turn KeyboardInterrupt into their
    own errors (DuckDB raises RuntimeError "Query interrupted"): any error after a signal is
    the interruption, not a bug. Later signals are ignored while the program unwinds, so a
    second Ctrl-C cannot cut a rollback short.
    """

    def __init__(self):
        self.received: int | None = None
        self.previous = {}

    def __enter__(self):
        import signal

        for number in (signal.SIGINT, signal.SIGTERM):
            try:
                self.previous[number] = signal.signal(number, self._on_signal)
            except ValueError:  # not the main thread (an embedding program): leave signals alone
                pass
        return self

    def __exit__(self, *exc_info):
        import signal

        for number, handler in self.previous.items():
            signal.signal(number, handler)
        return False

    def _on_signal(self, number, frame):
        if self.received is None:
            self.received = number
            raise KeyboardInterrupt

    def exit_code(self) -> int:
        import signal

        return 128 + (self.received or signal.SIGINT)


def main(argv=None) -> None:
    """Entry point: no traceback reaches the user unless CXSPEC_DEBUG is set."""
    with Interrupts() as interrupts:
        try:
            code = cli.main(args=argv, prog_name="cxspec", standalone_mode=False)
        except BaseException as exc:  # noqa: BLE001 - every way out is classified below
            code = _exit_code_for(exc, interrupts)
        else:
            if interrupts.received is not None:  # a library swallowed the interruption
                code = _exit_code_for(KeyboardInterrupt(), interrupts)
    sys.exit(code if isinstance(code, int) else 0)


def _exit_code_for(exc: BaseException, interrupts: Interrupts) -> int:
    """Say what stopped the command and return its exit status."""
    if interrupts.received is not None or isinstance(exc, KeyboardInterrupt):
        click.echo("interrupted", err=True)
        return interrupts.exit_code()
    if isinstance(exc, SystemExit):
        raise exc
    if isinstance(exc, click.exceptions.Abort):
        click.echo("aborted", err=True)
        return 1
    from cxspec.terminal_text import shown_lines  # messages quote values from the data

    if isinstance(exc, click.ClickException):
        exc.message = shown_lines(exc.message)
        exc.show()
        return exc.exit_code
    if isinstance(exc, OutputPathError):  # found before anything was computed: a usage error
        click.echo(f"cxspec: error: {shown_lines(str(exc))}", err=True)
        return 2
    if isinstance(exc, SpecError) and getattr(exc, "root", None) is not None:  # data checks
        from cxspec.formats import RenderContext, render

        click.echo(render("text", exc.diagnostics, RenderContext(root=exc.root)), err=True, nl=False)
        summary = "cxspec: the data has errors; nothing was computed (cxspec validate --data)"
        click.echo(getattr(exc, "summary", summary), err=True)
        return 1
    if isinstance(exc, CxspecError):
        click.echo(f"cxspec: error: {shown_lines(str(exc))}", err=True)
        return 1
    if os.environ.get("CXSPEC_DEBUG") or not isinstance(exc, Exception):
        raise exc
    click.echo(
        f"cxspec: internal error: {type(exc).__name__}: {exc}\n"
        "This is a bug in cxspec; set CXSPEC_DEBUG=1 to see the traceback and please report it.",
        err=True,
    )
    return 1
