"""The hook specifications: the whole plugin API of cxspec, signatures and docstrings only.

Every hook takes no arguments and returns a list. cxspec calls each plugin's hooks once
per process, checks what they return (see cxspec/registry.py: a hook that raises or
returns anything else makes its plugin *broken*, left out with a warning), and keys the
classes by ``name``: two plugins registering one name is a conflict that stops the
commands. Built-in features are registered through these same hooks (see cxspec/plugins.py).
The guide, with a worked example: docs/plugins.md.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("cxspec")
hookimpl = pluggy.HookimplMarker("cxspec")


@hookspec
def cxspec_register_metric_types() -> list[type]:
    """Metric types this plugin provides (``type:`` of a metric).

    :return: :class:`cxspec.MetricType` subclasses, each with a unique ``name``, its
        ``fields`` as JSON Schema (they join `cxspec schema` and validation) and its SQL
        builders (``measures`` and ``result``, or ``row_result``).
    """


@hookspec
def cxspec_register_source_types() -> list[type]:
    """Source types this plugin provides (``type:`` of a source).

    :return: :class:`cxspec.SourceType` subclasses, each with a unique ``name``, its
        ``fields`` as JSON Schema and a ``relation`` saying how compiled SQL reads it.
    """


@hookspec
def cxspec_sql_functions() -> list[str]:
    """Names of SQL functions that spec fragments (`filter`, `match`, `expr`…) may call.

    :return: function names (compared in lower case), added to the built-in allow-list.
        Only scalar, deterministic functions without I/O belong there.
    """


@hookspec
def cxspec_register_warehouses() -> list[type]:
    """Warehouses this plugin provides, each for one or more URL schemes.

    :return: :class:`cxspec.Warehouse` subclasses, each with a ``name``, the ``schemes`` it
        connects to (``duckdb``, ``postgresql``…; each scheme unique across plugins) and
        the sqlglot ``dialect`` its SQL is compiled to.
    """


@hookspec
def cxspec_register_outputs() -> list[type]:
    """Outputs this plugin provides: report formats and exporters.

    :return: :class:`cxspec.output.Output` subclasses, each with a unique ``name``.
        A ``kind = "report"`` output renders the report of stored results (``cxspec report
        --format NAME``, and ``cxspec run`` writes its ``file_name`` when it has one); a
        ``kind = "export"`` output writes files for another tool from a project
        (``cxspec export --to NAME``).
    """


@hookspec
def cxspec_register_lint_rules() -> list[type]:
    """Lint rules this plugin provides (``cxspec lint``).

    :return: :class:`cxspec.lint_rule.LintRule` subclasses, each with a unique ``name`` and
        ``code``.
    """
