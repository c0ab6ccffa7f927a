"""Engines for the plugin's tests: DuckDB and SQLite in memory, and a throwaway PostgreSQL
server from cxspec.testing.

Without PostgreSQL (no server binaries, no psycopg) its tests skip, except when CI=true:
there they fail, as in the core tests.
"""

from __future__ import annotations

import pytest
from cxspec.testing import postgres_url  # noqa: F401  (the session's PostgreSQL server)


@pytest.fixture(params=("duckdb", "sqlite", "postgres"))
def warehouse(request):
    """Each engine's URL in turn."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///:memory:"
