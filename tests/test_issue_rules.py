"""Issue criteria (`issues:` in cxspec.yaml and on metrics), the kinds `declining`,
`significant_rise` and `below_benchmark`, and issue rules from plugins
(`cxspec_register_issue_rules`), the example in docs/examples included.

Expected numbers are worked out in plain Python from the rows each test writes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import tomllib

from cxspec import IssueRule, hookimpl
from cxspec.testing import registered_plugin, run_cli, write_project

pytest_plugins = ["plugin_install"]  # the `site` fixture

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "cxspec-issue-rule-example"


def rows_for(months: dict[int, list[int]]) -> str:
    return "at,score\n" + "".join(f"2026-{m:02d}-{i + 1:02d},{s}\n" for m, ss in months.items() for i, s in enumerate(ss))


def make(tmp_path, months, metric_extra=None, config=None, name="p"):
    metric = {"id": "avg", "name": "Average", "type": "mean", "source": "a", "column": "score", **(metric_extra or {})}
    specs = {
        "version": 1,
        "sources": [{"id": "a", "type": "file", "path": "a.csv", "time": "at"}],
        "metrics": [metric],
    }
    return write_project(
        tmp_path / name, {"specs/cx.yaml": specs, "a.csv": rows_for(months)}, config={"grain": "month", **(config or {})}
    )


def report_issues(tmp_path, root) -> list[dict]:
    out = tmp_path / f"out-{root.name}"
    result = run_cli("run", root, "--out", out, "-q")
    assert result.exit_code == 0, result.stderr
    return json.loads((out / "report.json").read_text())["issues"]


def kinds(issues) -> list[str]:
    return sorted(i["kind"] for i in issues)


# Means 8, 7, 6, 5 (each month two answers, same spread): three declines in a row.
DECLINING = {1: [9, 7], 2: [8, 6], 3: [7, 5], 4: [6, 4]}


def test_declining_after_the_configured_number_of_periods(tmp_path):
    issues = report_issues(tmp_path, make(tmp_path, DECLINING))
    (declining,) = [i for i in issues if i["kind"] == "declining"]
    assert (declining["value"], declining["previous"], declining["severity"]) == (5.0, 6.0, "warning")
    assert "8.00 → 7.00 → 6.00 → 5.00" in declining["message"]
    # Four declines asked for, on the metric: three are not enough.
    root = make(tmp_path, DECLINING, metric_extra={"issues": {"consecutive_declines": 4}}, name="four")
    assert "declining" not in kinds(report_issues(tmp_path, root))
    # Off for the whole project.
    root = make(tmp_path, DECLINING, config={"issues": {"consecutive_declines": 0}}, name="off")
    assert "declining" not in kinds(report_issues(tmp_path, root))


def welch_p(a: list[int], b: list[int]) -> float:
    """Two-sided p of Welch's t by the normal approximation's complement (large df)."""
    from cxspec.runs.stats import welch_t_test

    def se(x):
        m = sum(x) / len(x)
        return math.sqrt(sum((v - m) ** 2 for v in x) / (len(x) - 1) / len(x))

    return welch_t_test(sum(a) / len(a), se(a), len(a), sum(b) / len(b), se(b), len(b)).p_value


def test_significant_rise_is_good_news_and_alpha_decides(tmp_path):
    jan, feb = [3, 4, 5, 4, 3, 4, 5, 4], [8, 9, 7, 8, 9, 8, 7, 8]
    p_value = welch_p(jan, feb)
    assert p_value < 1e-5
    issues = report_issues(tmp_path, make(tmp_path, {1: jan, 2: feb}))
    (rise,) = [i for i in issues if i["kind"] == "significant_rise"]
    assert rise["severity"] == "info" and rise["value"] == pytest.approx(8.0) and rise["previous"] == pytest.approx(4.0)
    assert rise["p_value"] == pytest.approx(p_value, rel=1e-3)
    root = make(tmp_path, {1: jan, 2: feb}, config={"issues": {"significant_rise": False}}, name="quiet")
    assert "significant_rise" not in kinds(report_issues(tmp_path, root))
    # alpha below the p value: not significant any more (a per-metric override).
    root = make(tmp_path, {1: jan, 2: feb}, metric_extra={"issues": {"alpha": p_value / 2}}, name="strict")
    assert "significant_rise" not in kinds(report_issues(tmp_path, root))


def test_below_benchmark_with_its_gap(tmp_path):
    feb = [6, 7, 8]  # mean 7
    config = {"benchmarks": [
        {"metric": "avg", "name": "Rival", "value": 7.5, "as_of": "2026-01-31", "source": "survey"},
        {"metric": "avg", "name": "Industry", "value": 6.0},
    ]}  # fmt: skip
    issues = report_issues(tmp_path, make(tmp_path, {1: [7], 2: feb}, config=config))
    (below,) = [i for i in issues if i["kind"] == "below_benchmark"]
    assert below["value"] == sum(feb) / 3 and below["previous"] == 7.5
    assert "Rival 7.50 (gap -0.50)" in below["message"] and "Industry" not in below["message"]
    # The gap in every report, the line on the chart.
    out = tmp_path / "out-p"
    (entry,) = json.loads((out / "report.json").read_text())["metrics"]
    assert [(b["name"], b["value"], b["gap"]) for b in entry["benchmarks"]] == [("Rival", 7.5, -0.5), ("Industry", 6.0, 1.0)]
    assert "| Average | Rival | 7.50 | 7.00 | -0.50 | 2026-01-31 | survey |" in (out / "report.md").read_text()
    assert "| Average | Industry | 6.00 | 7.00 | +1.00 |  |  |" in (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    assert page.count('<g class="benchmark">') == 2 and "benchmark Rival 7.50 as of 2026-01-31 (survey), gap -0.50" in page


def test_criteria_are_checked_at_their_place(tmp_path):
    root = make(tmp_path, {1: [7]}, config={"issues": {"alpha": 2}})
    result = run_cli("validate", root, "--format", "json")
    assert result.exit_code == 1
    (problem,) = json.loads(result.stdout)["diagnostics"]
    assert (problem["file"], problem["code"]) == ("cxspec.yaml", "CX106") and "issues.alpha" in problem["message"]


class Always(IssueRule):
    name = "always"
    kind = "always_there"
    severity = "info"

    def detect(self, context):
        metric = context.project.metrics["avg"]
        yield context.issue(self, metric, f"seen in {context.period}", value=1.0)


def test_hook_cxspec_register_issue_rules(tmp_path):
    root = make(tmp_path, {1: [7], 2: [7]})
    with registered_plugin(type("P", (), {"cxspec_register_issue_rules": staticmethod(hookimpl(lambda: [Always]))}), "acme"):
        issues = report_issues(tmp_path, root)
    (mine,) = [i for i in issues if i["kind"] == "always_there"]
    assert (mine["message"], mine["severity"], mine["period"]) == ("seen in 2026-02-01", "info", "2026-02-01")
    assert mine["id"].startswith("always-there-")


@pytest.fixture
def example(site):
    pyproject = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    entry_points = pyproject["project"]["entry-points"]["cxspec"]
    site.add_path(EXAMPLE, *{value.split(":")[0].split(".")[0] for value in entry_points.values()})
    site.install(pyproject["project"]["name"], entry_points, version=pyproject["project"]["version"])
    return site


def test_the_example_issue_rule(example, tmp_path):
    """docs/examples/cxspec-issue-rule-example, installed through its entry point."""
    months = {1: [7] * 12, 2: [7] * 6, 3: [7] * 4}  # n 12 → 6 (half: an issue) → 4 (not half of 6)
    root = make(tmp_path, {1: months[1], 2: months[2]})
    (issue,) = [i for i in report_issues(tmp_path, root) if i["kind"] == "response_collapse"]
    assert (issue["value"], issue["previous"]) == (6.0, 12.0)
    root = make(tmp_path, months, name="later")
    assert "response_collapse" not in kinds(report_issues(tmp_path, root))


def test_initiative_impact_is_tested_like_a_drop(tmp_path):
    """Three months before the month holding the date against three after, in every format."""
    from cxspec.runs.stats import welch_t_test

    months = {1: [4, 5, 6], 2: [5, 5, 6], 3: [4, 6, 5], 4: [6, 7, 8], 5: [7, 8, 9], 6: [8, 8, 9], 7: [9, 7, 8]}
    config = {"initiatives": [{"id": "coaching", "name": "Agent coaching", "date": "2026-04-10", "owner": "care",
                               "metrics": ["avg"], "compare": 3}]}  # fmt: skip
    root = make(tmp_path, months, config=config)
    out = tmp_path / "out-p"
    report_issues(tmp_path, root)
    (row,) = json.loads((out / "report.json").read_text())["initiatives"]

    def mean(xs):
        return sum(xs) / len(xs)

    def se(xs):
        m = mean(xs)
        return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs))

    before, after = [months[m] for m in (1, 2, 3)], [months[m] for m in (5, 6, 7)]  # April holds the date
    b_mean, a_mean = mean([mean(x) for x in before]), mean([mean(x) for x in after])
    b_se = math.sqrt(sum(se(x) ** 2 for x in before)) / 3
    a_se = math.sqrt(sum(se(x) ** 2 for x in after)) / 3
    p_value = welch_t_test(b_mean, b_se, 9, a_mean, a_se, 9).p_value
    assert row["before"] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert row["after"] == ["2026-05-01", "2026-06-01", "2026-07-01"]
    assert row["before_value"] == pytest.approx(b_mean) and row["after_value"] == pytest.approx(a_mean)
    assert row["change"] == pytest.approx(a_mean - b_mean)
    assert row["p_value"] == pytest.approx(p_value, rel=1e-6) and p_value < 0.05
    assert row["verdict"] == "significantly better"
    assert "Initiative impact" in (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    assert '<g class="initiative">' in page and 'id="initiatives"' in page
    # Too early to tell: only two periods after.
    root = make(tmp_path, {m: months[m] for m in range(1, 7)}, config=config, name="early")
    report_issues(tmp_path, root)
    (row,) = json.loads((tmp_path / "out-early" / "report.json").read_text())["initiatives"]
    assert row["verdict"] == "not enough periods yet" and row["p_value"] is None


def test_targets_benchmarks_and_initiatives_are_checked_at_file_line_col(tmp_path):
    config = {
        "notify": [{"type": "webhook", "url_env": "X", "host": "smtp.example.com"}, {"type": "email", "from": "a@b.c"}],
        "benchmarks": [{"metric": "avgg", "name": "Rival", "value": 1}],
        "initiatives": [{"id": "i", "date": "2026-01-01", "metrics": ["avg", "nope"]}],
    }
    root = make(tmp_path, {1: [7]}, config=config)
    result = run_cli("validate", root, "--format", "json")
    assert result.exit_code == 1
    found = sorted((d["code"], d["message"]) for d in json.loads(result.stdout)["diagnostics"])
    assert found == [
        ("CX320", "host does not apply to a webhook target"),
        ("CX320", "notify target 2 (email) needs host"),
        ("CX321", "benchmark names unknown metric 'avgg'"),
        ("CX321", "initiative names unknown metric 'nope'"),
    ]
    assert all(d["file"] == "cxspec.yaml" and d["line"] > 1 for d in json.loads(result.stdout)["diagnostics"])
