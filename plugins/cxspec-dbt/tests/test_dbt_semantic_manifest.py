"""The exported MetricFlow YAML passes dbt-semantic-interfaces' parsing and validation."""

from __future__ import annotations

import re

import pytest
import yaml

pytest.importorskip("dbt_semantic_interfaces")

from dbt_semantic_interfaces.parsing.dir_to_model import (  # noqa: E402
    parse_yaml_files_to_validation_ready_semantic_manifest,
)
from dbt_semantic_interfaces.parsing.objects import YamlConfigFile  # noqa: E402
from dbt_semantic_interfaces.validations.semantic_manifest_validator import (  # noqa: E402
    SemanticManifestValidator,
)

SCHEMA = "analytics"  # any target schema: dbt fills in the real one


def metricflow_documents(package) -> list[dict]:
    """dbt's semantic-layer YAML as MetricFlow's own documents, the way dbt parse turns it into a
    semantic manifest: `model: ref('x')` → `node_relation`, the time spine model's
    `time_spine` property → the project configuration."""
    doc = yaml.safe_load((package / "models/semantic/semantic_models.yml").read_text(encoding="utf-8"))
    documents = []
    for semantic_model in doc["semantic_models"]:
        semantic_model = dict(semantic_model)
        alias = re.fullmatch(r"ref\('([a-z0-9_]+)'\)", semantic_model.pop("model")).group(1)
        assert (package / "models/semantic" / f"{alias}.sql").is_file(), f"no model {alias}"
        semantic_model["node_relation"] = {"alias": alias, "schema_name": SCHEMA}
        documents.append({"semantic_model": semantic_model})
    documents += [{"metric": metric} for metric in doc["metrics"]]
    spines = []
    for model in doc["models"]:
        if "time_spine" in model:
            column = model["time_spine"]["standard_granularity_column"]
            granularity = next(c["granularity"] for c in model["columns"] if c["name"] == column)
            assert (package / "models/semantic" / f"{model['name']}.sql").is_file()
            spines.append(
                {
                    "node_relation": {"alias": model["name"], "schema_name": SCHEMA},
                    "primary_column": {"name": column, "time_granularity": granularity},
                }
            )
    documents.append({"project_configuration": {"time_spines": spines}})
    return documents


def validate(documents: list[dict]):
    text = yaml.safe_dump_all(documents, sort_keys=False)
    built = parse_yaml_files_to_validation_ready_semantic_manifest(
        [YamlConfigFile(filepath="semantic_models.yml", contents=text)], raise_issues_as_exceptions=False
    )
    results = SemanticManifestValidator().validate_semantic_manifest(built.semantic_manifest)
    return built, results


def test_exported_semantic_layer_has_no_validation_issue(exported, project):
    package, _ = exported
    built, results = validate(metricflow_documents(package))
    assert not built.issues.all_issues, [i.message for i in built.issues.all_issues]
    assert not results.errors, [e.message for e in results.errors]
    assert not results.warnings, [w.message for w in results.warnings]
    manifest = built.semantic_manifest
    assert {m.name for m in manifest.semantic_models} == {
        "orders",
        "responses",
        "reviews",
        "subscriptions",
        "tickets",
    }
    names = {m.name for m in manifest.metrics}
    # Every acme metric but churn and retention (over a spine of periods) is a MetricFlow metric.
    spine = {m for m, metric in project.metrics.items() if metric.type in ("churn_rate", "retention_rate")}
    assert spine == {"subscription_churn", "subscription_retention"}
    assert {m.replace("-", "_") for m in project.metrics} - spine <= names
    assert not spine & names


def test_the_validator_does_catch_a_broken_export(exported):
    """The check above can fail: a derived metric naming a metric that does not exist."""
    package, _ = exported
    documents = metricflow_documents(package)
    nps = next(d["metric"] for d in documents if d.get("metric", {}).get("name") == "relationship_nps")
    nps["type_params"]["metrics"][0]["name"] = "no_such_metric"
    built, results = validate(documents)
    assert results.errors or built.issues.has_blocking_issues


def test_metric_types_map_to_metricflow_as_documented(exported):
    package, _ = exported
    doc = yaml.safe_load((package / "models/semantic/semantic_models.yml").read_text(encoding="utf-8"))
    metrics = {m["name"]: m for m in doc["metrics"]}
    measures = {m["name"]: m for sm in doc["semantic_models"] for m in sm["measures"]}
    # NPS: a derived metric over promoters, detractors and n, each a filtered sum.
    nps = metrics["relationship_nps"]
    assert nps["type"] == "derived"
    assert [i["name"] for i in nps["type_params"]["metrics"]] == [
        "relationship_nps_detractors",
        "relationship_nps_n",
        "relationship_nps_promoters",
    ]
    promoters = measures["relationship_nps_promoters"]
    assert promoters["agg"] == "sum" and "'relationship'" in promoters["expr"] and ">= 9" in promoters["expr"]
    # Percentile and distinct counts: MetricFlow's own aggregations.
    p90 = measures["p90_days_to_ship_value"]
    assert p90["agg"] == "percentile"
    assert p90["agg_params"] == {"percentile": 0.9, "use_discrete_percentile": False}
    assert measures["buying_customers_value"]["agg"] == "count_distinct"
    # A ratio of two metrics; owners ride along in meta.
    ratio = metrics["revenue_per_customer"]
    assert {i["name"] for i in ratio["type_params"]["metrics"]} == {"order_revenue", "buying_customers"}
    owners = {o["role"]: o for o in nps["config"]["meta"]["owners"]}
    assert owners["accountable"]["email"] == "cx@acme.example"
    assert owners["responsible"]["id"] == "cx-insights"


MINI = {
    "cxspec.yaml": "version: 1\nproject: mini-shop\ngrain: week\n",
    "specs/all.yaml": """\
version: 1
owners:
  - id: ops
    name: Operations
    kind: team
    email: ops@shop.example
sources:
  - id: tickets
    type: table
    table: support.tickets
    time: opened_at
    entity: customer_id
    key: ticket_id
    dimensions: [channel, ticket_id]
  - id: web-events
    type: sql
    query: "SELECT * FROM raw.events WHERE kind <> 'bot'"
    time: at
metrics:
  - id: ticket-count
    type: count
    source: tickets
    owner: ops
    category: operational
  - id: solved_rate
    type: rate
    source: tickets
    condition: "solved"
    filter: "channel = 'chat'"
    owner: ops
    category: operational
  - id: event_count
    type: count
    source: web-events
    owner: ops
    category: behaviour
""",
}


def test_table_and_sql_sources_and_awkward_names(tmp_path):
    from dbt_helpers import export

    project = tmp_path / "mini"
    for name, text in MINI.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    package = tmp_path / "pkg"
    result = export(package, project)
    assert result.exit_code == 0, result.output
    sources = yaml.safe_load((package / "models/sources.yml").read_text(encoding="utf-8"))["sources"]
    assert [(s["name"], s["schema"], [t["name"] for t in s["tables"]]) for s in sources] == [
        ("support", "support", ["tickets"])
    ]
    sql = {p.stem: p.read_text(encoding="utf-8") for p in (package / "models").rglob("*.sql")}
    assert "{{ source('support', 'tickets') }}" in sql["cxspec_tickets"]
    assert "FROM raw.events" in sql["cxspec_web_events"] and "source(" not in sql["cxspec_web_events"]
    built, results = validate(metricflow_documents(package))
    assert not built.issues.all_issues and not results.errors, [e.message for e in results.errors]
    tickets = next(m for m in built.semantic_manifest.semantic_models if m.name == "tickets")
    assert {d.name for d in tickets.dimensions} == {"opened_at", "channel", "ticket_id"}
    assert {(e.name, e.type.value) for e in tickets.entities} == {
        ("ticket_id_entity", "primary"),
        ("customer_id", "foreign"),
    }
    assert {m.name for m in built.semantic_manifest.metrics} >= {"ticket_count", "solved_rate", "event_count"}
    assert "web_events" in {m.name for m in built.semantic_manifest.semantic_models}


def test_a_plugin_metric_type_of_measures_maps_without_plugin_specific_code(tmp_path):
    """A metric type the exporter has never heard of: its own measures and formula go to MetricFlow."""
    from cxspec import (
        Measure,
        MetricSql,
        MetricType,
        build_registry,
        flag,
        mul,
        not_null,
        num,
        safe_div,
        validate_project,
    )

    from cxspec_dbt.exporter import DbtExport

    class TopShare(MetricType):
        name = "top_share"
        fields = {"column": {"type": "string"}, "top": {"type": "number"}}
        required = ("column", "top")

        def measures(self, metric, sql):
            value = sql.number(metric.get("column"))
            return {
                "n": Measure(flag(not_null(value))),
                "top": Measure(flag(value.copy() >= metric.get("top"))),
                "best": Measure(value.copy(), "max"),  # not used by the formula: left out
            }

        def result(self, metric, m, sql):
            return MetricSql(value=mul(num(100), safe_div(m("top"), m("n"))), n=m("n"), invalid=num(0))

    registry = build_registry(external=False)
    registry.metric_types["top_share"] = TopShare()
    project_dir = tmp_path / "p"
    (project_dir / "specs").mkdir(parents=True)
    (project_dir / "cxspec.yaml").write_text("version: 1\nproject: p\n", encoding="utf-8")
    (project_dir / "specs/s.yaml").write_text(
        "version: 1\n"
        "sources:\n  - {id: answers, type: table, table: raw.answers, time: at, dimensions: [team]}\n"
        "metrics:\n"
        "  - {id: happy_share, type: top_share, source: answers, column: score, top: 9,\n"
        "     filter: \"team = 'a'\"}\n",
        encoding="utf-8",
    )
    validation = validate_project(project_dir, registry)
    assert validation.project is not None and not validation.diagnostics, validation.diagnostics
    package = tmp_path / "pkg"
    DbtExport().export(validation.project, registry, package, dialect="duckdb")
    built, results = validate(metricflow_documents(package))
    assert not built.issues.all_issues and not results.errors, [e.message for e in results.errors]
    metrics = {m.name: m for m in built.semantic_manifest.metrics}
    share = metrics["happy_share"]
    assert share.type.value == "derived"
    assert sorted(i.name for i in share.type_params.metrics) == ["happy_share_n", "happy_share_top"]
    assert "happy_share_top" in share.type_params.expr and "happy_share_n" in share.type_params.expr
    measures = {m.name: m for sm in built.semantic_manifest.semantic_models for m in sm.measures}
    assert set(measures) == {"happy_share_n", "happy_share_top"}  # `best` is not in the formula
    assert "'a'" in measures["happy_share_top"].expr and ">= 9" in measures["happy_share_top"].expr


def _export_with_types(tmp_path, types: dict, metrics: str):
    """Export a project whose metrics use the given plugin metric types; → (package, skipped)."""
    from cxspec import build_registry, validate_project

    from cxspec_dbt.exporter import DbtExport
    from cxspec_dbt.semantic import build_semantic

    registry = build_registry(external=False)
    registry.metric_types.update({name: kind() for name, kind in types.items()})
    project_dir = tmp_path / "p"
    (project_dir / "specs").mkdir(parents=True)
    (project_dir / "cxspec.yaml").write_text("version: 1\nproject: p\n", encoding="utf-8")
    (project_dir / "specs/s.yaml").write_text(
        "version: 1\n"
        "sources:\n  - {id: answers, type: table, table: raw.answers, time: at, entity: who}\n"
        "metrics:\n" + metrics,
        encoding="utf-8",
    )
    validation = validate_project(project_dir, registry)
    assert validation.project is not None and not validation.diagnostics, validation.diagnostics
    package = tmp_path / "pkg"
    DbtExport().export(validation.project, registry, package, dialect="duckdb")
    skipped = build_semantic(validation.project, registry, "duckdb", lambda s: f"rows_{s.id}").skipped
    return package, skipped


def _rows_types():
    from cxspec import MetricSql, MetricType, double, num

    class Median(MetricType):  # a value MetricFlow has no aggregation for, declared or not
        name = "median_gap"
        fields = {"column": {"type": "string"}}
        required = ("column",)
        shape = "rows"

        def row_result(self, metric, rows, sql):
            value = rows.only(sql.number(metric.get("column")))
            return MetricSql(value=double(exp_median(value)), n=num(1), invalid=num(0))

    class Distinct(MetricType):  # COUNT(DISTINCT …): maps by what its value is
        name = "distinct_askers"
        fields = {"column": {"type": "string"}}
        required = ("column",)
        shape = "rows"

        def row_result(self, metric, rows, sql):
            from sqlglot import exp

            value = exp.Count(this=exp.Distinct(expressions=[rows.only(sql.column(metric.get("column")))]))
            return MetricSql(value=double(value), n=num(1), invalid=num(0))

    class Declared(Median):  # the same value, with the mapping declared by the type
        name = "declared_median"

        def metricflow_measure(self, metric, sql):
            return "median", sql.number(metric.get("column")), None

    return {"median_gap": Median, "distinct_askers": Distinct, "declared_median": Declared}


def exp_median(value):
    from sqlglot import exp

    return exp.Median(this=value)


def test_plugin_types_of_rows_shape_map_by_their_value_or_declaration_or_are_refused(tmp_path):
    package, skipped = _export_with_types(
        tmp_path,
        _rows_types(),
        "  - {id: gap, type: median_gap, source: answers, column: wait}\n"
        "  - {id: askers, type: distinct_askers, source: answers, column: who}\n"
        "  - {id: declared, type: declared_median, source: answers, column: wait}\n",
    )
    assert skipped == {
        "gap": "metric type 'median_gap' (shape 'rows') has no MetricFlow mapping: give the type a "
        "`metricflow_measure` method (see the cxspec-dbt README)"
    }
    doc = yaml.safe_load((package / "models/semantic/semantic_models.yml").read_text(encoding="utf-8"))
    measures = {m["name"]: m for sm in doc["semantic_models"] for m in sm["measures"]}
    assert measures["askers_value"]["agg"] == "count_distinct" and measures["askers_value"]["expr"] == '"who"'
    assert measures["declared_value"]["agg"] == "median"
    assert "gap_value" not in measures
    built, results = validate(metricflow_documents(package))
    assert not built.issues.all_issues and not results.errors, [e.message for e in results.errors]


def test_a_plugin_type_computed_from_other_metrics_maps_by_its_own_formula(tmp_path):
    from cxspec import MetricType, safe_div, sub

    class Gap(MetricType):  # (a − b) / b: a type cxspec-dbt has never heard of
        name = "relative_gap"
        fields = {"a": {"type": "string"}, "b": {"type": "string"}}
        required = ("a", "b")
        reads_source = False
        shape = "metrics"

        def depends_on(self, metric):
            return [(metric.get("a"), "a"), (metric.get("b"), "b")]

        def computed_value(self, metric, value_of, sql):
            return safe_div(sub(value_of(metric.get("a")), value_of(metric.get("b"))), value_of(metric.get("b")))

    package, skipped = _export_with_types(
        tmp_path,
        {"relative_gap": Gap},
        "  - {id: now, type: count, source: answers}\n"
        "  - {id: before, type: count, source: answers, filter: \"at < DATE '2026-01-01'\"}\n"
        "  - {id: growth, type: relative_gap, a: now, b: before}\n",
    )
    assert skipped == {}
    doc = yaml.safe_load((package / "models/semantic/semantic_models.yml").read_text(encoding="utf-8"))
    growth = {m["name"]: m for m in doc["metrics"]}["growth"]
    assert growth["type"] == "derived"
    assert sorted(i["name"] for i in growth["type_params"]["metrics"]) == ["before", "now"]
    # The type's own formula, its division NULL on 0 as cxspec computes it.
    assert growth["type_params"]["expr"] == (
        "CASE WHEN before <> 0 THEN CAST(now - before AS DOUBLE) / CAST(before AS DOUBLE) END"
    )
    built, results = validate(metricflow_documents(package))
    assert not built.issues.all_issues and not results.errors, [e.message for e in results.errors]
