"""The plugin module cxspec loads through the `cxspec` entry point."""

from __future__ import annotations

from cxspec import hookimpl


@hookimpl
def cxspec_register_outputs():
    from cxspec_dbt.output import DbtExport

    return [DbtExport]
