"""`run --incremental` (cxspec/runs/incremental.py): after new rows, rows arriving late into
an old period and subscriptions started or ended, the stored results equal a full run's on
the same data, and the numbers those computed in plain Python; only the changed periods are
recomputed. DuckDB, SQLite and PostgreSQL; month, week and quarter grains; times with offsets."""

from __future__ import annotations

import datetime as dt

import pytest
from timed_data import SPECS, csv_text, expected, responses, subscriptions, utc

from cxspec import load_project
from cxspec.registry import default_registry
from cxspec.runs.run import run_project

AS_OF = dt.datetime(2027, 1, 1)
COLUMNS = ["id", "t", "score"]
SUB_COLUMNS = ["customer", "started", "ended"]


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def engine(request):
    return request.param


def url_of(engine, tmp_path, name, request):
    if engine == "postgres":
        return request.getfixturevalue("postgres_url")
    return {"duckdb": f"duckdb:///{tmp_path}/{name}.duckdb", "sqlite": f"sqlite:///{tmp_path}/{name}.db"}[
        engine
    ]


def write(root, rows, subs):
    (root / "r.csv").write_text(csv_text(rows, COLUMNS), encoding="utf-8")
    (root / "subs.csv").write_text(csv_text(subs, SUB_COLUMNS), encoding="utf-8")


def project_at(make_project, name, grain):
    config = f"version: 1\nproject: {name}\ngrain: {grain}\n"
    return make_project({"specs/s.yaml": SPECS.replace("FORMAT", "csv")}, config=config, name=name)


def stored_rows(stored):
    results = {(r.metric, r.period, str(r.dimensions)): (r.value, r.n, r.invalid, r.moe, r.status)
               for r in stored.results}  # fmt: skip
    scores = {(s.pyramid, s.node, s.period): (s.score, s.coverage) for s in stored.scores}
    return results, scores


def same(a: dict, b: dict) -> None:
    assert set(a) == set(b)
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("grain", ["month", "week", "quarter"])
def test_incremental_equals_full(make_project, tmp_path, request, engine, grain):
    if engine != "duckdb" and grain != "month":
        pytest.skip("other grains on DuckDB (periods are the compiler's, tested on every engine elsewhere)")
    tag = f"{engine}_{grain}"
    incremental_root = project_at(make_project, f"inc_{tag}", grain)
    full_root = project_at(make_project, f"full_{tag}", grain)
    inc_url = url_of(engine, tmp_path, "inc", request)
    full_url = url_of(engine, tmp_path, "full", request)
    registry = default_registry()
    rows = responses(11, dt.datetime(2025, 1, 1), 300, 600)
    subs = subscriptions(5, 120)
    write(incremental_root, rows, subs)
    first = run_project(load_project(incremental_root), registry, inc_url, as_of=AS_OF, incremental=True)
    assert first.incremental.startswith("every period (no watermark")

    again = run_project(load_project(incremental_root), registry, inc_url, as_of=AS_OF, incremental=True)
    assert again.incremental == "nothing: no data changed since the last run"
    assert again.computed == 0

    # New rows after the watermark, two rows late into March 2025, a subscription started in
    # 2024 and an end given to one that had none.
    newer = responses(12, dt.datetime(2025, 11, 1), 60, 80, start_id=10_000)
    late = [
        {"id": 20_000, "t": "2025-03-10T12:00:00+02:00", "score": 10},
        {"id": 20_001, "t": "2025-03-31T23:30:00-05:00", "score": 0},
    ]  # fmt: skip  (April in UTC)
    subs2 = [dict(s) for s in subs]
    open_one = next(s for s in subs2 if not s["ended"] and s["started"] < "2025-06")
    open_one["ended"] = "2025-09-15T08:00:00Z"
    subs2.append({"customer": "late", "started": "2024-05-02T00:00:00Z", "ended": ""})
    rows2 = rows + newer + late
    write(incremental_root, rows2, subs2)
    write(full_root, rows2, subs2)
    inc = run_project(load_project(incremental_root), registry, inc_url, as_of=AS_OF, incremental=True)
    full = run_project(load_project(full_root), registry, full_url, as_of=AS_OF)
    assert "from 2024-" in inc.incremental, inc.incremental  # the churn source's earliest change on
    inc_results, inc_scores = stored_rows(inc)
    full_results, full_scores = stored_rows(full)
    same(inc_results, full_results)
    same(inc_scores, full_scores)
    want = expected(rows2, grain)
    got = {(m, p): v[0] for (m, p, _), v in inc_results.items() if m in ("nps", "avg")}
    same(got, want)


def test_only_changed_periods_are_recomputed(make_project, tmp_path, request, engine):
    """Without the churn source: new rows recompute their periods, a late row its own."""
    root = project_at(make_project, f"only_{engine}", "month")
    specs = "\n".join(line for line in SPECS.replace("FORMAT", "csv").splitlines() if "subs" not in line)
    (root / "specs" / "s.yaml").write_text(specs + "\n", encoding="utf-8")
    url = url_of(engine, tmp_path, "only", request)
    registry = default_registry()
    rows = responses(3, dt.datetime(2025, 1, 1), 200, 300)
    write(root, rows, [])
    run_project(load_project(root), registry, url, as_of=AS_OF, incremental=True)
    # Only newer rows (the old periods checked as a whole, then the latest ones grouped).
    newest = max(rows, key=lambda r: utc(r["t"]))
    newer = [{"id": 8_000, "t": "2025-07-19T01:00:00+02:00", "score": 10}]
    assert utc(newest["t"]).strftime("%Y-%m") == "2025-07"
    write(root, rows + newer, [])
    stored = run_project(load_project(root), registry, url, as_of=AS_OF, incremental=True)
    assert stored.incremental.startswith("the month periods 2025-07-01 ("), stored.incremental
    rows = rows + newer
    added = [{"id": 9_000, "t": "2025-02-10T00:00:00Z", "score": 9},
             {"id": 9_001, "t": "2025-08-01T03:00:00+04:00", "score": 2},  # July 31st in UTC
             {"id": 9_002, "t": "2025-09-02T00:00:00Z", "score": 5}]  # fmt: skip
    write(root, rows + added, [])
    stored = run_project(load_project(root), registry, url, as_of=AS_OF, incremental=True)
    assert stored.incremental.startswith("the month periods 2025-02-01, 2025-07-01, 2025-09-01 (")
    assert stored.computed == 3 * 2  # three periods, two metrics
    got = {(r.metric, r.period): r.value for r in stored.results}
    same(got, expected(rows + added, "month"))

    # A plain run of a range forgets the watermark of its periods: they are recomputed next.
    run_project(
        load_project(root), registry, url, as_of=AS_OF, start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31)
    )
    stored = run_project(load_project(root), registry, url, as_of=AS_OF, incremental=True)
    assert stored.incremental.startswith("the month periods 2025-03-01 ")
    # Other specs: every period.
    (root / "specs" / "s.yaml").write_text(
        specs.replace("id: avg", "id: mean_score") + "\n", encoding="utf-8"
    )
    stored = run_project(load_project(root), registry, url, as_of=AS_OF, incremental=True)
    assert stored.incremental.startswith("every period (the specs changed")


def test_run_command_incremental(make_project, run_main, tmp_path):
    root = project_at(make_project, "cli", "month")
    write(root, responses(3, dt.datetime(2025, 1, 1), 60, 50), subscriptions(1, 10))
    url = f"duckdb:///{tmp_path}/cli.duckdb"
    args = ["run", str(root), "--warehouse", url, "--out", str(tmp_path / "out"), "-q", "--incremental"]
    code, _, err = run_main(*args)
    assert code == 0, err
    assert "incremental run: recomputed every period (no watermark stored yet)" in err
    code, _, err = run_main(*args)
    assert "incremental run: recomputed nothing: no data changed since the last run" in err
    code, _, err = run_main(*args, "--from", "2025-01-01")
    assert code == 2 and "without --from/--to" in err


def test_layout_2_is_upgraded_with_the_watermarks_table(make_project, tmp_path):
    """Layout 2 had no `cxspec_watermarks`: the next run creates it and records the current layout."""
    import duckdb

    root = project_at(make_project, "upgrade", "month")
    write(root, responses(3, dt.datetime(2025, 1, 1), 60, 50), subscriptions(1, 10))
    path = tmp_path / "upgrade.duckdb"
    registry = default_registry()
    run_project(load_project(root), registry, f"duckdb:///{path}", as_of=AS_OF, incremental=True)
    con = duckdb.connect(str(path))
    con.execute('DROP TABLE "cxspec_watermarks"')
    con.execute('UPDATE "cxspec_layout" SET "version" = 2')
    con.close()
    stored = run_project(load_project(root), registry, f"duckdb:///{path}", as_of=AS_OF, incremental=True)
    assert stored.incremental.startswith("every period (no watermark stored yet)")
    con = duckdb.connect(str(path))
    assert con.execute('SELECT "version" FROM "cxspec_layout"').fetchall() == [(4,)]
    assert con.execute('SELECT count(*) FROM "cxspec_watermarks"').fetchone()[0] > 0
    con.close()


def test_a_metric_of_its_own_grain(make_project, tmp_path):
    """A quarter metric in a month project: a late row in May recomputes the whole quarter."""
    registry = default_registry()
    specs = (
        SPECS.replace("FORMAT", "csv")
        + "  - {id: avg_q, type: mean, source: r, column: score, grain: quarter}\n"
    )
    roots = {}
    for name in ("inc", "full"):
        config = f"version: 1\nproject: {name}\ngrain: month\n"
        roots[name] = make_project({"specs/s.yaml": specs}, config=config, name=f"grain_{name}")
    rows = responses(21, dt.datetime(2025, 1, 1), 240, 400)
    subs = subscriptions(2, 40)
    write(roots["inc"], rows, subs)
    inc_url, full_url = f"duckdb:///{tmp_path}/gi.duckdb", f"duckdb:///{tmp_path}/gf.duckdb"
    run_project(load_project(roots["inc"]), registry, inc_url, as_of=AS_OF, incremental=True)
    rows2 = [*rows, {"id": 50_000, "t": "2025-05-20T10:00:00Z", "score": 1}]
    write(roots["inc"], rows2, subs)
    write(roots["full"], rows2, subs)
    inc = run_project(load_project(roots["inc"]), registry, inc_url, as_of=AS_OF, incremental=True)
    full = run_project(load_project(roots["full"]), registry, full_url, as_of=AS_OF)
    assert inc.incremental.startswith("the month periods 2025-05-01 ("), inc.incremental
    same(stored_rows(inc)[0], stored_rows(full)[0])
    q2 = [r["score"] for r in rows2 if "2025-04" <= utc(r["t"]).strftime("%Y-%m") <= "2025-06"]
    assert stored_rows(inc)[0][("avg_q", "2025-04-01", "{}")][0] == pytest.approx(sum(q2) / len(q2))
