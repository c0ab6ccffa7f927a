"""The CX dashboard: one self-contained HTML file (inline CSS, JS and SVG; nothing is fetched
when it is viewed) rendered from the report model (cxspec/reports/model.py).

Layout: a header bar (project, grain, latest period); the first screen holds the CX index
with its trend and coverage, goal status counts and every pyramid's score, the pyramid as a
drill-down tree, and beside them the issues with their owners (overview.py, tree.py). Below:
the league table of segments and the segment selector (segments.py); the journeys, stages left to right with their touch points as cards (journeys.py); then one
card per metric with its trend chart (metrics.py, charts.py); the details panels (details.py).
Charts and sparklines show the latest periods only (`common.SHOWN_PERIODS`, by grain), with a
link to report.json, which holds every period: ten years of daily results stay a page of MBs.

Every number says what it is and who owns it on hover (a `title`) and opens a details panel
on click; numbers are written by cxspec/display.py as the metric's type says. Everything is
rendered here, in Python, so the same report gives byte-identical HTML; the inline script only
shows, hides and highlights (and sets <body data-ready="1">). CSS and JS live in
cxspec/reports/assets/ and are inlined.
"""

from __future__ import annotations

from cxspec.reports.analyses import html_section
from cxspec.reports.html.common import Context, asset, e, json_script
from cxspec.reports.html.details import client_data, details
from cxspec.reports.html.initiatives import initiatives_section
from cxspec.reports.html.journeys import journeys_section
from cxspec.reports.html.metrics import metrics_section
from cxspec.reports.html.overview import header, overview
from cxspec.reports.html.segments import segments_section
from cxspec.reports.model import Report, as_report

#: Records script errors on <html data-errors>, so that the browser test can see them.
_ERROR_TRAP = (
    "<script>window.addEventListener('error',function(ev){var h=document.documentElement;"
    "h.setAttribute('data-errors',(h.getAttribute('data-errors')||'')+(ev.message||'error')+';');});"
    "</script>"
)


def render(report: Report | dict) -> str:
    """The dashboard for one report (the model, or its `report.json` dict), as one HTML document."""
    report = as_report(report)
    ctx = Context(report)
    project = report.project
    footer = (
        f'<footer class="wrap muted small">cxspec report v{e(report.report_version)} · project '
        f"<code>{e(project.id)}</code> · spec {e(', '.join(project.spec_hashes))} · "
        f"computed {e(project.computed_at or '–')} UTC · {len(report.periods)} periods"
        + (
            f' (charts: the latest {len(ctx.periods)}; every period in <a href="report.json">report.json</a>)'
            if ctx.hidden
            else ""
        )
        + "</footer>"
    )
    body = (
        header(report, ctx)
        + "<main>"
        + overview(report, ctx)
        + segments_section(report, ctx)
        + html_section(report)
        + journeys_section(report, ctx)
        + metrics_section(report, ctx)
        + initiatives_section(report, ctx)
        + "</main>"
        + footer
        + '<aside id="panel" class="panel" hidden aria-label="details" tabindex="-1">'
        + '<button type="button" class="close" data-close aria-label="close details">×</button>'
        + '<div class="panel-body"></div></aside>'
        + details(report, ctx)
        + json_script("cx-data", client_data(report, ctx))
    )
    title = f"{project.name} · CX dashboard · {ctx.period(report.latest)}"
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="cxspec"><title>{e(title)}</title>{_ERROR_TRAP}'
        f"<style>{asset('dashboard.css')}</style></head>"
        f"<body>{body}<script>{asset('dashboard.js')}</script></body></html>\n"
    )


__all__ = ["render"]
