"""Helpers of the cxspec-dbt tests (a module name of its own: other test folders have a conftest)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

#: The example project of the cxspec repository (40 metrics, every metric type).
ACME = Path(__file__).resolve().parents[3] / "specs" / "acme"


def export(out: Path, project: Path = ACME, *extra: str):
    """`cxspec export PROJECT --to dbt --out OUT`, in-process."""
    from cxspec.cli import cli

    return CliRunner().invoke(cli, ["export", str(project), "--to", "dbt", "--out", str(out), *extra])
