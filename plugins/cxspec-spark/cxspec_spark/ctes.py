"""Run a compiled statement's CTEs one by one, as temporary views, caching the shared ones.

Spark inlines every CTE wherever it is named. cxspec's statements name the source rows and the
first-level aggregates from many branches, so Spark would analyse and optimise a plan many
times the statement's size and compute the same rows once per branch (measured on the numbers
fixture: minutes per statement). A view per CTE keeps each plan small, and a CTE named more
than once is cached, so it is computed once: what MATERIALIZED does on DuckDB and PostgreSQL.
A recursive CTE stays a WITH RECURSIVE of its own, over the views of the CTEs before it.
"""

from __future__ import annotations

import itertools
from collections import Counter

from sqlglot import exp

_statements = itertools.count(1)


def _with_of(tree: exp.Expression) -> exp.With | None:
    return tree.args.get("with_") or tree.args.get("with")


def _set_with(tree: exp.Expression, value) -> None:
    tree.set("with_" if "with_" in type(tree).arg_types else "with", value)


def _named(tree: exp.Expression, names) -> list[exp.Table]:
    return [
        t
        for t in tree.find_all(exp.Table)
        if not t.args.get("db") and isinstance(t.this, exp.Identifier) and t.name in names
    ]


def _checkpoint(frame, level):
    """(the checkpoint, its rows under the frame's column names): computed now, lineage cut.

    Spark keeps the constraints of the checkpointed plan (`x IS NOT NULL`…) and maps them
    from the optimized plan's output columns to the checkpoint's by attribute equality,
    qualifiers included. When the optimizer has dropped a redundant alias at the top
    (`SELECT metric AS metric … FROM (…) AS a`) the two differ in id and qualifier, the
    mapping misses, and the checkpoint keeps constraints on a column it does not have; a
    UNION over it then fails ("key not found: metric#301", a derived metric over results).
    Renaming every column at the top keeps the output's ids through optimization, so the
    constraints refer to the checkpoint's own columns; the names are put back above it.
    """
    names = frame.columns
    stable = frame.toDF(*[f"__cx_column_{i}" for i in range(len(names))])
    checkpoint = stable.localCheckpoint(eager=True, storageLevel=level)
    return checkpoint, checkpoint.toDF(*names)


def _checkpoint_level(session):
    """Two copies of a checkpointed step's rows unless the session is local: a local checkpoint
    is kept only by the executors that computed it and cannot be recomputed, so without a second
    copy a query fails when one of them is lost (a worker dying mid-query)."""
    from pyspark import StorageLevel

    try:
        master = session.sparkContext.master
    except Exception:  # Spark Connect: the server's master is not known here
        master = None
    local = bool(master) and master.startswith("local")
    return StorageLevel.MEMORY_AND_DISK if local else StorageLevel.MEMORY_AND_DISK_2


class CteViews:
    """`run(session, tree)` → a DataFrame of the statement; `release()` drops what it made."""

    def __init__(self, session):
        self.session = session
        self.views: list[str] = []
        self.cached: list = []
        self.checkpoint_level = _checkpoint_level(session)

    def run(self, tree: exp.Expression):
        with_ = _with_of(tree)
        if with_ is None:
            return self.session.sql(tree.sql("spark"))
        tree = tree.copy()
        with_ = _with_of(tree)
        _set_with(tree, None)
        ctes = list(with_.expressions)
        uses = Counter(
            t.name for part in [*[c.this for c in ctes], tree] for t in _named(part, {c.alias for c in ctes})
        )
        prefix = f"cxspec_q{next(_statements)}_"
        renamed: dict[str, str] = {}
        for cte in ctes:
            name = cte.alias
            query = cte.this.copy()
            recursive = bool(_named(query, {name}))
            self._point_at_views(query, renamed)
            if recursive:
                # The CTE names itself: it stays a WITH RECURSIVE, of this one CTE.
                inner = exp.CTE(this=query, alias=exp.TableAlias(this=exp.to_identifier(name, quoted=True)))
                query = exp.select("*").from_(exp.Table(this=exp.to_identifier(name, quoted=True)))
                _set_with(query, exp.With(expressions=[inner], recursive=True))
            frame = self.session.sql(query.sql("spark"))
            if uses[name] >= 1:
                # Computed now, its lineage cut: later plans read rows, not this plan again.
                checkpoint, frame = _checkpoint(frame, self.checkpoint_level)
                self.cached.append(checkpoint)
            view = prefix + name
            frame.createOrReplaceTempView(view)
            self.views.append(view)
            renamed[name] = view
        self._point_at_views(tree, renamed)
        return self.session.sql(tree.sql("spark"))

    @staticmethod
    def _point_at_views(tree: exp.Expression, renamed: dict[str, str]) -> None:
        for table in _named(tree, renamed):
            replacement = exp.Table(this=exp.to_identifier(renamed[table.name], quoted=True))
            # Keep how the statement refers to it: `FROM x AS a` and `FROM x` (columns as x.c).
            alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name, quoted=True))
            replacement.set("alias", alias)
            table.replace(replacement)

    def release(self) -> None:
        for frame in self.cached:
            frame.unpersist()
        for view in self.views:
            self.session.catalog.dropTempView(view)
        self.cached.clear()
        self.views.clear()
