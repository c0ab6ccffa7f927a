"""CX issue detection (cxspec.runs.issues) on a small launch project and hand-made results.

Every expected number is worked out in the comments next to it.
"""

from __future__ import annotations

import math

import pytest

import cxspec
from cxspec.query import MetricResult
from cxspec.registry import default_registry
from cxspec.runs.issues import Issue, detect_issues
from cxspec.runs.stats import t_two_sided_p

P1, P2, P3 = "2026-02-01", "2026-03-01", "2026-04-01"

SPECS = """\
version: 1
owners:
  - {id: cx-office, name: CX Office}
  - {id: marketing, name: Marketing}
  - {id: web-team, name: Web team}
  - {id: support-ops, name: Support Operations}
sources:
  - {id: responses, type: table, table: survey.responses, time: responded_at, entity: customer_id}
  - {id: tickets, type: table, table: support.tickets, time: opened_at}
  - {id: subscriptions, type: table, table: billing.subscriptions, time: started_at, entity: customer_id,
     start: started_at, end: ended_at}
journeys:
  - {id: launch, name: Product launch, owner: cx-office, stages: [discover, buy, wait]}
  - {id: help, name: Getting help, stages: [contact]}
touchpoints:
  - {id: hype, name: Launch hype, journey: launch, stage: discover, owner: web-team, match: "tp = 'hype'"}
  - {id: purchase, name: Purchase, journey: launch, stage: buy, owner: web-team, match: "tp = 'purchase'"}
  - {id: store, name: Store contact, journey: launch, stage: wait, match: "tp = 'store'"}
  - {id: phone, name: Phone, journey: help, stage: contact, match: "tp = 'phone'"}
metrics:
  - {id: hype_nps, name: Hype NPS, type: nps, source: responses, column: nps, touchpoint: hype,
     owner: marketing, min_sample: 30}
  - {id: purchase_csat, name: Purchase CSAT, type: csat, source: responses, column: csat,
     touchpoint: purchase}
  - {id: purchase_csat_mean, type: csat, aggregate: mean, source: responses, column: csat,
     touchpoint: purchase}
  - {id: store_ces, name: Store CES, type: ces, source: responses, column: ces, touchpoint: store}
  - {id: store_ces_top, type: ces, aggregate: top_box, source: responses, column: ces, touchpoint: store}
  - {id: store_wait_days, name: Store wait, type: mean, source: tickets, column: wait_days, scale: [0, 60],
     direction: lower_is_better, touchpoint: store}
  - {id: store_p90_seconds, type: percentile, source: tickets, column: handle_seconds, percentile: 0.9,
     direction: lower_is_better, touchpoint: store}
  - {id: phone_fcr, name: Phone FCR, type: rate, source: tickets, condition: resolved, touchpoint: phone}
  - {id: churn, name: Churn, type: churn_rate, source: subscriptions, direction: lower_is_better,
     owner: support-ops}
  - {id: tickets_total, type: count, source: tickets}
goals:
  - {metric: hype_nps, target: 50, warn: 40}
  - {metric: store_p90_seconds, target: 300, warn: 600}
"""

#: Values that raise no issue: every scored metric scores 60 and nothing has a margin of error.
#: hype_nps 20 → (20 + 100)/200 = 60; purchase_csat_mean 3.4 on [1, 5] → 2.4/4 = 60;
#: store_ces 4.6 on [1, 7] → 3.6/6 = 60; store_wait_days 24 on [0, 60], lower is better → 100 − 40.
BASELINE = {
    "hype_nps": 20.0,
    "purchase_csat": 60.0,
    "purchase_csat_mean": 3.4,
    "store_ces": 4.6,
    "store_ces_top": 60.0,
    "store_wait_days": 24.0,
    "store_p90_seconds": 250.0,
    "phone_fcr": 60.0,
    "churn": 2.0,
    "tickets_total": 1000.0,
}


@pytest.fixture
def project(make_project):
    return cxspec.load_project(make_project({"specs/cx.yaml": SPECS}))


@pytest.fixture
def detect(project):
    registry = default_registry()

    def run(results, period=None):
        return detect_issues(project, registry, results, period)

    return run


def result(metric, period, value, *, n=100, moe=None, status=None, invalid=0) -> MetricResult:
    return MetricResult(
        metric=metric, period=period, dimensions={}, value=value, n=n, invalid=invalid, moe=moe, status=status
    )


def period_results(period, **overrides) -> list[MetricResult]:
    """BASELINE for every metric; an override is a dict of fields, or None to store no result."""
    rows = []
    for metric, value in BASELINE.items():
        fields = {"value": value}
        if metric in overrides:
            if overrides[metric] is None:
                continue
            fields.update(overrides[metric])
        rows.append(result(metric, period, **fields))
    return rows


def of_kind(issues, kind) -> list[Issue]:
    return [issue for issue in issues if issue.kind == kind]


def se(moe):
    return moe / 1.96


def normal_p(z):
    return math.erfc(abs(z) / math.sqrt(2))


# -- the baseline and the period ---------------------------------------------------------------


def test_baseline_has_no_issues(detect):
    assert detect(period_results(P2) + period_results(P3)) == []


def test_no_results_no_issues(detect):
    assert detect([]) == []


def test_period_defaults_to_the_latest_stored(detect):
    results = period_results(P3, hype_nps={"value": 10.0, "status": "red"}) + period_results(P2)
    (issue,) = detect(results)
    assert (issue.kind, issue.period) == ("goal_red", P3)
    assert detect(results, period=P2) == []


# -- goal_red -----------------------------------------------------------------------------


def test_goal_red(detect):
    results = period_results(P3, hype_nps={"value": 32.0, "status": "red"})
    assert detect(results) == [
        Issue(
            kind="goal_red", period=P3, owner="marketing",
            message="Hype NPS is +32 in 2026-04-01, red against its goal (target +50, red below +40).",
            metric="hype_nps", touchpoint="hype", journey="launch", value=32.0, severity="error",
        )
    ]  # fmt: skip


def test_amber_and_green_are_not_issues(detect):
    results = period_results(P3, hype_nps={"value": 45.0, "status": "amber"}, phone_fcr={"status": "green"})
    assert detect(results) == []


def test_goal_red_lower_is_better(detect):
    results = period_results(P3, store_p90_seconds={"value": 900.0, "status": "red"})
    (issue,) = detect(results)
    assert issue.kind == "goal_red"
    assert issue.owner == "cx-office"  # no metric or touch point owner: the journey's
    assert "red above 600" in issue.message and "900" in issue.message


# -- significant_drop -----------------------------------------------------------------------


def nps_of(promoters, detractors, n):
    """(NPS, its margin of error) of n answers."""
    net, both = (promoters - detractors) / n, (promoters + detractors) / n
    return 100 * net, 1.96 * 100 * math.sqrt((both - net * net) / n)


def pooled_p(points_before, points_after):
    """The pooled z-test's two-sided p on the answers' points (NPS: 100/0/−100; a rate: 100/0)."""
    both = points_before + points_after
    mean = sum(both) / len(both)
    variance = sum((x - mean) ** 2 for x in both) / len(both)
    error = math.sqrt(variance * (1 / len(points_before) + 1 / len(points_after)))
    return normal_p((sum(points_after) / len(points_after) - sum(points_before) / len(points_before)) / error)


def test_nps_drop_by_normal_approximation(detect):
    # 100 answers each: 50 promoters and 10 detractors (+40), then 40 and 20 (+20); the
    # variance pooled over both periods (no difference being the hypothesis tested)
    (v1, m1), (v2, m2) = nps_of(50, 10, 100), nps_of(40, 20, 100)
    results = period_results(P2, hype_nps={"value": v1, "moe": m1, "status": "amber"}) + period_results(
        P3, hype_nps={"value": v2, "moe": m2, "status": "red"}
    )
    issues = detect(results)
    assert [i.kind for i in issues] == ["goal_red", "significant_drop"]
    drop = issues[1]
    p = pooled_p([100] * 50 + [-100] * 10 + [0] * 40, [100] * 40 + [-100] * 20 + [0] * 40)
    assert drop.p_value == pytest.approx(p, rel=1e-9)
    assert 0.0476 < drop.p_value < 0.0478
    assert (drop.value, drop.previous, drop.severity, drop.owner) == (20.0, 40.0, "error", "marketing")
    assert drop.message == (
        "Hype NPS fell from +40 in 2026-03-01 to +20 in 2026-04-01, a significant change (p = 0.0477)."
    )


def test_no_previous_period_no_drop(detect):
    assert detect(period_results(P3, hype_nps={"value": 0.0, "moe": 12.0})) == []


def test_improvement_is_not_a_drop(detect):
    results = period_results(P2, hype_nps={"value": 0.0, "moe": 10.0}) + period_results(
        P3, hype_nps={"value": 40.0, "moe": 10.0}
    )
    # Not a drop: good news (spec language v1.1), an issue of severity info.
    (rise,) = detect(results)
    assert (rise.kind, rise.severity, rise.value, rise.previous) == ("significant_rise", "info", 40.0, 0.0)


def test_previous_is_the_latest_earlier_period_with_a_result(detect):
    # P2 has no hype_nps: P3 is compared with P1. The later P3 never counts when P2 is asked for.
    results = (
        period_results(P1, hype_nps={"value": 40.0, "moe": 10.0})
        + period_results(P2, hype_nps=None)
        + period_results(P3, hype_nps={"value": 20.0, "moe": 12.0})
    )
    drop = of_kind(detect(results), "significant_drop")[0]
    assert (drop.previous, drop.period) == (40.0, P3)
    assert "from +40 in 2026-02-01" in drop.message  # NPS reads as a signed whole number
    assert of_kind(detect(results, period=P2), "significant_drop") == []


def pooled_rate_p(p1, p2, n):
    """The textbook pooled two-proportion z-test of p1 and p2 (in %) of n answers each."""
    pooled = (p1 + p2) / 200
    return normal_p((p2 - p1) / (100 * math.sqrt(pooled * (1 - pooled) * 2 / n)))


def rate_moe(p, n):
    return 1.96 * 100 * math.sqrt(p / 100 * (1 - p / 100) / n)


@pytest.mark.parametrize(("offset", "flagged"), [(-1e-4, True), (1e-4, False)])
def test_p_just_below_and_just_above_five_percent(detect, offset, flagged):
    # 70% of 200 answers, then the value where the pooled test's p is 0.05, give or take
    low, high = 50.0, 70.0
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if pooled_rate_p(70.0, middle, 200) < 0.05 else (low, middle)
    current = low + offset
    results = period_results(
        P2, purchase_csat={"value": 70.0, "moe": rate_moe(70.0, 200), "n": 200}
    ) + period_results(P3, purchase_csat={"value": current, "moe": rate_moe(current, 200), "n": 200})
    drops = of_kind(detect(results), "significant_drop")
    assert bool(drops) is flagged
    if flagged:
        assert drops[0].p_value == pytest.approx(pooled_rate_p(70.0, current, 200), rel=1e-9)
        assert drops[0].owner == "web-team"  # the touch point's owner
        assert f"{current:.1f}% in 2026-04-01" in drops[0].message  # a top-box CSAT is a percentage


def test_increase_of_a_lower_is_better_mean_is_a_drop_by_welch(detect):
    # se 1 (n 11) and 2 (n 21): t = (16 − 10)/√5 = 2.68328, ν = 25/(1/10 + 16/20) = 27.78
    # p between the t table's 0.02 (2.467) and 0.01 (2.763) points for 28 df
    results = period_results(P2, store_wait_days={"value": 10.0, "moe": 1.96, "n": 11}) + period_results(
        P3, store_wait_days={"value": 16.0, "moe": 3.92, "n": 21}
    )
    (drop,) = detect(results)
    assert drop.kind == "significant_drop"
    assert drop.p_value == pytest.approx(t_two_sided_p(6 / math.sqrt(5), 250 / 9), rel=1e-9)
    assert 0.01 < drop.p_value < 0.02
    assert drop.owner == "cx-office"
    assert drop.message.startswith(
        "Store wait rose from 10.00 on 0–60 in 2026-03-01 to 16.00 on 0–60 in 2026-04-01 (lower is better)"
    )


def test_decrease_of_a_lower_is_better_metric_is_not_a_drop(detect):
    results = period_results(P2, store_wait_days={"value": 16.0, "moe": 3.92, "n": 21}) + period_results(
        P3, store_wait_days={"value": 10.0, "moe": 1.96, "n": 11}
    )
    assert of_kind(detect(results), "significant_drop") == []


@pytest.mark.parametrize("metric", ["store_ces", "purchase_csat_mean"])
def test_means_use_welch_t_not_the_normal(detect, metric):
    # se 0.5 each (moe 0.98), n 3 each: t = −1.5/√0.5 = −2.1213 on ν = 0.25/(0.0625/2 · 2) = 4 df:
    # p = 0.101 (t table: 2.132 is the 0.10 point for 4 df), while the normal would give 0.0339.
    results = period_results(P2, **{metric: {"value": 4.0, "moe": 0.98, "n": 3}}) + period_results(
        P3, **{metric: {"value": 2.5, "moe": 0.98, "n": 3}}
    )
    assert of_kind(detect(results), "significant_drop") == []
    assert t_two_sided_p(-1.5 / math.sqrt(0.5), 4) > 0.10
    assert normal_p(-1.5 / math.sqrt(0.5)) == pytest.approx(0.0339, abs=1e-4)


def test_top_box_ces_uses_the_normal(detect):
    # 60% then 45% of 200 answers: the pooled two-proportion z-test, not Welch's t
    results = period_results(
        P2, store_ces_top={"value": 60.0, "moe": rate_moe(60.0, 200), "n": 200}
    ) + period_results(P3, store_ces_top={"value": 45.0, "moe": rate_moe(45.0, 200), "n": 200})
    (drop,) = of_kind(detect(results), "significant_drop")
    assert drop.metric == "store_ces_top"
    assert drop.p_value == pytest.approx(pooled_rate_p(60.0, 45.0, 200), rel=1e-9)


def test_a_tiny_period_at_zero_is_no_certainty(detect):
    """7 of 10, then 0 of 3 (a store's month): the margin of 0% of 3 is 0, and the unpooled
    test called the fall certain (p < 0.001); pooled over both periods it is p = 0.033."""
    results = period_results(
        P2, phone_fcr={"value": 70.0, "moe": rate_moe(70.0, 10), "n": 10}
    ) + period_results(P3, phone_fcr={"value": 0.0, "moe": 0.0, "n": 3})
    (drop,) = of_kind(detect(results), "significant_drop")
    assert drop.p_value == pytest.approx(pooled_p([100] * 7 + [0] * 3, [0] * 3), rel=1e-9)
    assert 0.03 < drop.p_value < 0.04


def test_rate_drop(detect):
    # 80% then 70% of 400 answers: pooled 75%, z = −10/(100·√(0.1875·2/400)) = −3.266, p = 0.00109
    results = period_results(
        P2, phone_fcr={"value": 80.0, "moe": rate_moe(80.0, 400), "n": 400}
    ) + period_results(P3, phone_fcr={"value": 70.0, "moe": rate_moe(70.0, 400), "n": 400})
    (drop,) = of_kind(detect(results), "significant_drop")
    assert drop.p_value == pytest.approx(pooled_rate_p(80.0, 70.0, 400), rel=1e-9)
    assert drop.owner is None  # neither the metric, its touch point nor the journey has an owner
    assert "(p = 0.00109)" in drop.message


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"value": 2.0}, {"value": 9.0}),  # churn: no margin of error at all
        ({"value": 40.0, "moe": None}, {"value": -40.0, "moe": 5.0}),  # no margin before
        ({"value": 40.0, "moe": 5.0}, {"value": -40.0, "moe": None}),  # no margin now
        # no sampling variance on either side, and no n to pool them by
        ({"value": 100.0, "moe": 0.0, "n": None}, {"value": 0.0, "moe": 0.0, "n": None}),
        ({"value": 40.0, "moe": 5.0, "n": 12, "status": "insufficient_sample"}, {"value": -40.0, "moe": 5.0}),
    ],
)
def test_untestable_changes_are_skipped(detect, before, after):
    metric = "churn" if "moe" not in before else "hype_nps"
    issues = detect(period_results(P2, **{metric: before}) + period_results(P3, **{metric: after}))
    assert of_kind(issues, "significant_drop") == []


def test_welch_needs_n(detect):
    results = period_results(P2, store_ces={"value": 6.0, "moe": 0.1, "n": None}) + period_results(
        P3, store_ces={"value": 2.0, "moe": 0.1, "n": 50}
    )
    assert of_kind(detect(results), "significant_drop") == []


def test_insufficient_current_sample_is_not_tested_for_a_drop(detect):
    results = period_results(P2, hype_nps={"value": 40.0, "moe": 5.0}) + period_results(
        P3, hype_nps={"value": -60.0, "moe": 30.0, "n": 12, "status": "insufficient_sample"}
    )
    assert [i.kind for i in detect(results)] == ["insufficient_sample"]


# -- below_journey ----------------------------------------------------------------------------


def test_below_journey(detect):
    # hype: NPS 80 → 90. purchase: CSAT 70 → 70, mean 3.8 on [1, 5] → 70; so 70.
    # store: CES 4 on [1, 7] → 50, top box 50 → 50, wait 15 of [0, 60] lower is better → 75,
    #        p90 has no natural range (skipped): (50 + 50 + 75)/3 = 58.333
    # journey: (90 + 70 + 58.333)/3 = 72.778; store is 14.444 below, purchase only 2.778.
    results = period_results(
        P3,
        hype_nps={"value": 80.0},
        purchase_csat={"value": 70.0},
        purchase_csat_mean={"value": 3.8},
        store_ces={"value": 4.0},
        store_ces_top={"value": 50.0},
        store_wait_days={"value": 15.0},
        store_p90_seconds={"value": 5000.0},
        phone_fcr={"value": 1.0},  # the only scored touch point of its journey: never below it
    )
    (issue,) = detect(results)
    store = 175 / 3
    journey = (90 + 70 + store) / 3
    assert issue == Issue(
        kind="below_journey", period=P3, owner="cx-office",
        message="Touch point Store contact scores 58.3 in 2026-04-01, 14.4 points below the mean of "
                "journey Product launch (72.8 over 3 touch points).",
        touchpoint="store", journey="launch", value=pytest.approx(store),
    )  # fmt: skip
    assert journey - store == pytest.approx(14.4444, abs=1e-4)


@pytest.mark.parametrize(
    ("csat", "flagged"),
    [
        # hype NPS 28.8 → 64.4; purchase CSAT 44.4 → 44.4; journey (64.4 + 44.4)/2 = 54.4: exactly 10
        # below (in floating point 10.000000000000007, which must not count).
        (44.4, False),
        # CSAT 44.38: journey 54.39, 10.01 below.
        (44.38, True),
    ],
)
def test_below_journey_threshold_is_more_than_ten_points(detect, csat, flagged):
    results = period_results(
        P3,
        hype_nps={"value": 28.8},
        purchase_csat={"value": csat},
        purchase_csat_mean=None,
        store_ces=None,
        store_ces_top=None,
        store_wait_days=None,
        store_p90_seconds={"value": 1.0},  # store has no scored metric left
    )
    issues = of_kind(detect(results), "below_journey")
    assert bool(issues) is flagged
    if flagged:
        (issue,) = issues
        assert (issue.touchpoint, issue.owner, issue.value) == ("purchase", "web-team", pytest.approx(44.38))
        assert "10.0 points below" in issue.message and "over 2 touch points" in issue.message


@pytest.mark.parametrize(("status", "flagged"), [(None, True), ("insufficient_sample", False)])
def test_insufficient_sample_is_left_out_of_touch_point_scores(detect, status, flagged):
    # hype NPS −90 → 5: journey (5 + 60 + 60)/3 = 41.67, hype 36.67 below — unless n is too small.
    results = period_results(P3, hype_nps={"value": -90.0, "status": status})
    issues = of_kind(detect(results), "below_journey")
    assert [i.touchpoint for i in issues] == (["hype"] if flagged else [])
    if flagged:
        assert issues[0].owner == "web-team"


def test_lower_is_better_score_is_inverted_and_clamped(detect):
    # wait 75 on [0, 60]: 100 − 125 = −25, clamped to 0; store is its only scored metric.
    # journey (60 + 60 + 0)/3 = 40: store 40 below (unclamped it would be 56.67).
    results = period_results(P3, store_wait_days={"value": 75.0}, store_ces=None, store_ces_top=None)
    (issue,) = of_kind(detect(results), "below_journey")
    assert (issue.touchpoint, issue.value) == ("store", 0.0)
    assert "40.0 points below" in issue.message


def test_below_journey_needs_two_scored_touch_points(detect):
    # Only hype is scored in launch: purchase and store have no results.
    results = period_results(
        P3,
        hype_nps={"value": -100.0},
        purchase_csat=None,
        purchase_csat_mean=None,
        store_ces=None,
        store_ces_top=None,
        store_wait_days=None,
    )
    assert of_kind(detect(results), "below_journey") == []


# -- insufficient_sample and no_data -------------------------------------------------------


def test_insufficient_sample(detect):
    results = period_results(P3, hype_nps={"value": 10.0, "n": 12, "status": "insufficient_sample"})
    assert detect(results) == [
        Issue(
            kind="insufficient_sample", period=P3, owner="marketing",
            message="Hype NPS has n = 12 in 2026-04-01, below its minimum sample of 30; "
                    "its value is left out of rollups.",
            metric="hype_nps", touchpoint="hype", journey="launch", value=10.0,
        )
    ]  # fmt: skip


def test_no_observations_at_all_is_no_data(detect):
    results = period_results(P3, hype_nps={"value": None, "n": 0, "status": "insufficient_sample"})
    assert [(i.kind, i.metric) for i in detect(results)] == [("no_data", "hype_nps")]


def test_no_data(detect):
    results = period_results(P2) + period_results(P3, store_ces=None, tickets_total=None)
    results.append(result("retired_metric", P3, 1.0))  # no longer in the project: ignored
    issues = detect(results)
    assert [(i.kind, i.metric, i.severity) for i in issues] == [
        ("no_data", "store_ces", "warning"),
        ("no_data", "tickets_total", "warning"),
    ]
    assert issues[0].message == "Store CES has no data in 2026-04-01."


def test_owner_fallbacks(detect):
    # A period nobody stored: every metric is no_data, each routed to its owner.
    issues = detect(period_results(P2), period=P3)
    owners = {i.metric: (i.owner, i.touchpoint, i.journey) for i in issues}
    assert len(issues) == len(BASELINE)
    assert owners["hype_nps"] == ("marketing", "hype", "launch")  # the metric's own owner first
    assert owners["purchase_csat"] == ("web-team", "purchase", "launch")  # then its touch point's
    assert owners["store_ces"] == ("cx-office", "store", "launch")  # then the journey's
    assert owners["phone_fcr"] == (None, "phone", "help")  # nobody
    assert owners["churn"] == ("support-ops", None, None)
    assert owners["tickets_total"] == (None, None, None)


# -- order -----------------------------------------------------------------------------------


def test_issues_are_ordered_by_severity_kind_and_id(detect):
    results = period_results(
        P2,
        hype_nps={"value": 45.0, "moe": 5.0, "status": "amber"},
        purchase_csat={"value": 60.0, "moe": 5.0},
    ) + period_results(
        P3,
        hype_nps={"value": 10.0, "moe": 5.0, "status": "red"},  # 55: red and a drop
        purchase_csat={"value": 40.0, "moe": 5.0},  # 40: a drop
        # store: CES 1 → 0, top box 60, wait 60 → 0: 20; purchase (40 + 60)/2 = 50;
        # journey (55 + 50 + 20)/3 = 41.7: store 21.7 below
        store_ces={"value": 1.0},
        store_wait_days={"value": 60.0},
        phone_fcr={"value": 60.0, "n": 5, "status": "insufficient_sample"},
        churn=None,
        tickets_total=None,
    )
    issues = detect(results)
    assert [(i.severity, i.kind, i.metric or i.touchpoint) for i in issues] == [
        ("error", "goal_red", "hype_nps"),
        ("error", "significant_drop", "hype_nps"),
        ("error", "significant_drop", "purchase_csat"),
        ("warning", "below_journey", "store"),
        ("warning", "insufficient_sample", "phone_fcr"),
        ("warning", "no_data", "churn"),
        ("warning", "no_data", "tickets_total"),
    ]
    assert detect(list(reversed(results))) == issues


# -- a plugin metric type: its display writes the sentence, its statistic picks the test -------

SENTIMENT_SPECS = """\
version: 1
sources:
  - {id: comments, type: table, table: raw.comments, time: at}
metrics:
  - {id: sentiment, name: Net sentiment, type: net_sentiment, source: comments, column: label}
"""


def sentiment_issues(make_project, statistic, results):
    from cxspec import Display, MetricType, build_registry, validate_project

    class NetSentiment(MetricType):
        name = "net_sentiment"
        fields = {"column": {"type": "string"}}
        required = ("column",)

        def display(self, metric):
            return Display(decimals=0, signed=True)

        def statistic(self, metric):
            return statistic

    registry = build_registry(external=False)
    registry.metric_types["net_sentiment"] = NetSentiment()
    validation = validate_project(make_project({"specs/s.yaml": SENTIMENT_SPECS}), registry)
    assert validation.ok, validation.diagnostics
    return detect_issues(validation.project, registry, results)


@pytest.mark.parametrize("statistic", ["ESTIMATE", "MEAN"])
def test_a_plugin_type_says_how_its_values_read_and_which_test_applies(make_project, statistic):
    # se 5 each (moe 9.8), n 3 each: z = t = −15/√50 = −2.1213. The normal approximation gives
    # p = 0.0339 (a significant drop); Welch's t on ν = 4 gives p = 0.101 (none).
    results = [
        result("sentiment", P2, 40.0, n=3, moe=9.8),
        result("sentiment", P3, 25.0, n=3, moe=9.8),
    ]
    issues = sentiment_issues(make_project, getattr(cxspec.Statistic, statistic), results)
    if statistic == "MEAN":
        assert t_two_sided_p(-15 / math.sqrt(50), 4) > 0.10
        assert issues == []
        return
    (drop,) = issues
    assert drop.p_value == pytest.approx(normal_p(-15 / math.sqrt(50)), rel=1e-12)
    assert drop.message == (
        "Net sentiment fell from +40 in 2026-03-01 to +25 in 2026-04-01, a significant change (p = 0.0339)."
    )
