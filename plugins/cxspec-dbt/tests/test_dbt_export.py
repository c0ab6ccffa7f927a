"""`cxspec export --to dbt`: the files, their structure, determinism and errors."""

from __future__ import annotations

import re
import subprocess
import sys

import yaml

from dbt_helpers import export


def load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def files_of(folder) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_exporter_is_registered_through_the_plugin_hook():
    from cxspec import build_registry

    registry = build_registry()
    assert registry.outputs["dbt"].kind == "export"
    assert registry.provided_by[("output", "dbt")] == "dbt"  # the `cxspec` entry point's name


def test_export_writes_a_dbt_package(exported, project):
    package, result = exported
    files = set(files_of(package))
    assert {
        "dbt_project.yml",
        "README.md",
        "macros/cxspec_value_between.sql",
        "models/sources.yml",
        "models/metrics/schema.yml",
        "models/semantic/semantic_models.yml",
        "models/semantic/metricflow_time_spine.sql",
    } <= files
    for path in files:
        assert f"wrote {package / path}" in result.stdout
    dbt_project = load(package / "dbt_project.yml")
    assert dbt_project["name"] == "acme_cxspec" and dbt_project["config-version"] == 2
    assert dbt_project["profile"] == "acme_cxspec"
    assert re.fullmatch(r"\d+\.\d+\.\d+", dbt_project["version"])
    for folder in dbt_project["model-paths"] + dbt_project["macro-paths"]:
        assert (package / folder).is_dir()
    assert set(dbt_project["models"]["acme_cxspec"]) >= {"metrics", "semantic"}


def test_every_model_has_properties_and_every_source_is_declared(exported, project):
    package, _ = exported
    models = {p.stem for p in (package / "models").rglob("*.sql")}
    described = {m["name"] for m in load(package / "models/metrics/schema.yml")["models"]}
    described |= {m["name"] for m in load(package / "models/semantic/semantic_models.yml")["models"]}
    assert models == described
    declared = {
        (s["name"], t["name"]) for s in load(package / "models/sources.yml")["sources"] for t in s["tables"]
    }
    used = set()
    for path in (package / "models").rglob("*.sql"):
        used |= set(
            re.findall(r"\{\{ source\('([a-z_]+)', '([a-z_]+)'\) \}\}", path.read_text(encoding="utf-8"))
        )
    # The package declares the sources its models read: every source a metric reads, and no
    # other (the relationship survey only feeds drivers analyses and links, which dbt has none of).
    read_by_metrics = {m.source for m in project.metrics.values() if m.source}
    # and the sources their lookup dimensions join (acme: orders' region from customers)
    looked_up = {d.lookup for s in read_by_metrics for d in project.sources[s].dimensions if d.lookup}
    assert used == declared == {("cxspec_files", s) for s in read_by_metrics | looked_up}
    assert ("cxspec_files", "relationship_ratings") not in declared
    assert "relationship_ratings" in project.sources
    for source in load(package / "models/sources.yml")["sources"]:
        for table in source["tables"]:
            path = project.sources[table["meta"]["cxspec_source"]].raw["path"]
            assert table["meta"]["path"] == path
            location = table["meta"]["external_location"]  # dbt-duckdb reads it from the package folder
            relative = re.fullmatch(r"READ_CSV\('([^']+)'\)", location).group(1)
            assert (package / relative).resolve() == (project.root / path).resolve()


def test_schema_yml_has_descriptions_owner_meta_and_tests(exported, project):
    package, _ = exported
    models = load(package / "models/metrics/schema.yml")["models"]
    responses = next(m for m in models if m["name"] == "cxspec_responses")
    assert "relationship_nps (Relationship NPS)" in responses["description"]
    columns = {c["name"]: c for c in responses["columns"]}
    assert list(columns) == ["metric", "period", "value", "n", "invalid", "moe"]
    assert all(c["description"] for c in columns.values())
    assert "not_null" in columns["period"]["data_tests"] and "not_null" in columns["metric"]["data_tests"]
    accepted = next(t["accepted_values"] for t in columns["metric"]["data_tests"] if isinstance(t, dict))
    survey_metrics = sorted(m for m, metric in project.metrics.items() if metric.source == "responses")
    assert accepted["values"] == survey_metrics

    ranges = {
        (t["cxspec_value_between"]["min_value"], t["cxspec_value_between"]["max_value"]): set(
            t["cxspec_value_between"]["metrics"]
        )
        for t in columns["value"]["data_tests"]
    }
    # Written again from the spec: NPS −100…100; CSAT/CES top box 0…100; means on their scale.
    want: dict[tuple, set] = {}
    for metric_id in survey_metrics:
        metric = project.metrics[metric_id].raw
        if metric["type"] == "nps":
            bounds = (-100.0, 100.0)
        elif metric.get("aggregate", "mean" if metric["type"] == "ces" else "top_box") == "top_box":
            bounds = (0.0, 100.0)
        else:
            low, high = metric.get("scale", [1, 7] if metric["type"] == "ces" else [1, 5])
            bounds = (float(low), float(high))
        want.setdefault(bounds, set()).add(metric_id)
    assert ranges == want
    assert ranges[(-100.0, 100.0)] >= {"relationship_nps", "backorder_nps"}
    assert "support_csat" in ranges[(0.0, 100.0)] and "store_help_desk_csat" in ranges[(1.0, 5.0)]

    meta = responses["config"]["meta"]
    nps_meta = meta["cxspec"]["metrics"]["relationship_nps"]
    roles = {o["role"]: o for o in nps_meta["owners"]}
    assert roles["accountable"].items() >= {"id": "cx-office", "email": "cx@acme.example"}.items()
    assert roles["responsible"]["name"] == project.owners["cx-insights"].name
    insights = next(o for o in meta["owners"] if o["id"] == "cx-insights")
    assert (
        "relationship_nps" in insights["responsible_for"] and insights["email"] == "cx-insights@acme.example"
    )


def test_skipped_metrics_are_printed_and_listed_in_the_readme(exported):
    package, result = exported
    skipped = re.findall(
        r"^cxspec export --to dbt: (\S+) not in the semantic layer: (.+)$", result.stderr, re.M
    )
    assert sorted(m for m, _ in skipped) == ["subscription_churn", "subscription_retention"]
    readme = (package / "README.md").read_text(encoding="utf-8")
    for metric_id, reason in skipped:
        assert f"- `{metric_id}`" in readme and reason in readme
    assert "| `relationship_nps` | nps | `relationship_nps` |" in readme


def test_export_is_deterministic(tmp_path, acme, exported):
    first, second = tmp_path / "a" / "acme_dbt", tmp_path / "b" / "acme_dbt"
    assert export(first).exit_code == 0
    before = files_of(first)
    assert export(first).exit_code == 0  # again over its own output
    assert export(second).exit_code == 0  # and elsewhere at the same depth
    assert files_of(first) == before == files_of(second)
    assert len(before) == len(files_of(exported[0]))


def test_a_new_export_removes_models_of_metrics_that_are_gone(tmp_path, acme):
    out = tmp_path / "pkg"
    assert export(out).exit_code == 0
    stale = out / "models/metrics/cxspec_old_source.sql"
    stale.write_text("select 1\n", encoding="utf-8")
    mine = out / "models/my_own_model.sql"
    mine.write_text("select 1\n", encoding="utf-8")
    assert export(out).exit_code == 0
    assert not stale.exists() and mine.exists()


def cxspec(*args: str) -> subprocess.CompletedProcess:
    """The real command line, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "cxspec", *args], capture_output=True, text=True, timeout=120
    )


def test_bad_dialect_and_unknown_exporter_are_clear_errors(tmp_path, acme):
    result = cxspec(
        "export", str(acme), "--to", "dbt", "--out", str(tmp_path / "x"), "--dialect", "nosuchsql"
    )
    assert result.returncode == 1
    assert "cxspec: error: unknown SQL dialect 'nosuchsql'" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x").exists()
    result = cxspec("export", str(acme), "--to", "nosuch", "--out", str(tmp_path / "y"))
    assert result.returncode == 1 and "installed: dbt" in result.stderr


def test_other_dialects_export_too(tmp_path, acme):
    result = export(tmp_path / "pg", acme, "--dialect", "postgres")
    assert result.exit_code == 0, result.output
    sql = (tmp_path / "pg/models/metrics/cxspec_responses.sql").read_text(encoding="utf-8")
    assert "{{ source('cxspec_files', 'responses') }}" in sql and "TRY_CAST" not in sql
    assert "external_location:" not in (tmp_path / "pg/models/sources.yml").read_text(encoding="utf-8")
    assert not (tmp_path / "pg/profiles.example.yml").exists()
    assert "adapter of your postgres warehouse" in (tmp_path / "pg/README.md").read_text(encoding="utf-8")


def test_export_inside_the_project_goes_to_its_output_folder(tmp_path, acme):
    import shutil

    project = tmp_path / "acme"
    shutil.copytree(acme, project, ignore=shutil.ignore_patterns("cxspec-out"))
    result = cxspec("export", str(project), "--to", "dbt", "--out", str(project / "dbt"))
    assert result.returncode == 1 and "would be read as spec files" in result.stderr
    assert not (project / "dbt").exists()
    result = cxspec("export", str(project), "--to", "dbt", "--out", str(project / "cxspec-out" / "dbt"))
    assert result.returncode == 0, result.stderr
    assert cxspec("validate", str(project)).returncode == 0  # the package is not read as specs


def test_a_jinja_delimiter_in_a_fragment_is_refused(tmp_path):
    project = tmp_path / "p"
    (project / "specs").mkdir(parents=True)
    (project / "cxspec.yaml").write_text("version: 1\nproject: p\n", encoding="utf-8")
    (project / "specs/s.yaml").write_text(
        "version: 1\n"
        "sources:\n  - {id: t, type: table, table: raw.t, time: at}\n"
        "metrics:\n  - {id: m, type: count, source: t, filter: \"note LIKE '{{%'\"}\n",
        encoding="utf-8",
    )
    result = cxspec("export", str(project), "--to", "dbt", "--out", str(tmp_path / "out"))
    assert result.returncode == 1, result.stderr
    assert "models/metrics/cxspec_t.sql would hold a Jinja delimiter" in result.stderr
    assert not (tmp_path / "out").exists()
