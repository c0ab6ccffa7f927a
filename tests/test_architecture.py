"""Meta-tests of the package's shape: no import cycles, leaves that stay leaves, small
modules, and a docs/architecture.md that names every module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "cxspec"
ARCHITECTURE = REPO / "docs" / "architecture.md"

#: The most lines a module may have: past it a module does more than one job.
MAX_MODULE_LINES = 700

#: Modules allowed over MAX_MODULE_LINES for now, each with the reason. Remove an entry
#: as soon as its module is small again (the test below fails to say so).
OVERSIZE_ALLOWED: dict[str, str] = {}

#: Modules that others build on and that must import (almost) nothing of cxspec, so that
#: any module can use them without an import cycle. Each maps to the only cxspec modules it
#: may import.
LEAVES = {
    "cxspec.codes": set(),
    "cxspec.diagnostics": {"cxspec.codes"},
    "cxspec.yamlread": set(),
    "cxspec.locations": {"cxspec.diagnostics", "cxspec.yamlread"},
    "cxspec.gcpause": set(),
    "cxspec.lazyexp": set(),
    "cxspec.fastschema": set(),
    "cxspec.project_files": set(),
    "cxspec.suggest": set(),
    "cxspec.version": set(),
    "cxspec.periods": set(),
    "cxspec.spec_fields": set(),
    "cxspec.schema_parts": set(),
    "cxspec.user_cache": {"cxspec.version"},
    "cxspec.entry_points": set(),
}


# -- the import graph ---------------------------------------------------------------------


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(name: str, path: Path, modules) -> set[str]:
    """Modules of the package that `name` imports anywhere: at module level, inside
    functions and classes, but not under `if TYPE_CHECKING:` (never run)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit_one(other)
            else:
                visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                # `from cxspec.compiler import sqlgen` imports the module cxspec.compiler.sqlgen;
                # `from cxspec.model import Metric` imports cxspec.model.
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in modules else source)
        else:
            visit(node)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return {m for m in found if m in modules and m != name}


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module name -> the package's modules it imports (explicit imports only: the parent
    packages Python imports on the way are not counted)."""
    root = package_dir.parent
    modules = {module_name(p, root): p for p in sorted(package_dir.rglob("*.py"))}
    return {name: _imported_names(name, path, modules) for name, path in modules.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(cycles)


def describe_cycles(graph, cycles) -> str:
    lines = []
    for members in cycles:
        lines.append(f"cycle of {len(members)} modules:")
        for member in members:
            inside = sorted(graph[member] & set(members))
            lines.append(f"  {member} -> {', '.join(inside)}")
    return "\n".join(lines)


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_import_graph_counts_function_level_imports_but_not_type_checking(tmp_path):
    package = tmp_path / "pkg"
    _write(tmp_path, "pkg/__init__.py", "")
    _write(tmp_path, "pkg/a.py", "from pkg.b import thing\n")
    _write(tmp_path, "pkg/b.py", "def f():\n    from pkg import a\n    return a\nthing = 1\n")
    _write(
        tmp_path,
        "pkg/c.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import x\nelse:\n"
        "    import pkg.sub.d\n",
    )
    _write(tmp_path, "pkg/sub/__init__.py", "")
    _write(tmp_path, "pkg/sub/d.py", "from . import e\nfrom ..c import y\n")
    _write(tmp_path, "pkg/sub/e.py", "")

    graph = import_graph(package)

    assert graph["pkg.a"] == {"pkg.b"}
    assert graph["pkg.b"] == {"pkg.a"}
    assert graph["pkg.c"] == {"pkg.sub.d"}
    assert graph["pkg.sub.d"] == {"pkg.sub.e", "pkg.c"}
    assert import_cycles(graph) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.sub.d"]]


def test_no_import_cycles():
    graph = import_graph(PACKAGE)
    cycles = import_cycles(graph)
    assert not cycles, "import cycles in cxspec/ (imports inside functions count):\n" + describe_cycles(
        graph, cycles
    )


@pytest.mark.parametrize("leaf", sorted(LEAVES))
def test_leaf_modules_stay_leaves(leaf):
    graph = import_graph(PACKAGE)
    assert leaf in graph, f"{leaf} is gone: update LEAVES"
    extra = graph[leaf] - LEAVES[leaf]
    assert not extra, f"{leaf} must stay a leaf but imports {sorted(extra)}"


def test_codes_and_diagnostics_are_not_a_cycle():
    graph = import_graph(PACKAGE)
    cycles = [c for c in import_cycles(graph) if {"cxspec.codes", "cxspec.diagnostics"} & set(c)]
    assert not cycles, describe_cycles(graph, cycles)


# -- module size --------------------------------------------------------------------------


def _module_files() -> list[Path]:
    files = sorted(PACKAGE.rglob("*.py"))
    files += sorted((REPO / "plugins").glob("*/cxspec_*/**/*.py"))
    return files


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_is_over_the_size_limit():
    too_long = {}
    for path in _module_files():
        relative = path.relative_to(REPO).as_posix()
        lines = _line_count(path)
        if lines > MAX_MODULE_LINES and relative not in OVERSIZE_ALLOWED:
            too_long[relative] = lines
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines (split them): {too_long}"


@pytest.mark.parametrize("relative", sorted(OVERSIZE_ALLOWED))
def test_oversize_allowances_are_still_needed(relative):
    path = REPO / relative
    assert path.exists() and _line_count(path) > MAX_MODULE_LINES, (
        f"{relative} is gone or no longer over {MAX_MODULE_LINES} lines: "
        "remove it from OVERSIZE_ALLOWED in tests/test_architecture.py"
    )


# -- docs/architecture.md ------------------------------------------------------------------

#: How docs/architecture.md lists a module: a table row that starts with its path below
#: cxspec/ in backticks (paths elsewhere in the text are not counted).
_MODULE_ROW = re.compile(r"^\| `((?:[a-z_]+/)*[a-z_]+\.py)` \|")
#: The mark on a line that names a module other branches are adding (not on disk yet).
PLANNED_MARK = "(planned)"


def _documented_modules() -> tuple[set[str], set[str]]:
    """Module paths below cxspec/ that docs/architecture.md names: (present, planned)."""
    present, planned = set(), set()
    for line in ARCHITECTURE.read_text(encoding="utf-8").splitlines():
        names = set(_MODULE_ROW.findall(line))
        (planned if PLANNED_MARK in line else present).update(names)
    return present, planned - present


def _has_code(path: Path) -> bool:
    """Whether a file holds more than a docstring (empty package markers need no line)."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return any(not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)) for node in body)


def _package_modules() -> set[str]:
    modules = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name == "__init__.py" and not _has_code(path):
            continue
        modules.add(path.relative_to(PACKAGE).as_posix())
    return modules


def test_architecture_doc_names_every_module():
    present, _ = _documented_modules()
    missing = sorted(_package_modules() - present)
    assert not missing, f"docs/architecture.md does not describe: {missing}"


def test_architecture_doc_names_only_modules_that_exist():
    present, planned = _documented_modules()
    on_disk = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")}
    gone = sorted(present - on_disk)
    assert not gone, f"docs/architecture.md describes modules that do not exist: {gone}"
    landed = sorted(planned & on_disk)
    assert not landed, f"docs/architecture.md marks these {PLANNED_MARK} but they exist now: {landed}"
