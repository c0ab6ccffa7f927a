"""The metric models are the SQL cxspec compiles, and give cxspec's numbers."""

from __future__ import annotations

import math

import duckdb
import jinja2
import pytest
import sqlglot
import yaml
from cxspec.testing import run_cli

import dbt_expected as expected


def source_renderer(package, project):
    """dbt's source() for these models, rendered as cxspec reads each source on DuckDB."""
    from cxspec import file_reader

    declared = yaml.safe_load((package / "models/sources.yml").read_text(encoding="utf-8"))
    tables = {
        (s["name"], t["name"]): t["meta"]["cxspec_source"] for s in declared["sources"] for t in s["tables"]
    }

    def source(name: str, table: str) -> str:
        source_id = tables[(name, table)]  # a KeyError: the model reads a source sources.yml lacks
        # a CSV file's typed rows are a query: the model puts it in parentheses and names it
        return file_reader(project.sources[source_id], project.root).sql(dialect="duckdb")

    return source


def rendered_models(package, project) -> dict[str, str]:
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    source = source_renderer(package, project)
    return {
        path.stem: environment.from_string(path.read_text(encoding="utf-8")).render(source=source)
        for path in sorted((package / "models/metrics").glob("*.sql"))
    }


@pytest.fixture(scope="module")
def compiled(tmp_path_factory, acme):
    out = tmp_path_factory.mktemp("compiled")
    result = run_cli("compile", acme, "--out", out)
    assert result.exit_code == 0, result.stderr
    manifest = yaml.safe_load((out / "manifest.json").read_text(encoding="utf-8"))
    return {q["name"]: (out / q["file"]).read_text(encoding="utf-8") for q in manifest["queries"]}


def test_each_model_is_the_sql_cxspec_compiles(exported, project, compiled):
    package, _ = exported
    models = rendered_models(package, project)
    assert sorted(models) == sorted(f"cxspec_{name.replace('+', '_')}" for name in compiled)
    for name, sql in compiled.items():
        model = models[f"cxspec_{name.replace('+', '_')}"]
        assert "{{" not in model
        # the same statement, whatever the layout (compile pretty-prints the source's rows too)
        assert _canonical(model) == _canonical(sql), f"model of query {name} differs from cxspec compile"


def _canonical(sql: str) -> str:
    """The statement in one layout, without the name `s` compiled SQL gives a source's rows
    (a dbt source() is a table and needs none): the same query either way."""
    tree = sqlglot.parse_one(sql.rstrip().rstrip(";"), read="duckdb")
    for alias in list(tree.find_all(sqlglot.exp.TableAlias)):
        if alias.name == "s":
            alias.pop()
    return tree.sql(dialect="duckdb")


def run_model(sql: str, root) -> dict[tuple[str, str], tuple]:
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET file_search_path = ?", [str(root)])
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
    return {
        (r["metric"], r["period"].isoformat()[:10]): (r["value"], r["n"], r["invalid"], r["moe"])
        for r in rows
    }


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("model", ["cxspec_responses", "cxspec_orders_tickets"])
def test_a_model_run_on_duckdb_gives_the_numbers_of_cxspec_query(exported, project, model):
    from cxspec import Request, compute, default_registry

    package, _ = exported
    got = run_model(rendered_models(package, project)[model], project.root)
    metrics = sorted({metric for metric, _ in got})
    assert len(metrics) >= 10
    results = compute(project, Request(metrics=tuple(metrics)), default_registry(), "duckdb:///:memory:")
    want = {(r.metric, r.period): (r.value, r.n, r.invalid, r.moe) for r in results}
    assert set(got) == set(want)
    for key, values in want.items():
        assert all(close(a, b) for a, b in zip(got[key], values, strict=True)), (key, got[key], values)


def test_model_numbers_match_plain_python(exported, project):
    package, _ = exported
    models = rendered_models(package, project)
    responses = run_model(models["cxspec_responses"], project.root)
    orders = run_model(models["cxspec_orders_tickets"], project.root)

    nps = expected.relationship_nps(project.root)
    assert len(nps) >= 12
    got_nps = {
        period: (v[0], v[1]) for (metric, period), v in responses.items() if metric == "relationship_nps"
    }
    assert set(got_nps) == set(nps)
    for period, (value, n) in nps.items():
        assert got_nps[period][1] == n
        assert math.isclose(got_nps[period][0], value, rel_tol=1e-9), period

    counts = expected.order_count(project.root)
    got_counts = {period: v[0] for (metric, period), v in orders.items() if metric == "order_count"}
    assert got_counts == pytest.approx(counts)
