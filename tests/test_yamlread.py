"""The positioned YAML loader: positions, YAML 1.2 scalars, merge keys and every limit."""

from __future__ import annotations

import math
import textwrap

import pytest

from cxspec import yamlread
from cxspec.yamlread import YamlMap, YamlReadError, YamlSeq, load_bytes, parse


def problem_of(text_or_bytes) -> yamlread.YamlProblem:
    """The single problem reading this input reports."""
    with pytest.raises(YamlReadError) as info:
        if isinstance(text_or_bytes, bytes):
            load_bytes(text_or_bytes)
        else:
            parse(text_or_bytes)
    assert len(info.value.problems) == 1
    return info.value.problems[0]


# -- positions ---------------------------------------------------------------------------


def test_positions_of_keys_and_values():
    data = parse(
        textwrap.dedent(
            """\
            version: 1
            owners:
              - id: cx-team
                name:   Customer Experience
              - {id: support, parent: cx-team}
            """
        )
    )
    assert isinstance(data, YamlMap)
    assert data.pos == (1, 1)
    assert data.key_pos == {"version": (1, 1), "owners": (2, 1)}
    assert data.value_pos["version"] == (1, 10)
    owners = data["owners"]
    assert isinstance(owners, YamlSeq)
    assert owners.pos == (3, 3)
    # a sequence item stands where its content starts, after "- "
    assert owners.value_pos == [(3, 5), (5, 5)]
    first = owners[0]
    assert first.pos == (3, 5)
    assert first.key_pos == {"id": (3, 5), "name": (4, 5)}
    assert first.value_pos == {"id": (3, 9), "name": (4, 13)}
    flow = owners[1]
    assert flow.key_pos == {"id": (5, 6), "parent": (5, 19)}
    assert flow.value_pos == {"id": (5, 10), "parent": (5, 27)}


def test_positions_of_sequence_items_and_quoted_values():
    data = parse("stages:\n- a\n-   \"b\"\n- [c, d]\nq: 'x'\n")
    assert data.value_pos["stages"] == (2, 1)
    assert data["stages"].value_pos == [(2, 3), (3, 5), (4, 3)]
    assert data["stages"][2].value_pos == [(4, 4), (4, 7)]
    # a quoted scalar starts at its opening quote
    assert data.value_pos["q"] == (5, 4)


def test_positions_with_crlf_line_endings():
    data = load_bytes(b"a: 1\r\nb:\r\n  - x\r\n").data
    assert data == {"a": 1, "b": ["x"]}
    assert data.key_pos == {"a": (1, 1), "b": (2, 1)}
    assert data["b"].value_pos == [(3, 5)]


# -- scalars: the YAML 1.2 core schema -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", "yes"),  # YAML 1.1 booleans stay strings in 1.2
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("Yes", "Yes"),
        ("y", "y"),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("FALSE", False),
        ("0o17", 15),
        ("0x1F", 31),
        ("012", 12),  # no YAML 1.1 octal: a decimal with a leading zero
        ("-1", -1),
        ("+12", 12),
        ("1_000", "1_000"),  # no YAML 1.1 digit separators
        ("0o8", "0o8"),
        ("0xZ", "0xZ"),
        ("1.5", 1.5),
        ("1.", 1.0),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("-2.5E-1", -0.25),
        ("~", None),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("", None),
        ("nan", "nan"),
        ("2026-01-01", "2026-01-01"),  # no timestamps: a date stays a string
        ("12:30", "12:30"),  # no sexagesimal numbers
        ('"123"', "123"),
        ("'true'", "true"),
        ("!!str 12", "12"),
        ('!!int "7"', 7),
    ],
)
def test_core_schema_scalars(text, expected):
    value = parse(f"v: {text}\n")["v"]
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("text", "sign"), [(".inf", 1), ("+.inf", 1), (".Inf", 1), ("-.inf", -1), ("-.INF", -1)]
)
def test_infinity(text, sign):
    value = parse(f"v: {text}\n")["v"]
    assert math.isinf(value) and math.copysign(1, value) == sign


@pytest.mark.parametrize("text", [".nan", ".NaN", ".NAN"])
def test_not_a_number(text):
    assert math.isnan(parse(f"v: {text}\n")["v"])


def test_empty_and_comment_only_documents_are_none():
    assert parse("") is None
    assert parse("# only a comment\n") is None
    assert load_bytes(b"").data is None


def test_document_markers_are_accepted():
    assert parse("---\na: 1\n") == {"a": 1}
    assert parse("a: 1\n...\n") == {"a": 1}


# -- anchors, aliases and merge keys --------------------------------------------------------


def test_aliases_repeat_their_anchor():
    data = parse("a: &x [1, 2]\nb: *x\nc: &s hello\nd: *s\n")
    assert data["b"] == [1, 2]
    assert data["d"] == "hello"


def test_merge_key_with_one_mapping():
    data = parse(
        textwrap.dedent(
            """\
            base: &base
              x: 1
              y: 2
            other:
              <<: *base
              y: 3
            """
        )
    )
    assert data["other"] == {"x": 1, "y": 3}  # keys written in the mapping win
    assert "<<" not in data["other"]
    # merged keys point where they are written: in the anchored mapping
    assert data["other"].key_pos == {"y": (6, 3), "x": (2, 3)}
    assert data["other"].value_pos["x"] == (2, 6)


def test_merge_key_written_after_the_keys_it_would_override():
    data = parse("base: &b {x: 1, y: 2}\nother:\n  y: 3\n  <<: *b\n")
    assert data["other"] == {"x": 1, "y": 3}


def test_merge_key_with_a_list_of_mappings():
    data = parse("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n")
    # the first mapping in the list wins, as in YAML 1.1
    assert data["c"] == {"x": 1, "y": 1, "z": 2}


def test_merge_key_of_a_scalar_is_refused():
    problem = problem_of("a: &x 1\nb:\n  <<: *x\n")
    assert (problem.code, problem.line, problem.column) == ("CX011", 3, 7)


def test_unknown_alias_is_a_syntax_error():
    problem = problem_of("a: *nope\n")
    assert (problem.code, problem.line, problem.column) == ("CX001", 1, 4)
    assert "nope" in problem.message


# -- duplicate keys ------------------------------------------------------------------------


def test_duplicate_key_points_at_the_second_and_names_the_first():
    problem = problem_of("version: 1\nowners:\n  - id: a\n    name: A\n    id: b\n")
    assert (problem.code, problem.line, problem.column) == ("CX002", 5, 5)
    assert "'id'" in problem.message and "line 3" in problem.message
    assert problem.hint


def test_duplicate_key_in_a_flow_mapping():
    problem = problem_of("{a: 1, b: 2, a: 3}\n")
    assert (problem.code, problem.line, problem.column) == ("CX002", 1, 14)


def test_same_key_in_different_mappings_is_fine():
    assert parse("a: {id: 1}\nb: {id: 1}\n") == {"a": {"id": 1}, "b": {"id": 1}}


# -- syntax errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: 1\n  b: 2\n", 2, 4),
        ("version: 1\nowners: [\n", 3, 1),
        ("a: [1, 2\n", 2, 1),
        ('a: "x\n', 2, 1),
        ("a:\n\t- b\n", 2, 1),
        ("a: 1\nb: c: d\n", 2, 5),
    ],
)
def test_syntax_errors_have_line_and_column(text, line, column):
    problem = problem_of(text)
    assert (problem.code, problem.line, problem.column) == ("CX001", line, column)
    assert problem.message


def test_unquoted_colon_value_gets_a_quoting_hint():
    problem = problem_of("version: 1\nwarehouse: duckdb:///:memory:\n")
    assert (problem.code, problem.line, problem.column) == ("CX001", 2, 29)
    assert "quote" in problem.hint


@pytest.mark.parametrize("text", ["a:\n  b: 1\n\tc: 2\n", "a:\n\t- b\n", "a:\n  - x\n\t- y\n"])
def test_tab_indentation_gets_a_hint(text):
    problem = problem_of(text)
    assert problem.code == "CX001"
    assert problem.hint and "tab" in problem.hint


def test_no_tab_hint_without_tabs():
    problem = problem_of("a: [1, 2\n")
    assert problem.hint is None or "tab" not in problem.hint


# -- encoding ------------------------------------------------------------------------------


def test_non_utf8_reports_the_line_and_column_of_the_bad_byte():
    problem = problem_of(b"version: 1\nname: ab\xffcd\n")
    assert (problem.code, problem.line, problem.column) == ("CX003", 2, 9)
    assert "0xff" in problem.message
    assert "UTF-8" in problem.hint


def test_latin1_file_is_refused():
    problem = problem_of("version: 1\nname: Café\n".encode("latin-1"))
    assert (problem.code, problem.line, problem.column) == ("CX003", 2, 10)


def test_non_utf8_column_counts_characters_not_bytes():
    problem = problem_of("version: 1\nname: é".encode() + b"\xff\n")
    assert (problem.code, problem.line, problem.column) == ("CX003", 2, 8)


def test_bom_is_accepted_and_does_not_shift_columns():
    document = load_bytes(b"\xef\xbb\xbfversion: 1\nowners: []\n")
    assert document.data == {"version": 1, "owners": []}
    assert document.data.key_pos["version"] == (1, 1)
    assert not document.text.startswith("\ufeff")


def test_utf8_text_keeps_its_characters():
    data = load_bytes("name: Café ✓\n".encode()).data
    assert data["name"] == "Café ✓"


# -- limits --------------------------------------------------------------------------------


def billion_laughs(levels: int = 12, width: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_before_it_expands():
    # 10^12 nodes if expanded: refused while composing (this would never end otherwise)
    problem = problem_of(billion_laughs())
    assert problem.code == "CX004"
    assert problem.line <= 12
    assert "alias" in problem.hint


def test_alias_bomb_through_mappings_is_refused():
    lines = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}"]
    for level in range(1, 12):
        keys = ", ".join(f"k{i}: *m{level - 1}" for i in range(10))
        lines.append(f"m{level}: &m{level} {{{keys}}}")
    assert problem_of("\n".join(lines) + "\n").code == "CX004"


def test_moderate_alias_use_is_fine(monkeypatch):
    assert parse(billion_laughs(levels=3))["a2"][0][0][0] == "lol"
    monkeypatch.setattr(yamlread, "MAX_NODES", 50)
    assert problem_of(billion_laughs(levels=3)).code == "CX004"


def test_deep_flow_nesting_is_refused():
    depth = yamlread.MAX_DEPTH
    assert parse("[" * depth + "]" * depth) is not None
    problem = problem_of("a: " + "[" * depth + "]" * depth + "\n")
    assert (problem.code, problem.line, problem.column) == ("CX005", 1, 3 + depth)


def test_deep_block_nesting_is_refused():
    text = "".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "leaf\n"
    problem = problem_of(text)
    assert problem.code == "CX005"
    assert problem.line == yamlread.MAX_DEPTH + 1


def test_very_deep_nesting_does_not_overflow_the_stack():
    assert problem_of("[" * 50_000 + "]" * 50_000).code == "CX005"


def test_several_documents_are_refused():
    problem = problem_of("version: 1\n---\nversion: 1\n")
    assert (problem.code, problem.line, problem.column) == ("CX011", 2, 1)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("owners: !include owners.yaml\n", 1, 9),
        ("a: !foo [a]\n", 1, 4),
        ("a: !!binary aGk=\n", 1, 4),
        ("a: !!set {x}\n", 1, 4),
        ("a: !!python/object:os.system {}\n", 1, 4),
    ],
)
def test_custom_tags_are_refused(text, line, column):
    problem = problem_of(text)
    assert (problem.code, problem.line, problem.column) == ("CX011", line, column)


def test_complex_keys_are_refused():
    assert problem_of("? [a, b]\n: 1\n").code == "CX011"


def test_file_too_large(monkeypatch):
    monkeypatch.setattr(yamlread, "MAX_FILE_BYTES", 32)
    assert load_bytes(b"version: 1\n" + b"# " + b"x" * 19).data == {"version": 1}  # 32 bytes: at the limit
    problem = problem_of(b"version: 1\n" + b"# " + b"x" * 20)
    assert (problem.code, problem.line, problem.column) == ("CX006", 1, 1)
    assert "33" in problem.message


def test_file_too_large_is_checked_before_decoding(monkeypatch):
    monkeypatch.setattr(yamlread, "MAX_FILE_BYTES", 4)
    assert problem_of(b"\xff\xff\xff\xff\xff").code == "CX006"
