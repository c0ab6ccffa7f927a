"""Source resolution: before any SQL is written, each source a plan reads becomes plain
data, its relation and its columns' types.

The relation comes from the warehouse when it has its own way of reading the source
(`Warehouse.relation`), else from the source type (`SourceType.relation`), with rows read
from the project's files loaded into engines that cannot read them (`Reading.local`). The
column types come from the warehouse when it can tell cheaply (`Warehouse.column_types`);
without a warehouse they are unknown. The SQL generator reads only the result, so SQL
compiled for a warehouse (`cxspec compile --warehouse`) is the SQL that runs on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cxspec.column_types import blank_columns, empty_columns, measured_numbers
from cxspec.diagnostics import CxspecError
from cxspec.lazyexp import LAZY_EXP as exp
from cxspec.model import TAKEN_COLUMN
from cxspec.source_type import Reading

if TYPE_CHECKING:
    from cxspec.model import Project, Source
    from cxspec.registry import Registry
    from cxspec.warehouse import Warehouse

#: What a FROM clause can select from as it is: a table (or view), a subquery, a table
#: function (`read_csv(…)`), an opaque token written out as is (a dbt `{{ source() }}`), VALUES.
RELATION_SHAPES = (exp.Table, exp.Subquery, exp.Func, exp.Var, exp.Values)


@dataclass(frozen=True)
class ResolvedSource:
    id: str
    #: What compiled SQL selects the source's rows from.
    relation: exp.Expression
    #: Column name → type name (upper case) when the warehouse told; empty when unknown.
    column_types: dict[str, str] = field(default_factory=dict)
    #: Columns of a typed CSV file that are not numbers → the companion column of their
    #: values that are numbers, or None (column_types.py): what a measured column reads.
    numbers: dict[str, str | None] = field(default_factory=dict)
    #: Columns of a typed CSV file empty in every row (column_types.empty_columns).
    empty: frozenset[str] = frozenset()
    #: Columns of a typed CSV file whose every value is spaces only (column_types.blank_columns):
    #: what a message about them says (blank cells, not "no number").
    blank: frozenset[str] = frozenset()


@dataclass
class Resolution(Mapping):
    """The resolved sources of one compilation, by source id, and the project they belong to
    (the SQL generator parses fragments in its dialect)."""

    project: Project
    dialect: str
    sources: dict[str, ResolvedSource] = field(default_factory=dict)

    def __getitem__(self, source_id: str) -> ResolvedSource:
        return self.sources[source_id]

    def __iter__(self):
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)

    def relation(self, source: Source) -> exp.Expression:
        """A fresh copy of the source's relation, for one place in a tree."""
        return self.sources[source.id].relation.copy()

    def column_type(self, source: Source, column: str) -> str | None:
        return self.sources[source.id].column_types.get(column)

    def numbers(self, source: Source) -> dict[str, str | None]:
        return self.sources[source.id].numbers


class Resolver:
    """Resolves sources for one dialect, against a warehouse or none (plain `cxspec compile`:
    files loaded elsewhere are named after their source, column types unknown)."""

    def __init__(
        self,
        project: Project,
        registry: Registry,
        dialect: str | None = None,
        warehouse: Warehouse | None = None,
    ):
        if dialect is None and warehouse is None:
            raise ValueError("a dialect or a warehouse is needed")
        self.project = project
        self.registry = registry
        self.warehouse = warehouse
        self.dialect = warehouse.dialect if warehouse is not None else dialect
        self.reading = Reading(project, self.dialect, warehouse)
        #: Sources whose relation the warehouse gave (it reads their files itself).
        self.read_by_warehouse: set[str] = set()

    def resolve(self, sources: Iterable[Source]) -> Resolution:
        resolution = Resolution(self.project, self.dialect)
        for source in sources:
            if source.id in resolution.sources:
                continue
            relation = self.relation(source)
            types = dict(self.warehouse.column_types(relation.copy())) if self.warehouse is not None else {}
            # A CSV file read through its source type is typed by the one typing rule (on
            # every engine: Spark reads only Parquet files itself, typed by the file).
            file_types = None
            if source.id not in self.read_by_warehouse:
                source_type = self.registry.source_types.get(source.type)
                file_types = source_type.file_types(source, self.project) if source_type else None
            if file_types is not None:
                types.update(file_types.as_dict(self.dialect))
            if source.taken is not None:
                types[TAKEN_COLUMN] = "DATE"  # SQLite keeps dates as text: say what it holds
            numbers = measured_numbers(file_types)
            empty = empty_columns(file_types)
            blank = blank_columns(file_types)
            resolution.sources[source.id] = ResolvedSource(source.id, relation, types, numbers, empty, blank)
        return resolution

    def relation(self, source: Source) -> exp.Expression:
        """The warehouse's own relation of the source, else its source type's, in a shape a
        FROM clause takes (a bare query becomes a subquery)."""
        source_type = self.registry.source_types.get(source.type)
        if source_type is None:  # validation rejects unknown types; guard anyway
            raise CxspecError(
                f"{source.loc('type')}: source {source.id!r}: no source type {source.type!r} is installed"
            )
        relation = None
        if self.warehouse is not None:
            relation = self.warehouse.relation(source, source_type)
        if relation is not None:
            self.read_by_warehouse.add(source.id)
            relation = relation_shape(relation, source, f"the {self.warehouse.name} warehouse")
        else:
            relation = relation_shape(self.own_relation(source, source_type), source, self.origin(source))
        return with_taken_day(relation, source, self.dialect) if source.taken is not None else relation

    def own_relation(self, source: Source, source_type) -> exp.Expression:
        """The source type's relation (a subclass may read some sources another way)."""
        relation = source_type.relation(source, self.reading)
        if relation is None:
            raise CxspecError(
                f"{source.loc('type')}: source {source.id!r}: {self.origin(source)} does not say how it "
                "is read "
                "(SourceType.relation, docs/source-types.md)"
            )
        return relation

    def origin(self, source: Source) -> str:
        """Who says how the source is read, for messages: its source type and that type's plugin."""
        plugin = self.registry.provided_by.get(("source type", source.type), "its plugin")
        return f"source type {source.type!r} (from {plugin})"


def with_taken_day(relation: exp.Expression, source: Source, dialect: str) -> exp.Expression:
    """A snapshot's rows (`taken:`) with its day as their time: every row gets the column
    TAKEN_COLUMN holding that date (on SQLite its text, as SQLite keeps a file's dates)."""
    day = exp.Literal.string(source.taken)
    value = day if dialect == "sqlite" else exp.cast(day, "DATE")
    rows = relation if isinstance(relation, exp.Table) else exp.alias_(relation, "snapshot", table=True)
    return exp.Subquery(this=exp.select(exp.Star(), exp.alias_(value, TAKEN_COLUMN, quoted=True)).from_(rows))


def relation_shape(relation, source: Source, origin: str) -> exp.Expression:
    """The relation as a FROM clause takes it: a query wrapped as a subquery; anything that
    is not a relation refused, at the source, rather than failing in the engine's parser."""
    if isinstance(relation, RELATION_SHAPES):  # before Query: a Subquery is one too
        return relation
    if isinstance(relation, exp.Query):  # a bare SELECT, a UNION
        return exp.Subquery(this=relation)
    shape = type(relation).__name__ if isinstance(relation, exp.Expression) else repr(relation)[:60]
    raise CxspecError(
        f"{source.loc('type')}: source {source.id!r}: {origin} "
        f"gave {shape} as its relation, which a query cannot select from; a relation is a table "
        "(exp.to_table), a query (exp.select …) or a table function (docs/source-types.md)"
    )
