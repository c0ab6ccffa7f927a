"""Start-up stays honest: what `cxspec validate` imports, checked module by module (not timed).

`cxspec validate` runs on every save in editors and on every commit in CI: it imports what
reading and checking a project needs (click, ruamel.yaml, sqlglot's parser for the SQL
fragments) and nothing that computes, connects or reports. A module that brings one of the
heavy packages below back onto that path fails here with the chain that imported it.
Figures: benchmarks/README.md, "Start-up".
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

import cxspec.commands
from cxspec.cli import LAZY_COMMANDS, cli
from cxspec.user_cache import CACHE_VARIABLE

#: Packages and cxspec modules `cxspec validate` must not import (prefixes).
HEAVY = (
    "jsonschema",
    "duckdb",
    "sqlite3",
    "psycopg",
    "pyarrow",
    "pandas",
    "pyspark",
    "yaml",  # PyYAML: the dbt exporter's; specs are read with ruamel.yaml
    "xml",
    "cxspec.compiler.plan",  # the compiler; its leaves sqlkit and dialects serve the metric types
    "cxspec.compiler.compile",
    "cxspec.compiler.sqlgen",
    "cxspec.query",
    "cxspec.runs",
    "cxspec.reports",
    "cxspec.catalog",
    "cxspec.diffing",
    "cxspec.notify.send",
    *(
        f"cxspec.commands.{name}_cmd"
        for name in ("compile", "query", "run", "docs", "diff", "export", "lint")
    ),
    "cxspec.lint.engine",
    "cxspec.formats.junit",
    "cxspec.formats.sarif",
    "cxspec_dbt.exporter",
    # The Spark warehouse's session, layouts and run lock: when it connects (hashlib, threading).
    "cxspec_spark.session",
    "cxspec_spark.layouts",
    "cxspec_spark.run_lock",
    "cxspec_spark.statements",
    "zoneinfo",  # its import reads sysconfig; the survey exports check a zone only when given one
)

#: Runs the CLI in a fresh interpreter and prints the modules it imported, with the first
#: importer of each, and the command's output, as JSON.
PROBE = r"""
import json, sys
importers = {}

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name not in sys.modules and name not in importers:
            frame, chain = sys._getframe(1), []
            while frame is not None and len(chain) < 40:
                module = frame.f_globals.get("__name__", "")
                if module.startswith(("cxspec", "sqlglot")) and (not chain or chain[-1] != module):
                    chain.append(module)
                frame = frame.f_back
            importers[name] = " <- ".join(chain[:6])
        return None

sys.meta_path.insert(0, Watch())
import io
real_stdout, sys.stdout = sys.stdout, io.StringIO()
from cxspec.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
found = {"code": code, "modules": sorted(sys.modules), "importers": importers}
real_stdout.write(json.dumps({**found, "output": sys.stdout.getvalue()}))
"""


def imported_by(*args: str, cache: Path | None = None) -> dict:
    env = {**os.environ, CACHE_VARIABLE: str(cache) if cache else "off"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(done.stdout)


def heavy(found: dict, allowed: tuple[str, ...] = ()) -> list[str]:
    def is_heavy(name: str) -> bool:
        return any(
            name == h or name.startswith(h if h.endswith(".") else h + ".") for h in HEAVY
        ) and not any(name == a or name.startswith(a + ".") for a in allowed)

    return [f"{m} (imported from {found['importers'].get(m, '?')})" for m in found["modules"] if is_heavy(m)]


@pytest.fixture(scope="module")
def starter(tmp_path_factory) -> Path:
    from cxspec.registry import default_registry
    from cxspec.scaffold import write_starter

    root = tmp_path_factory.mktemp("starter") / "project"
    write_starter(root, default_registry())
    return root


def test_validate_on_the_starter_project_imports_nothing_heavy(starter, tmp_path):
    """Installed plugins' types are checked against the JSON Schema meta-schema once (that
    imports jsonschema) and the SQL fragments parsed (sqlglot); the user cache remembers the
    types valid and the fragments' facts (fragment_facts.py), so later runs import neither."""
    first = imported_by("validate", str(starter), "--format", "json", cache=tmp_path / "cache")
    assert first["code"] == 0
    assert heavy(first, allowed=("jsonschema",)) == []
    assert "sqlglot" in first["modules"]  # the SQL fragments are parsed: this test sees the real path
    found = imported_by("validate", str(starter), "--format", "json", cache=tmp_path / "cache")
    assert found["code"] == 0
    assert heavy(found) == []
    assert "sqlglot" not in found["modules"], found["importers"].get("sqlglot")
    # "did you mean" hints (a valid project needs none); SQLite's values (a Decimal exists only
    # once something imported decimal; jsonschema does, on the first run)
    assert [m for m in ("difflib", "decimal") if m in found["modules"]] == [], found["importers"]
    assert json.loads(found["output"]) == json.loads(first["output"])


def test_validate_without_fragments_does_not_import_sqlglot(starter, tmp_path):
    """The SQL is built and parsed on first use: a project with no SQL fragment (the starter
    without its touch points' `match:`) is read and checked without sqlglot, whose import
    (expressions, dialects, importlib.metadata) was ~40% of the start-up."""
    bare = tmp_path / "bare"
    for path in starter.rglob("*"):
        if path.is_file():
            target = bare / path.relative_to(starter)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    for spec in (bare / "specs").glob("*.yaml"):
        lines = spec.read_text(encoding="utf-8").splitlines(keepends=True)
        spec.write_text(
            "".join(line for line in lines if not line.lstrip().startswith("match:")), encoding="utf-8"
        )
    found = imported_by("validate", str(bare), "--format", "json", cache=tmp_path / "cache")
    found = imported_by("validate", str(bare), "--format", "json", cache=tmp_path / "cache")
    assert found["code"] == 0
    assert heavy(found) == []
    lazy = [m for m in found["modules"] if m.split(".")[0] == "sqlglot" or m == "importlib.metadata"]
    assert lazy == [], [f"{m} (imported from {found['importers'].get(m, '?')})" for m in lazy]


def test_the_schema_dialects_are_sqlglots():
    """`schema.DIALECTS` is written out so that building the schema imports no sqlglot."""
    import sqlglot

    from cxspec.schema import DIALECTS, NOT_SQL

    assert list(DIALECTS) == sorted(d.value for d in sqlglot.Dialects if d.value and d.value not in NOT_SQL)


def test_validate_with_problems_imports_nothing_heavy_but_jsonschema(starter, tmp_path):
    """An invalid item is described by jsonschema (the reference); still nothing else."""
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in starter.rglob("*"):
        if path.is_file():
            target = broken / path.relative_to(starter)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    spec = next((broken / "specs").glob("*.yaml"))
    spec.write_text(
        spec.read_text(encoding="utf-8").replace("metrics:", "metrics:\n  - {id: x}", 1), encoding="utf-8"
    )
    found = imported_by("validate", str(broken), "--format", "text", cache=tmp_path / "cache")
    assert found["code"] == 1
    assert heavy(found, allowed=("jsonschema",)) == []


def test_importing_the_cli_does_not_import_sqlglot():
    found = imported_by("--version")
    assert found["code"] in (0, None)
    assert [
        m for m in found["modules"] if m.split(".")[0] in ("sqlglot", "jsonschema", "duckdb", "pluggy")
    ] == []


def command_modules() -> dict[str, str]:
    """Every `*_command` in cxspec/commands/*_cmd.py that is not another command's subcommand."""
    found, children = {}, set()
    for info in pkgutil.iter_modules(cxspec.commands.__path__):
        if not info.name.endswith("_cmd"):
            continue
        module = importlib.import_module(f"cxspec.commands.{info.name}")
        for attribute, command in vars(module).items():
            if attribute.endswith("_command") and isinstance(command, click.Command):
                found[command.name] = f"{module.__name__}:{attribute}"
                if isinstance(command, click.Group):
                    children.update(id(c) for c in command.commands.values())
        for command in vars(module).values():
            if id(command) in children:
                found.pop(command.name, None)
    return found


def test_lazy_commands_are_every_command_module():
    """A new commands/<name>_cmd.py is found here until it is added to LAZY_COMMANDS."""
    assert dict(sorted(command_modules().items())) == LAZY_COMMANDS
    context = click.Context(cli)
    for name in LAZY_COMMANDS:
        command = cli.get_command(context, name)
        assert isinstance(command, click.Command) and command.name == name
    assert cli.list_commands(context) == sorted({*LAZY_COMMANDS, "init", "schema", "validate"})


def test_help_lists_every_command(run_main):
    code, out, _ = run_main("--help")
    assert code == 0
    for name in LAZY_COMMANDS:
        assert f"  {name} " in out, name


# -- the user cache: safe by content ---------------------------------------------------------


class Odd:
    """Stands for a plugin's type: what _checked_schema reads."""

    name = "odd"
    required = ()


def test_a_valid_plugin_schema_is_checked_once_and_remembered_by_content(tmp_path, monkeypatch):
    from jsonschema import Draft202012Validator

    from cxspec.registry import VALID_SCHEMA, _checked_schema

    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    checked = []
    real = Draft202012Validator.check_schema
    monkeypatch.setattr(Draft202012Validator, "check_schema", lambda s: checked.append(s) or real(s))
    for fields in (
        {"weight": {"type": "number"}},
        {"weight": {"type": "number"}},
        {"weight": {"type": "integer"}},
    ):
        odd = type("Odd", (Odd,), {"fields": fields})
        _checked_schema(odd, "metric type")
    assert [c["properties"] for c in checked] == [
        {"weight": {"type": "number"}},
        {"weight": {"type": "integer"}},
    ]
    assert len(list((tmp_path / "cache" / VALID_SCHEMA).iterdir())) == 2


@pytest.mark.parametrize("cache", ["cache", "off"])
def test_an_invalid_plugin_schema_is_never_remembered(tmp_path, monkeypatch, cache):
    from cxspec.registry import Unusable, _checked_schema

    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / cache) if cache != "off" else "off")
    odd = type("Odd", (Odd,), {"fields": {"weight": {"type": "numbr"}}})
    for _ in range(2):
        with pytest.raises(Unusable, match="invalid JSON Schema at properties/weight/type"):
            _checked_schema(odd, "metric type")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*"))


def test_the_cache_is_off_when_asked_and_outside_the_project_by_default(tmp_path, monkeypatch):
    from cxspec import user_cache

    monkeypatch.setenv(CACHE_VARIABLE, "")
    assert user_cache.cache_dir() is None
    user_cache.remember("kind", user_cache.content_key("kind", {"a": 1}))  # nothing, no error
    monkeypatch.delenv(CACHE_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert user_cache.cache_dir() == tmp_path / "xdg" / "cxspec"
    assert user_cache.content_key("kind", {"a": {1, 2}}) is None  # not JSON: never remembered
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "file"))
    (tmp_path / "file").write_text("not a folder")
    key = user_cache.content_key("kind", {"a": 1})
    user_cache.remember("kind", key)  # an unusable cache is no cache
    assert not user_cache.known("kind", key)


# -- entry points, found without importlib.metadata's cost -----------------------------------


def described(points) -> list[tuple]:
    return sorted((e.name, e.value, e.group, e.dist.metadata["Name"], e.dist.version) for e in points)


@pytest.mark.parametrize("group", ["cxspec", "console_scripts", "pytest11"])
def test_entry_points_are_importlib_metadatas(group):
    from importlib import metadata

    from cxspec import entry_points

    assert described(entry_points.entry_points(group=group)) == described(metadata.entry_points(group=group))


def test_entry_points_of_a_distribution_installed_on_the_path(tmp_path, monkeypatch):
    from importlib import metadata

    from cxspec import entry_points

    for folder, version in (("first", "2.0"), ("second", "1.0")):  # the first on sys.path wins
        info = tmp_path / folder / f"cx_probe-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: cx-probe\nVersion: {version}\n\nName: no\n"
        )
        (info / "entry_points.txt").write_text(
            f"# a comment\n[other]\nx = y\n\n[cxspec]\nprobe = cx_probe_{folder}.plugin:hooks\n"
        )
        (tmp_path / folder / f"cx_probe_{folder}").mkdir()
        (tmp_path / folder / f"cx_probe_{folder}" / "__init__.py").write_text("")
        (tmp_path / folder / f"cx_probe_{folder}" / "plugin.py").write_text("class hooks:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path / "second"))
    monkeypatch.syspath_prepend(str(tmp_path / "first"))
    ours = [e for e in entry_points.entry_points(group="cxspec") if e.name == "probe"]
    assert described(ours) == [("probe", "cx_probe_first.plugin:hooks", "cxspec", "cx-probe", "2.0")]
    assert described(ours) == described(e for e in metadata.entry_points(group="cxspec") if e.name == "probe")
    assert ours[0].load().__name__ == "hooks"


def test_lazy_exp_is_sqlglot_exp_from_its_first_use():
    """The stand-in imports sqlglot on its first read and leaves `sqlglot.exp` itself behind."""
    probe = (
        "import sys\n"
        "import cxspec.compiler.sqlkit as sqlkit\n"
        "assert 'sqlglot' not in sys.modules\n"
        "column = sqlkit.col('a')\n"
        "from sqlglot import exp\n"
        "assert isinstance(column, exp.Column) and sqlkit.exp is exp\n"
        "import cxspec.metric_type as metric_type\n"
        "assert metric_type.exp is exp\n"
        "import cxspec.column_types as column_types\n"
        "assert column_types.exp is exp\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)
