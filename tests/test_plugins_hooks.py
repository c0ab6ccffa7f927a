"""One test per hook (`test_hook_<name>`, checked by tests/test_public_api.py), each a plugin
written against the public API only (`cxspec`) and loaded with `cxspec.testing`; and the
per-plugin configuration block of cxspec.yaml."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlglot import exp

from cxspec import (
    Diagnostic,
    LintRule,
    Measure,
    MetricSql,
    MetricType,
    Output,
    SourceType,
    Warehouse,
    check_path,
    default_registry,
    flag,
    hookimpl,
    locate,
    num,
    validate_project,
)
from cxspec.testing import registered_plugin, run_cli, write_project

ROWS = "at,channel,score\n2026-01-05,web,5\n2026-01-09,web,2\n2026-01-20,app,4\n2026-02-03,app,1\n"
SOURCE = {"id": "answers", "type": "file", "path": "answers.csv", "time": "at", "dimensions": ["channel"]}
COUNT = {"id": "answered", "type": "count", "source": "answers"}


def project(tmp_path, metrics=(COUNT,), sources=(SOURCE,), config=None, **files):
    specs = {"version": 1, "sources": list(sources), "metrics": list(metrics)}
    return write_project(
        tmp_path / "project",
        {"specs/cx.yaml": specs, "answers.csv": ROWS, **files},
        config={"grain": "month", **(config or {})},
    )


def plugin(**hooks):
    """A plugin object: hook implementations by name."""
    return SimpleNamespace(**{name: hookimpl(function) for name, function in hooks.items()})


def query_json(path, *args):
    result = run_cli("query", path, "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return {(r["metric"], r["period"]): r for r in json.loads(result.stdout)["results"]}


# -- one test per hook -------------------------------------------------------------------------------


class HighScores(MetricType):
    name = "high_scores"
    description = "How many answers score at least `at_least`."
    fields = {"at_least": {"type": "number"}}
    required = ("at_least",)

    def measures(self, metric, sql):
        return {"high": Measure(flag(sql.number("score") >= num(metric.get("at_least"))))}

    def result(self, metric, m, sql):
        return MetricSql(value=m("high"), n=m.rows, invalid=num(0), moe=None)


def test_hook_cxspec_register_metric_types(tmp_path):
    high = {"id": "high", "type": "high_scores", "source": "answers", "at_least": 4}
    path = project(tmp_path, metrics=(high,))
    with registered_plugin(plugin(cxspec_register_metric_types=lambda: [HighScores]), "scores"):
        got = query_json(path)
    assert {k: (r["value"], r["n"]) for k, r in got.items()} == {
        ("high", "2026-01-01"): (2, 3),
        ("high", "2026-02-01"): (0, 1),
    }


class Answers(SourceType):
    """The answers file under another field name: a source type that reads a project file."""

    name = "answers_export"
    fields = {"export": {"type": "string", "minLength": 1}}
    required = ("export",)

    def check(self, source, ctx):
        check_path(source, ctx, "export")

    def relation(self, source, reading):
        reader = exp.Anonymous(this="read_csv", expressions=[exp.Literal.string(source.get("export"))])
        return reading.local(source, reader)


def test_hook_cxspec_register_source_types(tmp_path):
    source = {"id": "answers", "type": "answers_export", "export": "answers.csv", "time": "at"}
    path = project(tmp_path, sources=(source,))
    hooks = plugin(cxspec_register_source_types=lambda: [Answers])
    with registered_plugin(hooks, "answers") as registry:
        assert validate_project(path, registry).ok
        got = query_json(path)
        assert {k: r["value"] for k, r in got.items()} == {
            ("answered", "2026-01-01"): 3,
            ("answered", "2026-02-01"): 1,
        }
        escaping = project(tmp_path / "2", sources=({**source, "export": "../answers.csv"},))
        assert "CX4" in run_cli("validate", escaping).stdout
    unknown = run_cli("validate", path)
    assert unknown.exit_code == 1 and "unknown source type 'answers_export'" in unknown.stdout


def test_hook_cxspec_sql_functions(tmp_path):
    filtered = {**COUNT, "filter": "my_udf(score) > 1"}
    path = project(tmp_path, metrics=(filtered,))
    with registered_plugin(plugin(cxspec_sql_functions=lambda: ["MY_UDF"]), "udf") as registry:
        assert "my_udf" in registry.sql_functions
        assert validate_project(path, registry).ok
    assert not validate_project(path, default_registry()).ok


def test_hook_cxspec_register_warehouses(tmp_path):
    from cxspec import default_registry

    duckdb_class = default_registry().warehouses["duckdb"]
    ran = []

    class Recording(duckdb_class):
        name = "recording"
        schemes = ("recording",)

        def execute(self, sql):
            ran.append(sql)
            return super().execute(sql)

    assert issubclass(Recording, Warehouse)
    path = project(tmp_path)
    with registered_plugin(plugin(cxspec_register_warehouses=lambda: [Recording]), "rec"):
        got = query_json(path, "--warehouse", "recording:///:memory:")
    assert got[("answered", "2026-01-01")]["value"] == 3 and ran


class Digest(Output):
    name = "digest"
    description = "One line per metric and period, for a chat channel."
    file_name = "digest.txt"

    def render(self, report, *, color=False):
        channel = self.config.get("channel", "(none)")
        return f"to {channel}: {len(json.dumps(report, sort_keys=True)) > 0}\n"


def test_hook_cxspec_register_outputs(tmp_path):
    path = project(tmp_path, config={"plugins": {"digest": {"channel": "#cx"}}})
    with registered_plugin(plugin(cxspec_register_outputs=lambda: [Digest]), "digest"):
        result = run_cli("run", path, "--out", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "digest.txt").read_text(encoding="utf-8") == "to #cx: True\n"


class TooFewMetrics(LintRule):
    name = "too-few-metrics"
    code = "ACME010"
    description = "A project with fewer metrics than `plugins: {acme: {min_metrics: N}}` asks."

    def check(self, project):
        wanted = self.config.get("min_metrics", 1)
        if len(project.metrics) < wanted:
            where = locate(project.config.file, self.config, "min_metrics")
            yield Diagnostic(self.code, f"{len(project.metrics)} metrics, fewer than {wanted}", where)


def test_hook_cxspec_register_lint_rules(tmp_path):
    configured = project(tmp_path, config={"plugins": {"acme": {"min_metrics": 2}}})
    with registered_plugin(plugin(cxspec_register_lint_rules=lambda: [TooFewMetrics]), "acme"):
        result = run_cli("lint", configured, "--format", "json")
        found = [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "ACME010"]
        assert [(d["file"], d["line"], d["message"]) for d in found] == [
            ("cxspec.yaml", 6, "1 metrics, fewer than 2")
        ]
        (configured / "cxspec.yaml").write_text("version: 1\nproject: test\n", encoding="utf-8")
        unconfigured = run_cli("lint", configured, "--format", "json")  # the default: at least 1
        assert [d for d in json.loads(unconfigured.stdout)["diagnostics"] if d["code"] == "ACME010"] == []


def test_hook_cxspec_after_run(tmp_path):
    calls = []

    def after_run(results, config, out_dir, project):
        stored = sorted((r.metric, r.period) for r in results.results)
        calls.append((project.config.project, config, out_dir, stored))

    path = project(tmp_path, config={"plugins": {"notify": {"channel": "#cx"}}})
    with registered_plugin(plugin(cxspec_after_run=after_run), "notify"):
        result = run_cli("run", path, "--out", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr
    stored = [("answered", "2026-01-01"), ("answered", "2026-02-01")]
    assert calls == [("test", {"channel": "#cx"}, tmp_path / "out", stored)]


def test_an_after_run_hook_may_take_only_the_arguments_it_needs(tmp_path):
    seen = []
    path = project(tmp_path)
    with registered_plugin(plugin(cxspec_after_run=lambda config: seen.append(config)), "quiet"):
        assert run_cli("run", path, "--out", tmp_path / "out", "-q").exit_code == 0
    assert seen == [{}]


def test_a_failing_after_run_hook_is_named_and_keeps_the_stored_results(tmp_path):
    def after_run(results):
        raise RuntimeError("the chat service is down")

    warehouse = f"duckdb:///{tmp_path / 'results.duckdb'}"
    path = project(tmp_path, config={"warehouse": warehouse})
    with registered_plugin(plugin(cxspec_after_run=after_run), "notify"):
        result = run_cli("run", path, "--out", tmp_path / "out", "-q")
    assert result.exit_code == 1
    assert (
        "cxspec: error: cxspec_after_run of plugin 'notify' failed: RuntimeError: the chat service is down "
        "(the results are stored)"
    ) in result.stderr
    assert (tmp_path / "out" / "report.json").is_file()
    stored = run_cli("report", path, "--format", "json")
    assert stored.exit_code == 0, stored.stderr
    assert "answered" in stored.stdout


def test_a_plugin_without_after_run_is_not_called(tmp_path):
    path = project(tmp_path)
    with registered_plugin(plugin(cxspec_register_outputs=lambda: [Digest]), "digest") as registry:
        assert registry.after_run == []
        assert run_cli("run", path, "--out", tmp_path / "out", "-q").exit_code == 0


# -- the plugins: block of cxspec.yaml ---------------------------------------------------------------


class Exporter(Output):
    name = "config-echo"
    kind = "export"

    def export(self, project, registry, out_dir, *, dialect):
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / "config.json"
        target.write_text(json.dumps(dict(self.config), sort_keys=True), encoding="utf-8")
        return [target]


def test_an_exporter_gets_its_plugin_config_and_not_another_plugins(tmp_path):
    blocks = {"echo": {"level": 3, "tags": ["a", "b"]}, "other": {"level": 9}}
    path = project(tmp_path, config={"plugins": blocks})
    with registered_plugin(plugin(cxspec_register_outputs=lambda: [Exporter]), "echo") as registry:
        result = run_cli("export", path, "--to", "config-echo", "--out", tmp_path / "x")
        assert result.exit_code == 0, result.stderr
        assert registry.outputs["config-echo"].config == {}  # the shared instance is left alone
    assert json.loads((tmp_path / "x" / "config.json").read_text()) == {"level": 3, "tags": ["a", "b"]}


@pytest.mark.parametrize(
    "plugins, message",
    [
        ({"acme": "on"}, "cxspec.yaml:5:9: error CX103: plugins.acme should be a mapping, not a string"),
        ({"-bad": {}}, "cxspec.yaml:5:3: error CX100: plugins is '-bad', which has the wrong form"),
        ("yes", "cxspec.yaml:4:10: error CX103: plugins should be a mapping, not a string"),
    ],
)
def test_a_plugins_block_must_map_names_to_mappings(tmp_path, plugins, message):
    result = run_cli("validate", project(tmp_path, config={"plugins": plugins}))
    assert result.exit_code == 1
    assert "cxspec.yaml:" in result.stdout + result.stderr
    assert message in result.stdout + result.stderr


def test_unknown_top_level_keys_stay_refused(tmp_path):
    result = run_cli("validate", project(tmp_path, config={"slack-digest": {"channel": "#cx"}}))
    assert result.exit_code == 1
    assert "slack-digest" in result.stdout + result.stderr


def test_an_after_run_hook_with_an_argument_cxspec_does_not_give_is_a_broken_plugin(tmp_path, capsys):
    def after_run(results, webhook_url):
        raise AssertionError("never called")

    with registered_plugin(plugin(cxspec_after_run=after_run), "hooky") as registry:
        assert "plugin 'hooky' is broken and was left out" in capsys.readouterr().err
        assert registry.after_run == []
        assert "webhook_url" in registry.broken["hooky"]
        result = run_cli("run", project(tmp_path), "--out", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr
