"""Writes on Spark, which has neither transactions nor DELETE on parquet tables.

The writing statements cxspec issues (CREATE TABLE, CREATE TEMPORARY TABLE, DELETE, INSERT …
SELECT, INSERT … VALUES with placeholders) are applied to *versions*: each change makes a new
temporary view holding the table's content after it, and every later statement reads that
view wherever it names the table. Nothing is written until the transaction commits, when the
changed tables' last versions replace them together (layouts.Layout.commit). An error inside
the transaction drops the versions: the stored tables never saw them.
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools

from sqlglot import exp

_counter = itertools.count(1)


def table_name(table: exp.Table) -> str:
    return table.name.lower()


class Versions:
    def __init__(self, session, layout):
        self.session = session
        self.layout = layout
        #: table name → the temporary view holding its current (uncommitted) version
        self.views: dict[str, str] = {}
        #: temporary tables (CREATE TEMPORARY TABLE): they live only in views
        self.temporary: set[str] = set()
        #: tables changed since the last commit
        self.changed: set[str] = set()
        #: stored tables (CREATE TABLE): read through the layout's names
        self.layout_tables: set[str] = set()

    # -- reading -------------------------------------------------------------------------

    def resolve(self, tree: exp.Expression) -> exp.Expression:
        """The statement with each table it names replaced by that table's current version."""
        tree = tree.copy()
        for table in list(tree.find_all(exp.Table)):
            if table.args.get("db") or not isinstance(table.this, exp.Identifier):
                continue
            name = table_name(table)
            if name in self.views:
                replacement = exp.Table(this=exp.to_identifier(self.views[name], quoted=True))
            elif name in self.layout_tables:
                replacement = self.layout.qualified(name)
            else:
                continue
            if table.alias:
                replacement.set("alias", table.args["alias"])
            table.replace(replacement)
        return tree

    def current(self, name: str) -> exp.Table:
        if name in self.views:
            return exp.Table(this=exp.to_identifier(self.views[name], quoted=True))
        return self.layout.qualified(name)

    def schema(self, name: str):
        return self.session.table(self.current(name).sql("spark")).schema

    # -- writing -------------------------------------------------------------------------

    def create(self, tree: exp.Create) -> None:
        from pyspark.sql.types import StructType

        name = table_name(tree.this.this)
        defs = [d for d in tree.this.expressions if isinstance(d, exp.ColumnDef)]
        ddl = ", ".join(f"{d.this.sql('spark')} {d.args['kind'].sql('spark')}" for d in defs)
        schema = StructType.fromDDL(ddl)
        temporary = any(isinstance(p, exp.TemporaryProperty) for p in tree.find_all(exp.TemporaryProperty))
        if temporary:
            if name not in self.views or not tree.args.get("exists"):
                self.temporary.add(name)
                self._set(name, self.session.createDataFrame([], schema), changed=False)
        else:
            self.layout_tables.add(name)
            if name not in self.views:
                self.layout.ensure(name, schema)

    def delete(self, tree: exp.Delete) -> None:
        name = table_name(tree.this)
        where = tree.args.get("where")
        keep = exp.false()
        if where is not None:
            condition = self.resolve(where.this)
            keep = exp.not_(exp.Coalesce(this=exp.paren(condition), expressions=[exp.false()]))
        select = exp.select("*").from_(self.current(name)).where(keep)
        self._set(name, self.session.sql(select.sql("spark")))

    def insert(self, tree: exp.Insert) -> None:
        target = tree.this
        table = target.this if isinstance(target, exp.Schema) else target
        name = table_name(table)
        schema = self.schema(name)
        listed = [c.name.lower() for c in target.expressions] if isinstance(target, exp.Schema) else None
        listed = listed or [f.name.lower() for f in schema.fields]
        source = tree.expression.copy()
        with_ = tree.args.get("with_") or tree.args.get("with")
        if with_ is not None:  # sqlglot puts `WITH … INSERT INTO t SELECT …`: the CTEs are the select's
            source.set("with_" if "with_" in type(source).arg_types else "with", with_.copy())
        self._append(name, schema, listed, self.resolve(source))

    def insert_rows(self, tree: exp.Insert, rows) -> None:
        """INSERT … VALUES (?, …) run for each row: the rows become one DataFrame."""
        from pyspark.sql.types import StructType

        target = tree.this
        name = table_name(target.this if isinstance(target, exp.Schema) else target)
        schema = self.schema(name)
        fields = {f.name.lower(): f for f in schema.fields}
        listed = [c.name.lower() for c in target.expressions] if isinstance(target, exp.Schema) else None
        listed = listed or list(fields)
        row_schema = StructType([fields[c] for c in listed])
        converters = [_converter(fields[c].dataType) for c in listed]
        data = [tuple(convert(v) for convert, v in zip(converters, row, strict=True)) for row in rows]
        view = f"cxspec_rows_{next(_counter)}"
        self.session.createDataFrame(data, row_schema).createOrReplaceTempView(view)
        select = exp.select("*").from_(exp.Table(this=exp.to_identifier(view, quoted=True)))
        self._append(name, schema, listed, select)

    def _append(self, name, schema, listed, source: exp.Expression) -> None:
        alias = exp.TableAlias(
            this=exp.to_identifier("i"), columns=[exp.to_identifier(c, quoted=True) for c in listed]
        )
        new_rows = exp.select(
            *[
                exp.alias_(
                    exp.cast(
                        exp.column(f.name.lower(), "i", quoted=True)
                        if f.name.lower() in listed
                        else exp.null(),
                        exp.DataType.build(f.dataType.simpleString(), dialect="spark"),
                    ),
                    f.name,
                    quoted=True,
                )
                for f in schema.fields
            ]
        ).from_(exp.Subquery(this=source, alias=alias))
        union = exp.union(exp.select("*").from_(self.current(name)), new_rows, distinct=False)
        self._set(name, self.session.sql(union.sql("spark")))

    def _set(self, name: str, frame, *, changed: bool = True) -> None:
        view = f"cxspec_{name}_v{next(_counter)}"
        frame.createOrReplaceTempView(view)
        # Earlier versions stay registered: later ones are defined over them.
        self.views[name] = view
        if changed and name not in self.temporary:
            self.changed.add(name)

    # -- ending --------------------------------------------------------------------------

    def commit(self) -> None:
        frames = {name: self.session.table(self.views[name]) for name in sorted(self.changed)}
        self.layout.commit(frames)
        self.discard()

    def discard(self) -> None:
        """Forget every uncommitted version (temporary tables keep theirs: they are session state)."""
        for name in list(self.views):
            if name not in self.temporary:
                del self.views[name]
        self.changed.clear()


def _converter(spark_type):
    from pyspark.sql import types as T

    if isinstance(spark_type, T.DateType):
        return lambda v: None if v is None else (dt.date.fromisoformat(v) if isinstance(v, str) else v)
    if isinstance(spark_type, T.TimestampType):

        def timestamp(v):
            if v is None:
                return None
            v = dt.datetime.fromisoformat(v) if isinstance(v, str) else v
            # pyspark reads a naive datetime in the machine's zone; cxspec's are UTC.
            return v.replace(tzinfo=dt.timezone.utc) if v.tzinfo is None else v

        return timestamp
    if isinstance(spark_type, (T.DoubleType, T.FloatType)):
        return lambda v: None if v is None else float(v)
    if isinstance(spark_type, (T.LongType, T.IntegerType, T.ShortType, T.ByteType)):
        return lambda v: None if v is None else int(v)
    if isinstance(spark_type, T.StringType):
        return lambda v: None if v is None else str(v)
    if isinstance(spark_type, T.DecimalType):
        return lambda v: None if v is None else decimal.Decimal(str(v))
    return lambda v: v
