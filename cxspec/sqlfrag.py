"""SQL fragments in specs (`filter`, `match`, `condition`, dimension and derived `expr`).

Each is parsed by sqlglot as exactly one expression (never pasted into SQL text) and
confined: no statements, no subqueries, no aggregates or windows, no qualified or star
columns, and only functions on the allow-list (extended by plugins through
`cxspec_sql_functions`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError, TokenError
from sqlglot.tokens import TokenType

from cxspec.diagnostics import Location

#: Longest fragment accepted, in characters.
MAX_FRAGMENT_CHARS = 10_000

# Syntax that sqlglot models as functions but that is plain SQL, always allowed.
# AND/OR are Func subclasses in sqlglot too: syntax, not calls. (Not every Binary: some
# functions, json_extract or array_contains, are Binary as well and must meet the allow-list.)
_SYNTAX = (
    exp.Cast,
    exp.TryCast,
    exp.Case,
    exp.If,
    exp.Extract,
    exp.Coalesce,
    exp.Nullif,
    exp.And,
    exp.Or,
    exp.Xor,
)
_FORBIDDEN = (exp.Placeholder, exp.Parameter, exp.SessionParameter, exp.Star, exp.Window)


@dataclass(frozen=True)
class FragmentProblem:
    code: str
    message: str
    #: Offset (line, column from 1) inside the fragment, when known.
    line: int = 1
    column: int = 1
    hint: str | None = None


@dataclass(frozen=True)
class ParsedFragment:
    expression: exp.Expression | None
    problems: tuple[FragmentProblem, ...]


@lru_cache(maxsize=65536)
def parse_fragment(text: str, dialect: str) -> ParsedFragment:
    """Parse one expression. The result is shared: copy it before changing it."""
    if len(text) > MAX_FRAGMENT_CHARS:
        return ParsedFragment(
            None,
            (FragmentProblem("CX501", f"fragment is longer than {MAX_FRAGMENT_CHARS:,} characters"),),
        )
    try:
        expression = sqlglot.parse_one(text, read=dialect, into=exp.Condition)
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        token = first.get("highlight") or ""
        description = first.get("description") or "invalid SQL"
        # `DELETE FROM t` fails at FROM (DELETE reads as a column): look at how statements start
        statement = _statement(text, dialect)
        if statement is not None:
            return ParsedFragment(None, (statement,))
        if description.startswith("Invalid expression / Unexpected token"):
            keyword = token.upper()
            if keyword in _STATEMENT_WORDS:
                return _problem(
                    "CX502",
                    f"{_article(keyword)} {keyword} statement is not an expression",
                    first,
                    "a fragment is one expression, such as channel = 'web'",
                )
            if token == ";":
                return _problem(
                    "CX502",
                    "`;` ends a statement: a fragment is one expression",
                    first,
                    "remove the `;` and what follows it",
                )
            message = f"unexpected {token!r}" if token else "unexpected input"
        else:
            message = _CLASS_REPR.sub(r"\1", description)
        return _problem("CX501", message, first, None)
    except TokenError as exc:
        return ParsedFragment(
            None, (FragmentProblem("CX501", f"cannot read the SQL: {exc}", hint="check the quotes"),)
        )
    except (SqlglotError, RecursionError) as exc:
        return ParsedFragment(None, (FragmentProblem("CX501", f"cannot read the SQL: {exc}"),))
    if expression is None:
        return ParsedFragment(None, (FragmentProblem("CX501", "the fragment is empty"),))
    if ";" in text:  # sqlglot drops a trailing `;` and reads `a; b` as a block of two
        semicolon = _first_semicolon(text, dialect)
        if semicolon is not None:
            return ParsedFragment(None, (semicolon,))
    return ParsedFragment(expression, ())


#: sqlglot's messages name expression classes by their repr, in any of its modules.
_CLASS_REPR = re.compile(r"<class 'sqlglot\.expressions\.(?:\w+\.)*?(\w+)'>?")


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIO" or word == "UPDATE" else "a"


def _tokens(text: str, dialect: str) -> list:
    try:
        return sqlglot.Dialect.get_or_raise(dialect).tokenize(text)
    except (SqlglotError, RecursionError):
        return []


def _column(text: str, token) -> int:
    return token.start - (text.rfind("\n", 0, token.start) + 1) + 1


def _statement(text: str, dialect: str) -> FragmentProblem | None:
    """A statement keyword at the start of the text or after a `;`, where it stands."""
    tokens = _tokens(text, dialect)
    for index, token in enumerate(tokens):
        starts = index == 0 or tokens[index - 1].token_type is TokenType.SEMICOLON
        keyword = token.text.upper()
        quoted = token.token_type in (TokenType.STRING, TokenType.IDENTIFIER)
        if starts and keyword in _STATEMENT_WORDS and not quoted:
            return FragmentProblem(
                "CX502",
                f"{_article(keyword)} {keyword} statement is not an expression",
                token.line,
                _column(text, token),
                "a fragment is one expression, such as channel = 'web'",
            )
    return None


def _first_semicolon(text: str, dialect: str) -> FragmentProblem | None:
    """A `;` token (not one inside a string literal or a comment), where it stands."""
    for token in _tokens(text, dialect):
        if token.token_type is TokenType.SEMICOLON:
            return FragmentProblem(
                "CX502",
                "`;` ends a statement: a fragment is one expression",
                token.line,
                _column(text, token),
                "remove the `;` and what follows it",
            )
    return None


_STATEMENT_WORDS = {
    "SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "MERGE", "DROP", "CREATE", "ALTER",
    "TRUNCATE", "COPY", "ATTACH", "DETACH", "INSTALL", "LOAD", "PRAGMA", "SET", "CALL",
    "GRANT", "REVOKE", "EXPORT", "IMPORT", "VACUUM", "BEGIN", "COMMIT", "ROLLBACK", "USE",
}  # fmt: skip


def _problem(code, message, error: dict, hint) -> ParsedFragment:
    line = error.get("line") or 1
    column = error.get("col") or 1
    start = column - len(error.get("highlight") or "") + 1
    return ParsedFragment(None, (FragmentProblem(code, message, line, max(1, start), hint),))


def function_names(node: exp.Func) -> list[str]:
    if isinstance(node, exp.Anonymous):
        return [node.name.lower()]
    return [name.lower() for name in node.sql_names()]


def confinement_problems(expression: exp.Expression, allowed: frozenset[str]) -> list[FragmentProblem]:
    """What makes a parsed fragment more than one expression over its row's columns."""
    problems: list[FragmentProblem] = []
    #: Nodes already reported as part of their parent: the function of a window, the `*`
    #: of count(*). (walk() is breadth-first: a parent comes before its children.)
    covered: set[int] = set()
    for node in expression.walk():
        if id(node) in covered:
            continue
        if isinstance(node, (exp.Query, exp.Subquery, exp.Exists, exp.Table)):
            problems.append(
                FragmentProblem(
                    "CX503", "a subquery reads other tables", hint="filter on the source's own columns"
                )
            )
            break
        if isinstance(node, _FORBIDDEN):
            what = {exp.Window: "a window function", exp.Star: "`*`"}.get(type(node), "a parameter")
            problems.append(FragmentProblem("CX505", f"{what} is not allowed in a fragment"))
            if isinstance(node, exp.Window):
                covered.add(id(node.this))
        elif isinstance(node, exp.AggFunc):
            if isinstance(node.this, exp.Star):
                covered.add(id(node.this))
            problems.append(
                FragmentProblem(
                    "CX505",
                    f"aggregate {function_names(node)[0]}() is not allowed in a fragment",
                    hint="fragments select rows; the metric type does the aggregation",
                )
            )
        elif isinstance(node, exp.Column) and node.table:
            problems.append(
                FragmentProblem(
                    "CX505",
                    f"qualified name {node.sql()} is not allowed",
                    hint=f"write the column alone: {node.name}",
                )
            )
        elif isinstance(node, exp.Func) and not isinstance(node, _SYNTAX):
            names = function_names(node)
            if not any(name in allowed for name in names):
                problems.append(
                    FragmentProblem(
                        "CX504",
                        f"function {names[0]}() is not on the allow-list",
                        hint="see docs/sql-fragments.md; a plugin can allow more functions",
                    )
                )
    return problems


def referenced_names(text: str, dialect: str = "duckdb") -> list[str]:
    """Column names used by a fragment, in order of first use (empty if it does not parse)."""
    parsed = parse_fragment(text, dialect)
    if parsed.expression is None:
        return []
    names: dict[str, None] = {}
    for column in parsed.expression.find_all(exp.Column):
        if not column.table:
            names.setdefault(column.name, None)
    return list(names)


def fragment_location(scalar_loc: Location, raw_line: str | None, problem: FragmentProblem) -> Location:
    """Map a problem's place inside a fragment to the spec file, for one-line scalars.

    A quoted scalar starts one column after its quote; multi-line scalars point at their start.
    """
    if problem.line != 1 or raw_line is None:
        return scalar_loc
    quoted = raw_line[scalar_loc.column - 1 : scalar_loc.column] in ("'", '"')
    offset = (1 if quoted else 0) + problem.column - 1
    return Location(scalar_loc.file, scalar_loc.line, scalar_loc.column + offset)


def check_query(query: str, source, field_name: str, dialect: str, sink) -> None:
    """A `sql` source's query: one read-only SELECT."""
    try:
        statements = sqlglot.parse(query, read=dialect)
    except (SqlglotError, RecursionError) as exc:
        sink.add(
            "CX501",
            f"query of source {source.id!r} does not parse: {str(exc).splitlines()[0]}",
            source.loc(field_name),
        )
        return
    statements = [s for s in statements if s is not None]
    if len(statements) != 1:
        sink.add(
            "CX502",
            f"query of source {source.id!r} holds {len(statements)} statements",
            source.loc(field_name),
            hint="a sql source is one SELECT",
        )
    elif not isinstance(statements[0], exp.Query):
        sink.add(
            "CX502",
            f"query of source {source.id!r} is a {statements[0].key.upper()}, not a SELECT",
            source.loc(field_name),
            hint="a sql source is one read-only SELECT",
        )
