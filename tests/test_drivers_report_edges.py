"""The priority matrix on awkward analyses: drivers with and without a scale, and what a
report says of a link whose figures are partly missing."""

from __future__ import annotations

from cxspec.reports import analyses
from cxspec.reports.model import DriverEntry


def test_performance_in_percent_and_as_measured_are_not_compared():
    """`network` has `scale: [1, 5]` (4.0 is 75%), `billing` none (4.2 as measured, on the
    same 1-5 ratings): comparing 75 with 4.2 put billing below the mean whatever its rating."""
    entries = [
        DriverEntry("a", "a", "network", importance=0.3, performance=4.0, performance_pct=75.0),
        DriverEntry("a", "a", "billing", importance=0.3, performance=4.2),
    ]
    analyses._place(entries)
    assert [e.quadrant for e in entries] == ["act_first", "keep_up"]
    svg = analyses.quadrant_svg(entries)
    network, billing = (
        svg.split(f">{name}</text>")[0].rsplit('cy="', 1)[1] for name in ("network", "billing")
    )
    assert float(billing.split('"')[0]) < float(network.split('"')[0])  # billing higher up


def test_every_driver_on_a_scale_is_compared_in_percent():
    entries = [
        DriverEntry("a", "a", "ten", importance=0.3, performance=8.0, performance_pct=80.0),
        DriverEntry("a", "a", "five", importance=0.3, performance=3.0, performance_pct=50.0),
    ]
    analyses._place(entries)
    assert [e.quadrant for e in entries] == ["keep_up", "act_first"]


def test_no_events_among_promoters_still_says_what_cx_is_worth():
    """0 promoters churned: the ratio is a division by 0 (None), but the difference and its
    interval exist; the report said nothing at all."""
    from types import SimpleNamespace

    from cxspec.links.compute import LinkContrast, LinkGroup

    link = SimpleNamespace(within="90d", value=None, event="end", outcome_source="subscriptions")
    groups = {"detractor": LinkGroup("l", "detractor", 40, 12.5, 5.5, 26.1),
              "promoter": LinkGroup("l", "promoter", 30, 0.0, 0.0, 11.4)}  # fmt: skip
    contrast = LinkContrast("l", "detractor", "promoter", 12.5, 1.2, 26.1, None)
    text = analyses.sentence(link, contrast, groups)
    assert text == (
        "Detractors end their subscriptions within 90 days 12.5% of the time, promoters 0.0% "
        "(+12.5 points, 95% CI 1.2 to 26.1)."
    )
    value_link = SimpleNamespace(within="180d", value="amount", event=None, outcome_source="orders")
    groups = {
        "rest": LinkGroup("l", "rest", 40, 12.5, 5.5, 19.5),
        "top_box": LinkGroup("l", "top_box", 30, 0.0, 0.0, 0.0),
    }
    contrast = LinkContrast("l", "rest", "top_box", 12.5, 5.5, 19.5, None)
    assert analyses.sentence(value_link, contrast, groups) == (
        "The other respondents' orders amount within 180 days is 12.50 per response, "
        "top-box respondents' 0.00 (difference +12.50, 95% CI 5.50 to 19.50)."
    )


def test_a_negative_mean_gives_both_means_not_a_ratio():
    """Refunds: a mean ≤ 0 made "bring −0.50× as much"; the sentence gives the two means and
    their difference with its interval, and the contrast has no ratio."""
    from types import SimpleNamespace

    from cxspec.links.compute import LinkContrast, LinkGroup, _mean_ratio

    assert (
        _mean_ratio(-5.0, 10.0) is None and _mean_ratio(5.0, -10.0) is None and _mean_ratio(0.0, 2.0) is None
    )
    assert _mean_ratio(5.0, 10.0) == 0.5
    link = SimpleNamespace(within="30d", value="refund", event=None, outcome_source="refunds")
    groups = {"detractor": LinkGroup("l", "detractor", 20, -5.0, -8.0, -2.0),
              "promoter": LinkGroup("l", "promoter", 25, 10.0, 6.0, 14.0)}  # fmt: skip
    for ratio in (None, -0.5):  # computed now (None) or stored by an older version (-0.5)
        contrast = LinkContrast("l", "detractor", "promoter", -15.0, -20.0, -10.0, ratio)
        assert analyses.sentence(link, contrast, groups) == (
            "Detractors' refunds refund within 30 days is -5.00 per response, promoters' 10.00 "
            "(difference -15.00, 95% CI -20.00 to -10.00)."
        )


def test_a_value_ratio_below_one_is_said_the_other_way_round():
    """acme said "The other respondents bring 0.27× as much amount as top-box respondents":
    the group that brings more comes first, with the ratio, means and interval turned round."""
    from types import SimpleNamespace

    from cxspec.links.compute import LinkContrast, LinkGroup

    link = SimpleNamespace(within="180d", value="amount", event=None, outcome_source="orders")
    groups = {"rest": LinkGroup("l", "rest", 400, 25.0, 20.0, 30.0),
              "top_box": LinkGroup("l", "top_box", 300, 100.0, 90.0, 110.0)}  # fmt: skip
    contrast = LinkContrast("l", "rest", "top_box", -75.0, -86.5, -63.5, 0.25)
    assert analyses.sentence(link, contrast, groups) == (
        "Top-box respondents' orders amount within 180 days is 4.00× the other respondents' "
        "(100.00 vs 25.00 per response; difference +75.00, 95% CI 63.50 to 86.50)."
    )
    contrast = LinkContrast("l", "top_box", "rest", 75.0, 63.5, 86.5, 4.0)  # already that way round
    groups_swapped = {"top_box": groups["top_box"], "rest": groups["rest"]}
    assert analyses.sentence(link, contrast, groups_swapped) == (
        "Top-box respondents' orders amount within 180 days is 4.00× the other respondents' "
        "(100.00 vs 25.00 per response; difference +75.00, 95% CI 63.50 to 86.50)."
    )
