"""The hook specifications: the whole plugin API of cxspec, signatures and docstrings only.

Every ``cxspec_register_…`` hook and ``cxspec_sql_functions`` takes no arguments and
returns a list. cxspec calls each plugin's hooks once per process, checks what they return
(see cxspec/registry.py: a hook that raises or returns anything else makes its plugin
*broken*, left out with a warning), and keys the classes by ``name``: two plugins
registering one name is a conflict that stops the commands. Built-in features are
registered through these same hooks (see cxspec/plugins.py).
``cxspec_after_run`` is called later, once per run, with the arguments it names.
The guide, with a worked example: docs/writing-plugins.md; every hook: docs/plugin-hooks.md.
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

    :return: :class:`cxspec.Output` subclasses, each with a unique ``name``.
        A ``kind = "report"`` output renders the report of stored results (``cxspec report
        --format NAME``, and ``cxspec run`` writes its ``file_name`` when it has one); a
        ``kind = "export"`` output writes files for another tool from a project
        (``cxspec export --to NAME``).
    """


@hookspec
def cxspec_register_lint_rules() -> list[type]:
    """Lint rules this plugin provides (``cxspec lint``).

    :return: :class:`cxspec.LintRule` subclasses, each with a unique ``name`` and
        ``code``.
    """


@hookspec
def cxspec_register_issue_rules() -> list[type]:
    """Issue rules this plugin provides: more kinds of CX issues, detected on every run.

    :return: :class:`cxspec.IssueRule` subclasses, each with a unique ``name``, the
        ``kind`` of issue it raises and its ``severity``, and ``detect(context)`` returning
        the issues of the latest period, each made with ``context.issue(self, metric,
        message)`` (:class:`cxspec.IssueContext`). They get stable ids and states like the
        built-in kinds, and are sent to owners when new or reopened.
    """


@hookspec
def cxspec_after_run(project, results, out_dir, config) -> None:
    """Called once ``cxspec run`` has stored its results and written its reports.

    Implement it with any of the arguments, by name (``def cxspec_after_run(results,
    config)``): a digest to a chat channel, a webhook, a copy of the reports.

    :param project: the :class:`cxspec.Project` that ran.
    :param results: what was stored: ``results.results``, the stored rows of every metric,
        period and slice, and ``results.scores``, goal status and pyramid scores.
    :param out_dir: the :class:`pathlib.Path` of the folder the reports were written to.
    :param config: this plugin's block of ``plugins:`` in cxspec.yaml (``{}`` when absent).
    :return: nothing. An implementation that raises is reported by plugin name and makes
        ``cxspec run`` exit 1; the stored results and the reports stay.
    """
