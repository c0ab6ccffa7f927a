"""`cxspec run` and `cxspec report`: compute and store everything; report from what is stored."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from cxspec.commands.as_of import as_of_option
from cxspec.commands.common import (
    check_range,
    data_root_option,
    load_or_exit,
    project_inputs,
    refuse_missing_results,
)


def report_outputs(registry) -> dict:
    """The registered report formats, by name (built-ins and plugins alike)."""
    return {name: output for name, output in registry.outputs.items() if output.kind == "report"}


def files_written_by_run(registry) -> list:
    """Report outputs that `cxspec run` writes, in registration order (built-ins first)."""
    return [o for o in report_outputs(registry).values() if o.file_name]


def render_report(report, fmt: str, registry, *, color: bool = False, project=None) -> str:
    """The report (the model of `build_model`) in format `fmt`; a plugin's output that fails
    is a CxspecError naming it. Plugins' outputs get the report as the dict of `report.json`,
    and their plugin's configuration from `project`."""
    from cxspec.diagnostics import CxspecError
    from cxspec.plugins import configured

    output = configured(report_outputs(registry)[fmt], "output", project, registry)
    plugin = registry.provided_by.get(("output", fmt), "")
    if registry.plugins.get(plugin) is None or registry.plugins[plugin].builtin:
        return output.render(report, color=color)  # a failing built-in is a bug: keep its traceback
    data = report.to_dict() if hasattr(report, "to_dict") else report
    try:
        return output.render(data, color=color)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        raise CxspecError(
            f"report output {fmt!r} of plugin {registry.plugin_label(plugin)} failed: {reason}"
        ) from None


class ReportFormat(click.ParamType):
    """`--format NAME`: any report output installed, checked when the command runs."""

    name = "format"

    def convert(self, value, param, ctx):
        from cxspec.registry import default_registry

        known = sorted(report_outputs(default_registry()))
        if value not in known:
            self.fail(f"{value!r} is not one of {', '.join(known)} (see `cxspec plugins`)", param, ctx)
        return value

    def get_metavar(self, param, *args, **kwargs):
        return "NAME"


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


def nothing_computed(start, end) -> str:
    days = " ".join(
        part for part in (start and f"from {start:%Y-%m-%d}", end and f"to {end:%Y-%m-%d}") if part
    )
    where = f"in the periods asked for ({days})" if days else "in the sources"
    return f"nothing computed: there are no rows {where}; the stored results are unchanged"


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
@data_root_option
@as_of_option(default_now=True)
@click.option(
    "--fail-fast", is_flag=True, help="Stop at the first metric the warehouse refuses (nothing is stored)."
)
@click.option(
    "--incremental",
    is_flag=True,
    help="Recompute only the periods whose data changed since the last run (its watermark).",
)
def run_command(project, warehouse, out_dir, start, end, quiet, as_of, fail_fast, incremental):
    """Compute every metric, goal status, pyramid score and issue; store; write the reports."""
    from cxspec.diagnostics import CxspecError
    from cxspec.registry import default_registry
    from cxspec.reports.data import build_model
    from cxspec.runs.run import run_project
    from cxspec.safe_write import (
        OutputPathError,
        check_output_folder,
        refuse_inputs,
        refuse_linked_project_folder,
        write_file,
    )

    check_range(start, end)
    if incremental and (start or end):
        raise click.UsageError("--incremental picks the periods itself: give it without --from/--to")
    loaded = load_or_exit(project, "execute")
    registry = default_registry()
    folder = Path(out_dir) if out_dir else loaded.root / loaded.config.output
    names = [o.file_name for o in files_written_by_run(registry)]
    if not out_dir:
        refuse_linked_project_folder(loaded.root, folder)
    check_output_folder(folder, names)
    refuse_inputs([folder / name for name in names], project_inputs(loaded, warehouse, registry))
    failures: list[str] = []
    progress = Progress(sys.stderr.isatty())
    stored = run_project(
        loaded,
        registry,
        warehouse,
        start=start.date() if start else None,
        end=end.date() if end else None,
        progress=progress,
        as_of=as_of,
        as_of_is_now=click.get_current_context().get_parameter_source("as_of").name == "DEFAULT",
        fail_fast=fail_fast,
        incremental=incremental,
    )
    if stored.incremental is not None:
        progress.done()
        click.echo(f"incremental run: recomputed {stored.incremental}", err=True)
    elif stored.computed == 0:
        progress.done()
        click.echo(nothing_computed(start, end), err=True)
    progress("writing reports")
    report = build_model(stored, registry)
    written = []
    for output in files_written_by_run(registry):
        try:
            text = render_report(report, output.name, registry, project=loaded)
        except CxspecError as exc:  # the results are stored: write the other reports, then fail
            failures.append(str(exc))
            continue
        try:
            write_file(folder, output.file_name, text)
        except (OSError, OutputPathError) as exc:  # a full disk, a folder changed meanwhile
            progress.done()
            raise CxspecError(f"results stored; the reports could not be written: {exc}") from None
        written.append(output)
    from cxspec.notify.deliver import notify_after_run
    from cxspec.plugins import call_after_run

    failures += notify_after_run(loaded, registry, warehouse, progress)  # `notify:` of cxspec.yaml
    failures += call_after_run(registry, loaded, stored, folder)  # plugins' cxspec_after_run
    progress.done()
    if not quiet:
        click.echo(
            render_report(report, "terminal", registry, color=sys.stdout.isatty(), project=loaded), nl=False
        )
    if written:
        names = [str(folder / written[0].file_name), *(o.file_name for o in written[1:])]
        click.echo(f"reports: {', '.join(names)}", err=True)
    if stored.diagnostics:
        from cxspec.commands.drivers_cmd import report_diagnostics

        if report_diagnostics(loaded, stored.diagnostics):
            failures.append("drivers analyses or links with data problems (above)")
    if stored.failures:  # one line each, then what else failed
        lines = [str(f) for f in stored.failures]
        lines += ["; ".join(failures)] if failures else []
        raise CxspecError("\n".join(lines) + "\n(the other results are stored)")
    if failures:
        raise CxspecError("; ".join(failures) + " (the results are stored)")


@click.command("report")
@click.argument("project", default=".", type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=ReportFormat(),
    default="terminal",
    show_default=True,
    help="A report output: terminal, md, json, html, or a plugin's (`cxspec plugins`).",
)
@click.option("--warehouse", help="Where the results are stored: the project's warehouse when absent.")
@click.option(
    "--out", "out_file", type=click.Path(dir_okay=False), help="Write to this file instead of stdout."
)
@click.option(
    "--periods",
    type=click.IntRange(min=1),
    help="Report only the latest N periods stored (all when absent): long histories make large reports.",
)
@click.option(
    "--period",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The stored period to report on (its first day); the latest complete one when absent.",
)
@as_of_option(
    default_now=False,
    help="The headline is the latest period complete at this day's end (23:59:59 UTC) or instant "
    "(and when it was computed).",
)
@click.option(
    "--segment",
    "segment_texts",
    multiple=True,
    metavar="DIMENSION=VALUE",
    help="Report one segment (`region=EMEA`; repeat, or separate with commas, for a combination).",
)
@data_root_option
def report_command(project, fmt, warehouse, out_file, periods, period, as_of, segment_texts):
    """A report from the stored results (run `cxspec run` first)."""
    from cxspec.diagnostics import CxspecError
    from cxspec.query import warehouse_class
    from cxspec.registry import default_registry
    from cxspec.reports.data import build_model
    from cxspec.runs.run import stored_results

    loaded = load_or_exit(project, "execute")
    url = warehouse or loaded.config.warehouse
    registry = default_registry()
    if out_file:  # before reading anything: a report must not replace the results it is made from
        from cxspec.safe_write import check_output_folder, refuse_inputs

        check_output_folder(Path(out_file).parent, [Path(out_file).name])
        refuse_inputs([Path(out_file)], project_inputs(loaded, warehouse, registry))
    if not warehouse_class(url, registry).keeps_results(url, loaded.root):
        raise CxspecError(
            f"the warehouse {url} keeps nothing between runs: give the project a file, e.g. "
            'warehouse: "duckdb:///cxspec-out/results.duckdb", or read report.* from `cxspec run --out`'
        )
    refuse_missing_results(url, loaded, registry)
    stored = stored_results(loaded, registry, url)
    if not stored.results:
        raise CxspecError(f"no stored results for project {loaded.config.project!r}: run `cxspec run` first")
    wanted = period.date().isoformat() if period else None
    stored_periods = sorted({r.period for r in stored.results})
    if wanted and wanted not in stored_periods:
        raise click.UsageError(
            f"no stored period {wanted} at grain {stored.grain}: stored are "
            f"{stored_periods[0]} to {stored_periods[-1]} (periods are named by their first day)",
            ctx=click.get_current_context(),
        )
    if as_of and not wanted:
        _complete_at(as_of, stored)
    segment = _segment(segment_texts, stored.results) if segment_texts else None
    if periods:
        from dataclasses import replace

        from cxspec.runs.store import latest_periods

        until = wanted or (_headline_at(as_of, stored) if as_of else None)
        results, scores = latest_periods(stored.results, stored.scores, periods, until)
        stored = replace(stored, results=results, scores=scores)
    color = sys.stdout.isatty() and not out_file
    as_of_text = as_of.isoformat(sep=" ") if as_of else None
    model = build_model(stored, registry, period=wanted, as_of=as_of_text, segment=segment)
    text = render_report(model, fmt, registry, color=color, project=loaded)
    if out_file:
        from cxspec.safe_write import write_text

        write_text(Path(out_file), text)
    else:
        click.echo(text, nl=False)


def _complete_at(as_of, stored) -> None:
    """A usage error when no stored period was over at `--as-of`: the report would otherwise
    headline a period after it, as if it had been seen then."""
    from cxspec.periods import complete_at, period_end

    moment = as_of.isoformat(sep=" ")
    first = min(r.period for r in stored.results)
    if not complete_at(first, stored.grain, moment):
        raise click.UsageError(
            f"--as-of {moment}: no stored period was over then; the first stored, {first}, "
            f"ends on {period_end(first, stored.grain):%Y-%m-%d}",
            ctx=click.get_current_context(),
        )


def _headline_at(as_of, stored) -> str | None:
    """The latest stored period complete at `--as-of` (what the report headlines)."""
    from cxspec.periods import complete_at

    moment = as_of.isoformat(sep=" ")
    done = [p for p in {r.period for r in stored.results} if complete_at(p, stored.grain, moment)]
    return max(done, default=None)


def _segment(texts, results) -> dict:
    """The stored segment `--segment` names; a usage error naming the stored ones otherwise."""
    from cxspec.reports.segments import in_scope, parse_segment, stored_segments
    from cxspec.runs.segment_owners import segment_label

    try:
        segment = parse_segment(texts)
    except ValueError as exc:
        raise click.UsageError(f"--segment: {exc}", ctx=click.get_current_context()) from None
    known = stored_segments(results)
    match = next((s for s in known if in_scope(s, segment)), None)
    if match is None:
        from cxspec.suggest import did_you_mean

        # Those of the same dimensions first (of 10,000 stores, not every combination).
        alike = [s for s in known if sorted(s) == sorted(segment)] or known
        labels = [segment_label(s) for s in alike]
        listed = "; ".join(labels[:20]) + (f" … ({len(labels) - 20:,} more)" if len(labels) > 20 else "")
        wanted = segment_label(segment)
        same_case = [label for label in labels if label.casefold() == wanted.casefold()]
        close = f"did you mean {same_case[0]!r}?" if same_case else did_you_mean(wanted, labels)
        raise click.UsageError(
            f"no stored segment {segment_label(segment)}: "
            + (f"{close} " if close else "")
            + (
                f"stored are {listed}" if known else "none is stored (add `segments:` to cxspec.yaml and run)"
            ),
            ctx=click.get_current_context(),
        )
    return match
