"""`cxspec lint`: best-practice rules on a valid project (docs/lint-rules.md)."""

from __future__ import annotations

import sys

import click

from cxspec.commands.common import current_data_roots, data_root_option

#: The renderers of diagnostics (as `cxspec validate --format`).
FORMAT_NAMES = ("text", "json", "github", "junit", "sarif")


def lint_codes(registry) -> dict:
    """Each rule as a diagnostic code (title, severity, explanation), for SARIF's rule metadata."""
    from cxspec.codes import Code
    from cxspec.diagnostics import Severity
    from cxspec.lint.config import CONFIG_CODE

    codes = {
        CONFIG_CODE: Code(
            CONFIG_CODE, "lint configuration", Severity.ERROR, "A lint rule named in cxspec.yaml or in an "
            "item's `lint.ignore` that no installed plugin provides, or a rule that failed.",
        )
    }  # fmt: skip
    for name, rule in registry.lint_rules.items():
        codes[rule.code] = Code(rule.code, name, Severity(rule.default_severity), rule.description or name)
    return codes


def rules_table(registry) -> str:
    rows = sorted(registry.lint_rules.items(), key=lambda item: item[1].code)
    lines = []
    for name, rule in rows:
        default = rule.default_severity if rule.enabled_by_default else f"{rule.default_severity}, opt-in"
        plugin = registry.provided_by.get(("lint rule", name), "")
        lines.append(f"{rule.code}  {name:<36} {default:<14} {rule.description}  [{plugin}]")
    return "\n".join(lines) + "\n"


@click.command("lint")
@click.argument("project", default=".", type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    default="text",
    show_default=True,
    help="How to print the findings.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on any finding, not only on errors.")
@click.option("--list-rules", is_flag=True, help="List the installed rules and exit.")
@data_root_option
@click.pass_context
def lint_command(ctx, project, fmt, strict, list_rules):
    """Check a valid project against best-practice rules (owners, goals, samples, pyramid, journeys).

    Rules, codes and how to configure or suppress them: docs/lint-rules.md. Exit 1 when a
    finding has severity error (any finding with --strict); an invalid project is reported as
    `cxspec validate` would and exits 1.
    """
    from cxspec.cli import _color, _path_prefix
    from cxspec.diagnostics import Severity, has_errors
    from cxspec.formats import RenderContext, render
    from cxspec.lint import lint_project
    from cxspec.registry import default_registry
    from cxspec.validate import validate_project

    registry = default_registry()
    if list_rules:
        click.echo(rules_table(registry), nl=False)
        return
    result = validate_project(project, registry, phase="validate", data_roots=current_data_roots())
    command, diagnostics = "lint", []
    if result.project is None or has_errors(result.diagnostics):
        # Lint reads a valid project only: show why it is not, in the format asked for.
        command = "validate"
        diagnostics = [d for d in result.diagnostics if d.severity is Severity.ERROR] or result.diagnostics
    else:
        diagnostics = lint_project(result.project, registry).diagnostics
    context = RenderContext(
        root=result.root,
        command=command,
        files=tuple(result.project.files) if result.project else (),
        color=_color(sys.stdout) and fmt == "text",
        path_prefix=_path_prefix(result.root) if fmt != "json" else "",
        codes=lint_codes(registry),
        docs_page="docs/lint-rules.md" if command == "lint" else "docs/validation-codes.md",
        failing=frozenset(Severity) if strict else frozenset({Severity.ERROR}),
    )
    click.echo(render(fmt, diagnostics, context), nl=False)
    failed = command == "validate" or has_errors(diagnostics) or (strict and bool(diagnostics))
    ctx.exit(1 if failed else 0)
