"""Compilation: golden SQL per dialect, determinism, parse-back in every dialect, one scan
per source, the manifest and the compile/query commands.

Regenerate the golden files after an intended change with CXSPEC_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.optimizer import optimize

from cxspec import load_project
from cxspec.compiler.compile import compile_request
from cxspec.compiler.plan import Request
from cxspec.registry import default_registry
from cxspec.schema import dialects

pytest_plugins = ["plugin_install"]  # the `site` fixture: a plugin installed for one test

HERE = Path(__file__).parent
PROJECT = HERE / "fixtures" / "golden"
GOLDEN = HERE / "golden"
GOLDEN_DIALECTS = ("duckdb", "postgres", "snowflake", "bigquery", "spark", "tsql")
REQUESTS = {
    "month": Request(),
    "week-by-channel": Request(grain="week", by=("channel",)),
}


@pytest.fixture(scope="module")
def project():
    return load_project(PROJECT)


def compiled(project, dialect, request):
    return compile_request(project, request, dialect, default_registry())


@pytest.mark.parametrize("dialect", GOLDEN_DIALECTS)
@pytest.mark.parametrize("request_name", sorted(REQUESTS))
def test_golden_sql(project, dialect, request_name):
    folder = GOLDEN / dialect / request_name
    queries = compiled(project, dialect, REQUESTS[request_name])
    if os.environ.get("CXSPEC_UPDATE_GOLDEN"):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.sql"):
            old.unlink()
        for query in queries:
            (folder / f"{query.name}.sql").write_text(query.sql + "\n", encoding="utf-8")
    expected = sorted(p.name for p in folder.glob("*.sql"))
    assert [f"{q.name}.sql" for q in sorted(queries, key=lambda q: q.name)] == expected
    for query in queries:
        golden = (folder / f"{query.name}.sql").read_text(encoding="utf-8")
        assert query.sql + "\n" == golden, f"{dialect}/{request_name}/{query.name}.sql differs"


@pytest.mark.parametrize("dialect", dialects())
def test_every_dialect_compiles_and_parses_back(project, dialect):
    for request in REQUESTS.values():
        for query in compiled(project, dialect, request):
            statements = sqlglot.parse(query.sql, read=dialect)
            assert len(statements) == 1 and isinstance(statements[0], exp.Query), dialect


def test_compilation_is_deterministic(project):
    first = [(q.name, q.sql) for q in compiled(project, "duckdb", REQUESTS["week-by-channel"])]
    again = load_project(PROJECT)
    second = [(q.name, q.sql) for q in compiled(again, "duckdb", REQUESTS["week-by-channel"])]
    assert first == second


def test_optimizer_accepts_the_trees(project):
    """sqlglot's optimizer catches malformed trees that .sql() renders without complaint."""
    schema = {
        "responses": {c: "VARCHAR" for c in ("response_id", "customer_id", "responded_at", "channel",
                                             "touchpoint", "nps_score", "csat_score", "ces_score")},
        "tickets": {c: "VARCHAR" for c in ("ticket_id", "customer_id", "opened_at", "channel", "queue",
                                           "resolved_first", "handle_seconds")},
        "subscriptions": {c: "VARCHAR" for c in ("customer_id", "started_at", "ended_at", "channel", "plan")},
    }
    for query in compiled(project, "postgres", REQUESTS["month"]):
        tree = sqlglot.parse_one(query.sql, read="postgres")
        optimized = optimize(tree, schema=schema, dialect="postgres")
        assert optimized.find(exp.Select) is not None


def test_each_source_is_read_once(project):
    """All metrics of a source, whatever their filters, come from one read of it."""
    for query in compiled(project, "duckdb", REQUESTS["month"]):
        tree = sqlglot.parse_one(query.sql, read="duckdb")
        reads = [node.this.name for node in tree.find_all(exp.ReadCSV)]
        reads += [n.expressions[0].name for n in tree.find_all(exp.Anonymous) if n.name.lower() == "read_parquet"]
        assert sorted(reads) == sorted(f"data/{s}.csv" for s in query.sources)
        assert len(query.metrics) >= 2


def test_many_filtered_metrics_share_one_scan(make_project):
    metrics = "\n".join(
        f"  - {{id: nps_{i}, type: nps, source: r, column: score, filter: \"touchpoint = 'tp_{i}'\"}}"
        for i in range(60)
    )
    root = make_project({
        "specs.yaml": "version: 1\nsources:\n  - {id: r, type: table, table: survey.responses, time: t}\n"
                      "metrics:\n" + metrics + "\n",
    })
    queries = compile_request(load_project(root), Request(), "postgres", default_registry())
    assert len(queries) == 1
    tree = sqlglot.parse_one(queries[0].sql, read="postgres")
    tables = [t for t in tree.find_all(exp.Table) if t.name == "responses"]
    assert len(tables) == 1
    assert len(queries[0].metrics) == 60


def test_compile_command_writes_queries_and_manifest(run_main, tmp_path):
    out = tmp_path / "sql"
    code, stdout, stderr = run_main("compile", str(PROJECT), "--dialect", "postgres", "--out", str(out))
    assert code == 0, stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["dialect"] == "postgres" and manifest["grain"] == "month"
    names = [q["name"] for q in manifest["queries"]]
    assert names == ["responses+tickets", "subscriptions"]
    for query in manifest["queries"]:
        text = (out / query["file"]).read_text()
        assert sqlglot.parse_one(text.rstrip(";\n"), read="postgres")
        assert query["columns"][:2] == ["metric", "period"] and query["columns"][-4:] == ["value", "n", "invalid", "moe"]
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    run_main("compile", str(PROJECT), "--dialect", "postgres", "--out", str(out))
    assert first == {p.name: p.read_bytes() for p in out.iterdir()}


def test_compile_explain(run_main):
    code, stdout, _ = run_main("compile", str(PROJECT), "--explain")
    assert code == 0
    assert "scan responses (file): read once" in stdout
    assert "over a spine of periods: churn (churn_rate), retention (retention_rate)" in stdout


def test_compile_refuses_an_invalid_project(run_main, make_project):
    root = make_project({"m.yaml": "version: 1\nmetrics:\n  - {id: x, type: nps, source: nowhere, column: s}\n"})
    code, stdout, stderr = run_main("compile", str(root))
    assert code == 1
    assert "CX202" in stderr and "Traceback" not in stderr


def test_query_command_json(run_main, tmp_path):
    from cxspec.scaffold import write_starter

    write_starter(tmp_path / "p", default_registry())
    code, stdout, stderr = run_main("query", str(tmp_path / "p"), "-m", "nps", "--format", "json")
    assert code == 0, stderr
    results = json.loads(stdout)["results"]
    assert results and set(results[0]) == {"metric", "period", "dimensions", "value", "n", "invalid", "moe"}
    assert all(r["metric"] == "nps" and len(r["period"]) == 10 for r in results)


def test_query_unknown_metric_and_dimension(run_main, tmp_path):
    from cxspec.scaffold import write_starter

    write_starter(tmp_path / "p", default_registry())
    code, _, stderr = run_main("query", str(tmp_path / "p"), "-m", "npss")
    assert code == 1 and "unknown metric 'npss'" in stderr and "did you mean 'nps'" in stderr
    code, _, stderr = run_main("query", str(tmp_path / "p"), "-m", "nps", "--by", "region")
    assert code == 1 and "region" in stderr and "Traceback" not in stderr
    code, _, stderr = run_main("query", str(tmp_path / "p"), "-m", "nps", "--where", "1; DROP TABLE x")
    assert code == 1 and "Traceback" not in stderr


def test_a_plugin_source_type_that_cannot_say_how_it_is_read(site, make_project, run_main):
    """A third-party source type without `relation`: a message naming it, exit 1, no traceback."""
    site.install(
        "cxspec-silent-source",
        {"silent": "silent_source"},
        {
            "silent_source": """
                from cxspec.hookspecs import hookimpl
                from cxspec.source_type import SourceType

                class Silent(SourceType):
                    name = "silent"

                @hookimpl
                def cxspec_register_source_types():
                    return [Silent]
            """
        },
    )
    root = make_project(
        {
            "specs.yaml": """
                version: 1
                sources:
                  - {id: s, type: silent, time: t}
                metrics:
                  - {id: m, type: count, source: s}
            """
        }
    )
    code, stdout, stderr = run_main("query", str(root))
    assert code == 1 and "Traceback" not in stderr
    assert "source type 'silent' (from silent) does not say how it is read" in stderr


@pytest.mark.parametrize("dialect", ["spark", "databricks"])
def test_spark_spines_are_generated_not_recursive(dialect):
    """Spark stops recursive CTEs at 100 levels by default (fewer than a year of days): its
    spines of periods are EXPLODE(SEQUENCE(…)) instead. Numbers: plugins/cxspec-spark tests."""
    project = load_project(Path(__file__).parent / "fixtures" / "numbers")
    request = Request(metrics=("churn",), grain="day")
    (query,) = compile_request(project, request, dialect, default_registry())
    assert "RECURSIVE" not in query.sql.upper()
    assert "EXPLODE(SEQUENCE(`__first`, `__last`, INTERVAL '1' DAY))" in query.sql
    sqlglot.parse_one(query.sql, read=dialect)


def test_the_first_level_groups_by_columns_compared_with_strings():
    """Which filter columns the first level groups by (exact either way; this is about cost):
    string comparisons, IN lists, booleans, through functions of the column alone; not LIKE,
    numbers, or a column only tested for NULL (`closed_at IS NOT NULL` is a timestamp's)."""
    from cxspec.compiler.plan import groupable_columns

    parts = [
        sqlglot.parse_one(text)
        for text in (
            "closed_at IS NOT NULL",
            "channel = 'web'",
            "channel IS NULL",
            "resolved",
            "LOWER(TRIM(tp)) = 'x'",
            "survey IN ('a', 'b')",
            "wait > 60",
            "id LIKE 'dup-%'",
            "queue <> 'vip' AND wait > 5",
        )
    ]
    assert groupable_columns(parts, 6) == {"channel", "resolved", "tp", "survey", "queue"}
    assert groupable_columns(parts, 2) == {"channel", "queue"}  # the most used first, then by name
