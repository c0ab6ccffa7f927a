"""Fixtures of the cxspec-dbt tests: the example project exported once, the CLI in-process."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

#: The example project of the cxspec repository (40 metrics, every metric type).
ACME = Path(__file__).resolve().parents[3] / "specs" / "acme"


def export(out: Path, project: Path = ACME, *extra: str):
    from cxspec.cli import cli

    return CliRunner().invoke(cli, ["export", str(project), "--to", "dbt", "--out", str(out), *extra])


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
    from cxspec.validate import validate_project

    return validate_project(str(acme)).project
