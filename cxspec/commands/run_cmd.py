"""`cxspec run` and `cxspec report`: compute and store everything; report from what is stored."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from cxspec.commands.common import load_or_exit

REPORT_FILES = {"json": "report.json", "md": "report.md", "html": "report.html"}


def render_report(report: dict, fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        return json.dumps(report, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if fmt == "md":
        from cxspec.reports.markdown import render

        return render(report)
    if fmt == "html":
        from cxspec.reports.html import render

        return render(report)
    from cxspec.reports.terminal import render

    return render(report, color=color)


class Progress:
    """One status line on stderr while long queries run (only on a terminal)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = time.monotonic() - self.started
            click.echo(f"\r\x1b[2K⏳ {message} ({elapsed:.1f} s)", err=True, nl=False)

    def done(self) -> None:
        if self.enabled:
            click.echo("\r\x1b[2K", err=True, nl=False)


@click.command("run")
@click.argument("project", default=".", type=click.Path())
@click.option("--warehouse", help="Where to run and store: the project's warehouse when absent.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Folder for report.html/.md/.json (the project's output folder when absent).",
)
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day to compute.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day to compute.")
@click.option("--quiet", "-q", is_flag=True, help="No scorecard on stdout.")
def run_command(project, warehouse, out_dir, start, end, quiet):
    """Compute every metric, goal status, pyramid score and issue; store; write the reports."""
    from cxspec.registry import default_registry
    from cxspec.reports.data import build_report
    from cxspec.runs.run import run_project

    loaded = load_or_exit(project)
    registry = default_registry()
    progress = Progress(sys.stderr.isatty())
    stored = run_project(
        loaded,
        registry,
        warehouse,
        start=start.date() if start else None,
        end=end.date() if end else None,
        progress=progress,
    )
    progress("writing reports")
    report = build_report(stored, registry)
    folder = Path(out_dir) if out_dir else loaded.root / loaded.config.output
    folder.mkdir(parents=True, exist_ok=True)
    for fmt, name in REPORT_FILES.items():
        (folder / name).write_text(render_report(report, fmt), encoding="utf-8")
    progress.done()
    if not quiet:
        click.echo(render_report(report, "terminal", color=sys.stdout.isatty()), nl=False)
    click.echo(f"reports: {folder / 'report.html'}, report.md, report.json", err=True)


@click.command("report")
@click.argument("project", default=".", type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "md", "json", "html"]),
    default="terminal",
    show_default=True,
)
@click.option("--warehouse", help="Where the results are stored: the project's warehouse when absent.")
@click.option(
    "--out", "out_file", type=click.Path(dir_okay=False), help="Write to this file instead of stdout."
)
def report_command(project, fmt, warehouse, out_file):
    """A report from the stored results (run `cxspec run` first)."""
    from cxspec.diagnostics import CxspecError
    from cxspec.registry import default_registry
    from cxspec.reports.data import build_report
    from cxspec.runs.run import stored_results

    loaded = load_or_exit(project)
    url = warehouse or loaded.config.warehouse
    if ":memory:" in url:
        raise CxspecError(
            f"the warehouse {url} keeps nothing between runs: give the project a file, e.g. "
            'warehouse: "duckdb:///cxspec-out/results.duckdb", or read report.* from `cxspec run --out`'
        )
    stored = stored_results(loaded, default_registry(), url)
    if not stored.results:
        raise CxspecError(f"no stored results for project {loaded.config.project!r}: run `cxspec run` first")
    text = render_report(
        build_report(stored, default_registry()), fmt, color=sys.stdout.isatty() and not out_file
    )
    if out_file:
        Path(out_file).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
