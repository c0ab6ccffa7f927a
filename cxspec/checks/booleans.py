"""Comparisons and conditions that engines answer differently, refused at the fragment.

A boolean column compared with text or a number (`resolved = 'yes'`: DuckDB reads 'yes' as
true, SQLite compares its 0/1 with the text and finds nothing) is CX405; a text column
compared with a number or a boolean (`score >= 9` where some scores are words: SQLite
compares text with numbers by its own order, DuckDB and PostgreSQL refuse), or a number
column compared with text that is no number (`flag = 'yes'` over 1/0: SQLite finds nothing,
DuckDB and PostgreSQL refuse), is CX406; a column
that is not boolean used as a condition (`condition: flag` over text or numbers: PostgreSQL
refuses, the others pick their own truth) is CX407. A date or time column compared with text
that is not an ISO 8601 date or time (`t >= '2026-1-5'`, `'yesterday'`: DuckDB and PostgreSQL
read some such text each their own way, SQLite compares it as text), or with a time with a UTC
offset (applied or dropped by the column's type on each engine) is CX408.

Column types: a source's `columns:` always; the types of a CSV file (column_types.py) when
data is read (every phase but "validate", which checks specs only).
"""

from __future__ import annotations

import math
import re

from cxspec.checks.columns import line_reader, name_offset
from cxspec.column_types import (
    DECLARED,
    FALSE_WORDS,
    INTEGER_PATTERN,
    NUMBER_PATTERN,
    NUMERIC,
    TRUE_WORDS,
    csv_types,
    looked_up_as_written,
    parquet_time_types,
)
from cxspec.fragment_facts import fragment_facts
from cxspec.fragment_uses import fragments
from cxspec.model import locate
from cxspec.sqlfrag import FragmentProblem, fragment_location
from cxspec.time_text import iso_constant, parse_iso


def check(ctx) -> None:
    project, registry = ctx.project, ctx.registry
    lines = line_reader(project.root)
    dialect = project.config.dialect
    for source in project.sources.values():
        if not source.valid:
            continue
        read = ctx.phase != "validate"
        types = _column_types(source, registry, project, read=read)
        # A metric's fragments read its lookup dimensions' looked-up values and its expression
        # dimensions' values (compiler/plan.py with_dimensions): those names are typed so.
        seen = _dimension_types(source, registry, project, types, read=read)
        if not types and not seen:
            continue
        for fragment in fragments(project, registry, source):
            _check_fragment(ctx.sink, lines, source, seen if fragment.metric else types, fragment, dialect)


def _dimension_types(source, registry, project, types, *, read: bool) -> dict[str, tuple[str, str]]:
    """`types` as a metric's fragments see the names: a lookup dimension typed as the column it
    is looked up in, an expression dimension untyped (the dimension wins over a column)."""
    seen = dict(types)
    for dimension in source.dimensions:
        name = dimension.name.lower()
        if dimension.expr:
            seen.pop(name, None)
        elif dimension.lookup:
            seen.pop(name, None)
            owner = project.sources.get(dimension.lookup)
            if owner is None or not owner.valid:
                continue
            known = _column_types(owner, registry, project, read=read).get(dimension.lookup_column.lower())
            if known is not None:
                where = f"looked up as column {dimension.lookup_column!r} of source {owner.id!r}"
                seen[name] = (known[0], f"{where}: {known[1]}")
    return seen


def _column_types(source, registry, project, *, read: bool) -> dict[str, tuple[str, str]]:
    """Lower-case column name → (type, what to say about it) of the columns whose type is known."""
    types: dict[str, tuple[str, str]] = {}
    declared = source.get("columns")
    if isinstance(declared, dict):
        for name, kind in declared.items():
            if kind in DECLARED:
                types[str(name).lower()] = (DECLARED[kind], f"declared `{kind}`")
    if read:
        source_type = registry.source_types.get(source.type)
        file_types = csv_types(source, source_type, project)
        written = {c.lower() for c in looked_up_as_written(source, project)} - set(types)
        # a file without rows cannot make engines disagree: it is an empty source (CX415)
        for column in file_types.columns if file_types is not None and file_types.rows else ():
            name = column.name.lower()
            types[name] = (column.type, AS_WRITTEN if name in written else _why(column))
        if file_types is None:  # a Parquet file's own types: its dates and times (CX408)
            for name, kind in parquet_time_types(source, source_type, project).items():
                word = "date" if kind == "DATE" else "time"
                types[name.lower()] = (kind, f"its Parquet file types it as a {word}")
    return types


#: Type names a warehouse gives text columns (DuckDB VARCHAR, PostgreSQL TEXT, SQLite's DDL).
_WAREHOUSE_TEXT = ("CHAR", "TEXT", "STRING", "CLOB")
#: Type names of whole numbers (DuckDB's, PostgreSQL's, SQLite's DDL: `INT`, `UNSIGNED BIG
#: INT`; not INTERVAL or POINT) and of other numbers.
_WAREHOUSE_WHOLE = re.compile(
    r"\b(U?(TINY|SMALL|MEDIUM|BIG|HUGE)?INT(EGER)?[0-9]*|INT[0-9]+|UNSIGNED BIG INT)\b"
)
_WAREHOUSE_NUMBER = re.compile(r"\b(DOUBLE|FLOAT[0-9]*|REAL|DECIMAL|NUMERIC|NUMBER)\b")
#: Why a table's column is text; _text_hint knows it.
WAREHOUSE_TEXT = "the warehouse types it as text"


def warehouse_kind(kind: str) -> tuple[str, str] | None:
    """A warehouse's type name of a table's column → (type, why) as the checks type a file's
    columns (VARCHAR, BIGINT, DOUBLE), or None for other types (booleans, times, unknown)."""
    kind = kind.upper()
    if any(t in kind for t in _WAREHOUSE_TEXT):
        return "VARCHAR", WAREHOUSE_TEXT
    if _WAREHOUSE_WHOLE.search(kind):
        return "BIGINT", "the warehouse types it as a whole number"
    if _WAREHOUSE_NUMBER.search(kind):
        return "DOUBLE", "the warehouse types it as a number"
    return None


def check_warehouse_text(sink, project, registry, source, column_types: dict[str, str]) -> None:
    """CX406/CX407 for fragments over a table or query source that use a column the warehouse
    types as text or as a number as a condition, a text one in arithmetic, or one compared
    with a constant of another type (`column_types`: name → the warehouse's type;
    data_checks.py, with the warehouse open), as for a CSV file's columns. `condition: flag`
    over 'yes'/'no' text was 0% on SQLite, silently, and `score >= 9` over text compared '10'
    below '9' there, while DuckDB and PostgreSQL refused the query (CX416); `condition:
    resolved` over 0/1 numbers was a number on SQLite, refused by the others (CX416)."""
    types = {
        name.lower(): known
        for name, kind in column_types.items()
        if (known := warehouse_kind(kind)) is not None
    }
    if not types:
        return
    lines = line_reader(project.root)
    for fragment in fragments(project, registry, source):
        _check_fragment(sink, lines, source, types, fragment, project.config.dialect)


#: How _why names the values of a `columns:` type: (one, many).
_KIND_WORDS = {
    "number": ("a number", "numbers"),
    "boolean": ("a yes/no or true/false", "yes/no or true/false"),
    "timestamp": ("a date or time", "dates or times"),
}

#: Values of spaces only (column_types.ColumnType.blanks): blank in a spreadsheet, not empty
#: fields; _why says it, _text_hint and _blank_hint know it.
BLANK = "blank (spaces only, not empty fields)"


def _blank_hint(name: str, why: str, kind: str) -> str:
    """Empty the blank cells; when every value is blank, declare the type too (an empty
    column has no value to type it by)."""
    empty = f"empty those cells of {name!r} in the data (an empty field is no value)"
    if why.startswith("all its"):
        return f"{empty}, and declare its type (`columns: {{{name}: {kind}}}` on the source)"
    return empty


#: Why a looked-up column is text (column_types.looked_up_as_written); _text_hint knows it.
AS_WRITTEN = "a lookup dimension takes its values as written, so it is read as text"


def _why(column) -> str:
    if column.type != "VARCHAR":
        return f"all its values are {column.type.lower().replace('timestamptz', 'timestamp')}s"
    if column.misfits and column.declared:
        return (
            f"declared `{column.declared}`, but {column.misfits:,} of its values do not fit "
            f"(such as {column.example!r}), so it is read as text"
        )
    if column.misfits and column.nearly:  # values mostly of one type
        one, many = _KIND_WORDS[column.nearly]
        verb = f"is not {one}" if column.misfits == 1 else f"are not {many}"
        if column.blanks == column.misfits:  # the ' ' of a missing total or answer
            return (
                f"{column.misfits:,} of its {column.values:,} values {verb} but {BLANK}, such as "
                f"{column.example!r}, so it is read as text"
            )
        return (
            f"{column.misfits:,} of its {column.values:,} values {verb}, such as {column.example!r}, "
            "so it is read as text"
        )
    if column.values == 0:
        return "all its values are empty, so it is read as text"
    if column.blanks == column.values:
        return f"all its {column.values:,} values are {BLANK}, so it is read as text"
    return "some of its values are not numbers, booleans, dates or times, so it is read as text"


def _check_fragment(sink, lines, source, types, fragment, dialect) -> None:
    file, raw, field, text, what = fragment.file, fragment.raw, fragment.field, fragment.text, fragment.what
    facts = fragment_facts(text, dialect)
    if not facts.parses:
        return  # the fragment check reports it

    def report(code, message, name, hint) -> None:
        scalar = locate(file, raw, field)
        at = name_offset(text, name)
        where = fragment_location(scalar, lines(file, scalar.line), FragmentProblem("", "", *at))
        sink.add(code, message, where, hint=hint, span=len(name))

    for name in facts.conditions(predicate=fragment.predicate):
        known = types.get(name.lower())
        if known is None or known[0] == "BOOLEAN":
            continue
        kind, why = known
        word = {"VARCHAR": "text", "BIGINT": "whole-number", "DOUBLE": "number"}.get(kind, kind.lower())
        message = (
            f"{what} uses {word} column {name!r} of source {source.id!r} ({why}) as a condition: "
            "engines disagree on which values are true"
        )
        if kind == "VARCHAR" and BLANK in why:
            hint = _blank_hint(name, why, "boolean")
        elif kind == "VARCHAR" and "empty" in why:
            hint = f"declare its type (`columns: {{{name}: boolean}}` on the source)"
        elif kind == "VARCHAR" and why.startswith("declared `boolean`"):
            # a stray answer ("Don't know") among yes/no: guessing what it means is no option
            hint = (
                f"write those cells as yes or no, or empty them and leave them out with `filter: "
                f'"{name} IS NOT NULL"` (a rate\'s n counts every row, an empty answer as not yes)'
            )
        elif kind == "VARCHAR":
            hint = f"compare it with a value: `{name} = '…'`"
        else:
            hint = f"compare it with a value: `{name} = 1`"
        report("CX407", message, name, hint)
    reported = set()  # one report per code and column: they would all point at its first use
    for name in dict.fromkeys(facts.arithmetic_columns):
        known = types.get(name.lower())
        if known is None or known[0] != "VARCHAR":
            continue
        message = (
            f"{what} computes with text column {name!r} of source {source.id!r} ({known[1]}): "
            "engines disagree on what that means"
        )
        reported.add(("CX406", name.lower()))
        report("CX406", message, name, _text_hint(name, known[1]))
    for name, other in facts.comparisons:
        known = types.get(name.lower())
        if known is None:
            continue
        kind, why = known
        code = comparison_code(kind, other)
        if code == "CX408":
            message, hint = _time_problem(what, name, source, known, other)
        elif code == "CX405":  # text or a number
            hint = _boolean_hint(name, other)
            message = (
                f"{what} compares boolean column {name!r} of source {source.id!r} ({why}) "
                f"with {other.sql}: engines disagree on what that means"
            )
        elif code == "CX406" and kind == "VARCHAR":
            message = (
                f"{what} compares text column {name!r} of source {source.id!r} ({why}) "
                f"with {other.sql}: engines disagree on what that means"
            )
            hint = _text_hint(name, why, ", or compare it with text")
        elif code == "CX406":
            hint = _number_hint(name, kind, other)
            message = (
                f"{what} compares number column {name!r} of source {source.id!r} ({why}) "
                f"with {other.sql}: engines disagree on what that means"
            )
        else:
            continue
        if (code, name.lower()) not in reported:
            reported.add((code, name.lower()))
            report(code, message, name, hint)


#: Column types of dates and times.
TIME_KINDS = ("DATE", "TIMESTAMP", "TIMESTAMPTZ")


def comparison_code(kind: str, other) -> str | None:
    """The code of a comparison of a column of type `kind` with the constant `other` that
    engines answer differently (CX405, CX406, CX408), or None."""
    if kind in TIME_KINDS and (other.literal or other.type == "TIMESTAMP"):
        return None if iso_constant(other.value) is not None else "CX408"
    if kind == "BOOLEAN" and (other.literal or other.type == "DOUBLE"):
        return "CX405"
    if kind == "VARCHAR" and other.type in ("DOUBLE", "BOOLEAN"):
        return "CX406"
    if kind in NUMERIC and other.literal and other.type == "VARCHAR" and not _number_text(kind, other):
        return "CX406"
    return None


def where_problem(project, registry, where: str, sources) -> str | None:
    """`--where`'s first comparison that engines answer differently, as "CXnnn: …" (a
    dimension of a column, or looked up in another source, typed as checks type it), or None.
    `region = 'EMEA'` over a looked-up number: DuckDB and PostgreSQL refused the query, SQLite
    found no rows."""
    facts = fragment_facts(where, project.config.dialect)
    if not facts.parses:
        return None
    for source in sources:
        for name, other in facts.comparisons:
            dimension = source.dimension(name)
            if dimension is None or dimension.expr:
                continue
            owner = project.sources.get(dimension.lookup) if dimension.lookup else source
            if owner is None or not owner.valid:
                continue
            types = _column_types(owner, registry, project, read=True)
            known = types.get(dimension.lookup_column.lower())
            code = comparison_code(known[0], other) if known is not None else None
            if code is not None:
                word = "text" if known[0] == "VARCHAR" else known[0].lower().replace("bigint", "whole-number")
                declare = ""
                if known[1] == AS_WRITTEN:
                    kind = "boolean" if other.type == "BOOLEAN" else "number"
                    declared = f"`columns: {{{dimension.lookup_column}: {kind}}}` on source {owner.id!r}"
                    declare = f", or declare its type ({declared})"
                return (
                    f"{code}: --where compares {word} dimension {name!r} (column "
                    f"{dimension.lookup_column!r} of source {owner.id!r}: {known[1]}) with {other.sql}: "
                    f"engines disagree on what that means; compare it with a value of its type{declare}"
                )
    return None


def _time_problem(what, name, source, known, other) -> tuple[str, str]:
    """CX408's message and hint for a time column compared with `other`."""
    kind, why = known
    word = "date" if kind == "DATE" else "time"
    start = f"{what} compares {word} column {name!r} of source {source.id!r} ({why}) with {other.sql}"
    moment = parse_iso(other.value)
    if moment is not None and re.search(r"\d[+-]\d{2}(:?\d{2})?$", other.value.strip()):
        message = f"{start}, a time with a UTC offset: engines disagree on whether the offset applies"
        return message, f"write the time in UTC, without an offset: '{moment.isoformat(sep=' ')}'"
    message = (
        f"{start}, which is not an ISO 8601 date or time: engines read such text each their own "
        "way, or compare it as text"
    )
    return (
        message,
        "write it as an ISO 8601 date or time in UTC, such as '2026-01-05' or '2026-01-05 12:00:00'",
    )


def _text_hint(name: str, why: str, otherwise: str = "") -> str:
    """How to make a text column a number column: declare it when all its values are empty
    (no value to type it by, or taken as written by a lookup), else clean the values that are
    not numbers."""
    if WAREHOUSE_TEXT in why:
        return (
            f"store {name!r} as numbers in the warehouse, or read the source through a `sql` query that "
            f"converts it{otherwise}"
        )
    if AS_WRITTEN in why:
        return f"declare the type of the column {name!r} is read from (`columns:` on its source){otherwise}"
    if BLANK in why:
        return _blank_hint(name, why, "number") + otherwise
    if "empty" in why:
        return f"declare its type (`columns: {{{name}: number}}` on the source)"
    return f"clean the values of {name!r} that are not numbers{otherwise}"


def _number_text(kind: str, other) -> bool:
    """Text every engine reads as the same number of the column's type: PostgreSQL reads no
    fraction or exponent as a whole number, DuckDB and SQLite do ('1.0' = 1); past a type's
    range ('2e308', '1e-400', 2**63) PostgreSQL refuses, the others read infinity, zero or a
    double."""
    text = other.value
    if re.fullmatch(INTEGER_PATTERN if kind == "BIGINT" else NUMBER_PATTERN, text) is None:
        return False
    if kind == "BIGINT":
        return -(2**63) <= int(text) < 2**63
    value = float(text)
    return math.isfinite(value) and (value != 0 or re.search(r"[1-9]", re.split(r"[eE]", text)[0]) is None)


def _number_hint(name: str, kind: str, other) -> str:
    value = other.value.strip().lower()
    if value in TRUE_WORDS:
        return f"the column holds numbers: write `{name} = 1` for yes"
    if value in FALSE_WORDS:
        return f"the column holds numbers: write `{name} = 0` for no"
    if re.fullmatch(INTEGER_PATTERN if kind == "BIGINT" else NUMBER_PATTERN, other.value):
        return f"{other.sql} is beyond the range of the column's numbers: compare it with one within it"
    if re.fullmatch(NUMBER_PATTERN, other.value):
        return f"the column holds whole numbers: compare it with one, without quotes (`{name} = 1`)"
    return f"compare it with a number, or declare it text (`columns: {{{name}: text}}` on the source)"


def _boolean_hint(name: str, other) -> str:
    value = other.value.strip().lower()
    if value in ("no", "n", "false", "f", "0"):
        return f"write `NOT {name}` or `{name} = false`"
    return f"write `{name}` or `{name} = true`"
