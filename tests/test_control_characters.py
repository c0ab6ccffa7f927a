"""Terminal escape codes never reach the screen (issue 13, finding 5, the terminal half).

Names and descriptions with control characters are refused by `validate` (CX015, located);
text from the data (a dimension's values in `cxspec query`) is shown escaped; hostile names
that do validate leave `run`'s scorecard on a terminal, `owners` and `query` free of any
control character but cxspec's own colours."""

from __future__ import annotations

import json
import re
import sys

import pytest

from cxspec.terminal_text import shown

#: cxspec's own colour codes (SGR), the only escape sequences its terminal output may hold.
OWN_COLOURS = re.compile(r"\x1b\[[0-9;]*m")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def quoted(text: str) -> str:
    """A YAML double-quoted scalar holding exactly `text`: JSON's escapes, and escapes for the
    characters YAML would not take as they are."""
    unsafe = re.compile(r"[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
    return unsafe.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


ESCAPES = {
    "clear screen": "NPS \x1b[2J",
    "colour": "\x1b[31mred\x1b[0m",
    "window title (OSC)": "\x1b]0;owned\x07",
    "hidden text": "\x1b[8mhidden",
    "C1 CSI": "NPS \x9b2J",
    "NUL": "a\x00b",
    "DEL": "a\x7fb",
    "tab in a name": "a\tb",
    "newline in a name": "a\nb",
}

PLACES = {
    "metric name": ("metrics", "name: {text}"),
    "metric description": ("metrics", "description: {text}"),
    "metric unit": ("metrics", "unit: {text}"),
    "owner name": ("owners", "name: {text}"),
    "pyramid node name": ("pyramids", "name: {text}"),
}


def spec(place: str, text: str) -> str:
    section, field = PLACES[place]
    value = field.format(text=quoted(text))
    metric_field = value if section == "metrics" else "name: plain"
    owner_field = value if section == "owners" else "name: plain"
    node_field = value if section == "pyramids" else "name: plain"
    return f"""version: 1
owners:
  - {{id: cx, kind: team, {owner_field}}}
sources:
  - {{id: r, type: file, path: r.csv, time: t, key: id}}
metrics:
  - {{id: nps, type: nps, source: r, column: nps, owner: cx,
     {metric_field}}}
pyramids:
  - id: cx-index
    children:
      - {{id: loyalty, {node_field}, children: [{{metric: nps}}]}}
"""


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("escape", ESCAPES)
def test_control_characters_in_names_and_descriptions_are_cx015(place, escape, make_project, validate):
    text = ESCAPES[escape]
    root = make_project({"specs.yaml": spec(place, text), "r.csv": "id,t,nps\n"})
    found = [d for d in validate(root).diagnostics if d.code == "CX015"]
    allowed = place == "metric description" and escape in ("tab in a name", "newline in a name")
    if allowed:
        assert found == []
        return
    assert len(found) == 1, [d.message for d in validate(root).diagnostics]
    text_quoted = quoted(text)
    lines = spec(place, text).splitlines()
    line = next(i for i, content in enumerate(lines, start=1) if text_quoted in content)
    column = lines[line - 1].index(text_quoted) + 1
    assert (found[0].location.file, found[0].location.line, found[0].location.column) == (
        "specs.yaml",
        line,
        column,
    )
    assert "control character U+" in found[0].message
    assert not CONTROL.search(found[0].message.replace("\t", "").replace("\n", ""))


def test_project_journey_touchpoint_and_dimension_names_are_checked(make_project, validate):
    journey, touchpoint, dimension = quoted("j\x1b[2J"), quoted("t\x9b"), quoted("d\x1b")
    project_name, description = quoted("P \x1b]0;x\x07"), quoted("ok\tfine")
    root = make_project(
        {
            "specs.yaml": f"""version: 1
journeys:
  - {{id: buy, name: {journey}, stages: [pay]}}
touchpoints:
  - {{id: web, name: {touchpoint}, journey: buy, stage: pay}}
sources:
  - id: r
    type: file
    path: r.csv
    time: t
    dimensions: [{{name: {dimension}, expr: "lower(c)"}}]
""",
            "r.csv": "t,c\n",
        },
        config=f"version: 1\nproject: p\nname: {project_name}\ndescription: {description}\n",
    )
    diagnostics = validate(root).diagnostics
    found = sorted((d.location.file, d.location.line) for d in diagnostics if d.code == "CX015")
    assert found == [("cxspec.yaml", 3), ("specs.yaml", 3), ("specs.yaml", 5), ("specs.yaml", 11)]


def test_validate_and_run_refuse_before_printing_the_name(make_project, run_main):
    root = make_project({"specs.yaml": spec("metric name", "\x1b[2J"), "r.csv": "id,t,nps\n"})
    code, out, err = run_main("run", str(root))
    assert code == 1 and "CX015" in err
    assert "\x1b" not in out + err


def test_shown_escapes_every_control():
    assert shown("a\x1b[2Jb\x9b\x00\x7f\t\n\r\u202e\u2028ok é 😀") == (
        "a\\x1b[2Jb\\x9b\\x00\\x7f\\t\\n\\r\\u202e\\u2028ok é 😀"
    )


# --- hostile names that validate, on a terminal -------------------------------------------

HOSTILE = [
    "<script>alert('x')</script>",
    "a | b | c",
    "](javascript:alert(1))",
    "# heading\u2028second line",
    "right\u202eto left",
    "&amp; &lt;",
    "😀 " * 20,
    '"quoted" and \\backslash',
]


@pytest.fixture
def hostile_project(make_project):
    owners = "".join(
        f"  - {{id: o{i}, kind: team, name: {quoted(n)}, email: {quoted('x@example.com')}}}\n"
        for i, n in enumerate(HOSTILE)
    )
    metrics = "".join(
        f"  - {{id: m{i}, type: nps, source: r, column: nps, owner: o{i}, name: {quoted(n)}, "
        f"description: {quoted(n + chr(10) + 'second')}}}\n"
        for i, n in enumerate(HOSTILE)
    )
    nodes = "".join(f"          - {{metric: m{i}}}\n" for i in range(len(HOSTILE)))
    specs = f"""version: 1
owners:
{owners}sources:
  - id: r
    type: file
    path: r.csv
    time: t
    key: id
    dimensions: [channel]
metrics:
{metrics}pyramids:
  - id: cx-index
    name: {quoted(HOSTILE[0])}
    children:
      - id: g
        name: {quoted(HOSTILE[1])}
        children:
{nodes}"""
    rows = "".join(
        f'{i},2026-01-0{1 + i % 2}T10:00:00Z,{i % 11},"{channel}"\n'
        for i, channel in enumerate(["web \x1b[2J", "\x1b]0;title\x07app", "\x9bhidden", "tab\there"] * 3)
    )
    return make_project(
        {"specs.yaml": specs, "r.csv": "id,t,nps,channel\n" + rows},
        config="version: 1\nproject: hostile\ngrain: month\n",
    )


def assert_terminal_safe(text: str) -> None:
    assert not CONTROL.search(OWN_COLOURS.sub("", text)), repr(CONTROL.findall(OWN_COLOURS.sub("", text)))


def test_run_on_a_terminal_prints_no_escape_but_its_colours(hostile_project, run_main, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    code, out, err = run_main("run", str(hostile_project))
    assert code == 0, err
    assert OWN_COLOURS.search(out)  # a terminal: coloured
    assert_terminal_safe(out)
    assert_terminal_safe(err)


def test_owners_prints_no_escape(hostile_project, run_main):
    code, out, err = run_main("owners", str(hostile_project))
    assert code == 0, err
    assert_terminal_safe(out)
    assert "right\\u202eto left" in out and "\\u2028" in out


def test_query_table_shows_data_escaped(hostile_project, run_main):
    code, out, err = run_main("query", str(hostile_project), "--by", "channel", "-m", "m0")
    assert code == 0, err
    assert_terminal_safe(out)
    assert "web \\x1b[2J" in out and "\\x1b]0;title\\x07app" in out and "\\x9bhidden" in out
    assert "tab\\there" in out
    code, out, _ = run_main("query", str(hostile_project), "--by", "channel", "-m", "m0", "--format", "json")
    assert "web \\u001b[2J" in out  # JSON escapes them itself
