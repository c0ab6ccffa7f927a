"""Hostile names in every Markdown output: `report.md`, the catalog's Markdown pages and
`cxspec diff --format md` keep a name from the specs or the data as text on its line — no
shifted table cells, no injected heading or list, no raw HTML, no link (issue 13, item 5)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from cxspec.markdown_text import md_code, md_text

ROOT = Path(__file__).resolve().parents[1]

#: Names people could write (or data could hold) that Markdown would read as markup.
HOSTILE = [
    "a | b || c",
    "line one\n# injected heading\n[click](javascript:alert(1))",
    "<img src=x onerror=alert(1)><script>alert(2)</script>",
    "[x](javascript:alert(3))",
    "![pixel](http://evil.example/x.png)",
    "<javascript:alert(4)>",
    "ends with a backslash \\",
    "\\| an escaped pipe \\](javascript:alert(5))",
    "`code | span` and ``more``",
    "1. a list\r\n- an item\u2028> a quote\n---\n===",
    "\x1b[2J\x1b]0;title\x07 terminal codes \x1b[8m",
    "<!-- comment --> &amp; &lt;b&gt;",
]


def _unescaped(text: str, char: str) -> list[int]:
    """Positions of `char` not escaped by a backslash (an even run of backslashes before it)."""
    found, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            found.append(i)
        i += 1
    return found


def _outside_code(text: str) -> str:
    """`text` with the contents of its code spans blanked (markup inside them is text)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            out.append(text[i : i + 2])
            i += 2
            continue
        if text[i] == "`":
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            close = text.find("`" * run, i + run)
            while close != -1 and text[close + run : close + run + 1] == "`":
                close = text.find("`" * run, close + run + 1)
            if close != -1:
                out.append("`" * run + " " * (close - i - run) + "`" * run)
                i = close + run
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _cells(row: str) -> int:
    """Cells of a table row as GFM splits it: at each `|` not right after a backslash
    (in code spans too; cmark-gfm and markdown-it agree)."""
    return sum(1 for i, char in enumerate(row) if char == "|" and (i == 0 or row[i - 1] != "\\")) - 1


def assert_safe_markdown(text: str, clean: str) -> None:
    """`text` (with hostile names) has the structure of `clean` (the same output without)."""
    lines, clean_lines = text.split("\n"), clean.split("\n")
    assert len(lines) == len(clean_lines), "a name added or removed lines"
    for line, clean_line in zip(lines, clean_lines, strict=True):
        # a heading, list item, quote or table row where the clean output has the same
        for marker in ("#", "- ", "> ", "|"):
            assert line.startswith(marker) == clean_line.startswith(marker), (line, clean_line)
        if line.startswith("|"):
            assert _cells(line) == _cells(clean_line), line
        assert not line.startswith(("1.", "===", "---")) or line == clean_line, line
    for raw in ("\x1b", "\x07", "\r", "\u2028"):
        assert raw not in text, raw
    for html in ("<img", "<script", "<javascript", "<!--"):  # as text in a code span is fine
        assert html not in _outside_code(text), html
    # no link or image from the names: every unescaped `[` is one of the clean output's
    assert len(_unescaped(_outside_code(text), "[")) == len(_unescaped(_outside_code(clean), "["))


def test_md_text_keeps_text_on_one_line():
    assert md_text("a | b") == "a \\| b"
    assert md_text("x\ny\r\nz") == "x y z"
    assert md_text("<b>&") == "&lt;b&gt;&amp;"
    assert md_text("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"
    assert md_text("back\\") == "back\\\\"
    assert md_text("# title") == "\\# title" and md_text("1. one") == "1\\. one"
    assert md_text("91.7%") == "91.7%" and md_text("-100") == "-100"
    assert md_text("\x1b[2J") == "\\\\x1b\\[2J"
    assert md_text(None) == ""


def test_md_code_spans_stay_closed():
    assert md_code("a|b") == "`a\\|b`"
    assert md_code("a|b", in_table=False) == "`a|b`"
    assert md_code("uses `x` here") == "``uses `x` here``"
    assert md_code("`edge`") == "`` `edge` ``"
    assert md_code("") == "" and md_code(None) == ""


@pytest.fixture(scope="module")
def acme():
    from cxspec import load_project
    from cxspec.registry import default_registry
    from cxspec.runs.run import run_project

    registry = default_registry()
    project = load_project(ROOT / "specs" / "acme")
    return project, registry, run_project(project, registry, "duckdb:///:memory:")


@pytest.fixture(scope="module")
def report(acme):
    from cxspec.reports.data import build_report

    _, registry, stored = acme
    return build_report(stored, registry)


def _hostile_report(report: dict, name: str) -> dict:
    evil = copy.deepcopy(report)
    evil["project"]["name"] = name
    for metric in evil["metrics"]:
        metric["name"] = name
        metric["owner"] = name
    for issue in evil["issues"]:
        issue["message"] = name
        issue["kind"] = name
        issue["owner"] = name

    def rename(node):
        node["name"] = name
        for child in node["children"]:
            rename(child)

    for pyramid in evil["pyramids"]:
        pyramid["name"] = name
        rename(pyramid["tree"])
    if evil["index"]:
        evil["index"]["name"] = name
    return evil


def _plain_report(report: dict) -> dict:
    return _hostile_report(report, "plain name")


@pytest.mark.parametrize("name", HOSTILE)
def test_report_md(report, name):
    from cxspec.reports.markdown import render

    assert_safe_markdown(render(_hostile_report(report, name)), render(_plain_report(report)))


@pytest.fixture(scope="module")
def catalog(acme):
    from cxspec.catalog import build_catalog

    project, registry, stored = acme
    return build_catalog(project, registry, stored)


def _hostile_catalog(catalog: dict, name: str) -> dict:
    evil = copy.deepcopy(catalog)
    evil["project"]["name"] = evil["project"]["description"] = name
    evil["values"]["note"] = name
    for metric in evil["metrics"]:
        for key in ("name", "description", "definition", "filter", "category", "unit"):
            metric[key] = name
        metric["tags"] = [name]
        metric["sql"] = "SELECT 1\n```\n" + name
        for ref in ("owner", "tracked_by"):
            if metric[ref]:
                metric[ref]["name"] = metric[ref]["github"] = name
        if metric["touchpoint"]:
            metric["touchpoint"]["name"] = metric["touchpoint"]["stage"] = name
        if metric["journey"]:
            metric["journey"]["name"] = name
        if metric["goal"]:
            metric["goal"]["owner"] = metric["goal"]["due"] = name
        if metric["source"]:
            for key in ("name", "where", "time", "key", "filter"):
                metric["source"][key] = name
        for entry in metric["pyramids"]:
            entry["path"] = [name, name]
    for owner in evil["owners"]:
        owner["name"] = owner["kind"] = owner["email"] = name
    for journey in evil["journeys"]:
        journey["name"] = journey["description"] = name
        for stage in journey["stages"]:
            for tp in stage["touchpoints"]:
                tp["name"] = name
    return evil


@pytest.mark.parametrize("name", HOSTILE)
def test_catalog_markdown(catalog, name):
    from cxspec.catalog.markdown import render_pages

    pages = render_pages(_hostile_catalog(catalog, name))
    clean = render_pages(_hostile_catalog(catalog, "plain name"))
    assert pages.keys() == clean.keys()
    for page, text in pages.items():
        # the compiled SQL is a fenced block: the name stays inside it, whatever it holds
        body, sql = text.split("## Compiled SQL", 1) if "## Compiled SQL" in text else (text, "")
        clean_body = clean[page].split("## Compiled SQL", 1)[0]
        assert_safe_markdown(body, clean_body)
        if sql:
            fence = sql.split("\n")[2]
            assert fence.startswith("````") and sql.rstrip("\n").endswith(fence.rstrip("sql"))


def _diff(name: str):
    from cxspec.diffing import Diff
    from cxspec.diffing.compare import Breaking, EntityChange, FieldChange
    from cxspec.diffing.effect import Effect
    from cxspec.diffing.normalise import KINDS

    changes = {kind: [] for kind in KINDS}
    changes["metrics"] = [
        EntityChange("metrics", name, "changed", name, [FieldChange("name", name, name + "!", name)]),
        EntityChange("metrics", name, "renamed", name, [], old_id=name),
    ]
    breaking = [Breaking("metrics", name, name, name)]
    return Diff(name, name, changes, breaking, Effect(note=name))


@pytest.mark.parametrize("name", HOSTILE)
def test_diff_markdown(name):
    from cxspec.diffing.render import render_markdown

    assert_safe_markdown(render_markdown(_diff(name)), render_markdown(_diff("plain name")))
