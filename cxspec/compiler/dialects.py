"""What differs between warehouses, closed here so the rest of the compiler is dialect-free.

Periods are calendar periods in UTC named by their first day; timestamps with an offset
are converted to UTC first. SQLite has neither DATE_TRUNC nor PERCENTILE_CONT: periods use
its date() modifiers and percentiles an exact window-function form (sqlgen.py).
"""

from __future__ import annotations

import datetime as dt

from cxspec.column_types import JAVA_SPACE, NUMBER_CHARACTERS, POSIX_SPACE, number_text
from cxspec.compiler.sqlkit import byte_order, col, is_text, num, text, typed_number
from cxspec.lazyexp import LAZY_EXP as exp
from cxspec.time_text import SQLITE_STRPTIME

#: Dialects whose timestamps go through TIMESTAMPTZ, so that offsets are applied.
_TZ_CAST = {"duckdb", "postgres", "snowflake", "redshift"}
_STEP = {
    "day": ("DAY", 1),
    "week": ("DAY", 7),
    "month": ("MONTH", 1),
    "quarter": ("MONTH", 3),
    "year": ("YEAR", 1),
}


def utc_timestamp(
    value: exp.Expression, dialect: str, column_type: str | None = None, time_format: str | None = None
) -> exp.Expression:
    """The event time as a UTC timestamp without zone (the session runs in UTC).

    `time_format` is the source's `time_format:` (strptime-style): the column's text is
    parsed with it, whatever the column's type.

    `column_type` is the column's type as the warehouse describes it, when known: a TIMESTAMP
    is used as it is, a zoned one converted without text. Unknown or text columns go through
    TIMESTAMPTZ so that offsets written in the text are applied.
    """
    if time_format:
        return parse_time(value, time_format, dialect)
    known = _known_type(value, dialect, (column_type or "").upper())
    if known is not None:
        return known
    if dialect == "sqlite":
        return exp.Anonymous(this="datetime", expressions=[value])
    if dialect in _TZ_CAST:
        # AT TIME ZONE, not CAST(… AS TIMESTAMP): DuckDB 2.0 pushes that cast into its CSV
        # reader (type_pushdown), which then parses the text and drops the offset.
        zoned = exp.cast(value, exp.DataType.build("TIMESTAMPTZ"))
        return exp.AtTimeZone(this=zoned, zone=text("UTC"))
    if dialect == "spark":
        # Spark may read the time of a row before the source's filter leaves it out (an 'N/A'
        # of an open ticket kept out by `status = 'Closed'`): its CAST stopped the query, which
        # the other engines answer. The times of the rows kept are checked before any query
        # runs (CX411), so try_to_timestamp changes nothing else.
        return exp.Anonymous(this="try_to_timestamp", expressions=[value])
    return exp.cast(value, exp.DataType.build("TIMESTAMP"))


def as_of_limit(as_of: dt.datetime, dialect: str) -> exp.Expression:
    """The first instant after the `--as-of` second (commands/as_of.py): a time is not after
    the as-of time when it is before this. The as-of time is given to the second and covers
    that second whole, so a time of 23:59:59.5 is seen as of its day on every engine (compared
    with 23:59:59 itself, DuckDB and PostgreSQL left it out while SQLite, whose datetime()
    drops the fraction, kept it)."""
    after = as_of.replace(microsecond=0) + dt.timedelta(seconds=1)
    return utc_timestamp(text(after.isoformat(sep=" ")), dialect)


def parse_time(value: exp.Expression, time_format: str, dialect: str) -> exp.Expression:
    """Text written in a strptime format as a UTC timestamp: sqlglot's StrToTime, which each
    dialect renders in its own words (DuckDB STRPTIME, PostgreSQL and Spark TO_TIMESTAMP with
    the format translated); SQLite through the warehouse's own function."""
    as_text = exp.cast(value, exp.DataType.build("TEXT"))
    if dialect == "sqlite":
        parsed = exp.Anonymous(this=SQLITE_STRPTIME, expressions=[as_text, text(time_format)])
        return exp.Anonymous(this="datetime", expressions=[parsed])
    if time_format.endswith("%z") and dialect in ("duckdb", "postgres", "spark"):
        as_text = _offset_with_colon(as_text, dialect)
    template = _template(time_format, dialect) if dialect in _TEMPLATES else None
    if template is not None:
        parsed = exp.Anonymous(this="TO_TIMESTAMP", expressions=[as_text, text(template)])
    else:
        parsed = exp.StrToTime(this=as_text, format=text(time_format))
    if dialect in ("duckdb", "postgres") and ("%z" in time_format or dialect == "postgres"):
        # A zoned result (PostgreSQL's TO_TIMESTAMP always is) as its UTC wall time.
        parsed = exp.AtTimeZone(this=parsed, zone=text("UTC"))
    if template is not None and "%y" in time_format.replace("%%", ""):
        parsed = _strptime_century(parsed)
    return parsed


def _strptime_century(moment: exp.Expression) -> exp.Expression:
    """A two-digit year's century as strptime gives it: 69–99 → 1969–1999, 00–68 → 2000–2068.
    Spark's `yy` reads every one as 20xx (95 → 2095) and PostgreSQL's `YY` 69 as 2069: a year
    from 2069 on can only be such a year, so it goes back 100 years."""
    late = exp.GTE(this=exp.Year(this=moment.copy()), expression=exp.Literal.number(2069))
    century = exp.Interval(this=exp.Literal.string("100"), unit=exp.var("YEAR"))
    return exp.If(this=late, true=exp.Sub(this=moment.copy(), expression=century), false=moment)


#: strptime codes → TO_TIMESTAMP patterns, per dialect; then how a literal is quoted there
#: and the characters that must be. `%z` reads +HH:MM (and Z on Spark), after
#: `_offset_with_colon` wrote every offset that way (PostgreSQL's TZH reads +0200 as 200
#: hours; Spark's Z takes +0200 only). Spark's one-letter patterns take one or two digits,
#: as strptime does.
_TEMPLATES = {
    "postgres": (
        {
            "%Y": "YYYY", "%y": "YY", "%m": "MM", "%d": "DD", "%H": "HH24", "%I": "HH12",
            "%M": "MI", "%S": "SS", "%f": "US", "%p": "AM", "%b": "Mon", "%B": "Month",
            "%j": "DDD", "%a": "Dy", "%A": "Day", "%z": "TZH:TZM", "%%": "%",
        },
        ('"', '\\"'),
        '"',
    ),
    "spark": (
        {
            "%Y": "yyyy", "%y": "yy", "%m": "M", "%d": "d", "%H": "H", "%I": "h", "%M": "m",
            "%S": "s", "%f": "SSSSSS", "%p": "a", "%b": "MMM", "%B": "MMMM", "%j": "D",
            "%a": "EEE", "%A": "EEEE", "%z": "XXX", "%%": "%",
        },
        ("'", "''"),
        "'[]#{}",
    ),
}  # fmt: skip


def _template(time_format: str, dialect: str) -> str | None:
    """The TO_TIMESTAMP template of a strptime format; None for codes it does not know.

    Letters and digits written in the format are quoted: bare, the engine reads them as
    patterns (on PostgreSQL the T of `%Y-%m-%dT%H:%M` made `DDTH`, a day with an ordinal
    suffix, and the hours were lost; Spark refuses the pattern). Other characters stay bare:
    separators.
    """
    codes, (quote, escaped), special = _TEMPLATES[dialect]
    parts: list[tuple[bool, str]] = []  # (a pattern, its text)
    i = 0
    while i < len(time_format):
        char = time_format[i]
        if char == "%":
            code = codes.get(time_format[i : i + 2])
            if code is None:
                return None
            parts.append((True, code))
            i += 2
            continue
        if char.isalnum() or char in special:
            char = f"{quote}{char.replace(quote, escaped)}{quote}"
        parts.append((False, char))
        i += 1
    # Spark's one-letter patterns take one or two digits; next to another pattern (`%Y%m%d`)
    # they cannot tell where they end, so there they take two, as `%m` does in such a format.
    return "".join(
        text * 2 if text in _ONE_OR_TWO and _beside_pattern(parts, n) else text
        for n, (_, text) in enumerate(parts)
    )


_ONE_OR_TWO = frozenset({"M", "d", "H", "h", "m", "s"})


def _beside_pattern(parts: list[tuple[bool, str]], n: int) -> bool:
    return (n > 0 and parts[n - 1][0]) or (n + 1 < len(parts) and parts[n + 1][0])


def _offset_with_colon(value: exp.Expression, dialect: str) -> exp.Expression:
    """A trailing UTC offset as +HH:MM, as strptime's `%z` reads them all: `Z` → +00:00,
    +0200 → +02:00 (DuckDB's STRPTIME takes no Z, PostgreSQL's TZH no +0200). Values that
    do not end in an offset are left as they are, to fail as they would have."""
    trimmed = exp.Trim(this=value)
    zulu = exp.RegexpReplace(this=trimmed, expression=text("Z$"), replacement=text("+00:00"))
    groups = "$1:$2" if dialect == "spark" else "\\1:\\2"  # Java's replacement syntax
    return exp.RegexpReplace(
        this=zulu, expression=text("([+-][0-9][0-9]):?([0-9][0-9])$"), replacement=text(groups)
    )


def _known_type(value: exp.Expression, dialect: str, column_type: str) -> exp.Expression | None:
    if dialect not in ("duckdb", "postgres") or not column_type:
        return None
    if column_type in ("TIMESTAMP", "TIMESTAMP WITHOUT TIME ZONE", "DATETIME"):
        return value  # already a UTC wall time in a UTC session
    if column_type == "DATE":
        return exp.cast(value, exp.DataType.build("TIMESTAMP"))
    if column_type in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        if dialect == "duckdb":
            # The instant's UTC wall time from its epoch: cheaper per row than AT TIME ZONE,
            # which goes through ICU (figures in benchmarks/README.md, "Execute").
            micros = exp.Anonymous(this="epoch_us", expressions=[value])
            return exp.Anonymous(this="make_timestamp", expressions=[micros])
        return exp.AtTimeZone(this=value, zone=text("UTC"))
    return None


def period_start(timestamp: exp.Expression, grain: str, dialect: str) -> exp.Expression:
    """The first day (a DATE) of the period holding a UTC timestamp."""
    if dialect == "sqlite":
        return _sqlite_period(timestamp, grain)
    unit = {"week": "WEEK"}.get(grain, grain.upper())
    truncated = exp.TimestampTrunc(this=timestamp, unit=exp.var(unit))
    return exp.cast(truncated, exp.DataType.build("DATE"))


def _sqlite_period(ts: exp.Expression, grain: str) -> exp.Expression:
    def date(*modifiers: exp.Expression) -> exp.Expression:
        return exp.Anonymous(this="date", expressions=[ts.copy(), *modifiers])

    if grain == "day":
        return date()
    if grain == "week":  # back 6 days, then forward to a Monday: the ISO week's Monday
        return date(text("-6 days"), text("weekday 1"))
    if grain == "month":
        return date(text("start of month"))
    if grain == "year":
        return date(text("start of year"))
    # quarter: the month's start, minus (month - 1) % 3 months
    month = exp.cast(
        exp.Anonymous(this="strftime", expressions=[text("%m"), ts.copy()]), exp.DataType.build("INT")
    )
    # Parenthesised: in SQLite `||` binds tighter than `%`.
    back = exp.Paren(
        this=exp.Mod(this=exp.Paren(this=exp.Sub(this=month, expression=num(1))), expression=num(3))
    )
    modifier = exp.DPipe(this=exp.DPipe(this=text("-"), expression=back), expression=text(" months"))
    return date(text("start of month"), modifier)


def next_period(period: exp.Expression, grain: str, dialect: str) -> exp.Expression:
    """The first day of the following period."""
    unit, count = _STEP[grain]
    if dialect == "sqlite":
        modifier = f"+{count} {unit.lower()}s" if count > 1 else f"+1 {unit.lower()}"
        return exp.Anonymous(this="date", expressions=[period, text(modifier)])
    added = exp.DateAdd(this=period, expression=num(count), unit=exp.var(unit))
    return exp.cast(added, exp.DataType.build("DATE"))


#: Dialects with SEQUENCE over dates: their spines of periods are generated arrays (Spark stops
#: recursive CTEs at 100 levels by default, fewer than the days of a year).
_SEQUENCE = {"spark", "spark2", "databricks"}


def period_series(first: exp.Expression, last: exp.Expression, grain: str, dialect: str):
    """Every period's first day from `first` to `last`, one row each, where the dialect
    generates them without recursion; None elsewhere (a recursive CTE is used)."""
    if dialect not in _SEQUENCE:
        return None
    unit, count = _STEP[grain]
    step = exp.Interval(this=exp.Literal.string(str(count)), unit=exp.var(unit))
    return exp.Explode(this=exp.GenerateSeries(start=first, end=last, step=step))


def timestamp_of_date(period: exp.Expression, dialect: str) -> exp.Expression:
    """A period's first day as a timestamp at midnight, to compare with event times."""
    if dialect == "sqlite":
        return exp.Anonymous(this="datetime", expressions=[period])
    return exp.cast(period, exp.DataType.build("TIMESTAMP"))


def native_percentile(dialect: str) -> bool:
    return dialect != "sqlite"


def percentile(value: exp.Expression, fraction: float, dialect: str) -> exp.Expression:
    """Continuous percentile with linear interpolation (PERCENTILE_CONT) of non-NULL values."""
    if dialect in ("spark", "spark2", "databricks", "hive"):
        # sqlglot renders PERCENTILE_CONT as PERCENTILE_APPROX there; `percentile` is exact.
        return exp.Anonymous(this="percentile", expressions=[value, num(fraction)])
    return exp.WithinGroup(
        this=exp.PercentileCont(this=num(fraction)),
        expression=exp.Order(expressions=[exp.Ordered(this=value, nulls_first=False)]),
    )


def count_where(condition: exp.Expression, dialect: str) -> exp.Expression:
    """Rows of a group where `condition` holds (NULL counts as not holding), in the engine's
    cheapest form: COUNT_IF on DuckDB and Spark, COUNT(*) FILTER (WHERE …) on PostgreSQL,
    SUM(CASE WHEN … THEN 1 ELSE 0 END) elsewhere (SQLite). Every form is 0 where no row holds."""
    if dialect in ("duckdb", "spark", "spark2", "databricks"):
        return exp.CountIf(this=condition)
    if dialect == "postgres":
        return exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=condition))
    return exp.Sum(this=exp.Case(ifs=[exp.If(this=condition, true=num(1))], default=num(0)))


#: A number as text, as cxspec reads one everywhere (column_types.number_text), for RE2, SQLite's
#: and PostgreSQL's regexes and for Spark's Java ones, which have no [[:space:]].
_NUMBER_TEXT = f"^{number_text(POSIX_SPACE)}$"
_PLAIN_NUMBER_TEXT = f"^{number_text(POSIX_SPACE, exponent=False)}$"
_JAVA_NUMBER_TEXT = f"^{number_text(JAVA_SPACE)}$"
#: The largest double: number text beyond it reads as infinity, which is no number (invalid).
_LARGEST = 1.7976931348623157e308
#: Text longer than this is no number on any engine (column_types.NUMBER_CHARACTERS: what
#: PostgreSQL's NUMERIC reads exactly, with an exponent of at most four digits).
_CHARACTERS = NUMBER_CHARACTERS
#: PostgreSQL's cast fails on text beyond a double's range, both ways: the exact bounds of
#: round-to-nearest, |x| >= 2**1024 - 2**970 is infinite, |x| <= 2**-1075 is 0 (compared as
#: NUMERIC, which reads a number text of at most _CHARACTERS with an exponent of at most four
#: digits exactly).
_INFINITE = 2**1024 - 2**970
_ZERO_SCALE = 2**1075
_SHORT = 250


def number(name: str, column_type: str | None, files: dict[str, str | None], dialect: str) -> exp.Expression:
    """A measured column as a DOUBLE (sqlkit.typed_number), a value that is not a number NULL
    on every engine (`safe_number`)."""
    return safe_number(typed_number(name, column_type, files), dialect)


def safe_number(value: exp.Expression, dialect: str) -> exp.Expression:
    """`value`, when it is the conversion of a measured value to a number (a safe TRY_CAST to
    DOUBLE, sqlkit.measured_number), written so that text is a number on every engine exactly
    when the whole text is a decimal number (`_NUMBER_TEXT`) within the range of a double, else
    NULL (invalid), as a CSV file's typing reads it. SQLite's CAST read 'N/A' as 0, a valid
    score: a silent wrong number; PostgreSQL's failed the whole metric, on '2e308' too.
    DuckDB's TRY_CAST reads more than numbers ('1_000' as 1000, '+-1' as -1), Spark's Java's
    ('NaN', 'Infinity', '1d'), and both read '2e308' as infinity, which stopped the metric.
    Applied where the conversion is made, not by a walk of the whole statement (which cost
    0.02 s more per 1,000 metrics compiled)."""
    if (
        dialect in ("sqlite", "postgres", "duckdb", "spark", "databricks")
        and isinstance(value, exp.TryCast)
        and value.args.get("safe")
        and value.to.is_type(exp.DataType.Type.DOUBLE)
    ):
        return _safe_double(value.this, dialect)
    return value


def _short(value: exp.Expression) -> exp.Expression:
    return exp.LTE(this=exp.Length(this=exp.cast(value.copy(), "TEXT")), expression=num(_CHARACTERS))


def _finite(number: exp.Expression) -> exp.Expression:
    return exp.LTE(this=exp.Abs(this=number), expression=num(_LARGEST))


def _safe_double(value: exp.Expression, dialect: str) -> exp.Expression:
    double = exp.DataType.build("DOUBLE")
    if dialect == "postgres":
        return _postgres_double(value)
    if dialect != "sqlite":
        # DuckDB, Spark: only text is tested (TYPEOF is folded per column: a number costs
        # nothing more, where the test made a percentile 9x slower); TRY_CAST still, for the
        # range of a double, and a number as it is (a Parquet file's NaN is refused later)
        typed = exp.Anonymous(this="TYPEOF", expressions=[value.copy()])
        as_text = "VARCHAR" if dialect == "duckdb" else "string"
        pattern = _NUMBER_TEXT if dialect == "duckdb" else _JAVA_NUMBER_TEXT
        cast = exp.TryCast(this=value.copy(), to=double, safe=True)
        is_number = exp.and_(
            exp.RegexpLike(this=exp.cast(value.copy(), "TEXT"), expression=text(pattern)),
            _short(value),
            _finite(cast.copy()),
        )
        return exp.Case(
            ifs=[exp.If(this=exp.NEQ(this=typed, expression=text(as_text)), true=cast),
                 exp.If(this=is_number, true=cast.copy())]
        )  # fmt: skip
    # SQLite: numbers as they are; text compared with its REAL reading is compared as a number
    # only when the whole text is one (SQLite's numeric affinity), so 'N/A' and '12abc' are not.
    # A whole number past 2**53 becomes the exact INTEGER, unequal to its rounded REAL reading:
    # it is compared with its INTEGER reading too (else '9007199254740993' was invalid)
    as_real = exp.Cast(this=value.copy(), to=double)
    as_integer = exp.Cast(this=value.copy(), to=exp.DataType.build("BIGINT"))
    stored = exp.In(this=exp.Anonymous(this="TYPEOF", expressions=[value.copy()]),
                    expressions=[text("integer"), text("real")])  # fmt: skip
    is_number = exp.or_(
        exp.EQ(this=value.copy(), expression=as_real.copy()),
        exp.EQ(this=value.copy(), expression=as_integer),
    )
    is_number = exp.and_(is_number, _short(value), _finite(as_real.copy()))
    return exp.Case(ifs=[exp.If(this=stored, true=as_real), exp.If(this=is_number, true=as_real.copy())])


def _postgres_double(value: exp.Expression) -> exp.Expression:
    """PostgreSQL has no TRY_CAST and its cast fails on a number text beyond a double's range
    ('2e308', '1e-400'): a short number text without an exponent is cast (the common case,
    one test: within 1e-250..1e250); another is compared as NUMERIC with the exact bounds
    first (infinite: NULL; too small: 0); past what NUMERIC reads (an exponent of five digits
    or more), a zero or a negative exponent is 0, else infinite: NULL."""
    double = exp.DataType.build("DOUBLE")
    value_text = exp.cast(value.copy(), "TEXT")

    def matches(pattern: str) -> exp.Expression:
        return exp.RegexpLike(this=value_text.copy(), expression=text(pattern))

    zero = exp.Cast(this=num(0), to=double.copy())
    cast = exp.Cast(this=value.copy(), to=double)
    magnitude = exp.Abs(this=exp.cast(value_text.copy(), "NUMERIC"))
    too_small = exp.LTE(this=exp.Mul(this=magnitude, expression=num(_ZERO_SCALE)), expression=num(1))
    finite = exp.LT(this=magnitude.copy(), expression=num(_INFINITE))
    exact = exp.Case(ifs=[exp.If(this=too_small, true=zero), exp.If(this=finite, true=cast.copy())])
    plain = exp.and_(
        matches(_PLAIN_NUMBER_TEXT), exp.LTE(this=exp.Length(this=value_text.copy()), expression=num(_SHORT))
    )
    is_number = exp.and_(matches(_NUMBER_TEXT), _short(value))
    readable = exp.Not(this=matches("[eE][-+]?0*[1-9][0-9]{4}"))
    vanishing = exp.or_(matches(r"^[[:space:]]*[-+]?[0.]*[eE]"), matches("[eE]-"))
    other = exp.Case(ifs=[exp.If(this=readable, true=exact), exp.If(this=vanishing, true=zero.copy())])
    return exp.Case(ifs=[exp.If(this=plain, true=cast), exp.If(this=is_number, true=other)])


def latest_first(source, resolution) -> list[exp.Ordered]:
    """The order of a key's rows, the kept one first: by time (latest, or earliest with
    `keep: earliest`; a NULL time never wins), then, for rows alike in time, by each column's
    value in name order (greatest first, text in byte order), so that every engine keeps the
    same row (each kept its own: three engines, three means). Without a warehouse the columns
    are unknown."""
    order = col(source.time) if source.time else col(source.key)
    resolved = resolution.sources.get(source.id)
    time_type = resolved.column_types.get(source.time) if resolved is not None and source.time else None
    if source.time and (source.time_format or is_text(time_type)):
        # A time written as text is ordered as the time it writes, not as text: "31/12/2025"
        # in a time_format, "2026-01-31T23:00" beside "2026-02-01 01:00", "10:00+05:00"
        # beside "08:00Z" each kept the older row of a key as the greater text.
        order = utc_timestamp(order, resolution.dialect, time_type, source.time_format)
    if source.time and resolution.dialect == "sqlite":
        # SQLite keeps times as text, written in any of ISO 8601's ways (a T or a space, Z or
        # an offset), and its datetime() drops the fraction: a key's versions 0.5 s apart
        # were ordered as text ("T" after " ") or tied. julianday() keeps the milliseconds.
        moment = utc_timestamp(col(source.time), "sqlite", time_type, source.time_format)
        order = exp.Anonymous(this="julianday", expressions=moment.expressions)
    ordered = [exp.Ordered(this=order, desc=source.keep != "earliest", nulls_first=False)]
    if resolved is not None:
        companions = {c for c in resolved.numbers.values() if c}
        skipped = companions | {source.time, source.key}
        names = sorted(c for c in resolved.column_types if c not in skipped and not c.startswith("__"))
        ordered += [
            exp.Ordered(
                this=byte_order(col(name), resolved.column_types[name], resolution.dialect),
                desc=True,
                nulls_first=False,
            )
            for name in names
        ]
    return ordered
