"""Fixtures of the cxspec-dbt tests: the example project exported once, the CLI in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbt_helpers import ACME, export


@pytest.fixture(scope="session")
def acme() -> Path:
    assert (ACME / "cxspec.yaml").is_file(), f"the example project is missing at {ACME}"
    return ACME


@pytest.fixture(scope="session")
def exported(tmp_path_factory, acme):
    """The acme project exported with the real command: (package folder, CLI result)."""
    out = tmp_path_factory.mktemp("export") / "acme_dbt"
    result = export(out, acme)
    assert result.exit_code == 0, result.output
    return out, result


@pytest.fixture(scope="session")
def project(acme):
    from cxspec import default_registry, validate_project

    return validate_project(str(acme), default_registry()).project
