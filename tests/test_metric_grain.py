"""A grain per metric (`grain: quarter`): computed, stored, scored and judged at its own grain;
pyramids take each leaf's latest period over by the end of the project's period. Numbers are
checked against plain Python over the fixture rows on DuckDB, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cxspec import load_project
from cxspec.grains import leaf_period, nests, period_label
from cxspec.registry import default_registry
from cxspec.runs.run import stored_results

CONFIG = 'version: 1\nproject: grains\ngrain: month\nwarehouse: "duckdb:///cxspec-out/w.duckdb"\n'


def rows() -> list[tuple[int, dt.date, int, int]]:
    """(id, day, nps 0–10, csat 1–5): a few answers every fourth day of January–November 2025."""
    out = []
    day = dt.date(2025, 1, 2)
    i = 0
    while day < dt.date(2025, 12, 1):
        for k in range(1 + i % 3):
            out.append((len(out), day, (i * 7 + k * 3 + day.month) % 11, 1 + (i * 5 + k * 2) % 5))
        day += dt.timedelta(days=4)
        i += 1
    return out


def quarter_of(day: dt.date) -> str:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1).isoformat()


def month_of(day: dt.date) -> str:
    return day.replace(day=1).isoformat()


def nps(scores) -> float:
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def csat(scores) -> float:
    return 100 * sum(s >= 4 for s in scores) / len(scores)


def grouped(data, key, column) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for row in data:
        out.setdefault(key(row[1]), []).append(row[column])
    return dict(sorted(out.items()))


def expected():
    data = rows()
    quarterly_nps = {q: nps(v) for q, v in grouped(data, quarter_of, 2).items()}
    quarterly_n = {q: len(v) for q, v in grouped(data, quarter_of, 2).items()}
    monthly_csat = {m: csat(v) for m, v in grouped(data, month_of, 3).items()}
    yearly_answers = {"2025-01-01": float(len(data))}
    return quarterly_nps, quarterly_n, monthly_csat, yearly_answers


def quarter_for_month(month: str) -> str:
    """Independently of cxspec/grains.py: March, June, September and December are the last
    months of their quarter; other months take the quarter before theirs."""
    day = dt.date.fromisoformat(month)
    if day.month % 3 == 0:
        return quarter_of(day)
    back = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1) - dt.timedelta(days=1)
    return quarter_of(back)


def specs(target: float) -> str:
    return f"""\
version: 1
sources:
  - {{id: r, type: file, path: data/r.csv, time: t, key: id}}
metrics:
  - {{id: nps_q, type: nps, source: r, column: nps, grain: quarter}}
  - {{id: csat_m, type: csat, source: r, column: csat}}
  - {{id: answers_y, type: count, source: r, grain: year}}
  - {{id: answers_m, type: count, source: r}}
  - {{id: share_y, type: ratio, numerator: answers_m, denominator: answers_y, grain: year}}
goals:
  - {{metric: nps_q, target: {target}, warn: {target - 1}}}
pyramids:
  - id: cx-index
    children:
      - {{metric: nps_q, weight: 2}}
      - {{metric: csat_m, weight: 1}}
"""


def csv(data) -> str:
    return "id,t,nps,csat\n" + "".join(f"{i},{d.isoformat()}T09:00:00Z,{n},{c}\n" for i, d, n, c in data)


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def config(request):
    if request.param == "postgres":
        import psycopg

        url = request.getfixturevalue("postgres_url")
        with psycopg.connect(url, autocommit=True) as connection:
            for name in ("cxspec_results", "cxspec_scores", "cxspec_layout", "cxspec_issues"):
                connection.execute(f'DROP TABLE IF EXISTS "{name}"')  # a test's own SQL
        return CONFIG.replace("duckdb:///cxspec-out/w.duckdb", url)
    return CONFIG.replace("duckdb:///cxspec-out/w.duckdb", f"{request.param}:///cxspec-out/w.db")


def test_quarterly_nps_over_monthly_data_and_a_pyramid_mixing_grains(make_project, run_main, config):
    quarterly_nps, quarterly_n, monthly_csat, yearly_answers = expected()
    target = quarterly_nps["2025-07-01"] + 5  # the third quarter misses its goal: red
    root = make_project({"specs.yaml": specs(target), "data/r.csv": csv(rows())}, config=config)
    for _ in range(2):  # a rerun replaces the rows of every grain: nothing doubles
        code, _, err = run_main("run", str(root), "--quiet", "--as-of", "2026-01-15")
        assert code == 0, err

    project = load_project(root)
    stored = stored_results(project, default_registry())
    by_metric: dict[str, dict[str, object]] = {}
    for r in stored.results:
        by_metric.setdefault(r.metric, {})[r.period] = r
    # stored at its own grain only, each grain told apart
    assert {r.grain for r in by_metric["nps_q"].values()} == {"quarter"}
    assert {p: r.value for p, r in by_metric["nps_q"].items()} == pytest.approx(quarterly_nps)
    assert {p: r.n for p, r in by_metric["nps_q"].items()} == quarterly_n
    assert {p: r.value for p, r in by_metric["csat_m"].items()} == pytest.approx(monthly_csat)
    assert {r.grain for r in by_metric["csat_m"].values()} == {"month"}
    assert {p: r.value for p, r in by_metric["answers_y"].items()} == pytest.approx(yearly_answers)
    # a yearly ratio over a monthly count: its inputs are computed at its grain
    assert {p: r.value for p, r in by_metric["share_y"].items()} == pytest.approx({"2025-01-01": 1.0})
    assert by_metric["nps_q"]["2025-07-01"].status == "red"
    assert by_metric["nps_q"]["2025-04-01"].status == (
        "green"
        if quarterly_nps["2025-04-01"] >= target
        else "amber"
        if quarterly_nps["2025-04-01"] >= target - 1
        else "red"
    )

    # the pyramid scores each month from that month's CSAT and the quarter over by its end
    index = {s.period: s for s in stored.scores if s.node == "cx-index"}
    assert sorted(index) == sorted(monthly_csat)
    for month, csat_value in monthly_csat.items():
        quarter = quarter_for_month(month)
        parts = [(1.0, csat_value)]
        if quarter in quarterly_nps:
            parts.append((2.0, (quarterly_nps[quarter] + 100) / 2))
        weights = sum(w for w, _ in parts)
        assert index[month].score == pytest.approx(sum(w * s for w, s in parts) / weights), month
        assert index[month].coverage == pytest.approx(weights / 3), month

    code, out, err = run_main("report", str(root), "--format", "json", "--as-of", "2026-01-15")
    assert code == 0, err
    data = json.loads(out)
    assert data["latest"] == "2025-11-01"
    assert "2025-10-01" in data["periods"] and data["in_progress"] == []
    entry = {m["id"]: m for m in data["metrics"]}
    assert entry["nps_q"]["grain"] == "quarter" and entry["csat_m"]["grain"] == "month"
    # November's headline: the third quarter, the latest over by the end of November
    assert entry["nps_q"]["latest"]["period"] == "2025-07-01"
    assert entry["nps_q"]["latest"]["value"] == pytest.approx(quarterly_nps["2025-07-01"])
    assert entry["nps_q"]["previous"]["value"] == pytest.approx(quarterly_nps["2025-04-01"])
    assert [p["period"] for p in entry["nps_q"]["series"]] == list(quarterly_nps)
    red = [i for i in data["issues"] if i["kind"] == "goal_red"]
    assert [(i["metric"], i["period"]) for i in red] == [("nps_q", "2025-07-01")]
    assert not [i for i in data["issues"] if i["kind"] == "no_data" and i["metric"] == "nps_q"]

    code, out, err = run_main("report", str(root), "--as-of", "2026-01-15")
    assert code == 0, err
    assert "(quarter 2025 Q3)" in out
    code, out, err = run_main("report", str(root), "--format", "md", "--as-of", "2026-01-15")
    assert code == 0, err
    assert "| nps_q (quarter 2025 Q3) |" in out
    # September's report takes the third quarter, August's the second
    for month, quarter in (("2025-09-01", "2025-07-01"), ("2025-08-01", "2025-04-01")):
        code, out, err = run_main("report", str(root), "--format", "json", "--period", month)
        assert code == 0, err
        entry = {m["id"]: m for m in json.loads(out)["metrics"]}["nps_q"]
        assert entry["latest"]["period"] == quarter
        assert entry["latest"]["value"] == pytest.approx(quarterly_nps[quarter])


def test_a_run_from_inside_a_quarter_computes_the_whole_quarter(make_project, run_main):
    quarterly_nps, *_ = expected()
    root = make_project({"specs.yaml": specs(0), "data/r.csv": csv(rows())}, config=CONFIG)
    code, _, err = run_main("run", str(root), "--quiet", "--from", "2025-08-15")
    assert code == 0, err
    stored = stored_results(load_project(root), default_registry())
    values = {r.period: r.value for r in stored.results if r.metric == "nps_q"}
    assert values == pytest.approx({q: v for q, v in quarterly_nps.items() if q >= "2025-07-01"})


@pytest.mark.parametrize(
    "period, grain, stands_for",
    [
        ("2025-12-01", "quarter", "2025-10-01"),
        ("2026-01-01", "quarter", "2025-10-01"),
        ("2026-02-01", "quarter", "2025-10-01"),
        ("2026-03-01", "quarter", "2026-01-01"),
        ("2026-11-01", "year", "2025-01-01"),
        ("2026-12-01", "year", "2026-01-01"),
        ("2026-06-01", "month", "2026-06-01"),
    ],
)
def test_the_period_standing_for_a_month(period, grain, stands_for):
    assert leaf_period(period, "month", grain) == stands_for


def test_grains_nest_and_are_named():
    assert nests("month", "quarter") and nests("day", "week") and not nests("week", "month")
    assert not nests("quarter", "month")
    assert period_label("2025-10-01", "quarter") == "quarter 2025 Q4"
    assert period_label("2025-01-01", "year") == "year 2025"


def test_segments_are_judged_on_their_own_periods(make_project):
    """A segment's quarterly metric: its issues are about the quarter standing for the month."""
    from cxspec.query import MetricResult
    from cxspec.runs.segment_issues import detect_all

    root = make_project({"specs.yaml": specs(50), "data/r.csv": csv(rows())}, config=CONFIG)
    project = load_project(root)
    emea = {"region": "EMEA"}
    results = [
        MetricResult("nps_q", "2025-07-01", {}, 60.0, 40, 0, None, status="green", grain="quarter"),
        MetricResult("nps_q", "2025-07-01", emea, 20.0, 10, 0, None, status="red", grain="quarter"),
        MetricResult("csat_m", "2025-11-01", {}, 80.0, 30, 0, None, grain="month"),
        MetricResult("csat_m", "2025-11-01", emea, 80.0, 9, 0, None, grain="month"),
    ]
    found = detect_all(project, default_registry(), results, "2025-11-01")
    about = {(i.kind, i.metric, i.period, tuple(i.dimensions.items())) for i in found if i.metric == "nps_q"}
    assert about == {("goal_red", "nps_q", "2025-07-01", (("region", "EMEA"),))}


def test_a_rerun_of_one_month_rescores_the_months_its_quarter_stands_for(make_project, run_main):
    data = rows()
    root = make_project({"specs.yaml": specs(0), "data/r.csv": csv(data)}, config=CONFIG)
    assert run_main("run", str(root), "--quiet")[0] == 0
    # January's answers change; a run of February alone recomputes the whole first quarter
    changed = [(i, d, 10 if d.month == 1 else n, c) for i, d, n, c in data]
    (root / "data" / "r.csv").write_text(csv(changed), encoding="utf-8")
    code, _, err = run_main("run", str(root), "--quiet", "--from", "2025-02-01", "--to", "2025-02-28")
    assert code == 0, err
    stored = stored_results(load_project(root), default_registry())
    first = nps([n for _, d, n, _ in changed if d.month <= 3])
    assert {r.period: r.value for r in stored.results if r.metric == "nps_q"}["2025-01-01"] == pytest.approx(first)
    monthly_csat = {m: csat(v) for m, v in grouped(changed, month_of, 3).items()}
    index = {s.period: s.score for s in stored.scores if s.node == "cx-index"}
    for month in ("2025-03-01", "2025-04-01", "2025-05-01"):  # stored before, rescored now
        assert index[month] == pytest.approx((2 * (first + 100) / 2 + monthly_csat[month]) / 3), month
