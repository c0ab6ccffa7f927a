"""The base class of source types: where a metric's rows come from, and how they are read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from cxspec.lazyexp import LAZY_EXP as exp

if TYPE_CHECKING:
    from cxspec.check_context import CheckContext
    from cxspec.model import Project, Source
    from cxspec.warehouse import Warehouse


@dataclass(frozen=True)
class DataFile:
    """One CSV or Parquet file of the project that holds a source's rows as they are, so that
    any engine with a file reader of its own (Spark) may read it instead of DuckDB."""

    #: Relative to the project folder.
    path: str
    #: "csv" or "parquet".
    format: str
    #: The CSV field separator, when it is not a comma (None: the reader's own detection).
    delimiter: str | None = None
    #: True when the CSV file is its header line alone: DuckDB's detection cannot tell a
    #: lone line is a header and would read it as a row of columns `column0`, `column1`, ….
    header: bool = False

    def duckdb_reader(self) -> exp.Expression:
        """The DuckDB table function that reads it (`read_csv('data/x.csv')`), its path
        relative to the project folder (DuckDB sessions search files from there)."""
        function = "read_parquet" if self.format == "parquet" else "read_csv"
        arguments: list[exp.Expression] = [exp.Literal.string(self.path)]
        if self.delimiter:
            arguments.append(exp.EQ(this=exp.var("delim"), expression=exp.Literal.string(self.delimiter)))
        if self.header:
            arguments.append(exp.EQ(this=exp.var("header"), expression=exp.true()))
        return exp.Anonymous(this=function, expressions=arguments)


class SourceType:
    #: The value of ``type:`` in a spec.
    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: JSON Schema of this type's own fields, keyed by field name.
    fields: ClassVar[dict] = {}
    required: ClassVar[tuple[str, ...]] = ()
    #: Values of source fields (its own or the common ones, such as `time`) when they are left
    #: out: the model reads them, and `cxspec diff` sees writing one out as no change.
    field_defaults: ClassVar[dict] = {}

    def defaults(self, source: Source, project: Project) -> dict:
        """The field defaults of one source: `field_defaults` unless a default depends on the
        source itself (an export's time column exists only in some exports)."""
        return dict(self.field_defaults)

    def check(self, source: Source, ctx: CheckContext) -> None:
        """Semantic checks beyond the schema; report problems to ``ctx.sink``.

        ``ctx`` also holds the project, the registry validating it and the phase ("validate",
        "compile" or "execute"): a check that reads data can skip it under "validate".
        """

    def columns(self, source: Source, project: Project) -> dict[str, str | None] | None:
        """The source's columns (name → type name, or None when the type is not known) when
        the source type knows them without reading data; None when it does not (a `file`
        source). Validation checks the columns that specs name against them (CX404)."""
        return None

    def data_file(self, source: Source) -> DataFile | None:
        """The one project file that holds the source's rows as they are, or None (rows from
        a warehouse, or shaped by a query of the source type's own)."""
        return None

    def warehouse_table(self, source: Source) -> exp.Table | None:
        """The warehouse table or view that holds the source's rows as they are, or None (rows
        from files, or shaped by a query). Exporters map it to their tool's own notion of a
        source (a dbt `source()`); compiled SQL reads `relation`."""
        return None

    def where(self, source: Source) -> str | None:
        """Where the rows come from, in a few words, for the catalog: the data file's path,
        the warehouse table's name, else the type's `path` field (an export); None if unknown."""
        data_file = self.data_file(source)
        if data_file is not None:
            return data_file.path
        table = self.warehouse_table(source)
        if table is not None:
            return table.sql()
        path = source.get("path") if "path" in self.fields else None
        return path if isinstance(path, str) else None

    def file_types(self, source: Source, project: Project):
        """The types its `relation` gives the columns of a CSV file, by cxspec's one typing rule
        (a `cxspec.column_types.FileTypes`), or None when the relation is typed otherwise."""
        return None

    def relation(self, source: Source, reading: Reading) -> exp.Expression | None:
        """The relation compiled SQL selects the source's rows from, for ``reading.dialect``.

        A table (``exp.to_table``), a subquery in the project's dialect (a bare SELECT is
        made one), or, for rows read from the project's files,
        ``reading.local(source, duckdb_relation)``: a DuckDB relation (a table function such
        as ``read_csv(…)``, or a subquery over one) that every engine can use (see
        :class:`Reading`). None: the type does not say, which is an error when it is read.
        """
        return None


class Reading:
    """What a source type is told when asked how a source is read (``SourceType.relation``).

    ``project`` (its ``root`` is the folder relative paths start from) and ``dialect``, the
    sqlglot dialect of the SQL being written.
    """

    def __init__(self, project: Project, dialect: str, warehouse: Warehouse | None = None):
        self.project = project
        self.dialect = dialect
        self._warehouse = warehouse

    def local(self, source: Source, duckdb_relation: exp.Expression) -> exp.Expression:
        """Rows that a DuckDB relation reads from the project's files, as this engine reads them.

        DuckDB runs the relation itself (file paths relative to the project folder). Any
        other engine gets a temporary table named after the source, filled from an
        in-process DuckDB when the SQL is compiled for a warehouse
        (`Warehouse.local_relation`); compiled SQL names that table.
        """
        if self.dialect == "duckdb":
            return duckdb_relation
        if self._warehouse is not None:
            return self._warehouse.local_relation(source, duckdb_relation)
        return exp.to_table(source.id)
