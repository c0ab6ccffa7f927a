"""The built-in source types: files read by the engine, warehouse tables, SQL queries."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from cxspec.column_types import DECLARED, csv_types, file_types, header_only, typed_reader
from cxspec.data_roots import allowed_folders, inside, lexically_inside
from cxspec.diagnostics import CxspecError
from cxspec.hookspecs import hookimpl
from cxspec.lazyexp import LAZY_EXP as exp
from cxspec.source_type import DataFile, SourceType
from cxspec.sqlfrag import FILE_NAME_ENDINGS, check_query

FILE_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".tsv": "csv"}
#: Paths an engine reads somewhere else: home folders, URLs (s3://, https://), glob patterns.
_ELSEWHERE = re.compile(r"^~|^[A-Za-z][A-Za-z0-9+.-]*:|[*?\[\]{}]")


def file_format(path: str) -> str | None:
    """csv or parquet by the file's suffix (`.gz`/`.zst` compression allowed on CSV)."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in (".gz", ".zst"):
        suffixes = suffixes[:-1]
        return "csv" if suffixes and FILE_SUFFIXES.get(suffixes[-1]) == "csv" else None
    return FILE_SUFFIXES.get(suffixes[-1]) if suffixes else None


def check_path(source, ctx, field: str = "path") -> Path | None:
    """The resolved data file of a source, or None after reporting a path that leaves the
    project and every data root the operator allowed (cxspec/data_roots.py)."""
    project, sink = ctx.project, ctx.sink
    path = source.get(field)
    if not isinstance(path, str):
        return None
    target = (project.root / path).resolve()
    # DuckDB expands `~`, fetches URLs (httpfs) and expands globs, which may cross symbolic
    # links: such a path would be read elsewhere than where it resolves here.
    if _ELSEWHERE.search(path):
        sink.add(
            "CX401",
            f"path {path!r} of source {source.id!r} is not a plain file path",
            source.loc(field),
            hint="name one file: no ~, URLs or wildcards",
        )
        return None
    folders = allowed_folders(project.root, project.data_roots)
    if inside(target, folders):
        return target
    where = "the project and the data roots" if project.data_roots else "the project"
    if lexically_inside(project.root, path, folders):
        sink.add(
            "CX421",
            f"path {path!r} of source {source.id!r} passes through a symbolic link to {target}, "
            f"outside {where}",
            source.loc(field),
            hint="link to a file inside them, or let the operator allow its folder with "
            "`--data-root DIR` or CXSPEC_DATA_ROOTS",
        )
    else:
        sink.add(
            "CX420",
            f"path {path!r} of source {source.id!r} leads outside {where}",
            source.loc(field),
            hint=f"move the file into the project, or run with `--data-root {target.parent}` (or list "
            "that folder in CXSPEC_DATA_ROOTS): only the operator can allow folders outside it",
        )
    return None


def file_reader(source, root: Path) -> exp.Expression:
    """How DuckDB reads a `file` source, with a project-relative path: the table function,
    and for a CSV file its columns typed by cxspec's one rule (as compiled SQL reads it)."""
    data = FileSource().data_file(source)
    if data.format != "csv":
        return data.duckdb_reader()
    if header_only(root / data.path):
        data = replace(data, header=True)
    reader = data.duckdb_reader()
    declared = source.get("columns")
    types = file_types(root, data.path, reader, declared if isinstance(declared, dict) else None)
    return typed_reader(reader, types)


class FileSource(SourceType):
    name = "file"
    description = (
        "A CSV or Parquet file inside the project (or a data root the operator allowed), "
        "read directly by the engine."
    )
    fields = {
        "path": {"type": "string", "minLength": 1},
        "format": {"enum": ["csv", "parquet"]},
        "delimiter": {"type": "string", "minLength": 1, "maxLength": 1},
        "columns": {
            "type": "object",
            "minProperties": 1,
            "description": "Column name → type (boolean, integer, number, text, date, timestamp); "
            "undeclared CSV columns are typed from all their values.",
            "additionalProperties": {"enum": sorted(DECLARED)},
        },
    }
    required = ("path",)

    def defaults(self, source, project):
        # The format its name says: `format: csv` on data.csv is no change.
        path = source.raw.get("path")
        fmt = file_format(path) if isinstance(path, str) else None
        return {"format": fmt} if fmt else {}

    def check(self, source, ctx):
        project, sink = ctx.project, ctx.sink
        path = source.get("path")
        if check_path(source, ctx) is None:
            return
        if "format" not in source.raw and file_format(path) is None:
            sink.add(
                "CX403",
                f"cannot tell the format of {path!r} from its name",
                source.loc("path"),
                hint="name it .csv, .csv.gz or .parquet, or set `format:`",
            )
        if not (project.root / path).exists():
            sink.add(
                "CX402",
                f"data file {path!r} of source {source.id!r} does not exist",
                source.loc("path"),
                hint="it must exist when the project runs",
            )

    def data_file(self, source):
        path = source.raw["path"]
        return DataFile(path, source.raw.get("format") or file_format(path), source.raw.get("delimiter"))

    def file_types(self, source, project):
        return csv_types(source, self, project)

    def relation(self, source, reading):
        data_file = self.data_file(source)
        if data_file.format == "csv" and header_only(reading.project.root / data_file.path):
            data_file = replace(data_file, header=True)  # no rows: read as empty, not a row
        reader = data_file.duckdb_reader()
        types = self.file_types(source, reading.project)
        refusal = types.refusal() if types is not None else None
        if refusal is not None:  # data_checks reports it first (CX410); code paths without them
            where = f"{source.loc('path')}: data file {source.raw['path']!r} of source {source.id!r}"
            raise CxspecError(f"{where}: {refusal[0]}; {refusal[1]}")
        return reading.local(source, typed_reader(reader, types) if types is not None else reader)


class TableSource(SourceType):
    name = "table"
    description = "A table or view in the warehouse (`schema.table`)."
    fields = {
        "table": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}$"}
    }
    required = ("table",)

    def check(self, source, ctx):
        sink = ctx.sink
        table = source.get("table")
        if isinstance(table, str) and table.rsplit(".", 1)[-1].lower() in FILE_NAME_ENDINGS:
            sink.add(
                "CX401",
                f"table {table!r} of source {source.id!r} reads as a file name: DuckDB looks for a "
                f"file {table!r} in the current folder",
                source.loc("table"),
                hint="name a table; read a file of the project with a `file` source",
            )

    def warehouse_table(self, source):
        return exp.to_table(source.raw["table"])

    def relation(self, source, reading):
        return exp.to_table(source.raw["table"], dialect=reading.dialect)


class SqlSource(SourceType):
    name = "sql"
    description = "A read-only SELECT query run in the warehouse."
    fields = {"query": {"type": "string", "minLength": 1}}
    required = ("query",)

    def check(self, source, ctx):
        query = source.get("query")
        if isinstance(query, str):
            dialect = ctx.project.config.dialect
            check_query(query, source, "query", dialect, ctx.sink, allowed=ctx.registry.sql_functions)

    def where(self, source):
        return "a SQL query"

    def columns(self, source, project):
        """The names its SELECT list gives, when each item is a column or has an alias (a
        `*` or an unnamed expression leaves them to the engine: unknown)."""
        query = source.get("query")
        if not isinstance(query, str):
            return None
        import sqlglot
        from sqlglot.errors import SqlglotError

        try:
            tree = sqlglot.parse_one(query, read=project.config.dialect)
        except (SqlglotError, RecursionError):
            return None
        while isinstance(tree, exp.SetOperation):  # a UNION's names are its first SELECT's
            tree = tree.this
        if not isinstance(tree, exp.Select):
            return None
        found: dict[str, str | None] = {}
        for item in tree.expressions:
            value = item.this if isinstance(item, exp.Alias) else item
            named = isinstance(item, exp.Alias) or (isinstance(item, exp.Column) and not item.is_star)
            if not named or item.is_star or not item.alias_or_name:
                return None
            cast = isinstance(value, exp.Cast)
            found[item.alias_or_name] = value.to.sql(dialect="duckdb") if cast else None
        return found

    def relation(self, source, reading):
        import sqlglot

        query = sqlglot.parse_one(source.raw["query"], read=reading.project.config.dialect)
        return exp.Subquery(this=query)


@hookimpl
def cxspec_register_source_types():
    return [FileSource, TableSource, SqlSource]
