"""Stored results for the catalog, read only when they exist: a catalog never creates a
warehouse file or a table (a missing DuckDB/SQLite file means no values, not an empty one)."""

from __future__ import annotations

from cxspec.query import warehouse_class
from cxspec.runs.run import Stored, stored_results
from cxspec.warehouse import WarehouseError, redact


def no_values(project) -> Stored:
    return Stored(project, project.config.grain, [], [])


def read_values(project, registry, url: str | None) -> tuple[Stored, str | None]:
    """The stored results (possibly none) and, when there are none, why."""
    url = url or project.config.warehouse
    warehouse = warehouse_class(url, registry)
    if not warehouse.keeps_results(url, project.root):
        return no_values(project), f"the warehouse {url} keeps no results"
    path = warehouse.results_file(url, project.root)
    if path is not None and not path.is_file():
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
