"""Complete periods: a period computed before it was over is "in progress": stored, shown as
such, never the headline while a complete one is stored, and never a source of issues.
`cxspec report --period` shows another stored period."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cxspec.periods import complete_at, headline_period, period_end

CONFIG = 'version: 1\nproject: periods\ngrain: month\nwarehouse: "duckdb:///cxspec-out/w.duckdb"\n'
SPECS = """\
version: 1
sources:
  - {id: r, type: file, path: data/r.csv, time: t, key: id}
metrics:
  - {id: csat, type: mean, source: r, column: score}
goals:
  - {metric: csat, target: 4, warn: 3}
"""


def month_start(day: dt.date, back: int = 0) -> dt.date:
    months = day.year * 12 + day.month - 1 - back
    return dt.date(months // 12, months % 12 + 1, 1)


def rows_until_today() -> list[tuple[int, str, int]]:
    """Two full months of good scores, and one bad answer on the 1st of this month."""
    today = dt.datetime.now(dt.timezone.utc).date()
    rows = []
    for back, scores in ((2, [5, 4, 5]), (1, [4, 4, 5, 3])):
        start = month_start(today, back)
        rows += [(len(rows) + i, (start + dt.timedelta(days=3 * i)).isoformat(), s) for i, s in enumerate(scores)]
    rows.append((len(rows), month_start(today).isoformat(), 1))
    return rows


def csv(rows) -> str:
    return "id,t,score\n" + "".join(f"{i},{d}T08:00:00Z,{s}\n" for i, d, s in rows)


def expected(rows) -> dict[str, float]:
    months: dict[str, list[int]] = {}
    for _, day, score in rows:
        months.setdefault(day[:8] + "01", []).append(score)
    return {m: sum(v) / len(v) for m, v in sorted(months.items())}


def report(run_main, root, *args) -> dict:
    code, out, err = run_main("report", str(root), "--format", "json", *args)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def config(request):
    if request.param == "postgres":
        import psycopg

        url = request.getfixturevalue("postgres_url")
        with psycopg.connect(url, autocommit=True) as connection:
            for name in ("cxspec_results", "cxspec_scores", "cxspec_layout"):
                connection.execute(f'DROP TABLE IF EXISTS "{name}"')  # a test's own SQL
        return CONFIG.replace("duckdb:///cxspec-out/w.duckdb", url)
    return CONFIG.replace("duckdb:///cxspec-out/w.duckdb", f"{request.param}:///cxspec-out/w.db")


def test_a_partial_month_is_in_progress_not_the_headline(make_project, run_main, config):
    rows = rows_until_today()
    root = make_project({"specs.yaml": SPECS, "data/r.csv": csv(rows)}, config=config)
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    means = expected(rows)
    last, this = list(means)[-2:]

    data = report(run_main, root)
    assert data["periods"] == list(means)
    assert data["latest"] == last and data["in_progress"] == [this]
    csat = data["metrics"][0]
    assert csat["latest"]["value"] == pytest.approx(means[last]) and csat["latest"]["status"] == "green"
    assert {p["period"]: p["value"] for p in csat["series"]} == pytest.approx(means)  # stored, all of it
    assert data["issues"] == []  # this month's one bad answer is not evidence of anything yet

    code, out, err = run_main("report", str(root))
    assert code == 0, err
    assert f"month {last}" in out and f"{this} in progress" in out
    code, out, _ = run_main("report", str(root), "--format", "md")
    assert f"{this} in progress" in out

    # another stored period on request; an in-progress one raises no issues either
    earlier = report(run_main, root, "--period", list(means)[0])
    assert earlier["latest"] == list(means)[0]
    assert earlier["metrics"][0]["latest"]["value"] == pytest.approx(means[list(means)[0]])
    partial = report(run_main, root, "--period", this)
    assert partial["metrics"][0]["latest"]["status"] == "red" and partial["issues"] == []


def test_a_period_not_stored_is_a_usage_error(make_project, run_main):
    root = make_project({"specs.yaml": SPECS, "data/r.csv": csv(rows_until_today())}, config=CONFIG)
    assert run_main("run", str(root), "--quiet")[0] == 0
    code, _, err = run_main("report", str(root), "--period", "1999-01-01")
    assert code == 2 and "no stored period 1999-01-01 at grain month" in err, err


def test_past_data_is_all_complete(make_project, run_main):
    rows = [(1, "2025-01-05", 5), (2, "2025-02-05", 2)]
    root = make_project({"specs.yaml": SPECS, "data/r.csv": csv(rows)}, config=CONFIG)
    assert run_main("run", str(root), "--quiet")[0] == 0
    data = report(run_main, root)
    assert data["latest"] == "2025-02-01" and data["in_progress"] == []
    assert [i["kind"] for i in data["issues"]] == ["goal_red"]
    # as of a day inside February, January is the latest complete month
    assert report(run_main, root, "--as-of", "2025-02-20")["latest"] == "2025-01-01"


@pytest.mark.parametrize(
    "period, grain, end",
    [
        ("2026-12-01", "month", "2027-01-01"),
        ("2026-10-01", "quarter", "2027-01-01"),
        ("2024-02-26", "week", "2024-03-04"),
        ("2024-02-29", "day", "2024-03-01"),
        ("2026-01-01", "year", "2027-01-01"),
    ],
)
def test_period_ends(period, grain, end):
    assert period_end(period, grain).isoformat() == end
    assert not complete_at(period, grain, f"{period} 23:59:59")
    assert complete_at(period, grain, f"{end} 00:00:00")


def test_headline_falls_back_to_the_latest_when_nothing_is_complete():
    computed = {"2026-12-01": "2026-12-02 10:00:00"}
    assert headline_period(["2026-12-01"], computed, "month", None) == "2026-12-01"
    assert headline_period([], {}, "month", None) is None
