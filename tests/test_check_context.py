"""Checks are given the registry they run with (CheckContext), never the process-wide one:
a plugin's SQL functions are allowed wherever the registry that validates allows them."""

from __future__ import annotations

import types

from cxspec.hookspecs import hookimpl
from cxspec.registry import build_registry
from cxspec.validate import validate_project

pytest_plugins = ["plugin_install"]  # the `site` fixture: a plugin installed for one test

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


RECORDING = """
import sqlglot
from sqlglot import exp

from cxspec import SourceType, hookimpl

PHASES = []


class Recorded(SourceType):
    name = "recorded"

    def check(self, source, ctx):
        PHASES.append(ctx.phase)

    def relation(self, source, reading):
        return exp.Subquery(this=sqlglot.parse_one("SELECT 1 AS x, TIMESTAMP '2026-01-05 10:00:00' AS t"))


@hookimpl
def cxspec_register_source_types():
    return [Recorded]
"""
RECORDED_SPECS = """\
version: 1
sources:
  - {id: r, type: recorded, time: t}
metrics:
  - {id: rows, type: count, source: r}
"""


def test_each_command_tells_the_checks_its_phase(site, make_project, run_main):
    import sys

    site.install("acme-recorded", {"recorded": "acme_recorded"}, {"acme_recorded": RECORDING})
    root = make_project({"specs.yaml": RECORDED_SPECS})
    phases = {}
    for command in (["validate"], ["lint"], ["compile"], ["query"]):
        code, _, stderr = run_main(*command, str(root))
        assert code == (1 if command == ["lint"] else 0), stderr  # lint: no owner, no goal
        recorded = sys.modules["acme_recorded"].PHASES
        phases[command[0]] = recorded[-1]
        recorded.clear()
    assert phases == {"validate": "validate", "lint": "validate", "compile": "compile", "query": "execute"}
