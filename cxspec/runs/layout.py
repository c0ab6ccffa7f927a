"""The layout of the stored-results tables, its version, and the migration from older ones.

`cxspec_layout` holds one row: the layout version of `cxspec_results` and `cxspec_scores`.
Layout 1 (cxspec 0.1 until layouts were versioned) had the same columns and no
`cxspec_layout` table: it is upgraded in place by recording the version. Tables whose
columns differ (a column missing, `period` or `value` stored as text: tables made or altered
by hand, or by another tool) are refused with the command that converts them,
`cxspec migrate`, which rebuilds them in one transaction.

Layout 4 added `dimensions` to `cxspec_scores` (pyramid scores per segment) and to its key:
tables of layouts 1 to 3 are rebuilt by the first run (or `cxspec migrate`), their rows
taking the value the older layouts meant (`{}`, the total). Reading them needs no upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from cxspec.compiler.sqlkit import col, text
from cxspec.diagnostics import CxspecError
from cxspec.runs.static import literal

LAYOUT = "cxspec_layout"
LAYOUT_VERSION = 4
#: How each layout differs from the one before; upgrading creates the tables that are
#: missing (ensure_layout): 2 → 3 adds `cxspec_watermarks` (runs/incremental.py);
#: 3 → 4 adds `dimensions` to `cxspec_scores` and its key (rebuilt: ensure_layout's `added`).
#: A number of cxspec's own for PostgreSQL's advisory lock on creating and migrating the
#: tables: projects share them, so a per-project lock does not keep two first runs apart.
LAYOUT_LOCK = 0x63787370656331  # "cxspec1"


#: Engines whose tables carry a layout version. Others (plugins such as Spark) keep their
#: own tables their own way: cxspec creates the tables when missing and checks nothing.
VERSIONED = ("duckdb", "sqlite", "postgres")


class LayoutError(CxspecError):
    """Stored-results tables cxspec cannot use as they are."""


def table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def column_type(kind: str, dialect: str) -> exp.DataType:
    if dialect == "sqlite" and kind in ("DATE", "TIMESTAMP"):
        return exp.DataType.build("TEXT")
    return exp.DataType.build(kind)


def _family(type_name: str) -> str:
    """What kind of value a declared type holds, across the engines' spellings."""
    name = type_name.upper()
    if "TIMESTAMP" in name or "DATETIME" in name:
        return "time"
    if "DATE" in name:
        return "date"
    if "INT" in name:
        return "integer"
    if any(word in name for word in ("DOUBLE", "REAL", "FLOA", "NUMERIC", "DECIMAL")):
        return "number"
    if any(word in name for word in ("CHAR", "TEXT", "CLOB", "STRING")):
        return "text"
    return name.lower() or "untyped"


def existing_columns(warehouse, name: str) -> dict[str, str] | None:
    """Column name → declared type of a table, None when there is no such table."""
    return existing_tables(warehouse, [name])[name]


def existing_tables(warehouse, names) -> dict[str, dict[str, str] | None]:
    """existing_columns of several tables, in one query of the catalog (but on SQLite)."""
    names = list(names)
    if warehouse.dialect == "sqlite":
        found = {}
        for name in names:
            info = exp.Anonymous(this="pragma_table_info", expressions=[literal(name)])
            _, rows = warehouse.execute(
                exp.select(col("name"), col("type")).from_(info).sql(dialect="sqlite")
            )
            found[name] = {str(r[0]): str(r[1]) for r in rows} or None
        return found
    query = (
        exp.select(col("table_name"), col("column_name"), col("data_type"))
        .from_(exp.Table(this=exp.to_identifier("columns"), db=exp.to_identifier("information_schema")))
        .where(
            exp.and_(
                exp.In(this=col("table_name"), expressions=[text(n) for n in names]),
                exp.EQ(this=col("table_schema"), expression=exp.Anonymous(this="current_schema")),
            )
        )
    )
    _, rows = warehouse.execute(query.sql(dialect=warehouse.dialect))
    columns: dict[str, dict[str, str]] = {}
    for name, column, kind in rows:
        columns.setdefault(str(name), {})[str(column)] = str(kind)
    return {name: columns.get(name) for name in names}


def differences(found: dict[str, str], columns: dict[str, str], dialect: str, skip=()) -> list[str]:
    """What keeps a table with columns `found` from being used as `columns`, in words
    (columns in `skip` may be missing: an upgrade adds them)."""
    problems = []
    for name, kind in columns.items():
        if name in skip:
            continue
        if name not in found:
            problems.append(f"column {name!r} is missing")
            continue
        want = _family(column_type(kind, dialect).sql(dialect=dialect))
        have = _family(found[name])
        if want != have:
            problems.append(f"column {name!r} is {found[name]}, not {kind}")
    return problems


@dataclass
class Layout:
    """What is stored in a warehouse: the version and what keeps each table from being used."""

    version: int | None  # None: no cxspec_layout table
    tables: dict[str, dict[str, str] | None]  # name → its columns, None when absent
    problems: dict[str, list[str]]
    #: Tables of an older layout that lack only columns a later layout added: name → those.
    upgrades: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return all(columns is None for columns in self.tables.values())


def read_layout(warehouse, tables: dict[str, dict[str, str]], added: dict | None = None) -> Layout:
    """`added`: table name → {column a later layout added: its value in older rows}."""
    found = existing_tables(warehouse, sorted({*tables, LAYOUT}))
    has_layout = found[LAYOUT] is not None
    found = {name: found[name] for name in tables}
    added = added or {}
    upgrades = {
        name: [c for c in added.get(name, {}) if c not in found[name]]
        for name in tables
        if found[name] is not None and any(c not in found[name] for c in added.get(name, {}))
    }
    problems = {
        name: differences(found[name], columns, warehouse.dialect, skip=upgrades.get(name, ()))
        for name, columns in tables.items()
        if found[name] is not None
    }
    version = None
    if has_layout:
        _, rows = warehouse.execute(
            exp.select(exp.Max(this=col("version"))).from_(table(LAYOUT)).sql(dialect=warehouse.dialect)
        )
        version = int(rows[0][0]) if rows and rows[0][0] is not None else None
    return Layout(version, found, {n: p for n, p in problems.items() if p}, upgrades)


def refusal(layout: Layout) -> str | None:
    """Why the stored tables cannot be used, with what to do; None when they can."""
    if layout.version is not None and layout.version > LAYOUT_VERSION:
        return (
            f"the stored results have layout {layout.version}, newer than this cxspec knows "
            f"({LAYOUT_VERSION}): upgrade cxspec"
        )
    if not layout.problems:
        return None
    details = "; ".join(f"{name}: {', '.join(p)}" for name, p in sorted(layout.problems.items()))
    return (
        f"the stored results tables have an older or different layout ({details}): "
        "run `cxspec migrate PROJECT` (with the same --warehouse, if any) to convert them, "
        "in one transaction"
    )


def create_table(name: str, columns: dict, key: tuple | None, dialect: str, *, temporary=False) -> str:
    definitions: list[exp.Expression] = [
        exp.ColumnDef(this=exp.to_identifier(c, quoted=True), kind=column_type(k, dialect))
        for c, k in columns.items()
    ]
    if key:
        definitions.append(exp.PrimaryKey(expressions=[exp.to_identifier(c, quoted=True) for c in key]))
    properties = exp.Properties(expressions=[exp.TemporaryProperty()]) if temporary else None
    create = exp.Create(
        this=exp.Schema(this=table(name), expressions=definitions),
        kind="TABLE",
        exists=True,
        properties=properties,
    )
    return create.sql(dialect=dialect)


def lock_layout(warehouse) -> None:
    """On PostgreSQL, wait for any other run creating or migrating the tables (this
    transaction's lock): CREATE TABLE IF NOT EXISTS is not safe against a concurrent one."""
    if warehouse.dialect == "postgres":
        lock = exp.Anonymous(this="pg_advisory_xact_lock", expressions=[literal(LAYOUT_LOCK)])
        warehouse.execute(exp.select(lock).sql(dialect="postgres"))


def record_version(warehouse) -> None:
    dialect = warehouse.dialect
    warehouse.execute_statement(create_table(LAYOUT, {"version": "INT"}, None, dialect))
    warehouse.execute_statement(exp.delete(table(LAYOUT)).sql(dialect=dialect))
    warehouse.execute_statement(
        exp.insert(exp.select(literal(LAYOUT_VERSION)), table(LAYOUT)).sql(dialect=dialect)
    )


def ensure_layout(warehouse, tables: dict[str, tuple[dict, tuple]], added: dict | None = None) -> None:
    """Create the tables when missing, upgrade older layouts (layout 1 by recording the
    version, layouts 1 and 2 by rebuilding the tables that lack `added` columns), or refuse
    tables of another layout; in one transaction of its own, so that first runs of several
    projects at once do not race."""
    columns = {name: spec[0] for name, spec in tables.items()}
    with warehouse.transaction():
        lock_layout(warehouse)
        layout = read_layout(warehouse, columns, added)
        reason = refusal(layout)
        if reason:
            raise LayoutError(reason)
        if (
            layout.version == LAYOUT_VERSION
            and not layout.upgrades
            and not any(c is None for c in layout.tables.values())
        ):
            return
        for name, (cols, key) in tables.items():
            if name in layout.upgrades:
                rebuild(warehouse, name, cols, key, layout.tables[name], (added or {}).get(name, {}))
            else:
                warehouse.execute_statement(create_table(name, cols, key, warehouse.dialect))
        record_version(warehouse)


def rebuild(warehouse, name: str, columns: dict, key: tuple, found: dict, defaults: dict) -> None:
    """The table's rows copied into a new table of `columns`, each cast to its type; a
    missing column takes its value in `defaults`, else NULL."""
    dialect = warehouse.dialect
    old = f"{name}_before_migration"
    rename = exp.Alter(this=table(name), kind="TABLE", actions=[exp.AlterRename(this=table(old))])
    warehouse.execute_statement(rename.sql(dialect=dialect))
    warehouse.execute_statement(create_table(name, columns, key, dialect))
    values = [
        exp.cast(col(c), column_type(kind, dialect))
        if c in found
        else exp.cast(literal(defaults[c]) if c in defaults else exp.Null(), kind)
        for c, kind in columns.items()
    ]
    copy = exp.Insert(
        this=exp.Schema(this=table(name), expressions=[exp.to_identifier(c, quoted=True) for c in columns]),
        expression=exp.select(*values).from_(table(old)),
    )
    warehouse.execute_statement(copy.sql(dialect=dialect))
    warehouse.execute_statement(exp.Drop(tables=[table(old)], kind="TABLE").sql(dialect=dialect))


def migrate(warehouse, tables: dict[str, tuple[dict, tuple]], added: dict | None = None) -> list[str]:
    """Rebuild every table whose columns differ from the layout: its rows copied into a new
    table with each column cast to its type (a missing column is NULL), in one transaction.
    Returns what was done, in words."""
    dialect = warehouse.dialect
    done = []
    with warehouse.transaction():
        lock_layout(warehouse)
        layout = read_layout(warehouse, {name: spec[0] for name, spec in tables.items()}, added)
        if layout.version is not None and layout.version > LAYOUT_VERSION:
            raise LayoutError(refusal(layout))
        for name, (columns, key) in tables.items():
            found = layout.tables[name]
            if found is None:
                warehouse.execute_statement(create_table(name, columns, key, dialect))
                continue
            if name not in layout.problems and name not in layout.upgrades:
                continue
            rebuild(warehouse, name, columns, key, found, (added or {}).get(name, {}))
            what = layout.problems.get(name) or [f"column {c!r} added" for c in layout.upgrades[name]]
            done.append(f"{name}: {', '.join(what)}; rebuilt")
        record_version(warehouse)
    return done
