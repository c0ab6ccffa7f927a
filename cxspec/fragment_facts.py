"""What the checks need to know about a SQL fragment, remembered in the user cache so that an
unchanged project is validated without importing sqlglot.

Parsing a fragment needs sqlglot, whose import was most of `cxspec validate`'s start-up
(benchmarks/README.md, "Start-up"). The checks that read fragments (checks/fragments.py,
columns.py, booleans.py, depth.py, fragment_uses.py's column types, derived metrics' inputs)
need only a few facts of its tree: its problems, the columns it names, the columns it uses
as conditions and those it compares with a constant. `fragment_facts` gives them, from the
user cache (cxspec/user_cache.py) when they were remembered, else from the tree, and then
remembers them.

The facts are kept under the fragment's text and its dialect, in a log (user_cache.Log)
named by the version of sqlglot and the source of this module and sqlfrag.py (which compute
them), so an edit to any of these is another log. Function calls are kept with their names
and held against the allow-list when the facts are used: the facts are the same for every
set of plugins. With the cache off, cold or warm the facts are the same
(tests/test_fragment_facts.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cxspec import sqlfrag, user_cache
from cxspec.lazyexp import LAZY_EXP as exp
from cxspec.sqlfrag import FragmentProblem, allowed_problems, parse_fragment

#: The kind of fact in the user cache.
KIND = "fragment-facts"


@dataclass(frozen=True)
class Constant:
    """The constant side of a comparison."""

    #: As sqlglot writes it (`'yes'`, `1`, `CAST('2026-01-01' AS DATE)`).
    sql: str
    #: The type a column compared with it is expected to have: BOOLEAN (true, false), DOUBLE
    #: (a number), TIMESTAMP (a date or time literal) or VARCHAR.
    type: str
    #: Whether it is a plain literal (text or number), and its value as written (also the
    #: text of a typed literal: `2026-01-01` of `DATE '2026-01-01'`).
    literal: bool = False
    value: str = ""


@dataclass(frozen=True)
class FragmentFacts:
    """A fragment's facts: its problems and how it uses columns (empty when it does not parse)."""

    #: Whether it parses as one expression (`problems` says why not).
    parses: bool
    problems: tuple[FragmentProblem, ...] = ()
    #: What the tree holds that a fragment may not: (problem, None) always a problem,
    #: (problem, function names) unless one of the names is allowed (sqlfrag.confinement).
    confinement: tuple[tuple[FragmentProblem, tuple[str, ...] | None], ...] = ()
    #: Unqualified column names, once per use, in sqlglot's find_all order.
    columns: tuple[str, ...] = ()
    #: The whole fragment, when it is one bare column (a condition when it is a predicate).
    whole_column: str | None = None
    #: Columns that are operands of AND, OR or NOT, or a CASE's WHEN.
    condition_columns: tuple[str, ...] = ()
    #: (column, constant) for comparisons of a bare column with a constant (each constant of
    #: an IN list or a BETWEEN).
    comparisons: tuple[tuple[str, Constant], ...] = ()
    #: Bare columns that are operands of arithmetic (+ - * / %, a sign).
    arithmetic_columns: tuple[str, ...] = ()

    def all_problems(self, allowed: frozenset[str]) -> tuple[FragmentProblem, ...]:
        """Its problems with the functions in `allowed` allowed."""
        return self.problems + tuple(allowed_problems(self.confinement, allowed))

    @property
    def names(self) -> list[str]:
        """Column names used, in order of first use."""
        return list(dict.fromkeys(self.columns))

    def conditions(self, *, predicate: bool) -> list[str]:
        """Columns used where a condition is expected (the whole fragment when it is a predicate)."""
        whole = [self.whole_column] if predicate and self.whole_column is not None else []
        return whole + list(self.condition_columns)


@lru_cache(maxsize=65536)
def fragment_facts(text: str, dialect: str) -> FragmentFacts:
    """The facts of one fragment, from the user cache or from its tree."""
    log = _log()
    key = user_cache.content_key(KIND, [dialect, text]) if log is not None else None
    facts = _decode(log.get(key)) if log is not None else None
    if facts is None:
        facts = facts_of(text, dialect)
        if log is not None:
            log.put(key, _encode(facts))
    return facts


def forget() -> None:
    """Forget this process's facts and parsed fragments, as a new process would (tests,
    benchmarks)."""
    fragment_facts.cache_clear()
    _log.cache_clear()
    parse_fragment.cache_clear()


@lru_cache(maxsize=1)
def _log() -> user_cache.Log | None:
    """This process's log of facts, one per fingerprint; None when the cache is off or the
    fingerprint unknown."""
    fingerprint = _fingerprint() if user_cache.cache_dir() is not None else None
    return None if fingerprint is None else user_cache.Log(KIND, f"{fingerprint}.log")


def referenced_names(text: str, dialect: str = "duckdb") -> list[str]:
    """Column names used by a fragment, in order of first use (empty if it does not parse)."""
    return fragment_facts(text, dialect).names


def facts_of(text: str, dialect: str) -> FragmentFacts:
    """The facts of one fragment, read from its tree (imports sqlglot)."""
    parsed = parse_fragment(text, dialect)
    tree = parsed.expression
    if tree is None:
        return FragmentFacts(False, parsed.problems)
    logical = (exp.And, exp.Or, exp.Not, exp.If)
    compare = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ)
    compare += (exp.In, exp.Between)
    arithmetic = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv, exp.Neg)
    columns, conditions, comparisons, operands = [], [], [], []
    for node in tree.walk():  # breadth-first, as find_all
        if isinstance(node, exp.Column):
            if not node.table:
                columns.append(node.name)
        elif isinstance(node, logical):
            conditions += _conditions(node)
        elif isinstance(node, compare):
            comparisons += [(column.name, _constant(other)) for column, other in _comparison(node)]
        elif isinstance(node, arithmetic):
            operands += _bare_columns(
                [node.this] if isinstance(node, exp.Neg) else [node.this, node.expression]
            )
    whole = tree.unnest()
    return FragmentFacts(
        True,
        parsed.problems,
        tuple(sqlfrag.confinement(tree)),
        tuple(columns),
        whole.name if isinstance(whole, exp.Column) else None,
        tuple(conditions),
        tuple(comparisons),
        tuple(operands),
    )


def _bare_columns(operands) -> list[str]:
    """The operands that are bare columns (unqualified), by name, in order."""
    found = []
    for operand in operands:
        operand = operand.unnest() if isinstance(operand, exp.Expression) else operand
        if isinstance(operand, exp.Column) and not operand.table:
            found.append(operand.name)
    return found


def _conditions(node) -> list[str]:
    """Bare columns that are operands of an AND, OR or NOT, or a CASE's WHEN."""
    return _bare_columns([node.this] if isinstance(node, (exp.Not, exp.If)) else [node.this, node.expression])


def _comparison(node) -> list[tuple]:
    """(column, the other side) when a comparison compares a bare column with a constant: each
    constant of an IN list or a BETWEEN."""
    if isinstance(node, exp.In):
        sides = [(node.this, value) for value in node.expressions]
    elif isinstance(node, exp.Between):
        sides = [(node.this, node.args.get("low")), (node.this, node.args.get("high"))]
    else:
        sides = [(node.this, node.expression), (node.expression, node.this)]
    found = [
        (c, other) for c, other in sides if isinstance(c, exp.Column) and not c.table and _is_constant(other)
    ]
    return found if isinstance(node, (exp.In, exp.Between)) else found[:1]


def _is_constant(node) -> bool:
    """A literal, a negated number, true or false, or a typed literal (`DATE '2026-01-01'`)."""
    if isinstance(node, exp.Neg):
        return isinstance(node.this, exp.Literal)
    if isinstance(node, exp.Cast):
        return isinstance(node.this, exp.Literal) and node.this.is_string
    return isinstance(node, (exp.Literal, exp.Boolean))


def _constant(node) -> Constant:
    literal = isinstance(node, exp.Literal)
    if isinstance(node, exp.Boolean):
        kind = "BOOLEAN"
    elif isinstance(node, exp.Neg) or (literal and not node.is_string):
        kind = "DOUBLE"
    elif isinstance(node, exp.Cast) and node.to.this in _time_types():
        kind = "TIMESTAMP"
    else:
        kind = "VARCHAR"
    typed = isinstance(node, exp.Cast)
    return Constant(_sql(node), kind, literal, node.name if literal else node.this.name if typed else "")


#: The SQL of constants seen in this process, by _shape: projects repeat a few ('web', 1), and
#: writing one (node.sql() copies it first) cost more than the rest of a fragment's facts.
_SQL: dict[tuple, str] = {}


def _sql(node) -> str:
    """node.sql(). It writes a copy of the node, on its own: the text depends only on the node
    and what it holds, which _shape keeps whole."""
    shape = _shape(node)
    if shape is None:
        return node.sql()
    if shape not in _SQL:
        if len(_SQL) >= 65536:
            _SQL.clear()
        _SQL[shape] = node.sql()
    return _SQL[shape]


def _shape(node) -> tuple | None:
    """The node's class, comments and arguments, those that are nodes by their shape; None
    when an argument is something else than text, a truth value, None or such a node."""
    args = []
    for name, value in node.args.items():
        if isinstance(value, exp.Expression):
            value = _shape(value)
            if value is None:
                return None
        elif value is not None and type(value) not in (str, bool):
            return None
        args.append((name, value))
    return type(node), tuple(node.comments or ()), tuple(args)


def _time_types() -> set:
    return {exp.DataType.Type.DATE, exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ,
            exp.DataType.Type.DATETIME}  # fmt: skip


# -- the cache --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _fingerprint() -> str | None:
    """What the facts depend on besides the fragment: sqlglot's version (read from its files,
    without importing it) and the code that computes them; None (no cache) when unknown."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("sqlglot")
        version = Path(spec.origin).with_name("_version.py").read_bytes()
        code = [Path(sqlfrag.__file__).read_bytes(), Path(__file__).read_bytes()]
    except (AttributeError, ImportError, OSError, TypeError, ValueError):
        return None
    digest = hashlib.sha256(version)
    for source in code:
        digest.update(hashlib.sha256(source).digest())
    return digest.hexdigest()


def _problem(problem: FragmentProblem) -> list:
    return [problem.code, problem.message, problem.line, problem.column, problem.hint]


def _encode(facts: FragmentFacts) -> dict:
    return {
        "parses": facts.parses,
        "problems": [_problem(p) for p in facts.problems],
        "confinement": [[_problem(p), None if n is None else list(n)] for p, n in facts.confinement],
        "columns": list(facts.columns),
        "whole_column": facts.whole_column,
        "condition_columns": list(facts.condition_columns),
        "comparisons": [[name, c.sql, c.type, c.literal, c.value] for name, c in facts.comparisons],
        "arithmetic_columns": list(facts.arithmetic_columns),
    }


def _decode(data) -> FragmentFacts | None:
    """The facts remembered, or None when there are none or they are not what _encode writes."""
    if data is None:
        return None
    try:
        facts = FragmentFacts(
            _exactly(data["parses"], bool),
            tuple(_read_problem(p) for p in data["problems"]),
            tuple(
                (_read_problem(p), None if n is None else tuple(_exactly(s, str) for s in n))
                for p, n in data["confinement"]
            ),
            tuple(_exactly(c, str) for c in data["columns"]),
            None if data["whole_column"] is None else _exactly(data["whole_column"], str),
            tuple(_exactly(c, str) for c in data["condition_columns"]),
            tuple(
                (
                    _exactly(n, str),
                    Constant(_exactly(s, str), _exactly(t, str), _exactly(lit, bool), _exactly(v, str)),
                )
                for n, s, t, lit, v in data["comparisons"]
            ),
            tuple(_exactly(c, str) for c in data["arithmetic_columns"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return facts if _encode(facts) == data else None


def _read_problem(data) -> FragmentProblem:
    code, message, line, column, hint = data
    return FragmentProblem(
        _exactly(code, str),
        _exactly(message, str),
        _exactly(line, int),
        _exactly(column, int),
        None if hint is None else _exactly(hint, str),
    )


def _exactly(value, kind):
    if type(value) is not kind:
        raise TypeError(f"{value!r} is not {kind.__name__}")
    return value
