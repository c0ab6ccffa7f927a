"""The DuckDB relation reading an export: every column as text, header rows left out, then
typed. Built as a sqlglot tree; cxspec inlines it on DuckDB and loads its rows elsewhere."""

from __future__ import annotations

from sqlglot import exp

from cxspec_survey_exports.layout import FLAG, INTEGER, STATUS, TIMESTAMP, Layout

#: A leading number, alone or before a label: "7", "10 - Extremely likely", "0 = Not at all".
LEADING_NUMBER = r"^\s*([-+]?[0-9]+(?:\.[0-9]+)?)\s*(?:$|[-–=:)]|\s)"
#: Date formats the platforms write (Qualtrics; SurveyMonkey's US form; both without seconds).
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M")
#: Qualtrics' response types as choice-text exports name them → their numeric codes.
STATUS_CODES = {
    "ip address": 0,
    "survey preview": 1,
    "survey test": 2,
    "imported": 4,
    "spam": 8,
    "survey preview spam": 9,
    "preview spam": 9,
    "imported spam": 12,
    "offline": 16,
    "offline survey preview": 17,
}


def raw_name(index: int) -> str:
    """The name of a file column as read: by position, so empty or repeated names cannot clash."""
    return f"c{index + 1}"


def raw(index: int) -> exp.Expression:
    """A file column's text; empty is no answer."""
    column = exp.column(raw_name(index), quoted=True)
    return exp.Nullif(this=column, expression=exp.Literal.string(""))


def reader(path: str, width: int) -> exp.Expression:
    """read_csv over every column as text, the first record as the header."""

    def option(name: str, value: exp.Expression) -> exp.Expression:
        return exp.EQ(this=exp.var(name), expression=value)

    columns = exp.Struct(
        expressions=[
            exp.PropertyEQ(this=exp.Literal.string(raw_name(i)), expression=exp.Literal.string("VARCHAR"))
            for i in range(width)
        ]
    )
    return exp.Anonymous(
        this="read_csv",
        expressions=[
            exp.Literal.string(path),
            option("header", exp.true()),
            option("delim", exp.Literal.string(",")),
            option("quote", exp.Literal.string('"')),
            option("escape", exp.Literal.string('"')),
            option("columns", columns),
        ],
    )


def number(value: exp.Expression, labels: dict | None = None) -> exp.Expression:
    """A number from a numeric or choice-text answer: `labels` first (exact text), then a
    leading number; anything else is no answer (NULL)."""
    leading = exp.Anonymous(
        this="regexp_extract",
        expressions=[value.copy(), exp.Literal.string(LEADING_NUMBER), exp.Literal.number(1)],
    )
    parsed = exp.TryCast(this=leading, to=exp.DataType.build("DOUBLE"))
    if not labels:
        return parsed
    case = exp.Case(this=exp.Trim(this=value.copy()))
    for label, score in labels.items():
        case = case.when(
            exp.Literal.string(str(label).strip()), exp.cast(exp.Literal.number(score), "DOUBLE")
        )
    return exp.Coalesce(this=case, expressions=[parsed])


def timestamp(value: exp.Expression, timezone: str) -> exp.Expression:
    """A local date-time of the export's time zone as a UTC timestamp (no zone)."""
    parsed = exp.Anonymous(
        this="try_strptime",
        expressions=[value, exp.Array(expressions=[exp.Literal.string(f) for f in DATE_FORMATS])],
    )
    # %Y takes "22" for the year 22: a date before the year 1000 is a two-digit year (the
    # first response's are refused at validation), not a date to count in year 22
    year = exp.Anonymous(this="year", expressions=[parsed.copy()])
    local = exp.Case().when(exp.GTE(this=year, expression=exp.Literal.number(1000)), parsed)
    zoned = exp.AtTimeZone(this=local, zone=exp.Literal.string(timezone))
    return exp.AtTimeZone(this=zoned, zone=exp.Literal.string("UTC"))


def integer(value: exp.Expression) -> exp.Expression:
    return exp.TryCast(this=exp.Trim(this=value), to=exp.DataType.build("BIGINT"))


def flag(value: exp.Expression) -> exp.Expression:
    """1/0 from a numeric export's 1/0 and a choice-text export's True/False."""
    lowered = exp.Lower(this=exp.Trim(this=value))
    return (
        exp.Case()
        .when(
            exp.In(this=lowered, expressions=[exp.Literal.string("1"), exp.Literal.string("true")]),
            exp.Literal.number(1),
        )
        .when(
            exp.In(this=lowered.copy(), expressions=[exp.Literal.string("0"), exp.Literal.string("false")]),
            exp.Literal.number(0),
        )
    )


def status(value: exp.Expression) -> exp.Expression:
    """Qualtrics' numeric response type, from either export variant."""
    case = exp.Case(this=exp.Lower(this=exp.Trim(this=value.copy())))
    for label, code in STATUS_CODES.items():
        case = case.when(exp.Literal.string(label), exp.Literal.number(code))
    return exp.Coalesce(this=integer(value), expressions=[case])


def typed(kind: str, value: exp.Expression, timezone: str) -> exp.Expression:
    if kind == TIMESTAMP:
        return timestamp(value, timezone)
    if kind == INTEGER:
        return integer(value)
    if kind == FLAG:
        return flag(value)
    if kind == STATUS:
        return status(value)
    return value


def inline_columns(columns: list[str]) -> exp.Expression:
    """The records of an export read in Python (.xlsx) as text columns c1…cN, from one JSON
    list of texts per column (`xlsx.json_columns`), unnested side by side. One literal per
    column keeps the SQL tree small (a VALUES list of 20,000 × 46 cells took sqlglot minutes
    and gigabytes) and the compiled SQL self-contained."""
    select = [
        exp.alias_(
            exp.Unnest(
                expressions=[
                    exp.Anonymous(
                        this="from_json",
                        expressions=[exp.Literal.string(cells), exp.Literal.string('["VARCHAR"]')],
                    )
                ]
            ),
            raw_name(i),
            quoted=True,
        )
        for i, cells in enumerate(columns)
    ]
    return exp.alias_(exp.Subquery(this=exp.select(*select)), "export", table=True, copy=False)


def relation(
    path: str,
    layout: Layout,
    timezone: str,
    mapped: list[tuple[str, exp.Expression]],
    columns: list[str] | None = None,
) -> exp.Expression:
    """SELECT the typed columns and the mapped names FROM the export, responses only: read
    with read_csv from `path`, or from `columns` (JSON lists of the texts after the first
    record) when the export was read in Python."""
    select = [
        exp.alias_(typed(c.kind, raw(c.index), timezone), c.name, quoted=True, copy=False)
        for c in layout.columns
    ]
    select += [exp.alias_(value, name, quoted=True, copy=False) for name, value in mapped]
    key = raw(layout.key_index)
    headers = [exp.Literal.string(v) for v in layout.header_keys if v]
    not_header = exp.Not(this=exp.In(this=key.copy(), expressions=headers)) if headers else None
    if layout.keyless_responses:
        # a row without a key is still a response (header rows are told by their key text);
        # a row with no cell at all is not
        some_cell = exp.Coalesce(this=raw(0), expressions=[raw(i) for i in range(1, layout.width)])
        responses: exp.Expression = exp.Not(this=exp.Is(this=some_cell, expression=exp.Null()))
        if not_header is not None:
            keyless = exp.Is(this=key.copy(), expression=exp.Null())
            responses = exp.and_(responses, exp.Paren(this=exp.or_(keyless, not_header)))
    else:
        responses = exp.Not(this=exp.Is(this=key, expression=exp.Null()))
        if not_header is not None:
            responses = exp.and_(responses, not_header)
    source = (
        inline_columns(columns)
        if columns is not None
        else exp.alias_(reader(path, layout.width), "export", table=True, copy=False)
    )
    query = exp.select(*select).from_(source, copy=False).where(responses, copy=False)
    return exp.Subquery(this=query)
