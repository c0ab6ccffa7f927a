"""Hints: "did you mean" for near misses, and what to do when nothing is near."""

from __future__ import annotations

import textwrap

import pytest

SOURCE = textwrap.dedent(
    """\
    version: 1
    owners:
      - id: support-ops
      - id: cx-office
    sources:
      - id: responses
        type: table
        table: survey.responses
    """
)


def only(result, code):
    found = [d for d in result.diagnostics if d.code == code]
    assert len(found) == 1, result.diagnostics
    return found[0]


def test_unknown_key_suggests_the_field(make_project, validate):
    root = make_project(
        {
            "owners.yaml": SOURCE,
            "metrics.yaml": """\
                version: 1
                metrics:
                  - id: nps
                    type: nps
                    source: responses
                    column: nps_score
                    min_smaple: 30
                """,
        }
    )
    d = only(validate(root), "CX101")
    assert (d.file, d.line, d.column) == ("metrics.yaml", 7, 5)
    assert d.hint == "did you mean 'min_sample'?"
    assert "'min_smaple'" in d.message and "'nps'" in d.message
    assert d.span == len("min_smaple")


def test_unknown_key_without_a_near_miss_lists_the_allowed_keys(make_project, validate):
    root = make_project({"owners.yaml": "version: 1\nowners:\n  - id: a\n    zzz: 1\n"})
    d = only(validate(root), "CX101")
    assert d.hint == "allowed here: description, email, github, id, kind, lint, name, parent, segments"


def test_unknown_section_suggests_the_section(make_project, validate):
    root = make_project({"a.yaml": "version: 1\ntouchpoint: []\n"})
    assert only(validate(root), "CX101").hint == "did you mean 'touchpoints'?"


def test_unknown_owner_suggests_the_owner(make_project, validate):
    root = make_project(
        {
            "owners.yaml": SOURCE,
            "metrics.yaml": """\
                version: 1
                metrics:
                  - id: fcr
                    type: rate
                    source: responses
                    condition: resolved
                    owner: suport-ops
                """,
        }
    )
    d = only(validate(root), "CX202")
    assert (d.file, d.line, d.column, d.span) == ("metrics.yaml", 7, 12, len("suport-ops"))
    assert d.message == "unknown owner 'suport-ops'"
    assert d.hint == "did you mean 'support-ops'?"


def test_unknown_owner_far_from_any_says_so(make_project, validate):
    root = make_project(
        {"owners.yaml": SOURCE + "journeys:\n  - id: j\n    owner: finance\n    stages: [a]\n"}
    )
    assert only(validate(root), "CX202").hint == "no owner has this id"


def test_unknown_owner_when_there_are_none(make_project, validate):
    root = make_project({"j.yaml": "version: 1\njourneys:\n  - id: j\n    owner: finance\n    stages: [a]\n"})
    assert only(validate(root), "CX202").hint == "no owners are defined"


def test_unknown_metric_type_suggests_the_type(make_project, validate):
    root = make_project(
        {
            "owners.yaml": SOURCE,
            "metrics.yaml": """\
                version: 1
                metrics:
                  - id: support_csat
                    type: cast
                    source: responses
                    column: csat_score
                """,
        }
    )
    d = only(validate(root), "CX107")
    assert (d.file, d.line, d.column) == ("metrics.yaml", 4, 11)
    assert d.message == "unknown metric type 'cast'"
    assert d.hint == "did you mean 'csat'?"


def test_unknown_metric_type_far_from_any_lists_the_installed_ones(make_project, validate):
    root = make_project(
        {"m.yaml": SOURCE + "metrics:\n  - id: m\n    type: sentiment\n    source: responses\n"}
    )
    hint = only(validate(root), "CX107").hint
    assert hint.startswith("no installed plugin provides metric type 'sentiment'")
    assert "ces, churn_rate, count" in hint


@pytest.mark.parametrize(
    ("field", "value", "hint"),
    [
        ("category", "perceptoin", "did you mean 'perception'?"),
        ("direction", "lower_is_beter", "did you mean 'lower_is_better'?"),
    ],
)
def test_enum_values_suggest_the_allowed_value(make_project, validate, field, value, hint):
    root = make_project(
        {
            "m.yaml": SOURCE
            + f"metrics:\n  - id: m\n    type: count\n    source: responses\n    {field}: {value}\n"
        }
    )
    d = only(validate(root), "CX104")
    assert d.hint == hint
    assert d.line == 13


def test_stage_suggests_the_journeys_stage(make_project, validate):
    root = make_project(
        {
            "j.yaml": """\
                version: 1
                journeys:
                  - id: buy
                    stages: [browse, checkout]
                touchpoints:
                  - id: cart
                    journey: buy
                    stage: chekout
                """
        }
    )
    assert only(validate(root), "CX203").hint == "did you mean 'checkout'?"


def test_invalid_id_suggests_a_valid_one(make_project, validate):
    root = make_project({"o.yaml": "version: 1\nowners:\n  - id: Support Ops\n"})
    assert (
        only(validate(root), "CX105").hint == "ids are lower case letters, digits, _ and -: try 'support_ops'"
    )


def test_percentile_in_percent_suggests_the_fraction(make_project, validate):
    root = make_project(
        {
            "m.yaml": SOURCE + "metrics:\n  - id: p\n    type: percentile\n    source: responses\n"
            "    column: s\n    percentile: 95\n"
        }
    )
    assert only(validate(root), "CX303").hint == "did you mean 0.95?"
