"""The plugin API: discovery through entry points, `cxspec plugins`, broken plugins that do not
take the CLI down, conflicts, CXSPEC_DISABLE_PLUGINS, report outputs from plugins, and the
hook reference kept in step with cxspec/hookspecs.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxspec import hookspecs
from cxspec.registry import build_registry

pytest_plugins = ["plugin_install"]  # the `site` fixture: plugins installed for one test

ROOT = Path(__file__).resolve().parent.parent

SPECS = """\
version: 1
sources:
  - {id: r, type: file, path: r.csv, time: t}
metrics:
  - {id: csat, type: csat, source: r, column: score}
"""
ROWS = "t,score\n2026-01-05T10:00:00Z,5\n2026-01-06T10:00:00Z,4\n2026-01-07T10:00:00Z,2\n"

#: A plugin that works: a report output and a SQL function.
GOOD = """
from cxspec import hookimpl
from cxspec.output import Output


class ScoresCsv(Output):
    name = "scores-csv"
    description = "metric,period,value of each metric's latest period"
    file_name = "scores.csv"

    def render(self, report, *, color=False):
        lines = ["metric,period,value"]
        for metric in report["metrics"]:
            latest = metric.get("latest") or {}
            lines.append(f"{metric['id']},{latest.get('period')},{latest.get('value')}")
        return "\\n".join(lines) + "\\n"


@hookimpl
def cxspec_register_outputs():
    return [ScoresCsv]


@hookimpl
def cxspec_sql_functions():
    return ["Acme_Clean"]
"""

#: Plugins broken in every way the registry guards against: module source → reason excerpt.
BROKEN = {
    "import_error": ("import nonexistent_module_xyz\n", "cannot be loaded: ModuleNotFoundError"),
    "exits_on_import": ("import sys\nsys.exit(3)\n", "cannot be loaded: SystemExit: 3"),
    "hook_raises": (
        """
        from cxspec import hookimpl

        @hookimpl
        def cxspec_register_metric_types():
            raise RuntimeError("no licence key")
        """,
        "cxspec_register_metric_types raised RuntimeError: no licence key",
    ),
    "returns_number": (
        """
        from cxspec import hookimpl

        @hookimpl
        def cxspec_register_source_types():
            return 42
        """,
        "cxspec_register_source_types returned int 42, not a list",
    ),
    "returns_object": (
        """
        from cxspec import hookimpl

        @hookimpl
        def cxspec_register_outputs():
            return [object()]
        """,
        "not a cxspec.output.Output subclass",
    ),
    "nameless_type": (
        """
        from cxspec import MetricType, hookimpl

        class Nameless(MetricType):
            pass

        @hookimpl
        def cxspec_register_metric_types():
            return [Nameless]
        """,
        "metric type Nameless has no valid `name`",
    ),
    "bad_schema": (
        """
        from cxspec import MetricType, hookimpl

        class Odd(MetricType):
            name = "odd"
            fields = {"weight": {"type": "numbr"}}

        @hookimpl
        def cxspec_register_metric_types():
            return [Odd]
        """,
        "metric type 'odd': invalid JSON Schema at properties/weight/type",
    ),
    "typo_hook": (
        """
        from cxspec import hookimpl

        @hookimpl
        def cxspec_register_metric_type():
            return []
        """,
        "implements 'cxspec_register_metric_type', which is not a cxspec hook",
    ),
    "wrong_arguments": (
        """
        from cxspec import hookimpl

        @hookimpl
        def cxspec_register_outputs(config):
            return []
        """,
        "cannot be loaded: PluginValidationError",
    ),
    "bad_functions": (
        """
        from cxspec import hookimpl

        @hookimpl
        def cxspec_sql_functions():
            return ["ok", 7]
        """,
        "cxspec_sql_functions returned 7, not a function name",
    ),
    "twice": (
        """
        from cxspec import SourceType, hookimpl

        class A(SourceType):
            name = "same"

        class B(SourceType):
            name = "same"

        @hookimpl
        def cxspec_register_source_types():
            return [A, B]
        """,
        "cxspec_register_source_types returned two classes named 'same'",
    ),
    "bad_warehouse": (
        """
        from cxspec import Warehouse, hookimpl

        class NoSchemes(Warehouse):
            name = "nowhere"
            dialect = "duckdb"

        @hookimpl
        def cxspec_register_warehouses():
            return [NoSchemes]
        """,
        "warehouse NoSchemes has no valid `schemes`",
    ),
}


@pytest.fixture
def project(make_project):
    root = make_project({"specs.yaml": SPECS, "r.csv": ROWS})
    return root


def plugins_json(run_main) -> tuple[int, dict]:
    code, stdout, _ = run_main("plugins", "--format", "json")
    return code, json.loads(stdout)


def entry(data: dict, name: str) -> dict:
    [found] = [p for p in data["plugins"] if p["name"] == name]
    return found


# -- discovery and `cxspec plugins` ---------------------------------------------------------


def test_builtins_are_plugins_like_any_other(run_main):
    code, data = plugins_json(run_main)
    assert code == 0
    builtins = [p for p in data["plugins"] if p["builtin"]]
    assert [p["name"] for p in builtins][:5] == [
        "cxspec.builtin.metric_types",
        "cxspec.builtin.source_types",
        "cxspec.builtin.sql_functions",
        "cxspec.builtin.warehouses",
        "cxspec.builtin.outputs",
    ]
    assert all(p["distribution"] == "cxspec" and p["status"] == "ok" for p in builtins)
    registers = {k: v for p in builtins for k, v in p["registers"].items()}
    assert {"nps", "csat", "churn_rate"} <= set(registers["metric_types"])
    assert registers["source_types"] == ["file", "sql", "table"]
    assert {"name": "postgresql", "schemes": ["postgres", "postgresql"]} in registers["warehouses"]
    assert {"name": "html", "kind": "report", "file_name": "report.html"} in registers["outputs"]
    assert "lower" in registers["sql_functions"]


def test_an_installed_plugin_is_listed_with_its_distribution_and_version(site, run_main):
    site.install("acme-cx-reports", {"acme-reports": "acme_reports"}, {"acme_reports": GOOD}, version="2.3.1")
    code, data = plugins_json(run_main)
    assert code == 0
    assert entry(data, "acme-reports") == {
        "name": "acme-reports",
        "module": "acme_reports",
        "distribution": "acme-cx-reports",
        "version": "2.3.1",
        "builtin": False,
        "status": "ok",
        "reason": None,
        "registers": {
            "outputs": [{"name": "scores-csv", "kind": "report", "file_name": "scores.csv"}],
            "sql_functions": ["acme_clean"],
        },
    }
    code, text, _ = run_main("plugins")
    assert code == 0
    assert text.splitlines()[0] == "cxspec 0.1.0: 6 built-in, 1 external plugins" or "external" in text
    block = text[text.index("acme-reports  acme-cx-reports 2.3.1  module acme_reports") :].splitlines()
    assert block[1:3] == ["  outputs: scores-csv (report → scores.csv)", "  SQL functions: acme_clean"]


def test_plugins_output_is_deterministic(site, run_main):
    site.install("acme-cx-reports", {"acme-reports": "acme_reports"}, {"acme_reports": GOOD})
    assert run_main("plugins")[1] == run_main("plugins")[1]
    assert run_main("plugins", "--format", "json")[1] == run_main("plugins", "--format", "json")[1]


# -- a plugin's report output goes where the built-in ones go ----------------------------------


def test_run_writes_a_plugin_report_and_report_renders_it(site, make_project, run_main, tmp_path):
    site.install("acme-cx-reports", {"acme-reports": "acme_reports"}, {"acme_reports": GOOD})
    root = make_project(
        {"specs.yaml": SPECS, "r.csv": ROWS},
        config="version: 1\nproject: t\nwarehouse: duckdb:///results.duckdb\n",
    )
    out = tmp_path / "out"
    code, _, stderr = run_main("run", str(root), "--out", str(out), "--quiet")
    assert code == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md", "scores.csv"]
    # CSAT top-2 box on 1–5 from the rows: 5 and 4 of 5, 4, 2.
    scores = [line.split(",") for line in ROWS.strip().splitlines()[1:]]
    expected = 100 * sum(int(s) >= 4 for _, s in scores) / len(scores)
    header, row = (out / "scores.csv").read_text().splitlines()
    metric, period, value = row.split(",")
    assert (header, metric, period) == ("metric,period,value", "csat", "2026-01-01")
    assert float(value) == pytest.approx(expected, rel=1e-9)
    assert stderr.strip().endswith("report.html, report.md, report.json, scores.csv")
    code, stdout, _ = run_main("report", str(root), "--format", "scores-csv")
    assert code == 0 and stdout == (out / "scores.csv").read_text()


def test_report_format_names_the_installed_ones(site, project, run_main):
    code, _, stderr = run_main("report", str(project), "--format", "pdf")
    assert code == 2
    assert "'pdf' is not one of html, json, md, terminal (see `cxspec plugins`)" in stderr


# -- broken plugins ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_plugin_is_named_and_the_rest_keeps_working(name, site, project, run_main):
    source, reason = BROKEN[name]
    site.install(f"acme-{name}", {name: f"acme_{name}"}, {f"acme_{name}": source}, version="0.9")
    code, stdout, stderr = run_main("validate", str(project))
    assert code == 0, stdout + stderr
    warnings = [line for line in stderr.splitlines() if line.startswith("cxspec: warning:")]
    assert len(warnings) == 1, stderr
    assert warnings[0].startswith(
        f"cxspec: warning: plugin {name!r} (acme-{name} 0.9) is broken and was left out: "
    )
    assert reason in warnings[0]
    code, stdout, stderr = run_main("compile", str(project), "--dialect", "postgres")
    assert code == 0, stderr
    assert "SELECT" in stdout.upper() or stdout  # compiled with the remaining plugins
    code, data = plugins_json(run_main)
    assert code == 1
    broken = entry(data, name)
    assert broken["status"] == "broken" and reason in broken["reason"] and broken["registers"] == {}
    assert all(p["status"] == "ok" for p in data["plugins"] if p["name"] != name)
    code, text, _ = run_main("plugins")
    assert code == 1 and f"{name}  acme-{name} 0.9  module acme_{name}  BROKEN" in text


def test_a_broken_plugin_is_left_out_whole(site):
    """A plugin whose metric types are fine but whose outputs hook raises registers nothing."""
    site.install(
        "acme-half",
        {"half": "acme_half"},
        {
            "acme_half": """
            from cxspec import MetricType, hookimpl

            class Fine(MetricType):
                name = "fine"

            @hookimpl
            def cxspec_register_metric_types():
                return [Fine]

            @hookimpl
            def cxspec_register_outputs():
                raise ValueError("boom")
            """
        },
    )
    registry = build_registry()
    assert "fine" not in registry.metric_types
    assert registry.broken == {"half": "cxspec_register_outputs raised ValueError: boom"}
    assert "nps" in registry.metric_types


def test_a_type_from_a_broken_plugin_says_so(site, make_project, run_main):
    site.install("cxspec-survey-exports", {"survey": "acme_gone"}, {"acme_gone": "raise ImportError('x')\n"})
    root = make_project(
        {"s.yaml": "version: 1\nsources:\n  - id: q\n    type: qualtrics_export\n    path: q.csv\n"}
    )
    code, stdout, _ = run_main("validate", str(root), "--format", "json")
    [problem] = json.loads(stdout)["diagnostics"]
    assert (problem["code"], problem["line"], problem["column"]) == ("CX107", 4, 11)
    assert problem["hint"] == (
        "qualtrics_export comes with cxspec-survey-exports, which is installed but broken: "
        "see `cxspec plugins`"
    )
    assert code == 1


# -- conflicts and disabling ------------------------------------------------------------------

DUPLICATE_NPS = """
from cxspec import MetricType, hookimpl

class OtherNps(MetricType):
    name = "nps"

@hookimpl
def cxspec_register_metric_types():
    return [OtherNps]
"""


def test_two_plugins_with_one_name_stop_with_a_clear_message(site, project, run_main):
    site.install("acme-nps", {"acme-nps": "acme_nps"}, {"acme_nps": DUPLICATE_NPS}, version="1.2")
    code, stdout, stderr = run_main("validate", str(project))
    assert code == 1 and stdout == ""
    assert stderr == (
        "cxspec: error: metric type 'nps' is registered by two plugins: 'cxspec.builtin.metric_types' and "
        "'acme-nps' (acme-nps 1.2); uninstall one, or set CXSPEC_DISABLE_PLUGINS=acme-nps\n"
    )
    code, data = plugins_json(run_main)  # `cxspec plugins` still shows what is installed
    assert code == 1 and len(data["conflicts"]) == 1
    assert "nps" not in entry(data, "acme-nps")["registers"].get("metric_types", [])


@pytest.mark.parametrize("blocked", ["acme-nps", "acme-nps-dist", "*", "other, acme-nps"])
def test_disabled_plugins_are_not_loaded(blocked, site, project, run_main, monkeypatch):
    site.install("acme-nps-dist", {"acme-nps": "acme_nps"}, {"acme_nps": DUPLICATE_NPS})
    monkeypatch.setenv("CXSPEC_DISABLE_PLUGINS", blocked)
    code, stdout, stderr = run_main("validate", str(project))
    assert code == 0 and stderr == "", stderr
    code, data = plugins_json(run_main)
    assert code == 0 and entry(data, "acme-nps")["status"] == "disabled"
    assert "acme_nps" not in __import__("sys").modules  # not even imported


# -- hooks: every one is documented, tested, and typed as the docs say --------------------------

HOOKS = sorted(name for name, f in vars(hookspecs).items() if name.startswith("cxspec_") and callable(f))


def test_the_hooks():
    assert HOOKS == [
        "cxspec_after_run",
        "cxspec_register_issue_rules",
        "cxspec_register_lint_rules",
        "cxspec_register_metric_types",
        "cxspec_register_outputs",
        "cxspec_register_source_types",
        "cxspec_register_warehouses",
        "cxspec_sql_functions",
    ]


# Every hook is documented with its exact signature in docs/plugin-hooks.md and has a test
# named test_hook_<name>: tests/test_public_api.py.


def test_builtin_type_schemas_are_valid_json_schema():
    """The registry checks plugins' schema fragments only; the built-ins are checked here."""
    from cxspec.registry import _checked_schema

    registry = build_registry(external=False)
    for kind, types in (("metric type", registry.metric_types), ("source type", registry.source_types)):
        for item in types.values():
            _checked_schema(type(item), kind)


# -- a warehouse and a lint rule from a plugin ---------------------------------------------------

WAREHOUSE_AND_RULE = """
from cxspec import hookimpl
from cxspec.lint.finding import finding
from cxspec.lint_rule import LintRule
from cxspec.warehouses.duckdb_warehouse import DuckDBWarehouse


class RecordingDuckDB(DuckDBWarehouse):
    name = "recording-duckdb"
    schemes = ("recduck",)
    statements = []

    def execute(self, sql):
        RecordingDuckDB.statements.append(sql)
        return super().execute(sql)


class CsatWithoutScale(LintRule):
    name = "csat-without-scale"
    code = "ACME001"
    description = "A CSAT metric that leaves its scale to the default."

    def check(self, project):
        for metric in project.metrics.values():
            if metric.type == "csat" and "scale" not in metric.raw:
                yield finding(self, metric, f"{metric.id!r} does not say its scale", field="type")


@hookimpl
def cxspec_register_warehouses():
    return [RecordingDuckDB]


@hookimpl
def cxspec_register_lint_rules():
    return [CsatWithoutScale]
"""


def test_a_plugin_warehouse_computes_the_numbers(site, project, run_main):
    site.install("acme-cx-infra", {"acme-infra": "acme_infra"}, {"acme_infra": WAREHOUSE_AND_RULE})
    code, stdout, stderr = run_main(
        "query", str(project), "--warehouse", "recduck:///:memory:", "--format", "json"
    )
    assert code == 0, stderr
    [result] = json.loads(stdout)["results"]
    scores = [int(line.split(",")[1]) for line in ROWS.strip().splitlines()[1:]]
    p = sum(s >= 4 for s in scores) / len(scores)
    assert (result["metric"], result["period"], result["n"]) == ("csat", "2026-01-01", len(scores))
    assert result["value"] == pytest.approx(100 * p, rel=1e-9)
    assert result["moe"] == pytest.approx(1.96 * 100 * (p * (1 - p) / len(scores)) ** 0.5, rel=1e-9)
    import acme_infra

    assert len(acme_infra.RecordingDuckDB.statements) >= 1  # it ran there, not on a built-in


def test_a_plugin_lint_rule_reports_at_its_item(site, project, run_main):
    site.install("acme-cx-infra", {"acme-infra": "acme_infra"}, {"acme_infra": WAREHOUSE_AND_RULE})
    code, stdout, _ = run_main("lint", str(project), "--format", "json")
    found = [d for d in json.loads(stdout)["diagnostics"] if d["code"] == "ACME001"]
    assert [(d["file"], d["line"], d["column"], d["message"]) for d in found] == [
        ("specs.yaml", 5, 22, "'csat' does not say its scale")
    ]
    _, data = plugins_json(run_main)
    assert entry(data, "acme-infra")["registers"] == {
        "lint_rules": [{"code": "ACME001", "name": "csat-without-scale"}],
        "warehouses": [{"name": "recording-duckdb", "schemes": ["recduck"]}],
    }


def test_two_lint_rules_with_one_code_conflict(site, project, run_main):
    other = WAREHOUSE_AND_RULE.replace('"csat-without-scale"', '"another-rule"').replace(
        '("recduck",)', '("recduck2",)'
    )
    site.install("acme-a", {"acme-a": "acme_a"}, {"acme_a": WAREHOUSE_AND_RULE})
    site.install("acme-b", {"acme-b": "acme_b"}, {"acme_b": other})
    code, _, stderr = run_main("validate", str(project))
    assert code == 1
    assert (
        "lint rule code 'ACME001' is registered by two plugins: 'acme-a' (acme-a 1.0) and 'acme-b'" in stderr
    )


# -- a plugin's report output that fails -------------------------------------------------------

FAILING_OUTPUT = GOOD.replace('lines = ["metric,period,value"]', 'raise KeyError("no_such_column")')


def test_a_failing_plugin_report_loses_nothing(site, make_project, run_main, tmp_path):
    from cxspec.registry import default_registry
    from cxspec.runs.run import stored_results
    from cxspec.validate import validate_project

    site.install("acme-cx-reports", {"acme-reports": "acme_reports"}, {"acme_reports": FAILING_OUTPUT})
    root = make_project(
        {"specs.yaml": SPECS, "r.csv": ROWS},
        config="version: 1\nproject: t\nwarehouse: duckdb:///results.duckdb\n",
    )
    out = tmp_path / "out"
    code, _, stderr = run_main("run", str(root), "--out", str(out), "--quiet")
    assert code == 1
    assert stderr.strip().splitlines()[-1] == (
        "cxspec: error: report output 'scores-csv' of plugin 'acme-reports' (acme-cx-reports 1.0) failed: "
        "KeyError: 'no_such_column' (the results are stored)"
    )
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
    project = validate_project(root, default_registry()).project
    stored = stored_results(project, default_registry(), "duckdb:///results.duckdb")
    assert [r.metric for r in stored.results] == ["csat"]
    code, stdout, stderr = run_main("report", str(root), "--format", "scores-csv")
    assert code == 1 and stdout == ""
    assert "report output 'scores-csv' of plugin 'acme-reports'" in stderr


# -- packages to install ------------------------------------------------------------------------


def test_a_first_party_type_that_is_not_installed_names_its_package(site, make_project, run_main):
    root = make_project(
        {"s.yaml": "version: 1\nsources:\n  - id: q\n    type: qualtrics_export\n    path: q.csv\n"},
        config="version: 1\nproject: t\nwarehouse: spark://local[2]\n",
    )
    code, stdout, _ = run_main("validate", str(root), "--format", "json")
    assert code == 1
    assert [
        (d["file"], d["line"], d["column"], d["code"], d["hint"]) for d in json.loads(stdout)["diagnostics"]
    ] == [
        (
            "cxspec.yaml",
            3,
            12,
            "CX108",
            "spark:// comes with the cxspec-spark plugin: pip install cxspec-spark",
        ),
        (
            "s.yaml",
            4,
            11,
            "CX107",
            "qualtrics_export comes with the cxspec-survey-exports plugin: pip install cxspec-survey-exports",
        ),
    ]


def test_a_warehouse_or_exporter_that_is_not_installed_names_its_package(site, project, run_main):
    code, _, stderr = run_main("query", str(project), "--warehouse", "sc://spark.example:15002")
    assert code == 1
    assert stderr == (
        "cxspec: error: no warehouse for 'sc://spark.example:15002': "
        "sc:// comes with the cxspec-spark plugin: pip install cxspec-spark\n"
    )
    code, _, stderr = run_main("export", str(project), "--to", "dbt", "--out", str(project / "x"))
    assert code == 1 and "dbt comes with the cxspec-dbt plugin: pip install cxspec-dbt" in stderr


def test_an_unknown_scheme_lists_the_installed_ones(site, project, run_main):
    code, _, stderr = run_main("query", str(project), "--warehouse", "oracle://db")
    assert code == 1
    assert stderr.startswith("cxspec: error: no warehouse for 'oracle://db': known schemes are duckdb://, ")


def first_party_packages() -> list[Path]:
    return sorted(p.parent for p in (ROOT / "plugins").glob("*/pyproject.toml"))


@pytest.mark.parametrize("package", first_party_packages(), ids=lambda p: p.name)
def test_the_known_packages_table_matches_what_each_package_registers(package, site):
    """cxspec/known_plugins.py names each first-party package's types, schemes and exporters."""
    import tomllib

    from cxspec.known_plugins import PACKAGES

    pyproject = tomllib.loads((package / "pyproject.toml").read_text(encoding="utf-8"))
    name = pyproject["project"]["name"]
    entry_points = pyproject["project"]["entry-points"]["cxspec"]
    site.add_path(package, *{v.split(":")[0].split(".")[0] for v in entry_points.values()})
    site.install(name, entry_points, version=pyproject["project"]["version"])
    registry = build_registry()
    assert registry.broken == {} and registry.conflicts == []
    provided: dict[str, set] = {}
    for (kind, item), plugin in registry.provided_by.items():
        if plugin in entry_points and kind in ("metric type", "source type", "warehouse", "output"):
            provided.setdefault(kind, set()).add(item)
    assert {kind: set(names) for kind, names in PACKAGES.get(name, {}).items()} == provided


def test_two_distributions_with_one_plugin_name(site, project, run_main):
    site.install("acme-one", {"acme": "acme_one"}, {"acme_one": GOOD})
    site.install("acme-two", {"acme": "acme_two"}, {"acme_two": GOOD.replace("scores-csv", "other-csv")})
    code, _, stderr = run_main("validate", str(project))
    assert code == 0
    assert stderr == (
        "cxspec: warning: plugin 'acme (acme-two)' (acme-two 1.0) is broken and was left out: "
        "its entry-point name 'acme' "
        "is taken by acme-one: rename one (see `cxspec plugins`)\n"
    )
    code, data = plugins_json(run_main)
    assert code == 1
    assert entry(data, "acme")["registers"]["outputs"][0]["name"] == "scores-csv"


def test_warnings_leave_json_output_intact(site, project, run_main):
    site.install("acme-bad", {"bad": "acme_bad"}, {"acme_bad": "import nonexistent_module_xyz\n"})
    code, stdout, stderr = run_main("validate", str(project), "--format", "json")
    assert code == 0 and json.loads(stdout) == {"diagnostics": []}
    assert stderr.startswith("cxspec: warning: plugin 'bad' (acme-bad 1.0) is broken")
