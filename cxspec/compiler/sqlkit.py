"""Small builders of sqlglot expressions shared by metric types and the compiler.

Everything here returns expression trees; nothing builds SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxspec.lazyexp import LAZY_EXP as exp

# The two-sided 95% normal quantile of every margin of error
# (docs/spec-reference.md, "Margin of error, samples and periods").
Z = 1.96


def clone(node):
    """A copy of a tree, node by node, without the memo bookkeeping of `Expression.copy()`
    (a deepcopy), whose cost grows with every metric compiled (figures in benchmarks/README.md,
    "Compile"). The trees copied here (parsed fragments, table references) share no
    subtrees, so nothing needs the memo."""
    if not isinstance(node, exp.Expression):
        return node
    new = node.__class__()
    for key, value in node.args.items():
        new.set(key, [clone(v) for v in value] if isinstance(value, list) else clone(value))
    if node.comments:
        new.comments = list(node.comments)
    return new


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def num(value) -> exp.Expression:
    return exp.Literal.number(value)


def text(value: str) -> exp.Expression:
    return exp.Literal.string(value)


def sqlite_text_kind(column: str) -> exp.Expression:
    """On SQLite, which types each value and not its column: 'TEXT' when any of the column's
    values is text (or a blob), else '' (an aggregate over the rows)."""
    typed = exp.Anonymous(this="typeof", expressions=[col(column)])
    holds = exp.In(this=typed, expressions=[text("text"), text("blob")])
    return exp.Max(this=exp.If(this=holds, true=text("TEXT"), false=text("")))


# The builders below take ownership of their arguments (no copies: a large project builds
# millions of nodes, and copying them would cost more than building them). A caller that
# uses an expression twice passes .copy().
def _cast(e: exp.Expression, kind: exp.DataType.Type) -> exp.Expression:
    # The DataType node is built directly: DataType.build parses its string on every call.
    if isinstance(e, exp.Cast) and e.to.this == kind:
        return e  # already of that type, as exp.cast would leave it
    return exp.Cast(this=e, to=exp.DataType(this=kind, nested=False))


def double(e: exp.Expression) -> exp.Expression:
    return _cast(e, exp.DataType.Type.DOUBLE)


def bigint(e: exp.Expression) -> exp.Expression:
    return _cast(e, exp.DataType.Type.BIGINT)


#: Decimal places an exact sum keeps of each term (exact_sum): DECIMAL(38, 12) leaves 26
#: digits before the point.
EXACT_PLACES = 12


def exact_sum(e: exp.Expression) -> exp.Expression:
    """SUM(e) as a double that does not depend on the order of the rows: each term rounded to
    EXACT_PLACES decimal places and summed as a DECIMAL, whose sums are exact on DuckDB,
    PostgreSQL and Spark. A sum of doubles is not: DuckDB adds a group's rows on several
    threads and combines them in no fixed order, and the last bits of the total changed from
    run to run (compensated sums, fsum / kahan_sum, are not order-free either). For terms on
    a fixed scale (pyramid scores 0–100, weights); SQLite (one thread, no DECIMAL) sums as
    before."""
    return double(exp.Sum(this=decimal(e, EXACT_PLACES)))


#: Terms an exact sum adds as DECIMAL(38, EXACT_PLACES): from a millionth (smaller ones would
#: lose their digits past the 12th place) to 10^20 (so that a total stays far inside the
#: DECIMAL's 10^26). Others, rare in a sum of amounts, are added as doubles beside it.
EXACT_TERMS = (1e-6, 1e20)


def _exact_sum_parts(dialect: str) -> tuple[str, ...]:
    """The measures of an exact SUM (exact_sum_terms) on `dialect`."""
    return ("exact",) if dialect == "sqlite" else ("exact", "rest")


def exact_sum_terms(value: exp.Expression, valid: exp.Expression, dialect: str) -> dict[str, exp.Expression]:
    """The per-row terms of an exact SUM of `value` where `valid`: "exact", each rounded to
    EXACT_PLACES decimal places as a DECIMAL(38, EXACT_PLACES), whose sums are exact and
    order-free on DuckDB, PostgreSQL and Spark; "rest", the values outside EXACT_TERMS (1e308,
    1e-9…) as doubles: a DECIMAL of them overflowed or lost them. SQLite has no DECIMAL: its
    "exact" is the doubles (one thread, the rows' order), exact for whole numbers up to 2^53."""
    if _exact_sum_parts(dialect) == ("exact",):
        return {"exact": case_when(valid, value)}
    magnitude = exp.Abs(this=value.copy())
    low, high = EXACT_TERMS
    inside = exp.and_(
        exp.GTE(this=magnitude, expression=exp.Literal.number(repr(low))),
        exp.LT(this=magnitude.copy(), expression=exp.Literal.number(repr(high))),
    )
    return {
        "exact": case_when(exp.and_(valid.copy(), inside), decimal(value.copy(), EXACT_PLACES)),
        "rest": case_when(exp.and_(valid, exp.Not(this=paren(inside.copy()))), value),
    }


def exact_sum_value(measure, dialect: str) -> exp.Expression:
    """The total of the sums of `exact_sum_terms` (`measure`: name → its sum, NULL where it had
    no term), as a double."""
    parts = [
        exp.Coalesce(this=double(measure(name)), expressions=[num(0)]) for name in _exact_sum_parts(dialect)
    ]
    return parts[0] if len(parts) == 1 else add(parts[0], parts[1])


def decimal(e: exp.Expression, places: int, digits: int = 38) -> exp.Expression:
    """CAST(e AS DECIMAL(digits, places)): exact sums and products on DuckDB, PostgreSQL, Spark."""
    to = exp.DataType(
        this=exp.DataType.Type.DECIMAL,
        expressions=[exp.DataTypeParam(this=num(digits)), exp.DataTypeParam(this=num(places))],
        nested=False,
    )
    return exp.Cast(this=e, to=to)


def result_columns(result) -> list[exp.Expression]:
    """A metric's `value`, `n`, `invalid` and `moe` columns (a MetricSql), typed alike everywhere."""
    moe = result.moe if result.moe is not None else exp.Null()
    return [
        exp.alias_(double(result.value), "value", quoted=True, copy=False),
        exp.alias_(bigint(result.n), "n", quoted=True, copy=False),
        exp.alias_(bigint(result.invalid), "invalid", quoted=True, copy=False),
        exp.alias_(double(moe), "moe", quoted=True, copy=False),
    ]


def paren(e: exp.Expression) -> exp.Expression:
    atomic = isinstance(e, (exp.Column, exp.Literal, exp.Paren, exp.Case, exp.Cast)) or (
        isinstance(e, exp.Func) and not isinstance(e, (exp.Binary, exp.Unary))
    )
    return e if atomic else exp.Paren(this=e)


def case_when(condition: exp.Expression, then: exp.Expression, default: exp.Expression | None = None):
    case = exp.Case(ifs=[exp.If(this=condition, true=then)])
    return case.else_(default, copy=False) if default is not None else case


def flag(condition: exp.Expression) -> exp.Expression:
    """1 where the condition holds, else 0 (NULL counts as not holding)."""
    return case_when(condition, num(1), num(0))


def safe_div(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """a / b as a double, NULL when b is 0 or NULL (never a division error)."""
    return case_when(exp.NEQ(this=paren(b.copy()), expression=num(0)), div(double(a), double(b)))


def div(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """a / b with both sides parenthesised: trees built by hand get no precedence parens."""
    return exp.Div(this=paren(a), expression=paren(b))


def mul(*factors: exp.Expression) -> exp.Expression:
    result = paren(factors[0])
    for factor in factors[1:]:
        result = exp.Mul(this=result, expression=paren(factor))
    return result


def sub(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.Sub(this=paren(a), expression=paren(b))


def add(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.Add(this=paren(a), expression=paren(b))


def sqrt_nonneg(e: exp.Expression) -> exp.Expression:
    """SQRT that is 0 for tiny negative rounding noise instead of an error."""
    return case_when(exp.GT(this=paren(e.copy()), expression=num(0)), exp.Sqrt(this=e), num(0))


def on_scale(value: exp.Expression, low, high) -> exp.Expression:
    """A whole number within [low, high]."""
    return exp.and_(
        exp.Between(this=value.copy(), low=num(low), high=num(high)),
        exp.EQ(this=value.copy(), expression=exp.Floor(this=value.copy())),
    )


def measured_number(name: str, numbers: dict[str, str | None]) -> exp.Expression:
    """A measured column as a number. `numbers` maps the columns of a typed CSV file that are
    not numbers to their companion column of the values that are (column_types.py), so that
    the rest reads as NULL (invalid) on every engine; other columns are cast where the engine
    can try (TRY_CAST), else cast."""
    if name not in numbers:
        lowered = {k.lower(): k for k in numbers}
        name = lowered.get(name.lower(), name)
    if name in numbers:
        companion = numbers[name]
        return double(col(companion)) if companion else double(exp.Null())
    # safe: Spark's TRY_CAST (sqlglot writes a plain TryCast as CAST there, which fails on 'N/A')
    return exp.TryCast(
        this=col(name), to=exp.DataType(this=exp.DataType.Type.DOUBLE, nested=False), safe=True
    )


#: Integer types (as warehouses name them) and their ranges.
INTEGER_RANGES = {
    **dict.fromkeys(("TINYINT", "INT1"), (-(2**7), 2**7 - 1)),
    **dict.fromkeys(("SMALLINT", "INT2", "SHORT"), (-(2**15), 2**15 - 1)),
    **dict.fromkeys(("INTEGER", "INT", "INT4", "SIGNED"), (-(2**31), 2**31 - 1)),
    **dict.fromkeys(("BIGINT", "INT8", "LONG"), (-(2**63), 2**63 - 1)),
    "HUGEINT": (-(2**127), 2**127 - 1),
    "UTINYINT": (0, 2**8 - 1),
    "USMALLINT": (0, 2**16 - 1),
    "UINTEGER": (0, 2**32 - 1),
    "UBIGINT": (0, 2**64 - 1),
    "UHUGEINT": (0, 2**128 - 1),
}
FLOATS = frozenset({"DOUBLE", "FLOAT8", "DOUBLE PRECISION", "FLOAT", "FLOAT4", "REAL"})


def numeric_kind(column_type: str | None) -> str | None:
    """ "integer", "float" (DECIMAL too) or None (text, unknown: converted with TRY_CAST)."""
    if not column_type:
        return None
    if column_type in INTEGER_RANGES:
        return "integer"
    if column_type in FLOATS or column_type.startswith(("DECIMAL", "NUMERIC")):
        return "float"
    return None


def typed_number(name: str, column_type: str | None, files: dict[str, str | None]) -> exp.Expression:
    """A measured column as a DOUBLE: as it is, or cast, when its type is a number; else
    converted where the engine can try (sqlkit.measured_number). A BOOLEAN is 1 or 0 on every
    engine (PostgreSQL casts none to a number; DuckDB's TRY_CAST and SQLite give 1/0)."""
    if column_type in ("BOOLEAN", "BOOL"):
        value = col(name)
        not_value = exp.Not(this=value.copy())
        return double(exp.Case(ifs=[exp.If(this=value, true=num(1)), exp.If(this=not_value, true=num(0))]))
    if numeric_kind(column_type) is None:
        return measured_number(name, files)
    return col(name) if column_type in ("DOUBLE", "FLOAT8", "DOUBLE PRECISION") else double(col(name))


def not_null(value: exp.Expression) -> exp.Expression:
    return exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null()))


@dataclass
class MetricSql:
    """The four result expressions of one metric for one group of rows."""

    value: exp.Expression
    n: exp.Expression
    invalid: exp.Expression
    moe: exp.Expression | None = None


def proportion(count: exp.Expression, n: exp.Expression) -> MetricSql:
    """100·count/n with its margin 1.96·100·√(p(1−p)/n)."""
    p = safe_div(count, n.copy())
    moe = case_when(
        exp.GT(this=paren(n.copy()), expression=num(0)),
        mul(num(Z), num(100), sqrt_nonneg(div(mul(p, sub(num(1), p.copy())), double(n.copy())))),
    )
    return MetricSql(value=mul(num(100), p.copy()), n=n, invalid=num(0), moe=moe)


def mean_with_moe(total: exp.Expression, n: exp.Expression, *, deviations: exp.Expression) -> tuple:
    """The mean S/n and its margin 1.96·s/√n, s² = D/(n − 1), from the sum S, n and D, the sum
    of squared deviations from the group's own mean (a `Measure(value, "deviations")`). Not
    from sums of raw squares, (Q − S²/n)/(n − 1): for values far from 0 against their spread
    (1e9 + cents, 1e12 + 0…3) the squares need more digits than a double keeps and the margin
    came out as another number or 0."""
    mean = safe_div(total.copy(), n.copy())
    variance = div(double(deviations), double(sub(n.copy(), num(1))))
    moe = case_when(
        exp.GT(this=paren(n.copy()), expression=num(1)),
        div(mul(num(Z), sqrt_nonneg(variance)), exp.Sqrt(this=double(n.copy()))),
    )
    return mean, moe


#: The widest scale (high − low) whose means sum squares (scale_center) instead of deviations.
EXACT_SCALE_SPAN = 1000
#: The largest |low|, |high| of such a scale: Σx then stays below 2⁵³, where a double adds
#: whole numbers exactly in any order, up to 9·10⁹ answers in a cell.
EXACT_SCALE_BOUND = 1_000_000


def scale_center(scale: tuple[int, int] | None, dialect: str) -> int | None:
    """The whole number K about which a mean of values on `scale` sums its squares, Σ(x − K)²
    (the scale's midpoint), or None: no scale, one wider than EXACT_SCALE_SPAN or reaching
    beyond ±EXACT_SCALE_BOUND, or SQLite. Values on a scale are whole numbers (on_scale), so
    their sums and those squares are whole numbers, exact in any order (a double holds every
    whole number below 2⁵³: Σ(x − K)² ≤ n·500²). The engines' VAR_POP, which the deviations
    use, combines threads' parts in no fixed order, and a margin's last bits changed from run
    to run. SQLite (one thread: the same bits on every run) has no DECIMAL: in doubles the
    numerator of scale_deviations would lose digits past 2⁵³, so it keeps the deviations."""
    if scale is None or dialect == "sqlite" or scale[1] - scale[0] > EXACT_SCALE_SPAN:
        return None
    if max(abs(scale[0]), abs(scale[1])) > EXACT_SCALE_BOUND:
        return None
    return (scale[0] + scale[1]) // 2


def scale_deviations(total, n, squares, center: int) -> exp.Expression:
    """D = Σ(x − g)² about the group's own mean g, from exact sums of whole numbers on a scale:
    S = Σx, n and Q = Σ(x − K)² (scale_center), as (n·Q − (S − n·K)²)/n with the numerator in
    decimals, exact, so one rounding in all (none of the digits the raw squares' formula
    loses). Each part a DECIMAL(29, 0) (BigQuery's widest whole NUMERIC), their products of
    38 digits. `total`, `n` and `squares` are used once each."""
    count = decimal(n, 0, 29)
    offset = paren(sub(decimal(total, 0, 29), mul(num(center), count.copy())))
    numerator = sub(mul(count.copy(), decimal(squares, 0, 29)), mul(offset, offset.copy()))
    return div(double(numerator), double(count))


def same_entity(this: exp.Expression, this_type: str | None, other: exp.Expression, other_type: str | None):
    """`this = other` for two sources' entity columns: compared as text when one is text and
    the other a number (DuckDB and PostgreSQL refuse `7 = '007'` or read it their own way),
    the number written as entity_text writes it."""
    this_kind, other_kind = numeric_kind(this_type), numeric_kind(other_type)
    if this_type and other_type and (this_kind is None) != (other_kind is None):
        this, other = entity_text(this, this_kind), entity_text(other, other_kind)
    return exp.EQ(this=this, expression=other)


#: Whole numbers below this are written as integers by entity_text (a double holds them exactly).
_WHOLE_IDS = 10**15


def entity_text(value: exp.Expression, kind: str | None) -> exp.Expression:
    """An entity as text, to compare with another source's text ids. A fractional number type
    (`columns: {id: number}`, a DOUBLE or NUMERIC column) holding a whole number is written as
    the integer ("7", as a person writes it): DuckDB, SQLite and Spark cast 7.0 to "7.0" and
    PostgreSQL to "7", which joined one customer on PostgreSQL and nowhere else."""
    as_text = exp.DataType(this=exp.DataType.Type.VARCHAR, nested=False)
    if kind != "float":
        return exp.Cast(this=value, to=as_text)
    whole = exp.and_(
        exp.EQ(this=value.copy(), expression=exp.Floor(this=value.copy())),
        exp.LT(this=exp.Abs(this=value.copy()), expression=num(_WHOLE_IDS)),
    )
    return exp.Case(
        ifs=[exp.If(this=whole, true=exp.Cast(this=bigint(value.copy()), to=as_text.copy()))],
        default=exp.Cast(this=value, to=as_text.copy()),
    )


#: Type names of text columns, as warehouses spell them (VARCHAR, CHARACTER VARYING, TEXT…).
_TEXT_TYPES = ("CHAR", "TEXT", "STRING", "CLOB")


def is_text(column_type: str | None) -> bool:
    return bool(column_type) and any(t in column_type.upper() for t in _TEXT_TYPES)


def byte_order(value: exp.Expression, column_type: str | None, dialect: str) -> exp.Expression:
    """`value` ordered as bytes, as DuckDB, SQLite and Spark order text: on PostgreSQL a text
    column gets `COLLATE "C"`, since a database that sorts by language rules ('a' < 'B') put
    another of a key's tied rows first, and kept other numbers for the same data."""
    if dialect == "postgres" and is_text(column_type):
        return exp.Collate(this=value, expression=exp.Identifier(this="C", quoted=True))
    return value
