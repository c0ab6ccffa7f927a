"""The docs stay in step with the code: codes, the function allow-list, spec fields, links."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cxspec import schema
from cxspec.builtin.metric_types import BUILTIN_METRIC_TYPES
from cxspec.builtin.source_types import FileSource, SqlSource, TableSource
from cxspec.builtin.sql_functions import ALLOWED_FUNCTIONS
from cxspec.codes import CODES

DOCS = Path(__file__).resolve().parent.parent / "docs"
CODE = re.compile(r"CX\d{3}")


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def without_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


# -- validation codes --------------------------------------------------------------------


def code_table_rows() -> dict[str, list[str]]:
    """`| [CX001](#cx001) | error | title | explanation |` rows, by code."""
    rows = {}
    for line in read("validation-codes.md").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and CODE.fullmatch(re.sub(r"\[(.*?)\]\(.*?\)", r"\1", cells[0])):
            code = re.sub(r"\[(.*?)\]\(.*?\)", r"\1", cells[0])
            assert code not in rows, f"{code} has two rows"
            rows[code] = cells[1:]
    return rows


def code_sections() -> list[str]:
    return re.findall(r"^### (CX\d{3})\s*$", read("validation-codes.md"), flags=re.M)


def test_every_code_has_a_row_and_no_extra_codes():
    assert list(code_table_rows()) == list(CODES)


def test_rows_match_the_catalogue():
    def plain(text: str) -> str:
        return text.replace("`", "")

    for code, (severity, title, explanation) in code_table_rows().items():
        entry = CODES[code]
        assert severity == entry.severity.value, code
        assert title == entry.title, code
        assert plain(explanation) == plain(entry.explanation), code


def test_every_code_has_one_section_and_no_extra_sections():
    sections = code_sections()
    assert len(sections) == len(set(sections)), "a code has two sections"
    assert sections == list(CODES)


def test_codes_mentioned_anywhere_in_the_docs_exist():
    for page in sorted(DOCS.glob("*.md")):
        unknown = set(CODE.findall(page.read_text(encoding="utf-8"))) - set(CODES)
        assert not unknown, f"{page.name} mentions codes that do not exist: {sorted(unknown)}"


# -- SQL fragments -----------------------------------------------------------------------


def test_every_allowed_function_is_documented():
    text = read("sql-fragments.md")
    missing = [name for name in ALLOWED_FUNCTIONS if f"`{name}`" not in text]
    assert not missing


# -- spec reference ----------------------------------------------------------------------


def section_fields() -> dict[str, list[str]]:
    return {
        "cxspec.yaml": list(schema.project_schema()["properties"]),
        "owners": list(schema.OWNER["properties"]),
        "sources": list(schema.SOURCE_COMMON),
        "journeys": list(schema.JOURNEY["properties"]),
        "touchpoints": list(schema.TOUCHPOINT["properties"]),
        "metrics": list(schema.METRIC_COMMON) + list(schema.SOURCE_METRIC_FIELDS),
        "goals": list(schema.GOAL["properties"]),
        "pyramids": list(schema.PYRAMID["properties"]),
        "pyramid nodes": list(schema.PYRAMID_NODE["properties"]),
        "dimensions": list(schema.DIMENSION["oneOf"][1]["properties"]),
        "spec files": list(schema.SECTION_ITEMS) + ["version"],
    }


@pytest.mark.parametrize("section", list(section_fields()))
def test_every_field_of_every_section_has_a_table_row(section):
    text = read("spec-reference.md")
    missing = [
        name for name in section_fields()[section] if not re.search(rf"^\| `{name}` \|", text, flags=re.M)
    ]
    assert not missing, f"{section}: {missing}"


def test_every_builtin_metric_type_and_its_fields_are_documented():
    text = read("spec-reference.md")
    for metric_type in BUILTIN_METRIC_TYPES:
        assert f"`{metric_type.name}`" in text, metric_type.name
        for name in metric_type.fields:
            assert f"`{name}`" in text, f"{metric_type.name}.{name}"


def test_every_builtin_source_type_and_its_fields_are_documented():
    text = read("spec-reference.md")
    for source_type in (FileSource, TableSource, SqlSource):
        assert f"`{source_type.name}`" in text, source_type.name
        for name in source_type.fields:
            assert f"`{name}`" in text, f"{source_type.name}.{name}"


# -- links -------------------------------------------------------------------------------


LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def relative_links(page: Path) -> list[str]:
    links = LINK.findall(without_code_blocks(page.read_text(encoding="utf-8")))
    return [link for link in links if not re.match(r"^[a-z][a-z0-9+.-]*:", link)]


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    found = set()
    for heading in re.findall(r"^#{1,6} (.+?)\s*$", without_code_blocks(page.read_text("utf-8")), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")
        found.add(slug)
    return found


PAGES = sorted(DOCS.glob("*.md"))


def test_the_docs_are_there():
    names = {page.name for page in PAGES}
    assert {
        "index.md", "getting-started.md", "spec-reference.md", "validation-codes.md",
        "sql-fragments.md", "output-formats.md", "editor-support.md", "limits.md", "design.md",
    } <= names  # fmt: skip


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_point_to_existing_files(page):
    for link in relative_links(page):
        path, _, fragment = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        assert target.exists(), f"{page.name}: {link} points to a missing file"
        if fragment and target.suffix == ".md":
            assert fragment in anchors(target), f"{page.name}: {link}: no heading #{fragment}"


def test_every_page_is_linked_from_the_index():
    linked = {link.partition("#")[0] for link in relative_links(DOCS / "index.md")}
    assert {page.name for page in PAGES} - {"index.md"} <= linked


# -- metric type pages ---------------------------------------------------------------------


METRIC_PAGES = sorted((DOCS / "metrics").glob("*.md"))


def builtin_metric_type_names() -> list[str]:
    from cxspec.registry import default_registry

    registry = default_registry()
    return [
        name
        for name in registry.metric_types
        if registry.provided_by[("metric type", name)] == "cxspec.builtin.metric_types"
    ]


@pytest.mark.parametrize("name", builtin_metric_type_names())
def test_every_builtin_metric_type_has_a_page(name):
    pages = [p.name for p in METRIC_PAGES if p.name != "index.md" and f"`{name}`" in p.read_text("utf-8")]
    assert pages, f"no page in docs/metrics mentions `{name}`"
    index = read("metrics/index.md")
    assert re.search(rf"^\| [^|]*`{name}`[^|]*\| \[", index, flags=re.M), (
        f"metrics/index.md: no row for {name}"
    )


@pytest.mark.parametrize("page", METRIC_PAGES, ids=lambda p: p.name)
def test_metric_page_links_point_to_existing_files(page):
    for link in relative_links(page):
        path, _, fragment = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        assert target.exists(), f"metrics/{page.name}: {link} points to a missing file"
        if fragment and target.suffix == ".md":
            assert fragment in anchors(target), f"metrics/{page.name}: {link}: no heading #{fragment}"


def test_every_metric_page_is_linked_from_the_metrics_index():
    linked = {link.partition("#")[0] for link in relative_links(DOCS / "metrics" / "index.md")}
    assert {p.name for p in METRIC_PAGES} - {"index.md"} <= linked
    assert "metrics/index.md" in {link.partition("#")[0] for link in relative_links(DOCS / "index.md")}


def test_codes_mentioned_in_the_metric_pages_exist():
    for page in METRIC_PAGES:
        unknown = set(CODE.findall(page.read_text(encoding="utf-8"))) - set(CODES)
        assert not unknown, f"metrics/{page.name} mentions codes that do not exist: {sorted(unknown)}"


# -- commands shown in the docs print what the docs show -----------------------------------

#: Pages whose ```sh blocks of one `cxspec …` (or `cat …`) line, followed directly by an output
#: block, are run: in a folder holding the example project (built from the blocks titled
#: `cx-example/…` in docs/metrics) and a copy of specs/acme.
COMMAND_PAGES = [*METRIC_PAGES, DOCS / "compile-and-query.md", DOCS / "warehouses.md"]
TITLED = re.compile(r'^```\w+ title="([^"]+)"\n(.*?)^```[ \t]*$', re.M | re.S)
COMMAND_AND_OUTPUT = re.compile(
    r"^```sh\n((?:cxspec|cat) [^\n]*)\n```[ \t]*\n\s*^```(text|sql|json|csv)\n(.*?)^```[ \t]*$", re.M | re.S
)
ELIDED = "-- …"


def example_files() -> dict[str, str]:
    files: dict[str, str] = {}
    for page in METRIC_PAGES:
        for name, body in TITLED.findall(page.read_text("utf-8")):
            assert name.startswith("cx-example/"), f"metrics/{page.name}: {name}"
            assert name not in files, f"{name} is given twice"
            files[name] = body
    return files


def test_the_example_project_is_complete():
    files = example_files()
    assert {"cx-example/cxspec.yaml", "cx-example/specs/sources.yaml"} <= set(files)
    assert sum(name.startswith("cx-example/data/") for name in files) == 3
    specs = [n for n in files if n.startswith("cx-example/specs/") and n != "cx-example/specs/sources.yaml"]
    assert len(specs) == len(METRIC_PAGES) - 1, "every metric type page adds one spec file"


def contains_in_order(output: list[str], excerpt: list[str]) -> bool:
    """Each run of excerpt lines between `-- …` markers appears in the output, in order."""
    chunks, current = [], []
    for line in excerpt:
        if line.strip() == ELIDED:
            chunks.append(current)
            current = []
        else:
            current.append(line)
    chunks.append(current)
    position = 0
    for chunk in (c for c in chunks if c):
        for start in range(position, len(output) - len(chunk) + 1):
            if output[start : start + len(chunk)] == chunk:
                position = start + len(chunk)
                break
        else:
            return False
    return True


@pytest.mark.parametrize("page", COMMAND_PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_commands_in_the_docs_print_what_the_docs_show(page, tmp_path, monkeypatch, run_main, request):
    import shlex
    import shutil

    pairs = COMMAND_AND_OUTPUT.findall(page.read_text("utf-8"))
    assert pairs or page.name == "warehouses.md", "no command with its output on this page"
    for name, body in example_files().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body, encoding="utf-8")
    acme = DOCS.parent / "specs" / "acme"
    shutil.copytree(acme, tmp_path / "specs" / "acme", ignore=shutil.ignore_patterns("cxspec-out"))
    monkeypatch.chdir(tmp_path)
    # The docs show a plain install: plugins installed here (plugins/*) would add schemes, types…
    from cxspec.registry import default_registry

    monkeypatch.setenv("CXSPEC_DISABLE_PLUGINS", "*")
    default_registry.cache_clear()
    request.addfinalizer(default_registry.cache_clear)
    ran = 0
    for command, kind, shown in pairs:
        if "postgresql://" in command or "postgres://" in command:
            continue  # needs a server
        args = shlex.split(command)
        if args[0] == "cat":
            output = (tmp_path / args[1]).read_text(encoding="utf-8")
        else:
            _, stdout, stderr = run_main(*args[1:])
            output = stdout + stderr
        ran += 1
        if kind == "sql":
            assert contains_in_order(output.splitlines(), shown.splitlines()), (
                f"{page.name}: the SQL shown for `{command}` is not in its output"
            )
        else:
            assert output.rstrip("\n") == shown.rstrip("\n"), f"{page.name}: `{command}` prints otherwise"
    assert ran or page.name == "warehouses.md"
