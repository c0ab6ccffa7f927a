"""One typing rule for the columns of CSV files, the same on every engine.

A CSV file is read with every column as text, and each column is typed from all of its
values in one aggregate pass (never from a sample that later rows could contradict). In
this order, a column is the first type that every non-empty value of it fits:

- `BIGINT`: whole numbers (`-12`, `+3`) within 64 bits;
- `DOUBLE`: finite decimal numbers (`2.5`, `.5`, `1e3`; not `NaN`, `inf` or `1e400`);
- `BOOLEAN`: the words true/false, yes/no, t/f, y/n, 1/0 in any case;
- `DATE`: `YYYY-MM-DD`;
- `TIMESTAMP`: dates and `YYYY-MM-DD[T ]HH:MM[:SS[.fff]]` without an offset;
- `TIMESTAMPTZ`: the same where some carry an offset (`Z`, `+02`, `-02:00`); a time without
  one is UTC;
- else `VARCHAR` (text), and so is a column whose values are all empty.

Only an empty field is NULL. A source's `columns:` fixes a column's type instead
(`DECLARED`); a column with values that do not fit its declared type stays text, and
`misfits` counts them. A text column that holds some numbers has a companion column
(`number_column`) with the values that are numbers, so that a measured text column reads its
numbers, and counts the rest as invalid, the same way on every engine: the conversion is done
here, by DuckDB, and engines that cannot read files are given its result
(warehouses/file_loading.py).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from cxspec.lazyexp import LAZY_EXP as exp

#: `columns:` type names → the type they fix.
DECLARED = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "text": "VARCHAR",
}
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
NUMERIC = frozenset({"BIGINT", "DOUBLE"})

#: The six ASCII spaces (space, \t, \n, \v, \f, \r) in each regex language cxspec writes: Python's
#: `\s` takes Unicode spaces too and RE2's (DuckDB) leaves out \v; POSIX's class (RE2, SQLite's
#: and PostgreSQL's regexes) and Java's `\s` (Spark) are the six.
PYTHON_SPACE = r"[ \t\n\v\f\r]"
POSIX_SPACE = "[[:space:]]"
JAVA_SPACE = r"\s"


def number_text(space: str, *, exponent: bool = True, whole: bool = False) -> str:
    """The text of a number as cxspec reads one everywhere (a CSV file's typing, the conversion
    of a measured value on every engine, CX406's constants): a sign, digits with an optional
    point (or a point and digits), an exponent, spaces around; `whole`: digits alone. One
    language, written in the regex language whose space class is `space`."""
    if whole:
        body = "[-+]?[0-9]+"
    else:
        body = r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)" + (r"([eE][-+]?[0-9]+)?" if exponent else "")
    return f"{space}*{body}{space}*"


_SPACE = r"\s*"
#: For Python's re.fullmatch and DuckDB's regexp_full_match (whole text, no anchors needed).
INTEGER_PATTERN = number_text(PYTHON_SPACE, whole=True)
NUMBER_PATTERN = number_text(PYTHON_SPACE)
#: A number written with more characters (spaces around included) is no number, on every
#: engine (dialects.safe_number): PostgreSQL's NUMERIC, which bounds a number text to a
#: double's range there, reads no more exactly.
NUMBER_CHARACTERS = 6000
DATE_PATTERN = _SPACE + r"[0-9]{4}-[0-9]{2}-[0-9]{2}" + _SPACE
_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
TIMESTAMP_PATTERN = _SPACE + _TIME + _SPACE
_OFFSET = r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)"
ZONED_PATTERN = _SPACE + _TIME + _OFFSET + _SPACE
ANY_TIME_PATTERN = (
    _SPACE
    + r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    + _OFFSET
    + "?)?"
    + _SPACE
)
OFFSET_END = r"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?" + _OFFSET + r"\s*$"

#: The companion column of a text column: its values that are numbers (DOUBLE), else NULL.
NUMBER_PREFIX = "__cxspec_number__"


def number_column(name: str) -> str:
    return NUMBER_PREFIX + name


@dataclass(frozen=True)
class ColumnType:
    """The type of one column of a file source."""

    name: str
    #: BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMP, TIMESTAMPTZ or VARCHAR.
    type: str
    #: The `columns:` type name, when the source declares one.
    declared: str | None = None
    #: Non-empty values that do not fit the declared type (the column then stays text); in a
    #: text column without one whose values mostly fit a type (`nearly`), those that do not.
    misfits: int = 0
    #: The smallest such value, to show.
    example: str | None = None
    #: Non-empty values.
    values: int = 0
    #: A text column with numbers: the name of its companion column of those numbers.
    numbers: str | None = None
    #: Values holding a NUL character, which PostgreSQL cannot store: refused everywhere.
    nuls: int = 0
    #: A text column without a declared type whose values are mostly of one type: that type's
    #: `columns:` name (`number`, `boolean`, `timestamp`), to say which values are not.
    nearly: str | None = None
    #: Non-empty values that are only spaces (' ', a tab): blank in a spreadsheet, but not an
    #: empty field, so not NULL (a measured one is invalid; a time one is refused, CX411).
    blanks: int = 0


@dataclass(frozen=True)
class FileTypes:
    """The columns of a file source with their types, and its row count."""

    columns: tuple[ColumnType, ...]
    rows: int
    #: Names the header writes more than once (case aside): (the lower-case name, the names
    #: DuckDB gives those columns, `score`, `score_1`, `Score_2`). A spec naming one means
    #: no column in particular (checks/columns.py).
    repeated: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def refusal(self) -> tuple[str, str] | None:
        """Why the file cannot be read the same way on every engine, if it cannot, and the
        hint: (message, hint)."""
        for column in self.columns:
            if column.nuls:
                return (
                    f"{column.nuls:,} value(s) of column {column.name!r} hold a NUL character, which "
                    "PostgreSQL cannot store",
                    "remove the NUL characters from the file",
                )
        return None

    def get(self, name: str) -> ColumnType | None:
        return next((c for c in self.columns if c.name == name), None)

    def as_dict(self, dialect: str) -> dict[str, str]:
        """Column name → type name of the typed rows in `dialect`: engines that are given the
        rows get zoned times as UTC times (file_loading.py)."""
        types = {}
        for column in self.columns:
            zoned = column.type == "TIMESTAMPTZ"
            types[column.name] = "TIMESTAMP" if zoned and dialect != "duckdb" else column.type
            if column.numbers:
                types[column.numbers] = "DOUBLE"
        return types


# -- the typing pass -----------------------------------------------------------------------


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _matches(value: exp.Expression, pattern: str) -> exp.Expression:
    return _fn("regexp_full_match", value, exp.Literal.string(pattern))


def _trimmed(value: exp.Expression) -> exp.Expression:
    return exp.Trim(this=value)


def _try(value: exp.Expression, to: str) -> exp.Expression:
    return exp.TryCast(this=_trimmed(value), to=exp.DataType.build(to, dialect="duckdb"))


def _words(value: exp.Expression, words: tuple[str, ...]) -> exp.Expression:
    lowered = exp.Lower(this=_trimmed(value))
    return exp.In(this=lowered, expressions=[exp.Literal.string(w) for w in words])


def _double(value: exp.Expression) -> exp.Expression:
    """Whether text of a number (NUMBER_PATTERN) is a double: finite, not too long."""
    short = exp.LTE(this=exp.Length(this=value.copy()), expression=exp.Literal.number(NUMBER_CHARACTERS))
    return exp.and_(short, _fn("isfinite", _try(value, "DOUBLE")))


def fits(value: exp.Expression, kind: str) -> exp.Expression:
    """DuckDB: whether a non-NULL text value fits a type (`kind`: a type or "ZONED")."""
    v = value.copy

    def parses(pattern: str, to: str) -> exp.Expression:
        return exp.and_(
            _matches(v(), pattern), exp.Not(this=exp.Is(this=_try(v(), to), expression=exp.Null()))
        )

    if kind == "BIGINT":
        return parses(INTEGER_PATTERN, "BIGINT")
    if kind == "DOUBLE":
        return exp.and_(_matches(v(), NUMBER_PATTERN), _double(v()))
    if kind == "BOOLEAN":
        return _words(v(), TRUE_WORDS + FALSE_WORDS)
    if kind == "DATE":
        return parses(DATE_PATTERN, "DATE")
    if kind == "TIMESTAMP":
        return parses(TIMESTAMP_PATTERN, "TIMESTAMP")
    if kind == "ZONED":
        return parses(ZONED_PATTERN, "TIMESTAMPTZ")
    raise ValueError(kind)


_KINDS = ("BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP", "ZONED")
#: Each value falls in the first class it fits (CASE stops there: one or two tests per value
#: in a typed column); a class fits the kinds listed. `0`/`1` are numbers and booleans.
_CLASSES = (
    ("O", None, ("BIGINT", "DOUBLE", "BOOLEAN")),
    ("B", "BIGINT", ("BIGINT", "DOUBLE")),
    ("D", "DOUBLE", ("DOUBLE",)),
    ("L", "BOOLEAN", ("BOOLEAN",)),
    ("A", "DATE", ("DATE",)),
    ("T", "TIMESTAMP", ("TIMESTAMP",)),
    ("Z", "ZONED", ("ZONED",)),
)


def value_class(value: exp.Expression) -> exp.Expression:
    """The class letter of a value; NULL for an empty field, X when it fits no kind. Tests go
    from a family (a number, a word, a date or time) to its members, so that a value meets
    few of them (CASE stops at the first that holds)."""
    v = value.copy

    def letter(name: str) -> exp.Expression:
        return exp.Literal.string(name)

    def not_null(e: exp.Expression) -> exp.Expression:
        return exp.Not(this=exp.Is(this=e, expression=exp.Null()))

    number = exp.Case(
        ifs=[
            exp.If(this=_words(v(), ("0", "1")), true=letter("O")),
            exp.If(
                this=exp.and_(_matches(v(), INTEGER_PATTERN), not_null(_try(v(), "BIGINT"))), true=letter("B")
            ),
            exp.If(this=_double(v()), true=letter("D")),
        ],
        default=letter("X"),
    )
    zoned = _fn("regexp_matches", v(), exp.Literal.string(OFFSET_END))
    moment = exp.Case(
        ifs=[
            exp.If(this=_matches(v(), DATE_PATTERN), true=_if_parses(v(), "DATE", "A")),
            exp.If(this=zoned, true=_if_parses(v(), "TIMESTAMPTZ", "Z")),
        ],
        default=_if_parses(v(), "TIMESTAMP", "T"),
    )
    return exp.Case(
        ifs=[
            exp.If(this=exp.Is(this=v(), expression=exp.Null()), true=exp.Null()),
            exp.If(this=_matches(v(), NUMBER_PATTERN), true=number),
            exp.If(this=_words(v(), TRUE_WORDS + FALSE_WORDS), true=letter("L")),
            exp.If(this=_matches(v(), ANY_TIME_PATTERN), true=moment),
        ],
        default=letter("X"),
    )


def _if_parses(value: exp.Expression, to: str, name: str) -> exp.Expression:
    parsed = exp.Not(this=exp.Is(this=_try(value, to), expression=exp.Null()))
    return exp.Case(ifs=[exp.If(this=parsed, true=exp.Literal.string(name))], default=exp.Literal.string("X"))


def profile_query(reader: exp.Expression, columns: list[str]) -> exp.Select:
    """One aggregate pass: per column, its non-empty values, how many hold a NUL character,
    how many are only spaces, and how many fall in each class."""
    items = []
    for i, name in enumerate(columns):
        value = exp.column(name, quoted=True)
        items.append(exp.alias_(value_class(value), f"c{i}", copy=False))
        nul = _fn("strpos", value.copy(), _fn("chr", exp.Literal.number(0)))
        items.append(exp.alias_(exp.GT(this=nul, expression=exp.Literal.number(0)), f"n{i}", copy=False))
        items.append(exp.alias_(_matches(value.copy(), PYTHON_SPACE + "+"), f"b{i}", copy=False))
    inner = exp.select(*items).from_(reader.copy(), copy=False)
    select = exp.select(exp.Count(this=exp.Star()))
    for i, _ in enumerate(columns):
        column = exp.column(f"c{i}")
        select = select.select(exp.Count(this=column.copy()), copy=False)
        select = select.select(exp.CountIf(this=exp.column(f"n{i}")), copy=False)
        select = select.select(exp.CountIf(this=exp.column(f"b{i}")), copy=False)
        for letter, _, _ in _CLASSES:
            test = exp.EQ(this=column.copy(), expression=exp.Literal.string(letter))
            select = select.select(exp.CountIf(this=test), copy=False)
    return select.from_(exp.alias_(exp.Subquery(this=inner), "v", table=True, copy=False), copy=False)


def kind_counts(classes: tuple[int, ...]) -> dict[str, int]:
    """How many values fit each kind, from the counts per class."""
    counts = dict.fromkeys(_KINDS, 0)
    for (_, _, kinds), count in zip(_CLASSES, classes, strict=True):
        for kind in kinds:
            counts[kind] += count or 0  # COUNT_IF over no rows is NULL
    return counts


def decide(counts: dict[str, int], values: int, declared: str | None) -> tuple[str, int]:
    """(type, misfits) of a column from its counts per kind."""
    times = counts["DATE"] + counts["TIMESTAMP"]
    if declared is not None:
        wanted = DECLARED[declared]
        if wanted == "VARCHAR":
            return "VARCHAR", 0
        if wanted == "TIMESTAMP":
            fitting = times + counts["ZONED"]
            wanted = "TIMESTAMPTZ" if counts["ZONED"] else "TIMESTAMP"
        else:
            fitting = counts[wanted]
        misfits = values - fitting
        return (wanted if misfits == 0 else "VARCHAR"), misfits
    if values == 0:
        return "VARCHAR", 0
    for kind in ("BIGINT", "DOUBLE", "BOOLEAN", "DATE"):
        if counts[kind] == values:
            return kind, 0
    if times == values:
        return "TIMESTAMP", 0
    if times + counts["ZONED"] == values:
        return "TIMESTAMPTZ", 0
    return "VARCHAR", 0


def _fitting(counts: dict[str, int], kind: str) -> int:
    if kind == "TIMESTAMP":
        return counts["DATE"] + counts["TIMESTAMP"] + counts["ZONED"]
    return counts[kind]


def _mostly(counts: dict[str, int], values: int) -> str | None:
    """The `columns:` type more than half a column's values fit (numbers first), or None."""
    for name in ("number", "boolean", "timestamp"):
        if 2 * _fitting(counts, DECLARED[name]) > values:
            return name
    return None


def text_reader(reader: exp.Expression) -> exp.Expression:
    """The DuckDB reader of a CSV file with every column read as text."""
    reader = reader.copy()
    reader.append("expressions", exp.EQ(this=exp.var("all_varchar"), expression=exp.true()))
    return reader


def typed_value(column: ColumnType) -> exp.Expression:
    """DuckDB: a text column's values as the column's type (every value fits it)."""
    value = exp.column(column.name, quoted=True)
    kind = column.type
    if kind == "VARCHAR":
        return value
    if kind == "BOOLEAN":
        return exp.Case(
            ifs=[
                exp.If(this=_words(value, TRUE_WORDS), true=exp.true()),
                exp.If(this=_words(value.copy(), FALSE_WORDS), true=exp.false()),
            ]
        )
    return exp.Cast(this=_trimmed(value), to=exp.DataType.build(kind, dialect="duckdb"))


def number_value(column: ColumnType) -> exp.Expression:
    """DuckDB: the values of a text column that are numbers (of its declared kind), else NULL."""
    value = exp.column(column.name, quoted=True)
    kind = "BIGINT" if column.declared == "integer" else "DOUBLE"
    return exp.Case(ifs=[exp.If(this=fits(value, kind), true=_try(value.copy(), "DOUBLE"))])


def typed_reader(reader: exp.Expression, types: FileTypes) -> exp.Expression:
    """DuckDB: the file's rows, each column of its type (a subquery over the text reader)."""
    items: list[exp.Expression] = []
    for column in types.columns:
        value = typed_value(column)
        items.append(
            value if column.type == "VARCHAR" else exp.alias_(value, column.name, quoted=True, copy=False)
        )
        if column.numbers:
            items.append(exp.alias_(number_value(column), column.numbers, quoted=True, copy=False))
    return exp.Subquery(this=exp.select(*items).from_(text_reader(reader), copy=False))


# -- reading a file's types, once per file state ---------------------------------------------


_cache: dict[tuple, FileTypes] = {}
_lock = threading.Lock()


def file_types(root: Path, path: str, reader: exp.Expression, declared: dict[str, str] | None) -> FileTypes:
    """The types of a CSV file's columns (`reader` its DuckDB reader, relative to `root`).

    Typed once per file state (path, size, modification time) and declaration. Raises
    OSError when the file cannot be read, duckdb.Error when DuckDB cannot read it."""
    stat = (root / path).resolve().stat()
    declared = dict(declared or {})
    key = (str((root / path).resolve()), stat.st_size, stat.st_mtime_ns, reader.sql("duckdb"),
           tuple(sorted(declared.items())))  # fmt: skip
    with _lock:
        known = _cache.get(key)
    if known is not None:
        return known
    types = _read_types(root, reader, declared)
    with _lock:
        if len(_cache) > 256:
            _cache.clear()
        _cache[key] = types
    return types


def _read_types(root: Path, reader: exp.Expression, declared: dict[str, str]) -> FileTypes:
    import duckdb

    text = text_reader(reader)
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET file_search_path = ?", [str(root.resolve())])
        names = list(con.sql(exp.select("*").from_(text.copy()).limit(0).sql("duckdb")).columns)
        repeated = _repeated_names(con, text, names)
        row = con.execute(profile_query(text, names).sql("duckdb")).fetchone()
        rows, position, decided = row[0], 1, []
        blanks = {}
        for name in names:
            values, nuls, blanks[name] = row[position], row[position + 1] or 0, row[position + 2] or 0
            counts = kind_counts(row[position + 3 : position + 3 + len(_CLASSES)])
            position += 3 + len(_CLASSES)
            decided.append((name, values, nuls, counts, *decide(counts, values, declared.get(name))))
        # a text column whose values are mostly of one type: its other values, so that a message
        # can show one (the ' ' of a blank total or answer, invisible in a spreadsheet)
        nearly = {}
        for i, (name, values, _, counts, kind, _) in enumerate(decided):
            # blanks (' ' for a missing answer) do not count against the type of the others
            if (
                kind == "VARCHAR"
                and name not in declared
                and (most := _mostly(counts, values - blanks[name]))
            ):
                nearly[name] = most
                decided[i] = (*decided[i][:5], values - _fitting(counts, DECLARED[most]))
        unfit = {name: declared.get(name) or nearly[name] for name, *_, misfits in decided if misfits}
        examples = _examples(con, text, unfit) if unfit else {}
    finally:
        con.close()
    columns = []
    for name, values, nuls, counts, kind, misfits in decided:
        numbers = number_column(name) if kind == "VARCHAR" and counts["DOUBLE"] else None
        example, most = examples.get(name), nearly.get(name)
        blank = blanks[name]
        columns.append(
            ColumnType(name, kind, declared.get(name), misfits, example, values, numbers, nuls, most, blank)
        )
    return FileTypes(tuple(columns), rows, repeated)


#: How DuckDB renames a header name written again: `score`, `score_1`, `Score_2`.
_RENAMED = re.compile(r".+_[0-9]+")


def _repeated_names(con, text: exp.Expression, names: list[str]) -> tuple:
    """The names a CSV file's header writes more than once, case aside (FileTypes.repeated):
    its first line read as a row (DuckDB renames a repeated name, so the typed columns do not
    tell). Only looked at when a name looks renamed."""
    if not any(_RENAMED.fullmatch(name) for name in names):
        return ()
    plain = text.copy()
    plain.set(
        "expressions",
        [e for e in plain.expressions if not (isinstance(e, exp.EQ) and e.this.name == "header")],
    )
    plain.append("expressions", exp.EQ(this=exp.var("header"), expression=exp.false()))
    header = con.execute(exp.select("*").from_(plain).limit(1).sql("duckdb")).fetchone()
    if header is None or len(header) != len(names):
        return ()
    positions: dict[str, list[int]] = {}
    for i, written in enumerate(header):
        positions.setdefault(str(written or "").strip().lower(), []).append(i)
    return tuple(
        (key, tuple(names[i] for i in found)) for key, found in positions.items() if key and len(found) > 1
    )


def _examples(con, text: exp.Expression, unfit: dict[str, str]) -> dict[str, str]:
    """The smallest value of each declared column that does not fit its type."""
    items = []
    for name, declared in unfit.items():
        kind = DECLARED[declared]
        value = exp.column(name, quoted=True)
        fitting = (
            exp.or_(fits(value, "DATE"), fits(value, "TIMESTAMP"), fits(value, "ZONED"))
            if kind == "TIMESTAMP"
            else fits(value, kind)
        )
        unfit_value = exp.and_(
            exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())),
            exp.Not(this=exp.Paren(this=fitting)),
        )
        items.append((name, exp.Min(this=exp.Case(ifs=[exp.If(this=unfit_value, true=value.copy())]))))
    query = exp.select(*(item for _, item in items)).from_(text.copy(), copy=False)
    found = con.execute(query.sql("duckdb")).fetchone()
    return {name: value for (name, _), value in zip(items, found, strict=True) if value is not None}


def csv_types(source, source_type, project, data=None) -> FileTypes | None:
    """The types of a source's CSV file (`data`, by default `SourceType.data_file`), with its
    `columns:`; None when it has none, or the file cannot be read (the engine then says why)."""
    import duckdb

    if data is None:
        data = source_type.data_file(source) if source_type is not None else None
    if data is None or data.format != "csv":
        return None
    if not data.header and header_only(project.root / data.path):
        data = replace(data, header=True)  # no rows: its one line is the header, not a row
    declared = source.get("columns")
    declared = dict(declared) if isinstance(declared, dict) else {}
    if getattr(source, "time_format", None):
        # Times written in the source's own format are parsed with it (dialects.parse_time):
        # typed here, ISO times would be rewritten on loading and no longer fit the format.
        for column in (source.time, source.start, source.end):
            if column and column not in declared:
                declared[column] = "text"
    entity = getattr(source, "entity", None)
    if entity and entity not in declared and _joined_by_entity(source, project):
        # Ids are compared as written: "007" in both files is one customer, whichever file
        # holds only digits (typed as numbers, "007" would be 7 there and match nothing).
        declared[entity] = "text"
    for column in looked_up_as_written(source, project):
        declared.setdefault(column, "text")
    try:
        types = file_types(project.root, data.path, data.duckdb_reader(), declared or None)
    except (OSError, duckdb.Error):
        return None
    return typed_by_use(types, getattr(project, "column_uses", {}).get(source.id, {}))


def parquet_time_types(source, source_type, project) -> dict[str, str]:
    """The date and time columns of a source's Parquet file, typed by the file: name → DATE,
    TIMESTAMP or TIMESTAMPTZ ({} for other sources, or a file that cannot be read)."""
    import duckdb

    data = source_type.data_file(source) if source_type is not None else None
    if data is None or data.format != "parquet":
        return {}
    kinds = {"DATE": "DATE", "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ"}
    con = duckdb.connect()
    try:
        con.execute("SET file_search_path = ?", [str(project.root.resolve())])
        described = con.sql(exp.select("*").from_(data.duckdb_reader()).limit(0).sql("duckdb"))
        found = zip(described.columns, (str(t) for t in described.types), strict=True)
        return {n: kinds.get(t, "TIMESTAMP") for n, t in found if t in kinds or t.startswith("TIMESTAMP")}
    except (OSError, duckdb.Error):
        return {}
    finally:
        con.close()


def _joined_by_entity(source, project) -> bool:
    """Whether a lookup dimension or a link joins the source on its entity (either side). A
    link's ids are read as written too: with a lookup on its CX source only, "007" was text
    there and 7 in the outcome file, and adding the dimension took every customer with a
    leading zero out of the link."""
    sources = getattr(project, "sources", None) or {}
    links = getattr(project, "links", None) or {}
    return any(
        d.lookup and (other is source or d.lookup == source.id)
        for other in sources.values()
        for d in getattr(other, "dimensions", None) or ()
    ) or any(source.id in (link.cx_source, link.outcome_source) for link in links.values())


def looked_up_as_written(source, project) -> list[str]:
    """The columns of a source that lookup dimensions of other sources take as written (read
    as text): "01" is the region "01", not 1, "007" is not "7", and "Y" is not "yes". A column
    the specs use as a time, a condition, in arithmetic, or compare with a number, date or
    boolean (in the source's own fragments, or through a lookup dimension: another source's
    metric filter `tier > 2`, a segment `where: {tier: 2}`; fragment_uses.column_uses) keeps
    its type (reading it as text would refuse those uses): a lookup takes its typed value then.
    A `columns:` declaration types it (csv_types). Only CSV files: a Parquet file or a table
    types its own columns."""
    uses = (getattr(project, "column_uses", None) or {}).get(source.id, {})
    sources = getattr(project, "sources", None) or {}
    found = {
        d.lookup_column
        for other in sources.values()
        for d in getattr(other, "dimensions", None) or ()
        if d.lookup == source.id and d.lookup_column
    }
    times = {getattr(source, field, None) for field in ("time", "start", "end")}
    return sorted(c for c in found - times if uses.get(c.lower(), "VARCHAR") == "VARCHAR")


def typed_by_use(types: FileTypes, uses: dict[str, str]) -> FileTypes:
    """A file without rows has no values to type its columns from: each column it does not
    declare is typed by how the specs use it (`uses`: lower-case name → type, from
    fragment_uses.py), so that a condition is boolean, a measured column a number, and every
    engine computes nothing over it instead of refusing `CASE WHEN resolved` over text."""
    if types.rows or not uses:
        return types
    columns = tuple(
        column if column.declared else replace(column, type=uses.get(column.name.lower(), column.type))
        for column in types.columns
    )
    return replace(types, columns=columns)


def measured_numbers(types: FileTypes | None) -> dict[str, str | None]:
    """Columns of a typed file that are not numbers → their companion column of numbers, or
    None when none of their values is a number: what a measured column reads (`numbers`)."""
    if types is None:
        return {}
    return {c.name: c.numbers for c in types.columns if c.type not in NUMERIC}


def empty_columns(types: FileTypes | None) -> frozenset[str]:
    """Columns of a typed file without any value, read as text for want of values to type
    them by (a `columns:` declaration types them): what a measured column says it is."""
    if types is None:
        return frozenset()
    return frozenset(
        c.name for c in types.columns if c.values == 0 and c.type == "VARCHAR" and not c.declared
    )


def blank_columns(types: FileTypes | None) -> frozenset[str]:
    """Columns of a typed file whose values are all spaces only (' ', a tab): blank in a
    spreadsheet, not empty fields, read as text (what a message about them says)."""
    if types is None:
        return frozenset()
    return frozenset(c.name for c in types.columns if c.values and c.blanks == c.values)


def header_only(path: Path) -> bool:
    """Whether a CSV file (gzipped or not) holds one line at most: its header, no rows."""
    import gzip

    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as file:
            start = file.read(65536)
    except (OSError, EOFError):
        return False  # reading it fails later, with the reader's own message
    return len(start) < 65536 and b"\n" not in start.strip()
