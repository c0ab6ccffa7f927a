"""The `dbt` output cxspec registers: light to import, as every command builds the registry;
the export itself (cxspec_dbt/exporter.py: the compiler, YAML) is imported when it runs."""

from __future__ import annotations

from pathlib import Path

from cxspec import CxspecError, Output


class DbtExport(Output):
    name = "dbt"
    kind = "export"
    description = "A dbt package: one model per compiled query, schema.yml with tests, MetricFlow YAML."

    def export(self, project, registry, out_dir: Path, *, dialect: str) -> list[Path]:
        from cxspec import dialects

        from cxspec_dbt.exporter import build_files, check_out_dir, write

        if dialect not in dialects():
            raise CxspecError(f"unknown SQL dialect {dialect!r} (one of: {', '.join(dialects())})")
        check_out_dir(project, Path(out_dir))
        files = build_files(project, registry, Path(out_dir), dialect)
        return write(Path(out_dir), files)
