"""Stored results for the catalog, read only when they exist: a catalog never creates a
warehouse file or a table (a missing DuckDB/SQLite file means no values, not an empty one)."""

from __future__ import annotations

from pathlib import Path

from cxspec.runs.run import Stored, stored_results
from cxspec.warehouse import WarehouseError, redact, scheme_of
from cxspec.warehouses.duckdb_warehouse import database_path

#: Warehouses whose URL names a local file.
_FILE_SCHEMES = ("duckdb", "sqlite")


def no_values(project) -> Stored:
    return Stored(project, project.config.grain, [], [])


def read_values(project, registry, url: str | None) -> tuple[Stored, str | None]:
    """The stored results (possibly none) and, when there are none, why."""
    url = url or project.config.warehouse
    if ":memory:" in url:
        return no_values(project), f"the warehouse {url} keeps no results"
    if scheme_of(url) in _FILE_SCHEMES:
        path = database_path(url, project.root)
        if path != ":memory:" and not Path(path).is_file():
            return no_values(project), f"no results stored yet ({path} does not exist; run `cxspec run`)"
    try:
        stored = stored_results(project, registry, url)
    except WarehouseError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "does not exist" in first or "no such table" in first:  # DuckDB, PostgreSQL / SQLite
            return no_values(project), f"no results stored in {redact(url)} yet (run `cxspec run`)"
        return no_values(project), f"stored results could not be read from {redact(url)}: {first}"
    if not stored.results:
        return stored, "no results stored for this project yet (run `cxspec run`)"
    return stored, None
