"""The hook specifications: the whole plugin API of cxspec, signatures and docstrings only.

Built-in features are registered through these same hooks (see cxspec/plugins.py).
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("cxspec")
hookimpl = pluggy.HookimplMarker("cxspec")


@hookspec
def cxspec_register_metric_types() -> list[type]:
    """Metric types this plugin provides.

    :return: a list of :class:`cxspec.MetricType` subclasses, each with a unique ``name``.
    """


@hookspec
def cxspec_register_source_types() -> list[type]:
    """Source types this plugin provides.

    :return: a list of :class:`cxspec.SourceType` subclasses, each with a unique ``name``.
    """


@hookspec
def cxspec_sql_functions() -> list[str]:
    """Names of SQL functions that spec fragments (`filter`, `match`, `expr`…) may call.

    :return: function names, lower case, added to the built-in allow-list.
    """


@hookspec
def cxspec_register_warehouses() -> list[type]:
    """Warehouses this plugin provides, each for one or more URL schemes.

    :return: a list of :class:`cxspec.Warehouse` subclasses, each with a unique ``name``
        and the ``schemes`` it connects to (``duckdb``, ``postgresql``…).
    """


@hookspec
def cxspec_register_outputs() -> list[type]:
    """Outputs this plugin provides: report formats and exporters.

    :return: a list of :class:`cxspec.output.Output` subclasses, each with a unique ``name``.
        A ``kind = "report"`` output renders the report of stored results (``cxspec report
        --format NAME``); a ``kind = "export"`` output writes files for another tool from a
        project (``cxspec export --to NAME``).
    """


@hookspec
def cxspec_register_lint_rules() -> list[type]:
    """Lint rules this plugin provides (``cxspec lint``).

    :return: a list of :class:`cxspec.lint_rule.LintRule` subclasses, each with a unique
        ``name`` and ``code``.
    """
