"""Helpers of the cxspec-dbt tests (a module name of its own: other test folders have a conftest)."""

from __future__ import annotations

from pathlib import Path

from cxspec.testing import run_cli

#: The example project of the cxspec repository (40 metrics, every metric type).
ACME = Path(__file__).resolve().parents[3] / "specs" / "acme"


def export(out: Path, project: Path = ACME, *extra: str):
    """`cxspec export PROJECT --to dbt --out OUT`, in-process."""
    return run_cli("export", project, "--to", "dbt", "--out", out, *extra)
