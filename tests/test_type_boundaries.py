"""Meta-tests of two boundaries, by reading the code (AST):

- metric types own their knowledge: nothing outside cxspec/builtin/ branches on the name of a
  built-in metric type (a plugin type could not take part in such a branch);
- the registry is passed explicitly: only the CLI layer and the public facade reach for the
  process-wide `default_registry()`; library code is given the registry it works with.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cxspec.builtin.metric_types import BUILTIN_METRIC_TYPES

PACKAGE = Path(__file__).resolve().parent.parent / "cxspec"
BUILTIN_NAMES = frozenset(t.name for t in BUILTIN_METRIC_TYPES)

#: Folders whose code may name built-in types: the built-ins themselves.
TYPE_NAMES_ALLOWED = ("builtin/",)
#: Folders not yet moved to type methods: none.
TYPE_NAMES_PENDING: tuple[str, ...] = ()
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


def _type_names(node: ast.AST) -> list[str]:
    """Built-in type names written as a string constant, or as constants of a tuple/list/set."""
    items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return [i.value for i in items if isinstance(i, ast.Constant) and i.value in BUILTIN_NAMES]


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
            if any(_type_names(o) for o in operands):
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Dict) and id(node) not in agg_tables:
            if any(k is not None and _type_names(k) for k in node.keys):
                found.append((node.lineno, ast.unparse(node)[:80]))
        elif isinstance(node, ast.MatchValue) and _type_names(node.value):
            found.append((node.lineno, ast.unparse(node)))
    return found


@pytest.mark.parametrize(
    ("relative", "tree"),
    modules(TYPE_NAMES_ALLOWED + TYPE_NAMES_PENDING),
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_no_branch_on_a_builtin_type_name(relative, tree):
    assert type_name_branches(tree) == [], (
        f"cxspec/{relative} branches on built-in metric type names: give MetricType a method or "
        "attribute with a default, and override it in cxspec/builtin/metric_types.py"
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
