"""Hostile spec files: alias and merge bombs, deep nesting, huge files and scalars, many keys
and files, duplicate keys, encodings, symbolic links and paths out of the project.

Each is validated by the real command (`cxspec validate --format json`) in a subprocess that
reports its peak memory (ru_maxrss) and time; the bounds are generous (a shared CI machine),
but an expansion or a hang would blow through them by orders of magnitude.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cxspec import project_files, yamlread
from cxspec.yamlread import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES

#: Bounds for one hostile validation, above what validating an empty project costs.
MAX_EXTRA_MB = 400
MAX_SECONDS = 60

MEASURE = """
import json, resource, sys, time
from contextlib import redirect_stdout
from io import StringIO
from cxspec.cli import main

out = StringIO()
start = time.monotonic()
try:
    with redirect_stdout(out):
        main(["validate", sys.argv[1], "--format", "json"])
except SystemExit as exc:
    status = exc.code
seconds = time.monotonic() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"status": status, "seconds": seconds, "peak_mb": peak_mb, "output": out.getvalue()}))
"""


def validate_measured(root: Path) -> dict:
    """Run `cxspec validate --format json` on root in a fresh interpreter: status, seconds, peak MB,
    diagnostics."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(root)], capture_output=True, text=True, timeout=300
    )
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    report["diagnostics"] = json.loads(report.pop("output"))["diagnostics"]
    return report


@pytest.fixture(scope="module")
def baseline_mb(tmp_path_factory) -> float:
    root = tmp_path_factory.mktemp("empty")
    (root / "cxspec.yaml").write_text("version: 1\nproject: empty\n", encoding="utf-8")
    return validate_measured(root)["peak_mb"]


def write(root: Path, files: dict[str, str | bytes], config: str = "version: 1\nproject: hostile\n") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "cxspec.yaml").write_text(config, encoding="utf-8")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def billion_laughs(levels: int = 10, width: int = 10) -> str:
    lines = ["version: 1", 'a0: &a0 ["lol"' + ', "lol"' * (width - 1) + "]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int = 30) -> str:
    """Each mapping merges the previous one and holds it twice more: 3^30 nodes if expanded."""
    lines = ["version: 1", "m0: &m0 {a: 1, b: 2}"]
    for level in range(1, levels):
        previous = f"*m{level - 1}"
        lines.append(f"m{level}: &m{level} {{<<: {previous}, x: {previous}, y: {previous}}}")
    return "\n".join(lines) + "\n"


def metrics_file(count: int, start: int = 0) -> str:
    lines = ["version: 1", "metrics:"]
    for i in range(start, start + count):
        lines.append(f"  - {{id: m{i}, type: count, source: s, category: operational}}")
    return "\n".join(lines) + "\n"


SOURCE = "version: 1\nsources:\n  - {id: s, type: table, table: t, time: t}\n"

#: name → (files, codes that must be reported, where the first of them stands or None)
CASES = {
    "billion laughs (10^10 nodes)": ({"bomb.yaml": billion_laughs()}, {"CX004"}, ("bomb.yaml", None)),
    "merge-key bomb (3^30 nodes)": ({"bomb.yaml": merge_bomb()}, {"CX004"}, ("bomb.yaml", None)),
    "aliases just under the node limit": (
        {
            "specs.yaml": SOURCE
            + "x-many: &big ["
            + ", ".join(["aa"] * 1000)
            + "]\n"
            + "x-more: ["
            + ", ".join(["*big"] * ((MAX_NODES - 50_000) // 1001))
            + "]\n"
        },
        {"CX101"},
        ("specs.yaml", 4),
    ),  # fmt: skip
    "100,000 nested brackets": (
        {"deep.yaml": "version: 1\na: " + "[" * 100_000 + "]" * 100_000},
        {"CX005"},
        None,
    ),
    "deep block nesting": (
        {"deep.yaml": "version: 1\n" + "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 10))},
        {"CX005"},
        ("deep.yaml", MAX_DEPTH + 2),
    ),
    "file over the size limit": (
        {"big.yaml": "version: 1\n" + "# padding\n" * (MAX_FILE_BYTES // 10 + 1)},
        {"CX006"},
        ("big.yaml", 1),
    ),
    "a 7 MB scalar": (
        {
            "specs.yaml": SOURCE
            + "metrics:\n  - {id: m, type: count, source: s, description: "
            + "x" * 7_000_000
            + "}\n"
        },
        set(),
        None,
    ),  # fmt: skip
    "a 7 MB SQL fragment": (
        {
            "specs.yaml": SOURCE
            + 'metrics:\n  - id: m\n    type: count\n    source: s\n    filter: "a = 1'
            + " OR a = 1" * 700_000
            + '"\n'
        },
        {"CX501"},
        ("specs.yaml", 8),
    ),  # fmt: skip
    "100,000 unknown keys": (
        {
            "specs.yaml": SOURCE
            + "metrics:\n  - id: m\n    type: count\n    source: s\n"
            + "".join(f"    k{i}: 1\n" for i in range(100_000))
        },
        {"CX101", "CX014"},
        ("specs.yaml", 1),
    ),  # fmt: skip
    "100,000 duplicate keys": (
        {"specs.yaml": "version: 1\n" + "name: x\n" * 100_000},
        {"CX002", "CX014"},  # reported (the first value kept), up to the limit per file
        ("specs.yaml", 1),
    ),
    "500,000 list items of the wrong type": (
        {"specs.yaml": "version: 1\nmetrics:\n" + "- 1\n" * 500_000},
        {"CX103", "CX014"},
        ("specs.yaml", 1),
    ),
    "100,000 metrics with the same id": (
        {"specs.yaml": SOURCE + "metrics:\n" + "- {id: m, type: count, source: s}\n" * 100_000},
        {"CX201", "CX014"},
        ("specs.yaml", 1),
    ),
    "40,000 metrics in one file": ({"specs.yaml": SOURCE + metrics_file(40_000)[11:]}, set(), None),
    "3,000 spec files": (
        {"s.yaml": SOURCE, **{f"m/{i:04}.yaml": metrics_file(2, 2 * i) for i in range(3000)}},
        set(),
        None,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file_is_bounded(name, tmp_path, baseline_mb):
    files, codes, where = CASES[name]
    root = write(tmp_path / "p", files)
    report = validate_measured(root)
    errors = [d for d in report["diagnostics"] if d["severity"] == "error"]
    assert {d["code"] for d in errors} == codes, errors[:3]
    assert report["status"] == (1 if codes else 0)
    for diagnostic in report["diagnostics"]:
        assert diagnostic["file"] and diagnostic["line"] >= 1 and diagnostic["column"] >= 1
        assert diagnostic["code"].startswith("CX") and diagnostic["message"]
    if where is not None:
        first = errors[0]
        assert first["file"] == where[0]
        if where[1] is not None:
            assert first["line"] == where[1]
    assert report["peak_mb"] - baseline_mb < MAX_EXTRA_MB, report["peak_mb"]
    assert report["seconds"] < MAX_SECONDS


# -- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("version: 1\n".encode("utf-16"), "the file is UTF-16, not UTF-8"),
        (b"\xfe\xff" + "version: 1\n".encode("utf-16-be"), "the file is UTF-16, not UTF-8"),
        ("version: 1\n".encode("utf-32"), "the file is UTF-32, not UTF-8"),
        ("version: 1\nname: Caf\xe9\n".encode("latin-1"), "byte 0xe9 is not valid UTF-8"),
        (b"version: 1\nname: \xc0\xaf\n", "byte 0xc0 is not valid UTF-8"),  # overlong `/`
        (b"version: 1\nname: \xed\xa0\x80\n", "byte 0xed is not valid UTF-8"),  # a lone surrogate
    ],
)
def test_other_encodings_are_refused(raw, message, tmp_path, validate):
    result = validate(write(tmp_path / "p", {"a.yaml": raw}))
    assert [(d.code, d.message) for d in result.diagnostics] == [("CX003", message)]
    assert result.diagnostics[0].hint == "save the file as UTF-8"


def test_utf8_bom_and_nul_bytes(tmp_path, validate):
    ok = validate(write(tmp_path / "bom", {"a.yaml": b"\xef\xbb\xbf" + SOURCE.encode()}))
    assert ok.ok, ok.diagnostics
    nul = validate(write(tmp_path / "nul", {"a.yaml": b"version: 1\nname: a\x00b\n"}))
    assert [d.code for d in nul.diagnostics] == ["CX001"]  # YAML forbids NUL characters
    assert (nul.diagnostics[0].line, nul.diagnostics[0].column) == (2, 8)


def test_duplicate_key_points_at_the_second(tmp_path, validate):
    spec = "version: 1\nsources:\n  - id: s\n    type: table\n    table: t\n    type: file\n"
    result = validate(write(tmp_path / "p", {"a.yaml": spec}))
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("CX002", 6, 5)]


# -- the project's boundary: symbolic links, `..`, paths: ------------------------------------

#: A spec that would fail loudly (CX008) if it were ever read.
TRAP = "version: 99\n"


@pytest.fixture
def outside(tmp_path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "trap.yaml").write_text(TRAP, encoding="utf-8")
    (folder / "secret.csv").write_text("id,t\n1,2026-01-01\n", encoding="utf-8")
    return folder


def test_symbolic_links_are_not_followed(tmp_path, outside, validate):
    root = write(tmp_path / "p", {"s.yaml": SOURCE})
    (root / "linked.yaml").symlink_to(outside / "trap.yaml")
    (root / "linked-folder").symlink_to(outside, target_is_directory=True)
    (root / "specs").mkdir()
    (root / "specs" / "loop").symlink_to(root, target_is_directory=True)  # a cycle
    result = validate(root)
    assert result.ok, result.diagnostics
    assert result.project.files == ["s.yaml"]


@pytest.mark.parametrize("entry", ["../outside", "{outside}", "specs/../../outside", "linked"])
def test_paths_outside_the_project_are_not_searched(entry, tmp_path, outside, validate):
    config = f"version: 1\nproject: p\npaths: [specs, {json.dumps(entry.format(outside=outside))}]\n"
    root = write(tmp_path / "p", {"specs/s.yaml": SOURCE}, config=config)
    (root / "linked").symlink_to(outside, target_is_directory=True)
    result = validate(root)
    assert result.ok, result.diagnostics
    assert result.project.files == ["specs/s.yaml"]


@pytest.mark.parametrize(
    ("path", "code", "message"),
    [
        ("../outside/secret.csv", "CX420", "leads outside the project"),
        ("data/../../outside/secret.csv", "CX420", "leads outside the project"),
        ("{outside}/secret.csv", "CX420", "leads outside the project"),
        ("data/link.csv", "CX421", "passes through a symbolic link"),  # a link inside, to a file outside
        ("~/secret.csv", "CX401", "is not a plain file path"),  # DuckDB expands ~
        ("https://example.com/secret.csv", "CX401", "is not a plain file path"),
        ("s3://bucket/secret.parquet", "CX401", "is not a plain file path"),
        ("data/*.csv", "CX401", "is not a plain file path"),  # a glob may cross links
        ("data/[ab].csv", "CX401", "is not a plain file path"),
    ],
)
def test_file_sources_stay_inside_the_project(path, code, message, tmp_path, outside, validate):
    """Without data roots (tests/test_data_roots.py), file sources read the project only."""
    text = json.dumps(path.format(outside=outside))
    spec = f"version: 1\nsources:\n  - id: s\n    type: file\n    path: {text}\n"
    root = write(tmp_path / "p", {"s.yaml": spec, "data/ok.csv": "id\n1\n"})
    (root / "data" / "link.csv").symlink_to(outside / "secret.csv")
    result = validate(root)
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [(code, 5, 11)]
    assert message in result.diagnostics[0].message


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * FROM read_csv('/etc/passwd')", "reads a file or runs a table function"),
        ("SELECT * FROM '/etc/passwd.csv'", "reads a file or runs a table function"),
        ('SELECT * FROM "~/.ssh/id_rsa.csv"', "reads a file or runs a table function"),
        ("SELECT * FROM data.csv", "reads a file or runs a table function"),
        ("SELECT a FROM t JOIN secrets.json USING (a)", "reads a file or runs a table function"),
        (
            "SELECT pg_read_file('/etc/passwd') AS x FROM t",
            "function pg_read_file() is not on the allow-list",
        ),
        ("SELECT getenv('HOME') AS x FROM t", "function getenv() is not on the allow-list"),
    ],
)
def test_sql_source_queries_cannot_read_files(query, message, tmp_path, validate):
    spec = f"version: 1\nsources:\n  - id: q\n    type: sql\n    query: {json.dumps(query)}\n"
    result = validate(write(tmp_path / "p", {"s.yaml": spec}))
    assert [d.code for d in result.diagnostics] == ["CX504"]
    assert message in result.diagnostics[0].message


def test_sql_source_queries_may_aggregate_join_and_window(tmp_path, validate):
    query = (
        "SELECT a, count(*) AS n, row_number() OVER (ORDER BY a) AS r, lower(b) AS b "
        "FROM s.t JOIN u USING (a) WHERE c <> 'x' GROUP BY a, b"
    )
    spec = f"version: 1\nsources:\n  - id: q\n    type: sql\n    query: {json.dumps(query)}\n"
    assert validate(write(tmp_path / "p", {"s.yaml": spec})).ok


def test_too_many_spec_files(tmp_path, validate, monkeypatch):
    monkeypatch.setattr(project_files, "MAX_SPEC_FILES", 50)
    import cxspec.validate as validate_module

    monkeypatch.setattr(validate_module, "MAX_SPEC_FILES", 50)
    root = write(tmp_path / "p", {f"s{i}.yaml": "version: 1\n" for i in range(60)})
    result = validate(root)
    assert [(d.code, d.file) for d in result.diagnostics] == [("CX012", "cxspec.yaml")]


def test_limits_are_the_documented_ones():
    limits = (Path(__file__).parents[1] / "docs" / "limits.md").read_text(encoding="utf-8")
    assert f"{yamlread.MAX_FILE_BYTES:,} bytes" in limits
    assert f"{yamlread.MAX_DEPTH} levels" in limits
    assert f"{yamlread.MAX_NODES:,}" in limits
    assert f"{project_files.MAX_SPEC_FILES:,}" in limits
    from cxspec.sqlfrag import MAX_FRAGMENT_CHARS, MAX_FRAGMENT_DEPTH

    assert f"{MAX_FRAGMENT_CHARS:,} characters" in limits
    assert f"{MAX_FRAGMENT_DEPTH} levels" in limits


def test_unreadable_spec_file(tmp_path, validate):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    root = write(tmp_path / "p", {"s.yaml": SOURCE})
    (root / "s.yaml").chmod(0)
    result = validate(root)
    assert [(d.code, d.file) for d in result.diagnostics] == [("CX001", "s.yaml")]


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_validate_and_compile_write_nothing_but_the_out_folder(tmp_path, run_main):
    """CI runs these on unreviewed specs: the project stays as it was; compile writes into --out."""
    import shutil

    root = tmp_path / "acme"
    shutil.copytree(
        Path(__file__).parents[1] / "specs" / "acme", root, ignore=shutil.ignore_patterns("cxspec-out")
    )
    before = tree(root)
    assert run_main("validate", str(root))[0] == 0
    out = tmp_path / "out"
    code, _, err = run_main("compile", str(root), "--out", str(out))
    assert code == 0, err
    assert tree(root) == before
    written = sorted(tree(out))
    assert "manifest.json" in written and all(
        re.fullmatch(r"[a-z0-9_+-]+\.sql|manifest\.json", n) for n in written
    )


@pytest.mark.parametrize("source_id", ["../escape", "a/b", "..", "x.sql"])
def test_ids_cannot_name_paths(source_id, tmp_path, validate):
    """Query files are named after source ids: an id is never a path."""
    spec = f"version: 1\nsources:\n  - {{id: {json.dumps(source_id)}, type: table, table: t}}\n"
    result = validate(write(tmp_path / "p", {"s.yaml": spec}))
    assert [d.code for d in result.diagnostics] == ["CX105"]


def test_problems_per_file_are_bounded(tmp_path, validate, monkeypatch):
    from cxspec import diagnostics

    monkeypatch.setattr(diagnostics, "MAX_PROBLEMS_PER_FILE", 5)
    spec = "version: 1\nmetrics:\n" + "- 1\n" * 20
    keys = (
        SOURCE
        + "metrics:\n  - id: m\n    type: count\n    source: s\n"
        + "".join(f"    k{i}: 1\n" for i in range(20))
    )
    duplicates = SOURCE + "metrics:\n" + "- {id: m, type: count, source: s}\n" * 20
    root = write(
        tmp_path / "p",
        {"a.yaml": spec, "b.yaml": keys, "c.yaml": "version: 1\nowners: [1]\n", "d.yaml": duplicates},
    )
    result = validate(root)
    by_file: dict[str, list] = {}
    for diagnostic in result.diagnostics:
        by_file.setdefault(diagnostic.file, []).append(diagnostic.code)
    assert by_file["a.yaml"] == ["CX014"] + ["CX103"] * 5  # sorted: CX014 stands at 1:1
    assert by_file["b.yaml"] == ["CX014"] + ["CX101"] * 5
    assert by_file["c.yaml"] == ["CX103"]  # each file has its own budget
    assert by_file["d.yaml"] == ["CX014"] + ["CX201"] * 5  # semantic checks too
    assert "more than 5 problems" in next(d.message for d in result.diagnostics if d.code == "CX014")


@pytest.mark.parametrize("table", ["data.csv", "main.secrets.json", "exports.parquet", "x.y.CSV"])
def test_table_names_that_duckdb_reads_as_files(table, tmp_path, validate):
    """DuckDB reads `FROM data.csv` (quoted or not) as a file in the folder it runs in."""
    spec = f"version: 1\nsources:\n  - id: s\n    type: table\n    table: {table}\n"
    result = validate(write(tmp_path / "p", {"s.yaml": spec}))
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("CX401", 5, 12)]
    assert "reads as a file name" in result.diagnostics[0].message


def test_table_names_may_be_qualified(tmp_path, validate):
    spec = "version: 1\nsources:\n  - {id: s, type: table, table: warehouse.support.tickets}\n"
    assert validate(write(tmp_path / "p", {"s.yaml": spec})).ok
