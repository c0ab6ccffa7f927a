"""`cxspec run` stores drivers analyses and links (cxspec_drivers, cxspec_links) and the
reports show them: the priority matrix and "what CX is worth" in words."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from cxspec.drivers.compute import compute_drivers
from cxspec.links.compute import compute_links
from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.reports import analyses, html, markdown, terminal
from cxspec.reports.data import build_model
from cxspec.reports.model import Report
from cxspec.runs.run import run_project, stored_results
from cxspec.validate import validate_project

FIXTURES = Path(__file__).parent / "fixtures"

METRIC = """\
version: 1
metrics:
  - id: nps
    type: nps
    source: responses
    column: nps_score
"""


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("analyses")
    for name in ("drivers", "links"):
        shutil.copytree(FIXTURES / name / "data", root / "data", dirs_exist_ok=True)
        shutil.copy(FIXTURES / name / "specs" / f"{name}.yaml", root / f"{name}.yaml")
    (root / "cxspec.yaml").write_text("version: 1\nproject: analyses\n", encoding="utf-8")
    (root / "metric.yaml").write_text(METRIC, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def project(project_dir):
    result = validate_project(project_dir, default_registry())
    assert result.ok, result.diagnostics
    return result.project


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///{tmp_path / 'results.db'}"


def test_run_stores_what_the_commands_compute(project, url):
    registry = default_registry()
    stored = run_project(project, registry, url, now=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))
    with connect(url, project, registry) as wh:
        drivers = compute_drivers(wh, project, registry).results
        links = compute_links(wh, project, registry)
    assert [r.as_dict() for r in stored.drivers] == [r.as_dict() for r in drivers]
    assert stored.link_groups == links.groups
    assert stored.link_contrasts == links.contrasts
    # and `report` reads the same back
    again = stored_results(project, registry, url)
    assert [r.as_dict() for r in again.drivers] == [r.as_dict() for r in drivers]
    assert again.link_groups == links.groups
    # a rerun replaces, never duplicates
    run_project(project, registry, url, now=dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc))
    assert len(stored_results(project, registry, url).drivers) == len(drivers)


def test_a_run_of_some_periods_keeps_the_analyses_of_all(project, url):
    """`run --from/--to` recomputes those periods' results; drivers and links stay over every
    period (as an incremental run's): a run of one month replaced them with that month's."""
    registry = default_registry()
    now = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    whole = run_project(project, registry, url, now=now)
    assert whole.drivers and whole.link_contrasts
    some = run_project(project, registry, url, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), now=now)
    assert [r.as_dict() for r in some.drivers] == [r.as_dict() for r in whole.drivers]
    assert (some.link_groups, some.link_contrasts) == (whole.link_groups, whole.link_contrasts)
    with connect(url, project, registry) as wh:
        march = compute_drivers(wh, project, registry, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    assert [r.as_dict() for r in march.results] != [r.as_dict() for r in whole.drivers]  # a real range


def test_reports_show_the_matrix_and_the_sentences(project, tmp_path):
    registry = default_registry()
    url = f"duckdb:///{tmp_path / 'r.duckdb'}"
    stored = run_project(project, registry, url, now=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))
    report = build_model(stored, registry)
    ratings = [d for d in report.drivers if d.analysis == "ratings"]
    assert {d.driver for d in ratings} == {"billing", "network", "value"}
    assert all(d.quadrant in analyses.QUADRANTS for d in ratings)
    md = markdown.render(report)
    assert "## What matters most: ratings" in md and "## What CX is worth" in md
    assert "as often as promoters within 90 days" in md
    churn = next(link for link in report.links if link.link == "nps-to-churn")
    contrast = churn.contrast
    assert f"{contrast['ratio']:.1f}× as often" in churn.sentence
    assert "What matters most" in terminal.render(report)
    page = html.render(report)
    assert '<svg class="quadrant"' in page and "important and weak: act first" in page
    # report.json round trip keeps them
    assert Report.from_dict(report.to_dict()).to_dict() == report.to_dict()


def test_quadrants_follow_importance_and_performance():
    from cxspec.reports.model import DriverEntry

    entries = [
        DriverEntry("a", "a", "weak_important", importance=0.4, performance=2.0),
        DriverEntry("a", "a", "strong_important", importance=0.3, performance=4.5),
        DriverEntry("a", "a", "weak_minor", importance=0.05, performance=2.5),
        DriverEntry("a", "a", "strong_minor", importance=0.05, performance=4.8),
    ]
    analyses._place(entries)
    assert [e.quadrant for e in entries] == ["act_first", "keep_up", "monitor", "overdone"]
    svg = analyses.quadrant_svg(entries)
    assert svg == analyses.quadrant_svg(entries) and svg.count("<circle") == 4


def test_sentence_for_a_rate_link():
    from types import SimpleNamespace

    from cxspec.links.compute import LinkContrast, LinkGroup

    link = SimpleNamespace(within="90d", value=None, event="end", outcome_source="subscriptions")
    groups = {"detractor": LinkGroup("l", "detractor", 100, 29.0, 20.0, 39.0),
              "promoter": LinkGroup("l", "promoter", 100, 10.0, 5.0, 17.0)}  # fmt: skip
    contrast = LinkContrast("l", "detractor", "promoter", 19.0, 8.0, 29.5, 2.9)
    text = analyses.sentence(link, contrast, groups)
    assert text.startswith("Detractors end their subscriptions 2.9× as often as promoters within 90 days")
    assert "95% CI 8.0 to 29.5" in text
