"""The hostile SQL fragment corpus (tests/hostile/fragments.yaml), in every position.

Each fragment is either refused by `validate` with its code at the fragment's
file:line:col (and by `--where`), or accepted and then executed, position by position, on
DuckDB and on a real PostgreSQL server, after which the canary table, the rest of the
catalog and a canary file outside the project must be exactly as before.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from hostile.projects import POSITIONS, ROWS, fragment_line, write_project

from cxspec.checks.fragments import fragment_problems
from cxspec.compiler.plan import Request, RequestError
from cxspec.diagnostics import CxspecError, Severity
from cxspec.query import compute_with, connect
from cxspec.registry import default_registry
from cxspec.sqlfrag import MAX_FRAGMENT_CHARS, MAX_FRAGMENT_DEPTH
from cxspec.validate import validate_project
from cxspec.yamlread import load_bytes

REGISTRY = default_registry()
ALLOWED = REGISTRY.sql_functions
CORPUS_FILE = Path(__file__).parent / "hostile" / "fragments.yaml"
SECRET = "CANARY-5e1f0c2a"

#: Fragments too long to write out in the corpus, built here.
GENERATED = {
    "{long_or}": " OR ".join(["score = 1"] * 700),
    "{too_long}": " OR ".join(["score = 1"] * 800),
    "{deep_parens}": "(" * (MAX_FRAGMENT_DEPTH - 5) + "score = 1" + ")" * (MAX_FRAGMENT_DEPTH - 5),
    "{too_deep_parens}": "(" * 4000 + "score = 1" + ")" * 4000,
    "{too_deep_calls}": "lower(" * 600 + "channel" + ")" * 600 + " = 'x'",
    "{too_deep_not}": "NOT " * 150 + "score = 1",
    "{long_in}": "score IN (" + ", ".join(str(i) for i in range(1500)) + ")",
}


def load_corpus() -> list[dict]:
    return list(load_bytes(CORPUS_FILE.read_bytes()).data)


CORPUS = load_corpus()
REFUSED = [entry for entry in CORPUS if entry["expect"] != "harmless"]
HARMLESS = [entry for entry in CORPUS if entry["expect"] == "harmless"]


def entry_id(entry: dict) -> str:
    return f"{entry.get('dialect', 'duckdb')}:{entry['sql'][:40]!r}"


def fragment_text(entry: dict, canary: Path | str = "/nonexistent/canary.csv") -> str:
    text = GENERATED.get(entry["sql"], entry["sql"])
    return text.replace("{canary}", str(canary))


def test_the_corpus_is_large_and_well_formed():
    assert len(CORPUS) >= 50
    assert len(HARMLESS) >= 15 and len(REFUSED) >= 50
    kinds = {entry["expect"] for entry in CORPUS}
    assert kinds <= {"harmless", "CX501", "CX502", "CX503", "CX504", "CX505"}
    assert all(entry.get("why") for entry in CORPUS)
    assert len({(e["sql"], e.get("dialect")) for e in CORPUS}) == len(CORPUS), "duplicate entries"
    assert len(GENERATED["{too_long}"]) > MAX_FRAGMENT_CHARS >= len(GENERATED["{long_or}"])
    assert len(GENERATED["{long_in}"]) <= MAX_FRAGMENT_CHARS


# -- refused: a diagnostic with the expected code where the fragment stands ----------------


@pytest.mark.parametrize("entry", REFUSED, ids=entry_id)
def test_refused_in_every_position(entry, tmp_path):
    text = fragment_text(entry)
    dialect = entry.get("dialect", "duckdb")
    root = write_project(tmp_path / "p", text, POSITIONS, dialect=dialect)
    result = validate_project(root, default_registry())
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert errors and not result.ok
    lines = (root / "specs.yaml").read_text(encoding="utf-8").splitlines()
    by_line: dict[int, list] = {}
    for diagnostic in errors:
        assert diagnostic.file == "specs.yaml", diagnostic
        assert diagnostic.code.startswith("CX5"), diagnostic
        by_line.setdefault(diagnostic.line, []).append(diagnostic)
    for position in POSITIONS:
        line = fragment_line(position)
        found = by_line.get(line, [])
        assert entry["expect"] in [d.code for d in found], (position, found)
        for diagnostic in found:
            assert 1 <= diagnostic.column <= len(lines[line - 1]) + 1
            assert diagnostic.message and "Traceback" not in diagnostic.message
    assert set(by_line) == {fragment_line(p) for p in POSITIONS}


@pytest.mark.parametrize("entry", REFUSED, ids=entry_id)
def test_refused_as_where(entry, tmp_path):
    text = fragment_text(entry)
    dialect = entry.get("dialect", "duckdb")
    problems = fragment_problems(text, dialect, ALLOWED)
    assert entry["expect"] in [p.code for p in problems]
    root = write_project(tmp_path / "p", "score >= 0", "metric filter", dialect=dialect)
    project = validate_project(root, default_registry())
    assert project.ok, project.diagnostics
    with connect(None, project.project, REGISTRY) as warehouse, pytest.raises(RequestError) as info:
        compute_with(warehouse, project.project, Request(metrics=("plain",), where=text), REGISTRY)
    assert str(info.value).startswith(f"--where: {problems[0].code}: {problems[0].message}")


def test_where_refusal_exits_1_without_a_traceback(tmp_path, run_main):
    root = write_project(tmp_path / "p", "score >= 0", "metric filter")
    code, out, err = run_main("query", str(root), "--where", "channel = 'web'; DROP TABLE canary")
    assert code == 1 and "Traceback" not in err and "--where" in err and out == ""


# -- harmless: executed on DuckDB and PostgreSQL, nothing else touched ---------------------


@pytest.fixture(scope="module")
def canary_file(tmp_path_factory) -> Path:
    """A file outside every project, readable by the PostgreSQL server, never to be read."""
    folder = tmp_path_factory.mktemp("canary")
    folder.chmod(0o755)
    path = folder / "canary.csv"
    path.write_text(f"secret\n{SECRET}\n", encoding="utf-8")
    path.chmod(0o644)
    return path


def atime_tracks_reads(path: Path) -> bool:
    """Whether this file system updates access times here (relatime does when atime < mtime)."""
    mtime = path.stat().st_mtime
    os.utime(path, (0, mtime))
    path.read_bytes()
    tracked = path.stat().st_atime > 0
    os.utime(path, (0, mtime))
    return tracked


def positions_run(entry: dict, root: Path, canary: Path):
    """(project, request) pairs: each position computed on its own; `--where` last."""
    text = fragment_text(entry, canary)
    dialect = entry.get("dialect", "duckdb")
    layouts = {
        "source filter": ["source filter"],
        "derived expr": ["derived expr"],
        "rest": [p for p in POSITIONS if p not in ("source filter", "derived expr")],
    }
    for name, positions in layouts.items():
        folder = root / name.replace(" ", "-")
        result = validate_project(write_project(folder, text, positions, dialect=dialect), default_registry())
        if name == "derived expr" and not result.ok:
            # A derived expr names metrics: a column name that is no metric is CX506, refused.
            assert {d.code for d in result.diagnostics} == {"CX506"}, result.diagnostics
            continue
        assert result.ok, [str(d.location) + " " + d.code + " " + d.message for d in result.diagnostics]
        for position in positions:
            metric, by = POSITIONS[position]
            yield result.project, Request(metrics=(metric,), by=by)
        if name == "rest":
            yield result.project, Request(metrics=("plain",), where=text)


def execute_all(entry, root: Path, canary: Path, url: str) -> list[str]:
    """Run every position; return what came back (results or clean errors) as text."""
    seen = []
    for project, request in positions_run(entry, root, canary):
        try:
            with connect(url, project, REGISTRY) as warehouse:
                results = compute_with(warehouse, project, request, REGISTRY)
            seen.append(repr(results))
        except CxspecError as exc:  # a clean error from the warehouse is harmless too
            seen.append(str(exc))
    return seen


def duckdb_snapshot(path: Path) -> tuple:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        rows = connection.execute("SELECT secret FROM canary ORDER BY secret").fetchall()
        tables = connection.execute(
            "SELECT database_name, schema_name, table_name FROM duckdb_tables() ORDER BY ALL"
        ).fetchall()
        databases = connection.execute("SELECT database_name FROM duckdb_databases() ORDER BY 1").fetchall()
        return rows, tables, databases
    finally:
        connection.close()


@pytest.mark.parametrize("entry", HARMLESS, ids=entry_id)
def test_harmless_on_duckdb(entry, tmp_path, canary_file):
    database = tmp_path / "warehouse.duckdb"
    connection = duckdb.connect(str(database))
    connection.execute("CREATE TABLE canary (secret VARCHAR)")
    connection.execute("INSERT INTO canary VALUES (?), ('second row')", [SECRET])
    connection.close()
    before = duckdb_snapshot(database)
    tracked = atime_tracks_reads(canary_file)
    files_before = sorted(p.name for p in Path("/tmp").glob("cxspec-pwned*"))

    seen = execute_all(entry, tmp_path / "projects", canary_file, f"duckdb:///{database}")

    assert seen
    assert duckdb_snapshot(database) == before
    assert all(SECRET not in text for text in seen)
    if tracked:
        assert canary_file.stat().st_atime == 0, "the canary file was read"
    assert sorted(p.name for p in Path("/tmp").glob("cxspec-pwned*")) == files_before


def postgres_snapshot(url: str) -> tuple:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute("SELECT secret FROM canary ORDER BY secret").fetchall()
        tables = connection.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN "
            "('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg_temp%' ORDER BY 1, 2"
        ).fetchall()
        roles = connection.execute("SELECT rolname, rolsuper FROM pg_roles ORDER BY 1").fetchall()
        settings = connection.execute(
            "SELECT name, setting FROM pg_settings WHERE source NOT IN ('default', 'session', 'client') "
            "ORDER BY 1"
        ).fetchall()
        return rows, tables, roles, settings


@pytest.fixture(scope="module")
def postgres_canary(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS canary (secret TEXT)")
        connection.execute("DELETE FROM canary")
        connection.execute("INSERT INTO canary VALUES (%s), ('second row')", [SECRET])
    return postgres_url


@pytest.mark.parametrize("entry", HARMLESS, ids=entry_id)
def test_harmless_on_postgres(entry, tmp_path, canary_file, postgres_canary):
    before = postgres_snapshot(postgres_canary)
    tracked = atime_tracks_reads(canary_file)

    seen = execute_all(entry, tmp_path / "projects", canary_file, postgres_canary)

    assert seen
    assert postgres_snapshot(postgres_canary) == before
    assert all(SECRET not in text for text in seen)
    if tracked:
        assert canary_file.stat().st_atime == 0, "the canary file was read"


def test_accepted_fragments_give_results(tmp_path, canary_file):
    """Accepted fragments really filter: the mean of the rows they keep, as plain Python says."""
    entry = next(e for e in HARMLESS if e["sql"].startswith("lower(channel) = 'web'"))
    root = write_project(tmp_path / "p", fragment_text(entry), "source filter")
    project = validate_project(root, default_registry()).project
    with connect(None, project, REGISTRY) as warehouse:
        results = compute_with(warehouse, project, Request(metrics=("plain",)), REGISTRY)
    kept = [(t[:7], s) for _, t, c, s, _ in ROWS if c.lower() == "web" and 0 <= s <= 10]
    months = sorted({m for m, _ in kept})
    assert [r.period[:7] for r in results] == months
    for result, month in zip(results, months, strict=True):
        scores = [s for m, s in kept if m == month]
        assert result.value == pytest.approx(sum(scores) / len(scores)) and result.n == len(scores)


# -- the holes this corpus found, as unit checks --------------------------------------------


@pytest.mark.parametrize(
    ("text", "dialect", "message"),
    [
        ("pwned.lower(channel) = 'x'", "postgres", "qualified function name `pwned.lower(channel)`"),
        ("channel OPERATOR(pwned.=) 'x'", "postgres", "`channel OPERATOR(pwned.=) 'x'` is not allowed"),
        ("CAST(channel AS pwned.t) IS NULL", "postgres", "cast to type pwned.t is not allowed"),
        ("DIRECTORY('@s') IS NULL", "snowflake", "`DIRECTORY('@s')` is not allowed"),
        ("TABLE(t) IS NULL", "snowflake", "a subquery reads other tables"),
        ("channel = 'a\0'", "duckdb", "control character U+0000 in the SQL"),
        ("channel = ‘x’", "duckdb", "‘ is not a SQL quote"),
        ("lower(" * 101 + "a" + ")" * 101, "duckdb", "the SQL is nested more than 100 levels deep"),
        ("NOT " * 101 + "a", "duckdb", "the SQL is nested more than 100 levels deep"),
    ],
)
def test_holes_found_by_the_corpus(text, dialect, message):
    problems = fragment_problems(text, dialect, ALLOWED)
    assert message in [p.message for p in problems] or any(p.message.startswith(message) for p in problems)


def test_problem_positions_of_new_checks():
    control = fragment_problems("a = 1 AND\n b = '\x07'", "duckdb", ALLOWED)
    assert [(p.line, p.column) for p in control] == [(2, 7)]
    curly = fragment_problems("a = ’x’", "duckdb", ALLOWED)
    assert [(p.line, p.column) for p in curly] == [(1, 5)]
    deep = fragment_problems("a = " + "(" * 150 + "1" + ")" * 150, "duckdb", ALLOWED)
    assert [(p.line, p.column) for p in deep] == [(1, 5 + MAX_FRAGMENT_DEPTH)]


def test_operator_chains_are_not_nesting():
    chain = " + ".join(["score"] * 500) + " > 0"
    assert fragment_problems(chain, "duckdb", ALLOWED) == ()


# -- names in specs are identifiers, never SQL --------------------------------------------------

EVIL_NAME = 'a"; DROP TABLE canary; --'


def test_column_names_are_quoted_identifiers_in_every_dialect(tmp_path):
    """time, entity, key, column and dimension names go into SQL as quoted identifiers only."""
    import json

    import sqlglot
    from sqlglot import exp

    from cxspec.compiler.compile import compile_request
    from cxspec.schema import dialects

    name = json.dumps(EVIL_NAME)
    root = tmp_path / "p"
    root.mkdir()
    (root / "cxspec.yaml").write_text("version: 1\nproject: p\n", encoding="utf-8")
    (root / "s.yaml").write_text(
        "version: 1\nsources:\n"
        f"  - {{id: s, type: table, table: t, time: {name}, entity: {name}, key: {name},\n"
        f"     dimensions: [{name}]}}\n"
        f"metrics:\n  - {{id: m, type: mean, source: s, column: {name}}}\n",
        encoding="utf-8",
    )
    result = validate_project(root, default_registry())
    assert result.ok, result.diagnostics
    for dialect in dialects():
        for query in compile_request(result.project, Request(by=(EVIL_NAME,)), dialect, REGISTRY):
            statements = [s for s in sqlglot.parse(query.sql, read=dialect) if s is not None]
            assert len(statements) == 1, dialect
            names = {i.name for i in statements[0].find_all(exp.Identifier)}
            assert EVIL_NAME in names, dialect
            assert not list(statements[0].find_all(exp.Drop)), dialect

    database = tmp_path / "w.duckdb"
    connection = duckdb.connect(str(database))
    connection.execute(f'CREATE TABLE t ("{EVIL_NAME.replace(chr(34), chr(34) * 2)}" TIMESTAMP)')
    connection.execute("CREATE TABLE canary (secret VARCHAR)")
    connection.close()
    before = duckdb_snapshot(database)
    with connect(f"duckdb:///{database}", result.project, REGISTRY) as warehouse:
        assert compute_with(warehouse, result.project, Request(), REGISTRY) == []  # t has no rows
    assert duckdb_snapshot(database) == before
