"""Upgrades: stored-results tables of an earlier layout are upgraded or refused with the
command that converts them (`cxspec migrate`), never a raw binder error or an internal error.

Layout 1 is what cxspec shipped before layouts had a version (cxspec/runs/store.py up to
the commit that added cxspec/runs/layout.py): the same columns, no `cxspec_layout` table.
The other layouts are tables altered by hand or made by another tool: a column missing,
`period` or `value` stored as text.
"""

from __future__ import annotations

import pytest

from cxspec import load_project
from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.runs import run as run_module

REGISTRY = default_registry()
CONFIG = "version: 1\nproject: layouts\ngrain: month\n"
SPECS = """\
version: 1
sources:
  - {id: r, type: file, path: data/r.csv, time: t, key: id}
metrics:
  - {id: nps, type: nps, source: r, column: score}
  - {id: avg, type: mean, source: r, column: score}
goals:
  - {metric: nps, target: 50, warn: 10}
pyramids:
  - id: idx
    children:
      - {metric: nps}
      - {metric: avg, bounds: [0, 10]}
"""
DATA = "id,t,score\n1,2026-01-05T10:00:00Z,10\n2,2026-01-06T10:00:00Z,3\n3,2026-02-07T10:00:00Z,9\n"
RESULT_COLUMNS = [
    "project", "spec_hash", "metric", "metric_version", "definition", "grain", "period", "dimensions",
    "value", "n", "invalid", "moe", "status", "computed_at",
]  # fmt: skip


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        drop_tables(url)  # the server is shared by the session: start from no tables
        yield url
        drop_tables(url)
        return
    yield {"duckdb": f"duckdb:///{tmp_path}/w.duckdb", "sqlite": f"sqlite:///{tmp_path}/w.db"}[request.param]


def drop_tables(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        for name in ("cxspec_results", "cxspec_scores", "cxspec_layout"):
            connection.execute(f'DROP TABLE IF EXISTS "{name}"')  # a test's own SQL


def stored_project(make_project, run_main, url):
    root = make_project({"specs.yaml": SPECS, "data/r.csv": DATA}, config=CONFIG + f'warehouse: "{url}"\n')
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    return root


def sql(root, *statements) -> list:
    """Run a test's own statements on the project's warehouse; the last one's rows."""
    with connect(None, load_project(root), REGISTRY) as warehouse, warehouse.transaction():
        rows = []
        for statement in statements:
            if statement.lstrip().upper().startswith("SELECT"):
                _, rows = warehouse.execute(statement)
            else:
                warehouse.execute_statement(statement)
    return rows


def rebuild_results(root, select_list: str) -> None:
    """Replace cxspec_results with a table of these columns (an older layout's), no layout row."""
    sql(
        root,
        f'CREATE TABLE "old_results" AS SELECT {select_list} FROM "cxspec_results"',  # noqa: S608
        'DROP TABLE "cxspec_results"',
        'ALTER TABLE "old_results" RENAME TO "cxspec_results"',
        'DROP TABLE "cxspec_layout"',
    )


def report_json(run_main, root) -> str:
    code, out, err = run_main("report", str(root), "--format", "json")
    assert code == 0, err
    return out


def text_type(url: str) -> str:
    return "TEXT" if url.startswith("sqlite") else "VARCHAR"


#: The tables exactly as cxspec created them before layouts had a version: the statements
#: `create_table` of cxspec/runs/store.py wrote from commit 269a26d (the first run store) to
#: 04cc6db (the last before cxspec/runs/layout.py), the only layout shipped before layout 2.
SHIPPED_LAYOUT_1 = {
    "duckdb": [
        'CREATE TABLE IF NOT EXISTS "cxspec_results" ("project" TEXT, "spec_hash" TEXT, "metric" TEXT, '
        '"metric_version" INT, "definition" TEXT, "grain" TEXT, "period" DATE, "dimensions" TEXT, '
        '"value" DOUBLE, "n" BIGINT, "invalid" BIGINT, "moe" DOUBLE, "status" TEXT, "computed_at" TIMESTAMP, '
        'PRIMARY KEY ("project", "metric", "grain", "period", "dimensions"))',
        'CREATE TABLE IF NOT EXISTS "cxspec_scores" ("project" TEXT, "spec_hash" TEXT, "pyramid" TEXT, '
        '"node" TEXT, "parent" TEXT, "grain" TEXT, "period" DATE, "score" DOUBLE, "coverage" DOUBLE, '
        '"computed_at" TIMESTAMP, PRIMARY KEY ("project", "pyramid", "node", "grain", "period"))',
    ],
    "sqlite": [
        'CREATE TABLE IF NOT EXISTS "cxspec_results" ("project" TEXT, "spec_hash" TEXT, "metric" TEXT, '
        '"metric_version" INTEGER, "definition" TEXT, "grain" TEXT, "period" TEXT, "dimensions" TEXT, '
        '"value" REAL, "n" INTEGER, "invalid" INTEGER, "moe" REAL, "status" TEXT, "computed_at" TEXT, '
        'PRIMARY KEY ("project", "metric", "grain", "period", "dimensions"))',
        'CREATE TABLE IF NOT EXISTS "cxspec_scores" ("project" TEXT, "spec_hash" TEXT, "pyramid" TEXT, '
        '"node" TEXT, "parent" TEXT, "grain" TEXT, "period" TEXT, "score" REAL, "coverage" REAL, '
        '"computed_at" TEXT, PRIMARY KEY ("project", "pyramid", "node", "grain", "period"))',
    ],
    "postgres": [
        'CREATE TABLE IF NOT EXISTS "cxspec_results" ("project" VARCHAR, "spec_hash" VARCHAR, '
        '"metric" VARCHAR, "metric_version" INT, "definition" VARCHAR, "grain" VARCHAR, "period" DATE, '
        '"dimensions" VARCHAR, "value" DOUBLE PRECISION, "n" BIGINT, "invalid" BIGINT, '
        '"moe" DOUBLE PRECISION, "status" VARCHAR, "computed_at" TIMESTAMP, '
        'PRIMARY KEY ("project", "metric", "grain", "period", "dimensions"))',
        'CREATE TABLE IF NOT EXISTS "cxspec_scores" ("project" VARCHAR, "spec_hash" VARCHAR, '
        '"pyramid" VARCHAR, "node" VARCHAR, "parent" VARCHAR, "grain" VARCHAR, "period" DATE, '
        '"score" DOUBLE PRECISION, "coverage" DOUBLE PRECISION, "computed_at" TIMESTAMP, '
        'PRIMARY KEY ("project", "pyramid", "node", "grain", "period"))',
    ],
}
#: What a layout-1 run stored for a period the new data does not have (December 2025).
SHIPPED_ROWS = [
    "INSERT INTO \"cxspec_results\" VALUES ('layouts', 'oldhash', 'nps', 1, 'olddef', 'month', "
    "'2025-12-01', '{}', 40.0, 10, 0, 12.5, 'amber', '2025-12-31 06:00:00')",
    "INSERT INTO \"cxspec_results\" VALUES ('layouts', 'oldhash', 'avg', 1, 'olddef', 'month', "
    "'2025-12-01', '{}', 7.5, 10, 0, 0.5, NULL, '2025-12-31 06:00:00')",
    "INSERT INTO \"cxspec_scores\" VALUES ('layouts', 'oldhash', 'idx', 'idx', NULL, 'month', "
    "'2025-12-01', 72.5, 1.0, '2025-12-31 06:00:00')",
]


@pytest.mark.parametrize("first", ["report", "run", "migrate"])
def test_tables_of_the_shipped_layout_1_are_read_and_upgraded(make_project, run_main, warehouse_url, first):
    engine = warehouse_url.split(":", 1)[0].replace("postgresql", "postgres")
    root = make_project(
        {"specs.yaml": SPECS, "data/r.csv": DATA}, config=CONFIG + f'warehouse: "{warehouse_url}"\n'
    )
    sql(root, *SHIPPED_LAYOUT_1[engine], *SHIPPED_ROWS)
    if first == "report":  # reading needs no upgrade, and changes nothing
        import json

        report = json.loads(report_json(run_main, root))
        nps = next(m for m in report["metrics"] if m["id"] == "nps")
        assert [(p["period"], p["value"], p["status"]) for p in nps["series"]] == [("2025-12-01", 40.0, "amber")]
        assert report["pyramids"][0]["tree"]["score"] == 72.5
        assert sql(root, "SELECT count(*) FROM \"cxspec_results\"") == [(2,)]
    if first == "migrate":
        code, out, err = run_main("migrate", str(root))
        assert code == 0, err
        assert sql(root, 'SELECT "version" FROM "cxspec_layout"') == [(4,)]
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    assert sql(root, 'SELECT "version" FROM "cxspec_layout"') == [(4,)]
    stored = sql(root, 'SELECT "metric", "period", "value" FROM "cxspec_results" ORDER BY 1, 2')
    days = [(m, str(p)[:10], v) for m, p, v in stored]
    # the old period kept as stored; January (mean of 10 and 3, NPS of one 10 and one 3) and
    # February (a 9) computed by this run
    assert days == [
        ("avg", "2025-12-01", 7.5), ("avg", "2026-01-01", 6.5), ("avg", "2026-02-01", 9.0),
        ("nps", "2025-12-01", 40.0), ("nps", "2026-01-01", 0.0), ("nps", "2026-02-01", 100.0),
    ]  # fmt: skip


def test_layout_1_is_upgraded_in_place(make_project, run_main, warehouse_url):
    root = stored_project(make_project, run_main, warehouse_url)
    before = report_json(run_main, root)
    sql(root, 'DROP TABLE "cxspec_layout"')  # what cxspec stored before layouts had a version
    assert report_json(run_main, root) == before  # reading needs no upgrade
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    assert sql(root, 'SELECT "version" FROM "cxspec_layout"') == [(4,)]
    assert sql(root, 'SELECT count(*) FROM "cxspec_results"')[0][0] == 4


@pytest.mark.parametrize(
    "layout, changed",
    [
        ("a missing column", {"status": None}),
        ("period stored as text", {"period": "CAST(period AS {text})"}),
        ("value stored as text", {"value": "CAST(value AS {text})"}),
    ],
)
def test_another_layout_is_refused_then_migrated(
    make_project, run_main, warehouse_url, layout, changed, monkeypatch
):
    if layout == "period stored as text" and warehouse_url.startswith("sqlite"):
        pytest.skip("SQLite stores days as text in every layout")
    root = stored_project(make_project, run_main, warehouse_url)
    before = report_json(run_main, root)
    select_list = ", ".join(
        (changed[c].format(text=text_type(warehouse_url)) + f' AS "{c}"') if changed.get(c) else f'"{c}"'
        for c in RESULT_COLUMNS
        if c not in changed or changed[c] is not None
    )
    rebuild_results(root, select_list)
    column = next(iter(changed))
    with monkeypatch.context() as patched:  # refused before computing, which can take minutes
        patched.setattr(run_module, "compute_with", _not_called)
        code, _, err = run_main("run", str(root), "--quiet")
        assert code == 1 and "older or different layout" in err, err
    for command in (["run", str(root), "--quiet"], ["report", str(root), "--format", "json"]):
        code, _, err = run_main(*command)
        assert code == 1, err
        assert "internal error" not in err and "Traceback" not in err
        assert "older or different layout" in err and f"column {column!r}" in err, err
        assert "run `cxspec migrate PROJECT`" in err

    code, out, err = run_main("migrate", str(root))
    assert code == 0, err
    assert "migrated cxspec_results" in out and "layout 4" in out
    if column == "status":
        code, _, err = run_main("run", str(root), "--quiet")  # the status is computed again
        assert code == 0, err
    after = report_json(run_main, root)
    rerun = column == "status"  # a new run has its own id, the rest of the report is the same
    assert _without_times(after, rerun=rerun) == _without_times(before, rerun=rerun)
    code, out, err = run_main("migrate", str(root))
    assert code == 0 and "nothing to convert" in out, err


def test_a_migration_that_fails_changes_nothing(make_project, run_main, warehouse_url):
    root = stored_project(make_project, run_main, warehouse_url)
    as_text = text_type(warehouse_url)
    rebuild_results(root, ", ".join(f'CAST("{c}" AS {as_text}) AS "{c}"' for c in RESULT_COLUMNS))
    # Rows twice over: the rebuilt table's key refuses the copy.
    sql(root, 'INSERT INTO "cxspec_results" SELECT * FROM "cxspec_results"')
    rows = sorted(sql(root, 'SELECT * FROM "cxspec_results"'))
    code, _, err = run_main("migrate", str(root))
    assert code == 1 and "internal error" not in err, err
    assert sorted(sql(root, 'SELECT * FROM "cxspec_results"')) == rows
    code, _, err = run_main("report", str(root))
    assert code == 1 and "cxspec migrate" in err, err


def test_a_newer_layout_is_refused(make_project, run_main, warehouse_url):
    root = stored_project(make_project, run_main, warehouse_url)
    sql(root, 'UPDATE "cxspec_layout" SET "version" = 99')
    code, _, err = run_main("report", str(root))
    assert code == 1 and "layout 99, newer than this cxspec knows (4): upgrade cxspec" in err, err


def _not_called(*args, **kwargs):
    raise AssertionError("computed before the layout was checked")


def _without_times(report: str, *, rerun: bool = False) -> str:
    """The report without the times it was computed and written (and the run's id after a rerun)."""
    import json

    def strip(value):
        if isinstance(value, dict):
            return {
                k: strip(v) for k, v in value.items() if not k.endswith("_at") and not (rerun and k == "run")
            }
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(json.loads(report)), sort_keys=True)


def test_layout_2_scores_gain_their_segment(make_project, run_main, warehouse_url):
    """Layout 4 added `dimensions` to cxspec_scores and its key: layout-2 tables are read as
    they are, and the next run rebuilds them, the old scores becoming the total's ({})."""
    engine = warehouse_url.split(":", 1)[0].replace("postgresql", "postgres")
    root = make_project(
        {"specs.yaml": SPECS, "data/r.csv": DATA}, config=CONFIG + f'warehouse: "{warehouse_url}"\n'
    )
    layout_2 = ['CREATE TABLE "cxspec_layout" ("version" INT)', 'INSERT INTO "cxspec_layout" VALUES (2)']
    sql(root, *SHIPPED_LAYOUT_1[engine], *layout_2, *SHIPPED_ROWS)
    import json

    report = json.loads(report_json(run_main, root))
    assert report["pyramids"][0]["tree"]["score"] == 72.5
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    assert sql(root, 'SELECT "version" FROM "cxspec_layout"') == [(4,)]
    old = sql(root, "SELECT \"dimensions\", \"score\" FROM \"cxspec_scores\" WHERE \"node\" = 'idx' ORDER BY \"period\"")
    assert old[0] == ("{}", 72.5) and len(old) == 3 and {d for d, _ in old} == {"{}"}
