"""The report model: `report.json` is its serialization, every format writes numbers by the
metric's display, and touch point scores are the ones the issues are detected with."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from cxspec.reports.model import Report

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report() -> dict:
    from cxspec import load_project
    from cxspec.registry import default_registry
    from cxspec.reports.data import build_report
    from cxspec.runs.run import run_project

    registry = default_registry()
    stored = run_project(load_project(ROOT / "specs" / "acme"), registry, "duckdb:///:memory:")
    return build_report(stored, registry)


def _metric(report: dict, metric_id: str) -> dict:
    return next(m for m in report["metrics"] if m["id"] == metric_id)


def test_the_json_reads_back_as_the_same_model(report):
    assert Report.from_dict(json.loads(json.dumps(report))).to_dict() == report


def test_goal_owners_and_displays_are_in_the_json(report):
    assert _metric(report, "ship_date_contacts")["goal"]["owner"] == "priya-nair"
    fcr = _metric(report, "fcr_rate")
    assert fcr["goal"]["owner"] is None  # the goal names none
    assert fcr["display"]["suffix"] == "%" and fcr["display"]["change_unit"] == "pts"
    assert _metric(report, "relationship_nps")["display"]["signed"] is True
    assert _metric(report, "ship_date_contacts")["display"]["plain_whole"] is True


def test_counts_are_whole_numbers_in_the_terminal_and_markdown(report):
    from cxspec.reports.markdown import render as markdown
    from cxspec.reports.terminal import render as terminal

    contacts = _metric(report, "ship_date_contacts")
    assert contacts["latest"]["value"] == 10
    assert f"| {contacts['name']} | 10 |" in markdown(report)
    # a count as a pyramid leaf in the terminal's tree
    shown = copy.deepcopy(report)
    leaf = shown["pyramids"][0]["tree"]["children"][0]["children"][0]
    leaf["metric"], leaf["name"] = "ship_date_contacts", "Contacts as a leaf"
    line = next(li for li in terminal(shown).splitlines() if "Contacts as a leaf" in li)
    assert " 10 " in line and "10.00" not in line


def test_touchpoint_scores_are_the_ones_issues_compare(report):
    touchpoints = {tp["id"]: tp for j in report["journeys"] for s in j["stages"] for tp in s["touchpoints"]}
    below = [i for i in report["issues"] if i["kind"] == "below_journey"]
    assert below
    for issue in below:
        assert touchpoints[issue["touchpoint"]]["score"] == issue["value"]
        journey = next(j for j in report["journeys"] if j["id"] == issue["journey"])
        assert f"({journey['score']:.1f} over" in issue["message"]


def test_status_words_hold_for_either_direction():
    """Amber means "between warn and target": for churn (lower is better) that is above its
    target, so the words must not say "below" (or "above") whatever the metric's direction."""
    from cxspec.catalog.text import STATUS_WORDS
    from cxspec.reports.html.common import STATUS

    words = list(STATUS_WORDS.values()) + [w for w, _ in STATUS.values()]
    assert not [w for w in words if "below" in w or "above" in w], words


def test_points_written_out_keep_every_field():
    """Point and ScorePoint write their dicts by hand (fast for long histories): every field."""
    from dataclasses import asdict, fields

    from cxspec.reports.model import Point, ScorePoint

    for point in (Point("2026-01-01", 1.5, 10, 1, 0.2, "green"), ScorePoint("2026-01-01", 50.0, 0.5)):
        assert point.to_dict() == asdict(point)
        assert list(point.to_dict()) == [f.name for f in fields(point)]
