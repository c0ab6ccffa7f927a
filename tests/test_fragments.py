"""SQL fragments are one confined expression over the source's columns (CX501–CX505)."""

from __future__ import annotations

import pytest

from cxspec.diagnostics import DiagnosticSink, Location
from cxspec.registry import default_registry
from cxspec.sqlfrag import (
    MAX_FRAGMENT_CHARS,
    FragmentProblem,
    check_query,
    confinement_problems,
    fragment_location,
    parse_fragment,
)

ALLOWED = default_registry().sql_functions


def problems(text: str, dialect: str = "duckdb", allowed=ALLOWED) -> list[FragmentProblem]:
    parsed = parse_fragment(text, dialect)
    found = list(parsed.problems)
    if parsed.expression is not None:
        found += confinement_problems(parsed.expression, allowed)
    return found


ACCEPTED = [
    "channel = 'web'",
    "score >= 9",
    "a BETWEEN 1 AND 2",
    "channel IN ('phone', 'chat')",
    "NOT resolved",
    "a <> b OR a IS NULL",
    "a IS DISTINCT FROM b",
    "comment LIKE '%late%'",
    "lower(trim(touchpoint)) = 'onboarding_call'",
    "upper(a) = 'X'",
    "coalesce(resolved, false)",
    "nullif(score, 0) IS NOT NULL",
    "date_trunc('month', responded_at) = DATE '2026-04-01'",
    "CAST(score AS INTEGER) > 5",
    "TRY_CAST(score AS INTEGER) > 5",
    "score::int > 5",
    "CASE WHEN channel = 'web' THEN 1 ELSE 0 END = 1",
    "extract(year FROM responded_at) = 2026",
    "abs(delta) > 1 AND round(score, 1) = 4.5",
    "length(comment) > 0",
    "regexp_matches(comment, 'refund')",
    "date_diff('day', opened_at, closed_at) <= 3",
    "'a;b' = name",  # a `;` inside a string is not a statement end
    "a = 1 -- a comment; with a semicolon",
    '"Quoted Column" = 1',
    "TRUE",
    "first_contact_resolved",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted(text):
    assert problems(text) == []


REJECTED = [
    # statements and `;`
    ("SELECT 1", ["CX502"]),
    ("DROP TABLE responses", ["CX502"]),
    ("DELETE FROM responses", ["CX502"]),
    ("UPDATE responses SET score = 10", ["CX502"]),
    ("COPY responses TO 'out.csv'", ["CX502"]),
    ("ATTACH 'other.db'", ["CX502"]),
    ("PRAGMA database_list", ["CX502"]),
    ("SET threads = 1", ["CX502"]),
    ("a = 1; DELETE FROM responses", ["CX502"]),
    ("a = 1; DROP TABLE responses", ["CX502"]),
    ("a = 1; SELECT 2", ["CX502"]),
    ("a = 1;", ["CX502"]),
    ("a = 1; b = 2", ["CX502"]),
    ("a = 1\n;", ["CX502"]),
    # subqueries
    ("customer_id IN (SELECT id FROM vip)", ["CX503"]),
    ("EXISTS (SELECT 1 FROM vip)", ["CX503"]),
    ("score > (SELECT avg(score) FROM responses)", ["CX503"]),
    # functions not on the allow-list
    ("pg_read_file('/etc/passwd') IS NOT NULL", ["CX504"]),
    ("read_csv('/etc/passwd') IS NOT NULL", ["CX504"]),
    ("read_parquet('s3://bucket/x') IS NULL", ["CX504"]),
    ("getenv('HOME') = 'x'", ["CX504"]),
    ("random() < 0.5", ["CX504"]),
    ("my_udf(a)", ["CX504"]),
    # aggregates, windows, parameters, `*`, qualified names
    ("sum(score) > 10", ["CX505"]),
    ("count(*) > 1", ["CX505"]),
    ("count(DISTINCT customer_id) > 1", ["CX505"]),
    ("row_number() OVER (ORDER BY ts) = 1", ["CX505"]),
    ("avg(score) OVER (PARTITION BY channel) > 5", ["CX505"]),
    ("rank() OVER (ORDER BY ts) = 1", ["CX505"]),
    ("channel = ?", ["CX505"]),
    ("channel = $1", ["CX505"]),
    ("channel = :channel", ["CX505"]),
    ("*", ["CX505"]),
    ("r.channel = 'chat'", ["CX505"]),
    ("main.r.channel = 'chat'", ["CX505"]),
    ("lower(r.channel) = 'chat' AND pg_sleep(10) IS NULL", ["CX505", "CX504"]),
    # syntax
    ("score = ", ["CX501"]),
    ("score = = 1", ["CX501"]),
    ("lower(", ["CX501"]),
    ("channel = 'web", ["CX501"]),
    ("a = 1 UNION SELECT 1", ["CX501"]),
    (" ", ["CX501"]),
    ("x" * (MAX_FRAGMENT_CHARS + 1), ["CX501"]),
]


@pytest.mark.parametrize(("text", "codes"), REJECTED, ids=[t[:40] for t, _ in REJECTED])
def test_rejected(text, codes):
    found = problems(text)
    assert sorted(p.code for p in found) == sorted(codes), found
    assert all(p.message for p in found)


def test_messages_name_the_construct():
    assert problems("pg_read_file('x')")[0].message == "function pg_read_file() is not on the allow-list"
    assert problems("sum(a) > 1")[0].message == "aggregate sum() is not allowed in a fragment"
    assert (
        problems("rank() OVER (ORDER BY ts) = 1")[0].message
        == "a window function is not allowed in a fragment"
    )
    assert problems("t.a = 1")[0].hint == "write the column alone: a"
    assert problems("DROP TABLE x")[0].message == "a DROP statement is not an expression"
    assert problems("UPDATE t SET a = 1")[0].message == "an UPDATE statement is not an expression"
    assert problems("a = 1;")[0].message == "`;` ends a statement: a fragment is one expression"


def test_syntax_error_messages_do_not_leak_python_class_names():
    for text in ("lower(", "score = ", "CAST(a AS)"):
        for problem in problems(text):
            assert "<class" not in problem.message and "sqlglot" not in problem.message, problem


def test_plugins_can_allow_more_functions():
    assert [p.code for p in problems("my_udf(a) > 1")] == ["CX504"]
    assert problems("my_udf(a) > 1", allowed=ALLOWED | {"my_udf"}) == []


def test_problem_offsets_inside_the_fragment():
    assert [(p.line, p.column) for p in problems("a = 1; DROP TABLE x")] == [(1, 8)]
    assert [(p.line, p.column) for p in problems("resolved = 1;")] == [(1, 13)]
    assert [(p.line, p.column) for p in problems("a = 1\n  ; b")] == [(2, 3)]
    assert [(p.line, p.column) for p in problems("a = 1;\n  DELETE FROM t")] == [(2, 3)]
    assert [(p.line, p.column) for p in problems("score = = 1")] == [(1, 9)]


def test_referenced_names():
    from cxspec.fragment_facts import referenced_names

    assert referenced_names('nps - gap / "support-csat" + nps') == ["nps", "gap", "support-csat"]
    assert referenced_names("t.a = b") == ["b"]
    assert referenced_names("a = (") == []


# -- mapping a problem's offset to file:line:col ------------------------------------------------


@pytest.mark.parametrize(
    ("line_text", "scalar_column", "expected_column"),
    [
        ('    condition: "a = 1; DROP TABLE x"', 16, 16 + 1 + 7),  # after the opening quote
        ("    condition: 'a = 1; DROP TABLE x'", 16, 16 + 1 + 7),
        ("    condition: a = 1; DROP TABLE x", 16, 16 + 7),  # plain: no quote to skip
    ],
)
def test_fragment_location_skips_the_quote(line_text, scalar_column, expected_column):
    problem = FragmentProblem("CX502", "x", 1, 8)
    location = fragment_location(Location("m.yaml", 5, scalar_column), line_text, problem)
    assert location == Location("m.yaml", 5, expected_column)
    assert line_text[location.column - 1 : location.column + 3] == "DROP"


def test_fragment_location_of_a_later_line_is_the_scalar_start():
    scalar = Location("m.yaml", 5, 16)
    assert fragment_location(scalar, "    condition: >-", FragmentProblem("CX501", "x", 2, 3)) == scalar
    assert fragment_location(scalar, None, FragmentProblem("CX501", "x", 1, 3)) == scalar


SPEC = """\
version: 1
sources:
  - {id: responses, type: table,
     table: responses,
     time: t}
metrics:
  - id: quoted
    type: rate
    source: responses
    condition: "resolved = 1; DROP TABLE responses"
  - id: single
    type: rate
    source: responses
    condition: 'resolved = 1; SELECT 1'
  - id: plain
    type: rate
    source: responses
    condition: resolved = 1;
  - id: folded
    type: rate
    source: responses
    condition: >-
      resolved = 1
      AND pg_read_file('x') IS NULL
  - id: in_flow
    type: count
    source: responses
    filter: {a: 1}
"""


def test_fragment_problems_land_on_the_offending_token(make_project, validate):
    root = make_project({"metrics.yaml": SPEC.replace("    filter: {a: 1}\n", '    filter: "x = = 1"\n')})
    found = [(d.code, d.line, d.column) for d in validate(root).diagnostics]
    lines = SPEC.splitlines()
    assert found == [
        ("CX502", 10, lines[9].index("DROP") + 1),
        ("CX502", 14, lines[13].index("SELECT") + 1),
        ("CX502", 18, lines[17].index(";") + 1),
        ("CX504", 22, lines[21].index(">-") + 1),  # a multi-line scalar: its start
        ("CX501", 28, len('    filter: "x = ') + 1),
    ]


def test_fragment_problems_are_prefixed_with_what_holds_them(make_project, validate):
    root = make_project({"metrics.yaml": SPEC.replace("    filter: {a: 1}\n", "")})
    messages = [d.message for d in validate(root).diagnostics]
    assert messages[0].startswith("condition of metric 'quoted': ")
    assert messages[3].startswith("condition of metric 'folded': function pg_read_file()")


def test_project_dialect_is_used(make_project, validate):
    spec = 'version: 1\nsources:\n  - id: s\n    type: table\n    table: t\n    filter: "a = 1 QUALIFY b"\n'
    assert validate(make_project({"s.yaml": spec})).diagnostics  # not an expression in duckdb
    text = "version: 1\nsources:\n  - id: s\n    type: table\n    table: t\n    filter: \"name = N'x'\"\n"
    assert validate(make_project({"s.yaml": text}, config="version: 1\nproject: t\ndialect: tsql\n")).ok


# -- sql sources: one read-only SELECT ---------------------------------------------------------


class _Source:
    id = "q"

    def loc(self, field=None):
        return Location("s.yaml", 3, 12)


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("SELECT * FROM responses WHERE channel = 'web'", []),
        ("WITH x AS (SELECT 1 AS a) SELECT a FROM x", []),
        ("SELECT 1 UNION ALL SELECT 2", []),
        ("SELECT 1;", []),
        ("DELETE FROM responses", ["CX502"]),
        ("UPDATE responses SET score = 10", ["CX502"]),
        ("COPY responses TO 'out.csv'", ["CX502"]),
        ("ATTACH 'other.db'", ["CX502"]),
        ("PRAGMA database_list", ["CX502"]),
        ("SET threads = 1", ["CX502"]),
        ("a = 1; DELETE FROM responses", ["CX502"]),
        ("INSERT INTO t SELECT 1", ["CX502"]),
        ("SELECT 1; SELECT 2", ["CX502"]),
        ("SELECT FROM WHERE (", ["CX501"]),
    ],
)
def test_sql_source_query(query, codes):
    sink = DiagnosticSink()
    from cxspec.registry import default_registry

    check_query(query, _Source(), "query", "duckdb", sink, allowed=default_registry().sql_functions)
    assert [d.code for d in sink.items] == codes


@pytest.mark.parametrize(
    "fragment",
    ["json_extract(payload, '$.x') = 1", "list_contains(tags, 'vip')", "payload -> 'x' = 1"],
)
def test_binary_functions_still_meet_the_allow_list(fragment):
    """sqlglot models some functions as Binary nodes; only AND/OR/XOR pass as syntax."""
    from cxspec.registry import default_registry
    from cxspec.sqlfrag import confinement_problems, parse_fragment

    parsed = parse_fragment(fragment, "duckdb")
    codes = [p.code for p in confinement_problems(parsed.expression, default_registry().sql_functions)]
    assert codes == ["CX504"]
