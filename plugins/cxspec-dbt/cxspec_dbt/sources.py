"""cxspec sources as dbt sources: how a model refers to each, and the `sources.yml` entries.

Sources whose type reads a warehouse table as it is (`SourceType.warehouse_table`: the
`table` type) keep it (`support.tickets` → source `support`, table `tickets`). Sources whose
rows are one project file as it is (`SourceType.data_file`: the `file` type) become tables of
the source `cxspec_files`; on dbt-duckdb their `external_location` reads the file itself,
elsewhere load each file into that table first. Every other source (a `sql` query, a plugin
type's own reading) stays inline, exactly as cxspec compiles it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cxspec import Resolver
from sqlglot import exp

FILE_SOURCE = "cxspec_files"
#: Tables without a schema live in the dbt target's schema.
DEFAULT_SCHEMA = "{{ target.schema }}"


@dataclass(frozen=True)
class DbtSource:
    """Where one cxspec source lives in dbt: ``{{ source(name, table) }}``."""

    name: str
    table: str
    schema: str | None = None
    database: str | None = None

    @property
    def jinja(self) -> str:
        return f"{{{{ source('{self.name}', '{self.table}') }}}}"


def dbt_source(source, source_type) -> DbtSource | None:
    """The dbt source of a cxspec source, or None for sources read by a query (inlined)."""
    table = source_type.warehouse_table(source)
    if table is not None:
        if not table.db:
            return DbtSource(name="cxspec_tables", table=table.name, schema=DEFAULT_SCHEMA)
        return DbtSource(name=table.db, table=table.name, schema=table.db, database=table.catalog or None)
    if source_type.data_file(source) is not None:
        return DbtSource(name=FILE_SOURCE, table=source.id, schema=DEFAULT_SCHEMA)
    return None


class DbtResolver(Resolver):
    """Sources as dbt `source()` calls: an opaque token that sqlglot writes out as is."""

    def own_relation(self, source, source_type) -> exp.Expression:
        target = dbt_source(source, source_type)
        if target is None:
            return super().own_relation(source, source_type)
        return exp.var(target.jinja)


def external_location(data_file, project_root: Path, out_dir: Path) -> str:
    """dbt-duckdb's reader of a file source, its path relative to the dbt project folder
    (dbt runs there): the same DuckDB reader cxspec uses, with another path."""
    relative = os.path.relpath((project_root / data_file.path).resolve(), out_dir.resolve())
    reader = data_file.duckdb_reader()
    reader.set("expressions", [exp.Literal.string(Path(relative).as_posix()), *reader.expressions[1:]])
    return reader.sql(dialect="duckdb")


def sources_document(
    project, registry, sources: list, project_root: Path, out_dir: Path, dialect: str
) -> dict:
    """The `sources.yml` content for the sources the models read."""
    grouped: dict[str, dict] = {}
    for source in sources:
        source_type = registry.source_types[source.type]
        target = dbt_source(source, source_type)
        if target is None:
            continue
        entry = grouped.setdefault(
            target.name,
            {
                "name": target.name,
                **({"database": target.database} if target.database else {}),
                "schema": target.schema,
                "description": (
                    "Data files of the cxspec project, one table per file source. dbt-duckdb reads "
                    "each file through its external_location; on other warehouses load each file "
                    "into a table of this name first."
                    if target.name == FILE_SOURCE
                    else f"Warehouse tables read by cxspec project {project.config.project}."
                ),
                "tables": [],
            },
        )
        meta: dict = {"cxspec_source": source.id}
        if source.get("owner"):
            meta["owner"] = source.get("owner")
        data_file = source_type.data_file(source) if target.name == FILE_SOURCE else None
        if data_file is not None:
            meta["path"] = data_file.path
            meta["format"] = data_file.format
            if dialect == "duckdb":
                meta["external_location"] = external_location(data_file, project_root, out_dir)
        table = {"name": target.table}
        description = source.get("description") or source.get("name")
        if description:
            table["description"] = " ".join(str(description).split())
        table["meta"] = meta
        entry["tables"].append(table)
    for entry in grouped.values():
        entry["tables"].sort(key=lambda t: t["name"])
    return {"version": 2, "sources": [grouped[k] for k in sorted(grouped)]}
