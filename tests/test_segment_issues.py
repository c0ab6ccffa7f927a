"""Issues in segments: `below_rest` (a segment significantly worse than the rest of the
total), the total's kinds per segment, and routing to the owner holding the segment
(cxspec/runs/segment_issues.py, cxspec/runs/segment_owners.py). Expected numbers are
computed here from the raw scores, in plain Python."""

from __future__ import annotations

import json
import math
import random
from types import SimpleNamespace

import pytest

from cxspec.metric_type import Statistic
from cxspec.query import MetricResult
from cxspec.runs.segment_issues import below_rest_p, rest_of
from cxspec.runs.segment_owners import holds, segment_label, segment_owner
from cxspec.runs.stats import t_two_sided_p


def nps_result(scores, dims=None):
    n = len(scores)
    p, d = sum(s >= 9 for s in scores) / n, sum(s <= 6 for s in scores) / n
    moe = 1.96 * 100 * math.sqrt((p + d - (p - d) ** 2) / n)
    return MetricResult("m", "2026-01-01", dims or {}, 100 * (p - d), n, 0, moe)


def proportion_result(flags, dims=None):
    n = len(flags)
    p = sum(flags) / n
    return MetricResult("m", "2026-01-01", dims or {}, 100 * p, n, 0, 1.96 * 100 * math.sqrt(p * (1 - p) / n))


def mean_result(values, dims=None):
    n = len(values)
    mean = sum(values) / n
    s = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return MetricResult("m", "2026-01-01", dims or {}, mean, n, 0, 1.96 * s / math.sqrt(n))


@pytest.fixture
def samples():
    rng = random.Random(14)
    segment = [rng.randint(0, 10) for _ in range(83)]
    rest = [min(10, rng.randint(0, 10) + rng.randint(0, 3)) for _ in range(241)]
    return segment, rest


def test_rest_of_nps(samples):
    segment, rest = samples
    got = rest_of(Statistic.NET_PROPORTION, nps_result(segment + rest), nps_result(segment))
    want = nps_result(rest)
    assert got[2] == want.n
    assert got[0] == pytest.approx(want.value, abs=1e-9)
    assert got[1] == pytest.approx(want.moe / 1.96, abs=1e-9)
    # the p-value: a z-test of the nets with the variance pooled over both, from the raw scores
    points = [100 * ((x >= 9) - (x <= 6)) for x in segment + rest]
    mean = sum(points) / len(points)
    pooled = sum((x - mean) ** 2 for x in points) / len(points)
    error = math.sqrt(pooled * (1 / len(segment) + 1 / len(rest)))
    z = (want.value - nps_result(segment).value) / error
    assert below_rest_p(Statistic.NET_PROPORTION, got, nps_result(segment)) == pytest.approx(
        math.erfc(abs(z) / math.sqrt(2)), rel=1e-9
    )


def test_rest_of_proportion(samples):
    segment, rest = samples
    seg, oth = [s >= 9 for s in segment], [s >= 9 for s in rest]
    got = rest_of(Statistic.PROPORTION, proportion_result(seg + oth), proportion_result(seg))
    want = proportion_result(oth)
    assert got[2] == want.n
    assert got[0] == pytest.approx(want.value, abs=1e-9)
    assert got[1] == pytest.approx(want.moe / 1.96, abs=1e-9)
    # the pooled two-proportion z-test, from the raw flags
    pooled = sum(seg + oth) / len(seg + oth)
    z = (sum(seg) / len(seg) - sum(oth) / len(oth)) / math.sqrt(
        pooled * (1 - pooled) * (1 / len(seg) + 1 / len(oth))
    )
    assert below_rest_p(Statistic.PROPORTION, got, proportion_result(seg)) == pytest.approx(
        math.erfc(abs(z) / math.sqrt(2)), rel=1e-9
    )
    # a tiny segment at 0%: its margin is 0, but 0 of 2 is no evidence (the unpooled test said p < 0.001)
    tiny = [False, False]
    got = rest_of(Statistic.PROPORTION, proportion_result(tiny + oth), proportion_result(tiny))
    assert below_rest_p(Statistic.PROPORTION, got, proportion_result(tiny)) > 0.3


def test_rest_of_mean(samples):
    segment, rest = samples
    got = rest_of(Statistic.MEAN, mean_result(segment + rest), mean_result(segment))
    want = mean_result(rest)
    assert got[2] == want.n
    assert got[0] == pytest.approx(want.value, abs=1e-9)
    assert got[1] == pytest.approx(want.moe / 1.96, rel=1e-9)
    # Student's t with the pooled variance, from the raw samples
    m2 = sum(segment) / len(segment)
    squares = sum((x - want.value) ** 2 for x in rest) + sum((x - m2) ** 2 for x in segment)
    df = len(rest) + len(segment) - 2
    t = (m2 - want.value) / math.sqrt(squares / df * (1 / len(rest) + 1 / len(segment)))
    p = below_rest_p(Statistic.MEAN, got, mean_result(segment))
    assert p == pytest.approx(t_two_sided_p(t, df), rel=1e-9)


def test_no_rest_without_errors():
    total = MetricResult("m", "2026-01-01", {}, 10.0, 5, 0, None)
    assert rest_of(Statistic.PROPORTION, total, total) is None
    one = MetricResult("m", "2026-01-01", {}, 50.0, 4, 0, 10.0)
    assert rest_of(Statistic.PROPORTION, MetricResult("m", "2026-01-01", {}, 50.0, 5, 0, 9.0), one) is None
    assert rest_of(Statistic.TOTAL, one, one) is None


def test_segment_owner_most_specific():
    owner = SimpleNamespace
    project = SimpleNamespace(
        owners={
            "emea-cx": owner(segments=[{"region": "EMEA"}]),
            "emea-phone": owner(segments=[{"region": "EMEA", "channel": "phone"}]),
            "years": owner(segments=[{"year": 2024}]),
            "nobody": owner(segments=[]),
        }
    )
    assert segment_owner(project, {}) is None
    assert segment_owner(project, {"region": "EMEA"}) == "emea-cx"
    assert segment_owner(project, {"region": "EMEA", "channel": "web"}) == "emea-cx"
    assert segment_owner(project, {"region": "EMEA", "channel": "phone"}) == "emea-phone"
    assert segment_owner(project, {"region": "APAC"}) is None
    assert segment_owner(project, {"year": "2024"}) == "years"  # YAML read 2024 as a number
    assert not holds({"region": None}, {"region": "EMEA"}) and holds({"region": None}, {"region": None})
    assert segment_label({"region": "EMEA", "channel": None}) == "region=EMEA, channel=(none)"


OWNED = """\
version: 1
owners:
  - id: cx
  - id: emea-cx
    segments:
      - {region: EMEA}
  - id: emea-phone
    segments:
      - {region: EMEA, channel: phone}
  - id: stores
    segments:
      - {store: s1}
  - id: again
    segments:
      - {region: EMEA}
sources:
  - id: responses
    type: table
    table: responses
    entity: customer_id
    time: t
    dimensions: [region, channel, store]
metrics:
  - {id: nps, type: nps, source: responses, column: score, owner: cx}
"""


def test_owner_segments_are_checked(make_project, validate):
    """With `segments: [region, [region, channel]]`: {store: s1} is not computed (CX350, at the
    key), {region: EMEA} held twice is CX351; the rest (a combination held more specifically) is valid."""
    root = make_project(
        {"specs/owners.yaml": OWNED}, config="version: 1\nproject: t\nsegments: [region, [region, channel]]\n"
    )
    found = sorted((d.code, d.file, d.line, d.column) for d in validate(root).diagnostics)
    # owners are checked in id order: 'again' holds region=EMEA first, emea-cx's item is the second
    assert found == [("CX350", "specs/owners.yaml", 12, 10), ("CX351", "specs/owners.yaml", 6, 9)]
    messages = " ".join(d.message for d in validate(root).diagnostics)
    assert "owner 'stores' holds a segment by 'store', which no segment of cxspec.yaml has" in messages
    assert "owners 'again' and 'emea-cx' both hold segment region=EMEA" in messages


ROUTED = """\
version: 1
owners:
  - {id: care, name: Care team, email: care@example.com}
  - {id: emea-cx, name: EMEA CX, email: emea@example.com, segments: [{region: EMEA}]}
sources:
  - {id: r, type: file, path: data/r.csv, time: t, key: id, dimensions: [region]}
metrics:
  - {id: avg, name: Average score, type: mean, source: r, column: score, owner: care}
goals:
  - {metric: avg, target: 8, warn: 6}
"""


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_a_segments_issue_is_sent_to_its_owner(make_project, run_main, monkeypatch, tmp_path, engine):
    """EMEA's average is red while the total's is green: the webhook gets EMEA's goal_red
    with its dimensions and owner emea-cx; the total has no issue; APAC's rows go nowhere."""
    from test_notify import Hook

    hook = Hook()
    try:
        monkeypatch.setenv("CX_WEBHOOK_URL", hook.url)
        lines = ["id,t,region,score"]
        scores = {"EMEA": [5, 5, 4], "APAC": [10, 10, 10, 10, 10, 10, 9]}
        n = 0
        for region, values in scores.items():
            for value in values:
                n += 1
                lines.append(f"{n},2026-02-05T10:00:00Z,{region},{value}")
        url = f"{engine}:///{tmp_path / 'w.db'}"
        config = (
            f"version: 1\nproject: routed\ngrain: month\nwarehouse: {url}\nsegments: [region]\n"
            "notify:\n  - {type: webhook, url_env: CX_WEBHOOK_URL, format: json}\n"
        )
        root = make_project({"specs.yaml": ROUTED, "data/r.csv": "\n".join(lines) + "\n"}, config=config)
        code, _, err = run_main("run", str(root), "-q")
        assert code == 0, err
        sent = [i for b in hook.bodies for i in b["body"]["issues"]]
        emea = sum(scores["EMEA"]) / 3
        total = sum(v for vs in scores.values() for v in vs) / n
        assert total >= 8 and emea < 6
        assert [(i["kind"], i["dimensions"], i["owner"]) for i in sent if i["kind"] == "goal_red"] == [
            ("goal_red", {"region": "EMEA"}, "emea-cx")
        ]
        assert all(i["dimensions"] == {"region": "EMEA"} and i["owner"] == "emea-cx" for i in sent)
        # the metric's owner is told as well (PRODUCT.md, Segments), in the one webhook message
        assert all(i["also_owner"] == "care" for i in sent)
        assert len(hook.bodies) == 1
        red = next(i for i in sent if i["kind"] == "goal_red")
        assert red["message"].startswith(f"Average score (region=EMEA) is {emea:.2f} in 2026-02-01, red")
        # and `cxspec issues --owner` lists the segment's issues for both owners; an owner the
        # project does not have is a usage error
        for owner, expected in (
            ("emea-cx", {i["id"] for i in sent}),
            ("care", {i["id"] for i in sent}),
        ):
            code, out, err = run_main("issues", "list", str(root), "--owner", owner, "--format", "json")
            assert code == 0, err
            assert {i["id"] for i in json.loads(out)["issues"]} == expected, owner
        assert run_main("issues", "list", str(root), "--owner", "x")[0] == 2
    finally:
        hook.close()
