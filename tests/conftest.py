"""Shared fixtures: small projects written from dicts, the CLI in-process."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

# The tests never write to the user's cache (cxspec/user_cache.py); tests/test_startup.py
# turns it on in a folder of its own.
os.environ.setdefault("CXSPEC_CACHE_DIR", "off")

#: The smallest valid cxspec.yaml.
CONFIG = "version: 1\nproject: test\n"


def write_files(root: Path, files: dict) -> None:
    """Write filename -> text (dedented) or bytes (as is) below root."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


@pytest.fixture
def make_project(tmp_path):
    """make_project({"specs/a.yaml": "version: 1\\n..."}, config=...) -> the project folder.

    `config` is the text of cxspec.yaml (the minimal valid one by default; None writes none).
    Each call makes a new folder, so a test can build several projects.
    """
    counter = iter(range(1_000_000))

    def make(files: dict | None = None, *, config: str | None = CONFIG, name: str | None = None) -> Path:
        root = tmp_path / (name or f"project{next(counter)}")
        root.mkdir(parents=True)
        if config is not None:
            (root / "cxspec.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
        write_files(root, files or {})
        return root

    return make


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def run_main(capsys):
    """Run the real entry point (cxspec.cli.main) in-process: (exit code, stdout, stderr)."""
    from cxspec.cli import main

    def run(*args: str):
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        return exit_info.value.code, captured.out, captured.err

    return run


@pytest.fixture
def validate():
    """validate(path) -> the Validation of a project folder (with the installed plugins)."""
    from cxspec.registry import default_registry
    from cxspec.validate import validate_project

    return lambda path, registry=None: validate_project(path, registry or default_registry())


def _postgres_unavailable(reason: str):
    """Skip, except in CI (CI=true): there the PostgreSQL tests must run, so fail instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required when CI=true, but {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL: {reason}")


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def warehouse(request):
    """Each engine we execute on, as a warehouse URL: DuckDB and SQLite in memory, the
    session's PostgreSQL. A test module may define its own (a file database, Spark)."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///:memory:"


@pytest.fixture(scope="session")
def postgres_url():
    """postgresql://cxspec@127.0.0.1:PORT/postgres of a throwaway server started for the session.

    See tests/pgserver.py. Skipped when the server binaries or psycopg are missing; with CI=true
    that is a failure instead.
    """
    from pgserver import PostgresServer, ServerUnavailable

    try:
        import psycopg  # noqa: F401
    except ImportError:
        psycopg = None
    if psycopg is None:
        _postgres_unavailable("psycopg is not installed (pip install 'cxspec[postgres]')")
    reason = None
    try:
        server = PostgresServer()
        url = server.start()
    except ServerUnavailable as exc:
        reason = str(exc)
    if reason is not None:
        _postgres_unavailable(reason)
    try:
        yield url
    finally:
        server.stop()
