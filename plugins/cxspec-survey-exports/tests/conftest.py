"""Engines for the plugin's tests: DuckDB and SQLite in memory, and a throwaway PostgreSQL
server started with the core tests' helper (tests/pgserver.py of the cxspec checkout).

Without PostgreSQL (no server binaries, no psycopg, no cxspec checkout) its tests skip,
except when CI=true: there they fail, as in the core tests.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

CORE_TESTS = Path(__file__).resolve().parents[3] / "tests"


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required when CI=true, but {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL: {reason}")


@pytest.fixture(scope="session")
def postgres_url():
    if not (CORE_TESTS / "pgserver.py").is_file():
        _unavailable(f"the core tests' pgserver.py is not at {CORE_TESTS}")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'cxspec[postgres]')")
    sys.path.insert(0, str(CORE_TESTS))
    try:
        from pgserver import PostgresServer, ServerUnavailable
    finally:
        sys.path.remove(str(CORE_TESTS))
    server = PostgresServer()
    try:
        url = server.start()
    except ServerUnavailable as exc:
        _unavailable(str(exc))
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(params=("duckdb", "sqlite", "postgres"))
def warehouse(request):
    """Each engine's URL in turn."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///:memory:"
