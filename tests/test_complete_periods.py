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
        rows += [
            (len(rows) + i, (start + dt.timedelta(days=3 * i)).isoformat(), s) for i, s in enumerate(scores)
        ]
    rows.append((len(rows), month_start(today).isoformat(), 1))
    return rows


def csv(rows) -> str:
    return "id,t,score\n" + "".join(f"{i},{d if 'T' in d else d + 'T08:00:00Z'},{s}\n" for i, d, s in rows)


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


def test_a_month_is_complete_as_of_its_last_day(make_project, run_main):
    """As of a day means to its end (docs/running.md, "The as-of instant"): every row of
    February 28 is seen as of 2025-02-28, so February is complete then, not the day before."""
    rows = [(1, "2025-01-05", 5), (2, "2025-02-05", 2), (3, "2025-02-28T23:59:59.5Z", 2), (4, "2025-03-01", 5)]
    root = make_project({"specs.yaml": SPECS, "data/r.csv": csv(rows)}, config=CONFIG)
    assert run_main("run", str(root), "--quiet", "--as-of", "2025-02-28")[0] == 0
    data = report(run_main, root)
    assert data["latest"] == "2025-02-01" and data["in_progress"] == []
    assert data["metrics"][0]["latest"]["value"] == pytest.approx((2 + 2) / 2)
    assert report(run_main, root, "--as-of", "2025-02-27")["latest"] == "2025-01-01"
    assert report(run_main, root, "--as-of", "2025-02-28T23:59:58")["latest"] == "2025-01-01"


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
    assert not complete_at(period, grain, f"{period} 12:00:00")
    assert complete_at(period, grain, f"{end} 00:00:00")
    last_second = dt.datetime.fromisoformat(end) - dt.timedelta(seconds=1)
    assert complete_at(period, grain, last_second.isoformat(" "))  # covers its second whole
    assert not complete_at(period, grain, (last_second - dt.timedelta(seconds=1)).isoformat(" "))


def test_headline_falls_back_to_the_latest_when_nothing_is_complete():
    computed = {"2026-12-01": "2026-12-02 10:00:00"}
    assert headline_period(["2026-12-01"], computed, "month", None) == "2026-12-01"
    assert headline_period([], {}, "month", None) is None


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres"])
def test_a_run_as_of_a_past_day_keeps_that_month_in_progress(make_project, tmp_path, request, engine):
    """`run --as-of 2025-03-15` leaves out later rows: March holds half its days, so it is in
    progress, in the run's own report and in later ones; the headline is February, also per
    segment, with the values of the rows (plain Python). It was stored as the complete
    headline: the run stamped its rows with the wall clock, after March was over."""
    from cxspec import load_project
    from cxspec.registry import default_registry
    from cxspec.reports.data import build_model
    from cxspec.runs.run import run_project, stored_results

    rows = [
        (i, f"2025-0{1 + i % 3}-{1 + 2 * (i % 14):02d}", i % 6, ["EMEA", "APAC"][i % 5 % 2])
        for i in range(90)
    ]
    found = {
        "specs.yaml": SPECS.replace(
            "{id: r, type: file, path: data/r.csv, time: t, key: id}",
            "{id: r, type: file, path: data/r.csv, time: t, key: id, dimensions: [region]}",
        ),
        "data/r.csv": "id,t,score,region\n" + "".join(f"{i},{t},{s},{r}\n" for i, t, s, r in rows),
    }
    project = load_project(make_project(found, config="version: 1\nproject: periods_as_of\nsegments: [region]\n"))
    url = (
        request.getfixturevalue("postgres_url")
        if engine == "postgres"
        else f"{engine}:///{tmp_path / 'r.db'}"
    )
    stored = run_project(project, default_registry(), url, as_of=dt.datetime(2025, 3, 15, 23, 59, 59))
    for model in (
        build_model(stored, default_registry()),
        build_model(stored_results(project, default_registry(), url), default_registry()),
    ):
        assert model.latest == "2025-02-01" and model.in_progress == ["2025-03-01"]
        assert not any(i.period == "2025-03-01" for i in model.issues)
        for entry in model.segments:
            scores = [s for _, t, s, r in rows if t.startswith("2025-02") and r == entry.dimensions["region"]]
            assert entry.values["csat"]["value"] == pytest.approx(sum(scores) / len(scores))
