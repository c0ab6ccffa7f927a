"""The base class of source types: where a metric's rows come from, and how they are read."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from sqlglot import exp

if TYPE_CHECKING:
    from cxspec.check_context import CheckContext
    from cxspec.model import Project, Source


class SourceType:
    #: The value of ``type:`` in a spec.
    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: JSON Schema of this type's own fields, keyed by field name.
    fields: ClassVar[dict] = {}
    required: ClassVar[tuple[str, ...]] = ()

    def check(self, source: Source, ctx: CheckContext) -> None:
        """Semantic checks beyond the schema; report problems to ``ctx.sink``.

        ``ctx`` also holds the project, the registry validating it and the phase ("validate",
        "compile" or "execute"): a check that reads data can skip it under "validate".
        """

    def relation(self, source: Source, reading: Reading) -> exp.Expression:
        """The relation compiled SQL selects the source's rows from, for ``reading.dialect``.

        A table (``exp.to_table``), a subquery in the project's dialect, or, for rows read
        from the project's files, ``reading.local(source, duckdb_relation)``: a DuckDB
        relation (a table function such as ``read_csv(…)``, or a subquery over one) that
        every engine can use (see :class:`Reading`).
        """
        raise NotImplementedError(f"source type {self.name!r} does not say how it is read")


class Reading:
    """What a source type is told when asked how a source is read (``SourceType.relation``).

    ``project`` (its ``root`` is the folder relative paths start from) and ``dialect``, the
    sqlglot dialect of the SQL being written.
    """

    def __init__(self, project: Project, dialect: str):
        self.project = project
        self.dialect = dialect

    def local(self, source: Source, duckdb_relation: exp.Expression) -> exp.Expression:
        """Rows that a DuckDB relation reads from the project's files, as this engine reads them.

        DuckDB runs the relation itself (file paths relative to the project folder). Any
        other engine gets a temporary table named after the source, filled at run time from
        an in-process DuckDB (`Warehouse.local_relation`); compiled SQL names that table.
        """
        if self.dialect == "duckdb":
            return duckdb_relation
        return exp.to_table(source.id)
