"""The public API holds: `cxspec.__all__` resolves and is documented, every hook is tested and
documented with its exact signature, `import cxspec` stays cheap, and the plugins (and the
docs' examples) import nothing but `cxspec` and, in tests, `cxspec.testing`."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cxspec
from cxspec import hookspecs

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "plugin-hooks.md"
HOOKS = sorted(name for name, f in vars(hookspecs).items() if name.startswith("cxspec_") and callable(f))
PUBLIC_TEST_MODULE = "cxspec.testing"


def test_all_is_the_table_and_every_name_resolves():
    assert cxspec.__all__ == sorted(["__version__", "load_project", *cxspec.PUBLIC])
    for name in cxspec.__all__:
        assert getattr(cxspec, name) is not None, name
    with pytest.raises(AttributeError):
        cxspec.no_such_name  # noqa: B018
    from cxspec import owners  # a submodule is still importable by name

    assert owners.__name__ == "cxspec.owners"


def test_import_cxspec_loads_nothing_heavy():
    """`import cxspec` runs for every command: the public names load on first use."""
    code = (
        "import sys, cxspec; "
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlglot', 'jsonschema', 'duckdb', 'pluggy', 'yaml', 'click') or m.startswith('cxspec.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["cxspec.version"]  # one line, a leaf: the version string


# -- the hook reference, docs/plugin-hooks.md ------------------------------------------------------


def reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_in_the_reference_with_its_exact_signature(hook):
    text = reference_text()
    function = getattr(hookspecs, hook)
    assert f"### `{hook}`" in text, hook
    signature = f"def {hook}{inspect.signature(function)}".replace("'", "")
    assert signature in text, signature
    assert function.__doc__ and function.__doc__.strip()


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test_named_after_it(hook):
    tests = "".join(p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("tests/**/test_*.py")))
    assert re.search(rf"^def test_hook_{hook}\(", tests, re.M), f"no test_hook_{hook} in tests/"


@pytest.mark.parametrize("name", [n for n in cxspec.__all__ if n != "__version__"])
def test_every_public_name_has_a_line_in_the_reference(name):
    assert re.search(rf"^\| `{re.escape(name)}[`(]", reference_text(), re.M), (
        f"docs/plugin-hooks.md has no table row for cxspec.{name}"
    )


def test_the_reference_documents_no_name_that_is_not_public():
    public_section = reference_text().split("## The public API", 1)[1]
    rows = re.findall(r"^\| `([A-Za-z_][A-Za-z0-9_]*)[`(]", public_section, re.M)
    members = {"name", "description", "fields", "required"}  # base-class member tables
    assert sorted(set(rows) - set(cxspec.__all__) - members - _member_names()) == []


def _member_names() -> set[str]:
    """Attributes and methods of the public base classes (their own tables in the reference)."""
    found = set()
    for name in ("MetricType", "SourceType", "Warehouse", "Output", "LintRule", "Display", "CheckContext"):
        cls = getattr(cxspec, name)
        found |= {n for n in dir(cls) if not n.startswith("_")}
        found |= set(getattr(cls, "__dataclass_fields__", {}))
    return found


# -- what plugins import -------------------------------------------------------------------------

PLUGIN_FOLDERS = sorted([*ROOT.glob("plugins/*/"), *ROOT.glob("docs/examples/*/")])


def cxspec_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of cxspec or below it, inside functions too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
            if node.module == "cxspec":  # `from cxspec import testing` names a submodule
                modules += [f"cxspec.{a.name}" for a in node.names if a.name not in cxspec.__all__]
        else:
            continue
        found += [(node.lineno, m) for m in modules if m == "cxspec" or m.startswith("cxspec.")]
    return found


def allowed(path: Path, module: str) -> bool:
    in_tests = "tests" in path.parts or path.name.startswith(("test_", "conftest"))
    return module == "cxspec" or (module == PUBLIC_TEST_MODULE and in_tests)


@pytest.mark.parametrize("folder", PLUGIN_FOLDERS, ids=lambda p: p.name)
def test_plugins_import_only_the_public_api(folder):
    files = sorted(folder.rglob("*.py"))
    assert files
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in files
        for line, module in cxspec_imports(path)
        if not allowed(path, module)
    ]
    assert wrong == []


def test_the_import_scan_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "plugin.py"
    sample.write_text(
        "from cxspec import hookimpl, testing\n"
        "def f():\n    from cxspec.query import compute\n    import cxspec.model\n",
        encoding="utf-8",
    )
    found = cxspec_imports(sample)
    assert found == [(1, "cxspec"), (1, "cxspec.testing"), (3, "cxspec.query"), (4, "cxspec.model")]
    assert [m for _, m in found if not allowed(sample, m)] == ["cxspec.testing", "cxspec.query", "cxspec.model"]


PYTHON_BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
TEACHING_PAGES = ["writing-plugins.md", "plugin-hooks.md", "testing-plugins.md", "lint-rules.md",
                  "sql-fragments.md", "warehouses.md"]  # fmt: skip


@pytest.mark.parametrize("page", TEACHING_PAGES)
def test_the_docs_teach_only_public_imports(page, tmp_path):
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    wrong = []
    for index, block in enumerate(PYTHON_BLOCK.findall(text)):
        sample = tmp_path / "tests" / f"test_block{index}.py"  # tests may use cxspec.testing
        sample.parent.mkdir(exist_ok=True)
        sample.write_text(block, encoding="utf-8")
        try:
            imports = cxspec_imports(sample)
        except SyntaxError:  # a signature or an excerpt, not a module
            imports = [(0, m) for m in re.findall(r"^\s*from (cxspec[\w.]*) import", block, re.M)]
        wrong += [f"block {index}: {m}" for _, m in imports if not allowed(sample, m)]
    assert wrong == []
