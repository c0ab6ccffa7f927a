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

from cxspec.diagnostics import Location
from cxspec.lazyexp import LAZY_EXP as exp

#: Longest fragment accepted, in characters.
MAX_FRAGMENT_CHARS = 10_000
#: Deepest nesting of a fragment's tree (brackets, function calls, NOT, CASE). Chains of
#: operators (`a OR b OR c …`) count once: sqlglot writes those without recursion.
MAX_FRAGMENT_DEPTH = 100


@lru_cache(maxsize=1)
def _kinds() -> tuple[tuple, tuple, frozenset]:
    """(syntax, forbidden, plain): node classes, looked up once sqlglot is imported."""
    # Syntax that sqlglot models as functions but that is plain SQL, always allowed.
    # AND/OR are Func subclasses in sqlglot too: syntax, not calls. (Not every Binary: some
    # functions, json_extract or array_contains, are Binary as well and must meet the allow-list.)
    syntax = (
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
    forbidden = (exp.Placeholder, exp.Parameter, exp.SessionParameter, exp.Star, exp.Window)
    # Everything else a fragment may hold: values, operators and the parts of a CAST. Any other
    # node is refused, so syntax sqlglot models outside exp.Func (Snowflake's DIRECTORY(@stage),
    # TABLE(…), schema-qualified calls, PostgreSQL's OPERATOR(schema.op)) cannot slip past the
    # function allow-list.
    plain = frozenset(
        {
            exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Var, exp.National,
            exp.RawString, exp.HexString, exp.BitString, exp.ByteString, exp.UnicodeString,
            exp.Paren, exp.Not, exp.Neg, exp.BitwiseNot, exp.Tuple, exp.Interval, exp.IntervalSpan,
            exp.DataType, exp.DataTypeParam, exp.Between, exp.In, exp.Is, exp.Escape,
            exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ,
            exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.DPipe, exp.BitwiseAnd,
            exp.BitwiseOr, exp.BitwiseXor, exp.BitwiseLeftShift, exp.BitwiseRightShift,
            exp.Like, exp.ILike, exp.SimilarTo, exp.Glob, exp.JSONPath,
        }
    )  # fmt: skip
    return syntax, forbidden, plain


#: Characters that are never part of a fragment (the NUL byte ends strings in C drivers).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Typographic quotes that word processors put where SQL quotes belong.
_CURLY_QUOTES = "\u2018\u2019\u201c\u201d"


@dataclass(frozen=True)
class FragmentProblem:
    """A problem in a SQL fragment, at its place inside the fragment."""

    code: str
    message: str
    #: Offset (line, column from 1) inside the fragment, when known.
    line: int = 1
    column: int = 1
    hint: str | None = None


@dataclass(frozen=True)
class ParsedFragment:
    """A fragment's tree (None when it does not parse) and its problems."""

    expression: exp.Expression | None
    problems: tuple[FragmentProblem, ...]


@lru_cache(maxsize=65536)
def parse_fragment(text: str, dialect: str) -> ParsedFragment:
    """Parse one expression. The result is shared: copy it before changing it."""
    import sqlglot
    from sqlglot.errors import ParseError, SqlglotError, TokenError

    if len(text) > MAX_FRAGMENT_CHARS:
        return ParsedFragment(
            None,
            (FragmentProblem("CX501", f"fragment is longer than {MAX_FRAGMENT_CHARS:,} characters"),),
        )
    control = _CONTROL.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        column = control.start() - (text.rfind("\n", 0, control.start()) + 1) + 1
        return ParsedFragment(
            None,
            (
                FragmentProblem(
                    "CX501",
                    f"control character U+{ord(control.group()):04X} in the SQL",
                    line,
                    column,
                    "remove it; write it as an escape inside a string if you mean it",
                ),
            ),
        )
    bracket = _deep_bracket(text, dialect)
    if bracket is not None:
        return ParsedFragment(None, (bracket,))
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
    except RecursionError:
        return ParsedFragment(None, (_too_deep_problem(),))
    except SqlglotError as exc:
        return ParsedFragment(None, (FragmentProblem("CX501", f"cannot read the SQL: {exc}"),))
    if expression is None:
        return ParsedFragment(None, (FragmentProblem("CX501", "the fragment is empty"),))
    if _depth_exceeds(expression, MAX_FRAGMENT_DEPTH):
        return ParsedFragment(None, (_too_deep_problem(),))
    if ";" in text:  # sqlglot drops a trailing `;` and reads `a; b` as a block of two
        semicolon = _first_semicolon(text, dialect)
        if semicolon is not None:
            return ParsedFragment(None, (semicolon,))
    if any(quote in text for quote in _CURLY_QUOTES):
        curly = _curly_quote(text, dialect)
        if curly is not None:
            return ParsedFragment(None, (curly,))
    return ParsedFragment(expression, ())


def _too_deep_problem(line: int = 1, column: int = 1) -> FragmentProblem:
    return FragmentProblem(
        "CX501",
        f"the SQL is nested more than {MAX_FRAGMENT_DEPTH} levels deep",
        line,
        column,
        "a fragment is a short predicate; split it or simplify it",
    )


def _deep_bracket(text: str, dialect: str) -> FragmentProblem | None:
    """The bracket that opens one level too many, before the parser recurses into it."""
    from sqlglot.tokens import TokenType

    if text.count("(") + text.count("[") <= MAX_FRAGMENT_DEPTH:
        return None
    depth = 0
    for token in _tokens(text, dialect):
        if token.token_type in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
            if depth > MAX_FRAGMENT_DEPTH:
                return _too_deep_problem(token.line, _column(text, token))
        elif token.token_type in (TokenType.R_PAREN, TokenType.R_BRACKET):
            depth -= 1
    return None


def _depth_exceeds(expression: exp.Expression, limit: int) -> bool:
    """Whether the tree nests deeper than `limit`; an operator under an operator adds no level."""
    stack = [(expression, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        chained = isinstance(node, exp.Binary)
        for child in node.iter_expressions():
            stack.append((child, depth if chained and isinstance(child, exp.Binary) else depth + 1))
    return False


def _curly_quote(text: str, dialect: str) -> FragmentProblem | None:
    """A typographic quote outside strings and quoted names: it reads as part of a name."""
    from sqlglot.tokens import TokenType

    for token in _tokens(text, dialect):
        if token.token_type in (TokenType.STRING, TokenType.IDENTIFIER):
            continue
        for offset, char in enumerate(token.text):
            if char in _CURLY_QUOTES:
                return FragmentProblem(
                    "CX501",
                    f"{char} is not a SQL quote",
                    token.line,
                    _column(text, token) + offset,
                    "use straight quotes: 'text' for strings",
                )
    return None


#: sqlglot's messages name expression classes by their repr, in any of its modules.
_CLASS_REPR = re.compile(r"<class 'sqlglot\.expressions\.(?:\w+\.)*?(\w+)'>?")


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIO" or word == "UPDATE" else "a"


def _tokens(text: str, dialect: str) -> list:
    import sqlglot
    from sqlglot.errors import SqlglotError

    try:
        return sqlglot.Dialect.get_or_raise(dialect).tokenize(text)
    except (SqlglotError, RecursionError):
        return []


def _column(text: str, token) -> int:
    return token.start - (text.rfind("\n", 0, token.start) + 1) + 1


def _statement(text: str, dialect: str) -> FragmentProblem | None:
    """A statement keyword at the start of the text or after a `;`, where it stands."""
    from sqlglot.tokens import TokenType

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
    from sqlglot.tokens import TokenType

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
    return allowed_problems(confinement(expression), allowed)


def allowed_problems(entries, allowed: frozenset[str]) -> list[FragmentProblem]:
    """The problems of `confinement` entries for an allow-list: a call is one when none of
    its function's names is allowed."""
    return [problem for problem, names in entries if names is None or not any(n in allowed for n in names)]


def confinement(expression: exp.Expression) -> list[tuple[FragmentProblem, tuple[str, ...] | None]]:
    """(problem, None) for what is never allowed in a fragment, (problem, the function's names)
    for each call of a function (a problem unless one of its names is on the allow-list), in
    the order of the tree: what `confinement_problems` reports, for any allow-list."""
    syntax, forbidden, plain = _kinds()
    entries: list[tuple[FragmentProblem, tuple[str, ...] | None]] = []

    def refuse(code: str, message: str, hint: str | None = None) -> None:
        entries.append((FragmentProblem(code, message, hint=hint), None))

    #: Nodes already reported as part of their parent: the function of a window, the `*`
    #: of count(*). (walk() is breadth-first: a parent comes before its children.)
    covered: set[int] = set()
    for node in expression.walk():
        if id(node) in covered:
            continue
        if isinstance(node, (exp.Query, exp.Subquery, exp.Exists, exp.Table, exp.UDTF)):
            refuse("CX503", "a subquery reads other tables", "filter on the source's own columns")
            break
        if isinstance(node, forbidden):
            what = {exp.Window: "a window function", exp.Star: "`*`"}.get(type(node), "a parameter")
            refuse("CX505", f"{what} is not allowed in a fragment")
            if isinstance(node, exp.Window):  # its function, PARTITION BY and ORDER BY
                covered.update(id(child) for child in node.walk())
        elif isinstance(node, exp.AggFunc):
            covered.update(id(child) for child in node.walk())  # count(*), count(DISTINCT x)
            refuse(
                "CX505",
                f"aggregate {function_names(node)[0]}() is not allowed in a fragment",
                "fragments select rows; the metric type does the aggregation",
            )
        elif isinstance(node, exp.Column) and node.table:
            refuse(
                "CX505", f"qualified name {node.sql()} is not allowed", f"write the column alone: {node.name}"
            )
        elif isinstance(node, exp.Func):
            if isinstance(node, syntax):
                continue
            names = function_names(node)
            problem = FragmentProblem(
                "CX504",
                f"function {names[0]}() is not on the allow-list",
                hint="see docs/sql-fragments.md; a plugin can allow more functions",
            )
            entries.append((problem, tuple(names)))
        elif type(node) is exp.DataType and node.this is exp.DataType.Type.USERDEFINED:
            covered.update(id(child) for child in node.walk())  # its schema-qualified name
            entries.append((_cast_problem(node), None))
        elif type(node) not in plain and not isinstance(node, exp.JSONPathPart):
            if isinstance(node, exp.ObjectIdentifier):
                entries.append((_cast_problem(node), None))
            elif isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
                refuse(
                    "CX505",
                    f"qualified function name {_describe(node)} is not allowed",
                    "call the function by its name alone",
                )
            else:
                covered.update(id(child) for child in node.walk())
                refuse(
                    "CX505",
                    f"{_describe(node)} is not allowed in a fragment",
                    "use columns, literals, operators and allowed functions",
                )
    return entries


def _describe(node: exp.Expression) -> str:
    from sqlglot.errors import SqlglotError

    try:
        text = node.sql()
    except SqlglotError:  # pragma: no cover - a node the default dialect cannot write
        text = type(node).__name__
    return f"`{text if len(text) <= 40 else text[:37] + '...'}`"


def _cast_problem(node: exp.Expression) -> FragmentProblem:
    return FragmentProblem(
        "CX505",
        f"cast to type {node.sql()} is not allowed",
        hint="cast to a built-in type such as INTEGER, DOUBLE, VARCHAR, DATE, TIMESTAMP or BOOLEAN",
    )


def fragment_location(scalar_loc: Location, raw_line: str | None, problem: FragmentProblem) -> Location:
    """Map a problem's place inside a fragment to the spec file, for one-line scalars.

    A quoted scalar starts one column after its quote; multi-line scalars point at their start.
    """
    if problem.line != 1 or raw_line is None:
        return scalar_loc
    quoted = raw_line[scalar_loc.column - 1 : scalar_loc.column] in ("'", '"')
    offset = (1 if quoted else 0) + problem.column - 1
    return Location(scalar_loc.file, scalar_loc.line, scalar_loc.column + offset)


def check_query(query: str, source, field_name: str, dialect: str, sink, *, allowed: frozenset[str]) -> None:
    """A `sql` source's query: one read-only SELECT, calling only the `allowed` functions (the
    allow-list of the registry validating it)."""
    import sqlglot
    from sqlglot.errors import SqlglotError

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
    else:
        for problem in query_problems(statements[0], allowed):
            message = f"query of source {source.id!r}: {problem.message}"
            sink.add(problem.code, message, source.loc(field_name), hint=problem.hint)


#: Endings that make DuckDB read a table name (`data.csv`, even quoted) as a file, from the
#: folder it was started in.
FILE_NAME_ENDINGS = frozenset(
    {
        "csv", "tsv", "txt", "parquet", "pq", "json", "jsonl", "ndjson", "gz", "zst", "zstd",
        "arrow", "feather", "ipc", "xlsx", "xls", "avro", "orc", "db", "sqlite", "duckdb",
    }
)  # fmt: skip
#: Characters of a table name that make DuckDB read it as a file (`FROM 'x.csv'`, "~/x.parquet").
_FILE_NAME = re.compile(r"[/\\.:~*?]")


def query_problems(query: exp.Expression, allowed: frozenset[str]) -> list[FragmentProblem]:
    """What in a `sql` source's SELECT reaches past the warehouse's tables: functions off the
    allow-list (aggregates and window functions are fine), table functions and file names."""
    syntax, forbidden, plain = _kinds()
    problems: list[FragmentProblem] = []
    for node in query.walk():
        if isinstance(node, exp.Table):
            name = node.this
            if (
                not isinstance(name, exp.Identifier)
                or _FILE_NAME.search(name.name)
                or name.name.lower() in FILE_NAME_ENDINGS
            ):
                problems.append(
                    FragmentProblem(
                        "CX504",
                        f"`{_describe(node)[1:-1]}` reads a file or runs a table function",
                        hint="a sql source reads warehouse tables; read files with a file source",
                    )
                )
        elif isinstance(node, exp.Func) and not isinstance(node, (*syntax, exp.AggFunc)):
            if isinstance(node.parent, exp.Window) and node.arg_key == "this":
                continue  # row_number(), rank(), lag() … over the query's own rows
            if isinstance(node.parent, exp.Table):
                continue  # reported as a table function
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
