"""CXSPEC_DUCKDB_MEMORY_LIMIT and CXSPEC_DUCKDB_TEMP_DIRECTORY set DuckDB's spill settings
(docs/warehouses.md, "Memory and spilling")."""

from __future__ import annotations

import pytest

from cxspec import load_project
from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.warehouse import WarehouseError


def test_settings_from_the_environment(make_project, tmp_path, monkeypatch):
    project = load_project(make_project())
    monkeypatch.setenv("CXSPEC_DUCKDB_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("CXSPEC_DUCKDB_TEMP_DIRECTORY", str(tmp_path / "spill"))
    with connect("duckdb:///:memory:", project, default_registry()) as warehouse:
        _, rows = warehouse.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        )
    limit, folder = rows[0]
    assert limit.replace(" ", "").upper() in ("1.0GB", "1GB", "953.6MIB", "953.6MB"), limit
    assert folder == str(tmp_path / "spill")


def test_a_refused_value_names_the_variable(make_project, monkeypatch):
    project = load_project(make_project())
    monkeypatch.setenv("CXSPEC_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(WarehouseError, match="CXSPEC_DUCKDB_MEMORY_LIMIT='lots'"):
        connect("duckdb:///:memory:", project, default_registry())
