"""Meta-tests of two boundaries, by reading the code (AST):

- types own their knowledge: nothing outside cxspec/builtin/ (in cxspec/ or in the plugin
  packages) branches on the name of a built-in metric or source type, or imports a built-in
  type to test for it (a plugin type could not take part in such a branch);
- the registry is passed explicitly: only the CLI layer and the public facade reach for the
  process-wide `default_registry()`; library code is given the registry it works with.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cxspec.builtin.metric_types import BUILTIN_METRIC_TYPES
from cxspec.builtin.source_types import cxspec_register_source_types

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "cxspec"
BUILTIN_NAMES = frozenset(t.name for t in BUILTIN_METRIC_TYPES)
#: Built-in source type names ("file", "table", "sql") are common words: only comparisons
#: with them count (a dict key "file" is a file, not a type).
BUILTIN_SOURCE_NAMES = frozenset(t.name for t in cxspec_register_source_types())

#: Folders whose code may name built-in types: the built-ins themselves.
TYPE_NAMES_ALLOWED = ("builtin/",)
#: Measure.agg is "sum", "min" or "max": aggregate names that are also type names. A
#: comparison with `….agg` and the table named COMBINE (how measures combine) are about them.
MEASURE_AGG_ATTRIBUTE = "agg"
MEASURE_AGG_TABLES = ("COMBINE",)

#: Where `default_registry()` may be called: the CLI, its commands and the public facade.
DEFAULT_REGISTRY_ALLOWED = ("cli.py", "commands/", "__init__.py", "testing.py", "registry.py")


def modules(excluded: tuple[str, ...]) -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if not relative.startswith(excluded) and relative not in excluded:
            found.append((relative, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return found


def plugin_modules() -> list[tuple[str, ast.Module]]:
    """The plugin packages' own code (not their tests), by path from the repository."""
    found = []
    for path in sorted((REPO / "plugins").glob("*/cxspec_*/**/*.py")):
        found.append((path.relative_to(REPO).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return found


def _type_names(node: ast.AST, names=BUILTIN_NAMES) -> list[str]:
    """Built-in type names written as a string constant, or as constants of a tuple/list/set."""
    items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return [i.value for i in items if isinstance(i, ast.Constant) and i.value in names]


def type_name_branches(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, code) of every comparison with a built-in type name and every table keyed by them."""
    found = []
    agg_tables = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in MEASURE_AGG_TABLES for t in node.targets
        ):
            agg_tables.add(id(node.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Attribute) and o.attr == MEASURE_AGG_ATTRIBUTE for o in operands):
                continue
            if any(_type_names(o, BUILTIN_NAMES | BUILTIN_SOURCE_NAMES) for o in operands):
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Dict) and id(node) not in agg_tables:
            if any(k is not None and _type_names(k) for k in node.keys):
                found.append((node.lineno, ast.unparse(node)[:80]))
        elif isinstance(node, ast.MatchValue) and _type_names(node.value, BUILTIN_NAMES | BUILTIN_SOURCE_NAMES):
            found.append((node.lineno, ast.unparse(node)))
    return found


def builtin_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, code) of every import of cxspec.builtin (at any depth, in functions too)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.startswith("cxspec.builtin") or (
                module == "cxspec" and any(alias.name == "builtin" for alias in node.names)
            ):
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Import):
            if any(alias.name.startswith("cxspec.builtin") for alias in node.names):
                found.append((node.lineno, ast.unparse(node)))
    return sorted(found)


OUTSIDE_BUILTIN = modules(TYPE_NAMES_ALLOWED)
OUTSIDE_BUILTIN_IDS = [f"cxspec/{relative}" for relative, _ in OUTSIDE_BUILTIN]


@pytest.mark.parametrize(
    ("relative", "tree"),
    [*OUTSIDE_BUILTIN, *plugin_modules()],
    ids=[*OUTSIDE_BUILTIN_IDS, *(relative for relative, _ in plugin_modules())],
)
def test_no_branch_on_a_builtin_type_name(relative, tree):
    assert type_name_branches(tree) == [], (
        f"{relative} branches on built-in metric or source type names: give MetricType or "
        "SourceType a method with a default, and override it in cxspec/builtin/"
    )


@pytest.mark.parametrize(
    ("relative", "tree"),
    [*OUTSIDE_BUILTIN, *plugin_modules()],
    ids=[*OUTSIDE_BUILTIN_IDS, *(relative for relative, _ in plugin_modules())],
)
def test_no_import_of_the_builtin_types(relative, tree):
    """`isinstance(kind, Csat)` is a branch on a built-in type by another name."""
    assert builtin_imports(tree) == [], (
        f"{relative} imports from cxspec.builtin: ask the type through a method of "
        "MetricType/SourceType instead (the public API names what plugins may use)"
    )


def test_the_type_name_scan_finds_branches():
    source = (
        'if metric.type == "derived": pass\n'
        'if plan.type.name in ("ratio", "derived"): pass\n'
        'DEFINITIONS = {"nps": "…"}\n'
        'if measure.agg == "sum": pass\n'
        'COMBINE = {"sum": 1, "min": 2}\n'
    )
    assert [line for line, _ in type_name_branches(ast.parse(source))] == [1, 2, 3]


def test_the_scans_find_source_type_branches_and_builtin_imports():
    source = (
        'if source.type != "file": pass\n'
        'ROW = {"file": path}\n'  # a key "file" is a file, not the source type
        "def f():\n"
        "    from cxspec.builtin.metric_types import Csat\n"
        "    import cxspec.builtin.source_types\n"
        "from cxspec import builtin\n"
    )
    tree = ast.parse(source)
    assert [line for line, _ in type_name_branches(tree)] == [1]
    assert [line for line, _ in builtin_imports(tree)] == [4, 5, 6]


def default_registry_calls(tree: ast.Module) -> list[int]:
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
            if name == "default_registry":
                calls.append(node.lineno)
    return calls


@pytest.mark.parametrize(
    ("relative", "tree"),
    modules(DEFAULT_REGISTRY_ALLOWED),
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_library_code_is_given_its_registry(relative, tree):
    assert default_registry_calls(tree) == [], (
        f"cxspec/{relative} calls default_registry(): take the registry as a parameter (only "
        "the CLI layer and the public facade reach for the process-wide one)"
    )


def test_the_registry_scan_finds_calls():
    source = "from cxspec.registry import default_registry\nr = default_registry()\nregistry.default_registry()\n"
    tree = ast.parse(source)
    assert default_registry_calls(tree) == [2, 3]
