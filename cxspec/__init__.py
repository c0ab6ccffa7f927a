"""cxspec: customer-experience metrics as code.

This module is the public API: every name in ``__all__`` is documented in
docs/plugin-hooks.md and stays importable from ``cxspec`` across versions. Plugins import
only from here (and their tests from ``cxspec.testing``); every other module is internal and
may change without notice.

The names are loaded on first use (PEP 562): ``import cxspec`` runs for every command and
must not pull in sqlglot, jsonschema or a database driver. ``PUBLIC`` below is the one map
from a public name to where it lives; moving an internal means changing one line of it.
"""

from __future__ import annotations

import importlib

from cxspec.version import __version__

#: Public name → "module:attribute" (the attribute is the name itself when omitted).
PUBLIC: dict[str, str] = {
    # Writing a plugin: the hook marker and the base classes.
    "hookimpl": "cxspec.hookspecs",
    "MetricType": "cxspec.metric_type",
    "SourceType": "cxspec.source_type",
    "Warehouse": "cxspec.warehouse",
    "Output": "cxspec.output",
    "LintRule": "cxspec.lint_rule",
    "IssueRule": "cxspec.issue_rule",
    "IssueContext": "cxspec.issue_rule",
    "finding": "cxspec.lint.finding",
    # What a metric type builds its SQL with.
    "Measure": "cxspec.metric_type",
    "MeasureAccess": "cxspec.metric_type",
    "RowAccess": "cxspec.metric_type",
    "SpineAccess": "cxspec.metric_type",
    "SqlContext": "cxspec.metric_type",
    "MetricSql": "cxspec.compiler.sqlkit",
    "Z": "cxspec.compiler.sqlkit",
    "add": "cxspec.compiler.sqlkit",
    "bigint": "cxspec.compiler.sqlkit",
    "case_when": "cxspec.compiler.sqlkit",
    "clone": "cxspec.compiler.sqlkit",
    "col": "cxspec.compiler.sqlkit",
    "div": "cxspec.compiler.sqlkit",
    "double": "cxspec.compiler.sqlkit",
    "flag": "cxspec.compiler.sqlkit",
    "mean_with_moe": "cxspec.compiler.sqlkit",
    "mul": "cxspec.compiler.sqlkit",
    "not_null": "cxspec.compiler.sqlkit",
    "num": "cxspec.compiler.sqlkit",
    "on_scale": "cxspec.compiler.sqlkit",
    "paren": "cxspec.compiler.sqlkit",
    "proportion": "cxspec.compiler.sqlkit",
    "safe_div": "cxspec.compiler.sqlkit",
    "sqrt_nonneg": "cxspec.compiler.sqlkit",
    "sub": "cxspec.compiler.sqlkit",
    "text": "cxspec.compiler.sqlkit",
    # How a metric's values read, and what checks are given.
    "Display": "cxspec.display",
    "Statistic": "cxspec.metric_type",
    "CheckContext": "cxspec.check_context",
    # Diagnostics and errors.
    "Diagnostic": "cxspec.diagnostics",
    "DiagnosticSink": "cxspec.diagnostics",
    "Location": "cxspec.diagnostics",
    "Severity": "cxspec.diagnostics",
    "CxspecError": "cxspec.diagnostics",
    "SpecError": "cxspec.diagnostics",
    "PluginError": "cxspec.diagnostics",
    "WarehouseError": "cxspec.diagnostics",
    "RequestError": "cxspec.compiler.plan",
    # The loaded project, as plugins read it.
    "Project": "cxspec.model",
    "Config": "cxspec.model",
    "Source": "cxspec.model",
    "Metric": "cxspec.model",
    "Dimension": "cxspec.model",
    "Owner": "cxspec.model",
    "Journey": "cxspec.model",
    "Touchpoint": "cxspec.model",
    "Goal": "cxspec.model",
    "Pyramid": "cxspec.model",
    "PyramidNode": "cxspec.model",
    "locate": "cxspec.locations",
    # Source types: reading files of the project.
    "Reading": "cxspec.source_type",
    "DataFile": "cxspec.source_type",
    "check_path": "cxspec.builtin.source_types",
    "file_format": "cxspec.builtin.source_types",
    "file_reader": "cxspec.builtin.source_types",
    # Writing output files: atomically, never through a link, never outside their folder.
    "write_file": "cxspec.safe_write",
    "write_text": "cxspec.safe_write",
    "through_link": "cxspec.safe_write",
    "OutputPathError": "cxspec.safe_write",
    # Warehouses.
    "scheme_of": "cxspec.warehouse",
    "redact": "cxspec.warehouse",
    # Entry points: load, check, compile, compute, run (exporters, warehouses and tests).
    "validate_project": "cxspec.validate",
    "Validation": "cxspec.validate",
    "Registry": "cxspec.registry",
    "build_registry": "cxspec.registry",
    "default_registry": "cxspec.registry",
    "Request": "cxspec.compiler.plan",
    "compile_request": "cxspec.compiler.compile",
    "CompiledQuery": "cxspec.compiler.compile",
    "compute": "cxspec.query",
    "compile_for": "cxspec.query",
    "connect": "cxspec.query",
    "MetricResult": "cxspec.query",
    "run_project": "cxspec.runs.run",
    "stored_results": "cxspec.runs.run",
    "lint_project": "cxspec.lint.engine",
    "spec_schema": "cxspec.schema",
    "dialects": "cxspec.schema",
    # The compiler, for exporters that write cxspec's SQL for another tool (cxspec-dbt).
    "Planner": "cxspec.compiler.plan",
    "Plan": "cxspec.compiler.plan",
    "ScanPlan": "cxspec.compiler.plan",
    "quoted_fragment": "cxspec.compiler.plan",
    "Generator": "cxspec.compiler.sqlgen",
    "Resolver": "cxspec.resolve",
    "Resolution": "cxspec.resolve",
    "ResolvedSource": "cxspec.resolve",
    "dim_column": "cxspec.compiler.sqlgen",
    "PERIOD": "cxspec.compiler.sqlgen",
}


def load_project(path):
    """Load and check a project; raise SpecError if it has errors, else return the Project."""
    from cxspec.diagnostics import Severity, SpecError
    from cxspec.registry import default_registry
    from cxspec.validate import validate_project

    result = validate_project(path, default_registry())
    if not result.ok:
        raise SpecError([d for d in result.diagnostics if d.severity is Severity.ERROR])
    return result.project


def __getattr__(name: str):
    where = PUBLIC.get(name)
    if where is None:  # an AttributeError lets `from cxspec import submodule` go on to import it
        raise AttributeError(f"module 'cxspec' has no attribute {name!r}")
    module, _, attribute = where.partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(PUBLIC))


__all__ = sorted(["__version__", "load_project", *PUBLIC])
