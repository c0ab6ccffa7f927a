"""Checks are given the registry they run with (CheckContext), never the process-wide one:
a plugin's SQL functions are allowed wherever the registry that validates allows them."""

from __future__ import annotations

import types

from cxspec.hookspecs import hookimpl
from cxspec.registry import build_registry
from cxspec.validate import validate_project

SPECS = """\
version: 1
sources:
  - id: tickets
    type: sql
    query: "SELECT id, my_udf(score) AS score, t FROM raw_tickets"
    time: t
  - id: surveys
    type: table
    table: raw_surveys
    time: t
    filter: "my_udf(score) > 0"
metrics:
  - {id: mean_score, type: mean, source: tickets, column: score}
  - {id: survey_mean, type: mean, source: surveys, column: score}
"""


def udf_plugin():
    plugin = types.ModuleType("udf_plugin")

    @hookimpl
    def cxspec_sql_functions():
        return ["my_udf"]

    plugin.cxspec_sql_functions = cxspec_sql_functions
    return plugin


def test_a_plugin_function_is_allowed_in_a_sql_query_as_in_a_filter(make_project):
    root = make_project({"specs.yaml": SPECS})
    registry = build_registry(external=False, extra=[("udf", udf_plugin())])
    assert "my_udf" in registry.sql_functions
    result = validate_project(root, registry)
    assert [(d.code, d.message) for d in result.diagnostics] == []


def test_without_the_plugin_both_are_refused(make_project):
    root = make_project({"specs.yaml": SPECS})
    result = validate_project(root, build_registry(external=False))
    found = sorted((d.code, d.line) for d in result.diagnostics)
    assert found == [("CX504", 5), ("CX504", 11)]
