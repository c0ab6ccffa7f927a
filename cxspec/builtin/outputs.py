"""The built-in report formats (terminal, md, json, html), registered like a plugin's outputs.

Each renders the report model of `cxspec.reports.data.build_model` (or its dict, as in
`report.json`); the renderers live in `cxspec/reports/` and are imported on first use.
"""

from __future__ import annotations

import json

from cxspec.hookspecs import hookimpl
from cxspec.output import Output


class TerminalReport(Output):
    name = "terminal"
    description = "The scorecard for a terminal: the index, the pyramid as a tree, the top issues."

    def render(self, report, *, color=False):
        from cxspec.reports.terminal import render

        return render(report, color=color)


class JsonReport(Output):
    name = "json"
    description = "Everything in the report, as JSON (docs/report-json.md)."
    file_name = "report.json"

    def render(self, report, *, color=False):
        data = report.to_dict() if hasattr(report, "to_dict") else report
        return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class MarkdownReport(Output):
    name = "md"
    description = "The scorecard and a table of every metric, for a pull request or a wiki."
    file_name = "report.md"

    def render(self, report, *, color=False):
        from cxspec.reports.markdown import render

        return render(report)


class HtmlReport(Output):
    name = "html"
    description = "A self-contained dashboard: pyramid drill-down, trends, journeys, issues."
    file_name = "report.html"

    def render(self, report, *, color=False):
        from cxspec.reports.html import render

        return render(report)


#: In the order `cxspec run` writes and names them: the dashboard first.
BUILTIN_OUTPUTS = [TerminalReport, HtmlReport, MarkdownReport, JsonReport]


@hookimpl
def cxspec_register_outputs():
    return BUILTIN_OUTPUTS
