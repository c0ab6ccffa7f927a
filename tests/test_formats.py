"""Every output format of diagnostics: text, json, github, junit, sarif."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from cxspec.codes import CODES
from cxspec.diagnostics import Diagnostic, Location, Severity
from cxspec.formats import FORMATS, RenderContext, render

SPEC = """\
version: 1
owners:
  - id: cx-team
  - id: support
    parent: cx-teem
"""


def diag(code="CX202", message="unknown owner 'cx-teem'", file="specs/owners.yaml", line=5, column=13,
         severity=Severity.ERROR, hint="did you mean 'cx-team'?", span=7) -> Diagnostic:  # fmt: skip
    return Diagnostic(code, message, Location(file, line, column), severity, hint, span)


@pytest.fixture
def project(make_project):
    return make_project({"specs/owners.yaml": SPEC, "specs/empty.yaml": "version: 1\n"})


def ctx(root=None, files=("specs/empty.yaml", "specs/owners.yaml"), **kwargs) -> RenderContext:
    return RenderContext(root=root, files=tuple(files), **kwargs)


def test_the_five_formats():
    assert sorted(FORMATS) == ["github", "json", "junit", "sarif", "text"]


# -- text ----------------------------------------------------------------------------------


def test_text_shows_location_source_line_caret_and_hint(project):
    out = render("text", [diag()], ctx(project))
    lines = out.splitlines()
    assert lines[0] == "specs/owners.yaml:5:13: error CX202: unknown owner 'cx-teem'"
    assert lines[1] == "    5 |     parent: cx-teem"
    assert lines[2] == "      |             ^^^^^^^"
    # the caret stands under the value the diagnostic points at
    assert lines[2].index("^") == lines[1].index("cx-teem")
    assert lines[3] == "      = hint: did you mean 'cx-team'?"
    assert lines[4] == ""
    assert lines[5] == "1 error, 0 warnings in 3 files"
    assert out.endswith("\n")


def test_text_caret_never_runs_past_the_line(project):
    out = render("text", [diag(span=50)], ctx(project))
    assert out.splitlines()[2] == "      |             ^^^^^^^"


def test_text_without_source_or_hint(make_project):
    out = render("text", [diag(hint=None, file="gone.yaml")], ctx(None))
    assert out.splitlines() == [
        "gone.yaml:5:13: error CX202: unknown owner 'cx-teem'",
        "",
        "1 error, 0 warnings in 3 files",
    ]


def test_text_counts_warnings_and_errors(project):
    diagnostics = [diag(), diag(code="CX013", message="the file is empty", file="specs/empty.yaml", line=1,
                                column=1, severity=Severity.WARNING, hint=None)]  # fmt: skip
    assert render("text", diagnostics, ctx(project)).splitlines()[-1] == "1 error, 1 warning in 3 files"
    assert "warning CX013: the file is empty" in render("text", diagnostics, ctx(project))


def test_text_clean_run():
    assert render("text", [], ctx(None)) == "validate: ok, 3 files checked\n"
    assert render("text", [], ctx(None, files=(), command="lint")) == "lint: ok, 1 file checked\n"


def test_text_path_prefix_and_color(project):
    plain = render("text", [diag()], ctx(project, path_prefix="acme/"))
    assert plain.startswith("acme/specs/owners.yaml:5:13: error")
    assert "\x1b[" not in plain
    colored = render("text", [diag()], ctx(project, color=True))
    assert "\x1b[1;31merror\x1b[0m" in colored
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == render("text", [diag()], ctx(project))


def test_text_tabs_in_the_source_line_keep_the_caret_aligned(make_project):
    root = make_project({"a.yaml": "version: 1\nname: \tx  # a tab\n"})
    out = render("text", [diag(file="a.yaml", line=2, column=8, span=1)], ctx(root))
    source, caret = out.splitlines()[1:3]
    assert "\t" not in source
    assert source[caret.index("^")] == "x"


# -- json ----------------------------------------------------------------------------------


def test_json_exact_shape():
    diagnostics = [diag(), diag(code="CX013", message="the file is empty", file="specs/empty.yaml", line=1,
                                column=1, severity=Severity.WARNING, hint=None)]  # fmt: skip
    data = json.loads(render("json", diagnostics, ctx(None)))
    assert data == {
        "diagnostics": [
            {
                "file": "specs/owners.yaml",
                "line": 5,
                "column": 13,
                "code": "CX202",
                "severity": "error",
                "message": "unknown owner 'cx-teem'",
                "hint": "did you mean 'cx-team'?",
            },
            {
                "file": "specs/empty.yaml",
                "line": 1,
                "column": 1,
                "code": "CX013",
                "severity": "warning",
                "message": "the file is empty",
                "hint": None,
            },
        ]
    }
    assert list(data["diagnostics"][0]) == ["file", "line", "column", "code", "severity", "message", "hint"]


def test_json_of_nothing_and_of_unicode():
    assert json.loads(render("json", [], ctx(None))) == {"diagnostics": []}
    out = render("json", [diag(message="goal of 'nps': range −100…100")], ctx(None))
    assert "−100…100" in out  # not \\u escapes
    assert json.loads(out)["diagnostics"][0]["message"] == "goal of 'nps': range −100…100"


def test_json_ignores_the_path_prefix_only_when_asked():
    # the CLI gives json no prefix (paths relative to the project); the renderer never adds one
    out = json.loads(render("json", [diag()], ctx(None, path_prefix="acme/")))
    assert out["diagnostics"][0]["file"] == "specs/owners.yaml"


# -- github --------------------------------------------------------------------------------


def test_github_workflow_command():
    out = render("github", [diag()], ctx(None))
    assert out == (
        "::error file=specs/owners.yaml,line=5,col=13,title=CX202::"
        "unknown owner 'cx-teem' (hint: did you mean 'cx-team'?)\n"
    )


def test_github_levels_and_prefix():
    diagnostics = [
        diag(hint=None),
        diag(code="CX013", message="the file is empty", severity=Severity.WARNING, hint=None),
        diag(code="CX999", message="fyi", severity=Severity.INFO, hint=None),
    ]
    lines = render("github", diagnostics, ctx(None, path_prefix="acme/")).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning", "::notice"]
    assert all(" file=acme/specs/owners.yaml," in line for line in lines)


def test_github_escapes_data_and_properties():
    d = diag(
        message="100% sure\nsecond line\r",
        file="specs/a,b:c%.yaml",
        hint=None,
        code="CX:1,2",
    )
    out = render("github", [d], ctx(None))
    assert out == (
        "::error file=specs/a%2Cb%3Ac%25.yaml,line=5,col=13,title=CX%3A1%2C2::100%25 sure%0Asecond line%0D\n"
    )
    assert out.count("\n") == 1


def test_github_nothing_to_say():
    assert render("github", [], ctx(None)) == ""


# -- junit ---------------------------------------------------------------------------------


def junit(diagnostics, **kwargs):
    return ET.fromstring(render("junit", diagnostics, ctx(None, **kwargs)).encode())


def test_junit_one_testcase_per_file_with_failures():
    warning = diag(code="CX013", message="the file is empty", file="specs/empty.yaml", line=1, column=1,
                   severity=Severity.WARNING, hint=None)  # fmt: skip
    second = diag(code="CX101", message="unknown key 'nmae'", line=3, column=5, hint="did you mean 'name'?")
    root = junit(
        [diag(), second, warning], files=("specs/empty.yaml", "specs/owners.yaml", "specs/clean.yaml")
    )
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "0")
    suites = root.findall("testsuite")
    assert len(suites) == 1 and suites[0].get("name") == "cxspec validate"
    cases = {case.get("name"): case for case in suites[0].findall("testcase")}
    assert sorted(cases) == ["cxspec.yaml", "specs/clean.yaml", "specs/empty.yaml", "specs/owners.yaml"]
    assert all(case.get("classname") == "cxspec.validate" for case in cases.values())

    failure = cases["specs/owners.yaml"].find("failure")
    assert failure.get("type") == "CX202"
    assert failure.get("message") == "2 errors: CX202 unknown owner 'cx-teem'"
    assert failure.text.splitlines() == [
        "specs/owners.yaml:5:13: error CX202: unknown owner 'cx-teem' (hint: did you mean 'cx-team'?)",
        "specs/owners.yaml:3:5: error CX101: unknown key 'nmae' (hint: did you mean 'name'?)",
    ]
    # a warning does not fail its file; it shows in the output
    assert cases["specs/empty.yaml"].find("failure") is None
    assert "CX013" in cases["specs/empty.yaml"].find("system-out").text
    assert list(cases["specs/clean.yaml"]) == [] and list(cases["cxspec.yaml"]) == []


def test_junit_clean_run_and_prefix():
    root = junit([], files=("specs/a.yaml",), path_prefix="acme/", command="lint")
    cases = root.find("testsuite").findall("testcase")
    assert [c.get("name") for c in cases] == ["acme/cxspec.yaml", "acme/specs/a.yaml"]
    assert root.get("failures") == "0" and root.find("testsuite").get("name") == "cxspec lint"


def test_junit_is_well_formed_whatever_the_message_holds():
    message = "fragment 'a = \x01 <b> & \"c\"' \x1b[31m"
    root = junit([diag(message=message, hint="x\x00y")])
    failure = root.find(".//failure")
    assert '<b> & "c"' in failure.get("message")
    assert "\\x01" in failure.text and "\\x1b" in failure.text


# -- sarif ---------------------------------------------------------------------------------


def sarif(diagnostics, **kwargs) -> dict:
    return json.loads(render("sarif", diagnostics, ctx(None, **kwargs)))


def test_sarif_log_structure():
    warning = diag(code="CX013", message="the file is empty", file="specs/empty.yaml", line=1, column=1,
                   severity=Severity.WARNING, hint=None)  # fmt: skip
    log = sarif([diag(), warning, diag(line=9)], path_prefix="acme/")
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "cxspec" and driver["version"]
    rules = driver["rules"]
    assert [r["id"] for r in rules] == ["CX013", "CX202"]  # each code used, once, sorted
    for rule in rules:
        code = CODES[rule["id"]]
        assert rule["shortDescription"]["text"] == code.title
        assert rule["fullDescription"]["text"] == code.explanation
        assert (
            rule["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning"}[code.severity]
        )
        assert re.fullmatch(r"[A-Za-z]+", rule["name"])
    results = run["results"]
    assert len(results) == 3
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert set(physical["region"]) == {"startLine", "startColumn"}
    first = results[0]
    assert first["ruleId"] == "CX202" and first["level"] == "error"
    assert first["message"]["text"] == "unknown owner 'cx-teem'. Hint: did you mean 'cx-team'?"
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "acme/specs/owners.yaml"
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 13}
    assert results[1]["level"] == "warning" and results[1]["message"]["text"] == "the file is empty"


def test_sarif_uris_are_uri_references():
    log = sarif([diag(file="my specs/a#1.yaml")])
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20specs/a%231.yaml"


def test_sarif_of_nothing():
    log = sarif([])
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


# -- every format ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_is_deterministic_and_ends_with_a_newline(name, project, validate):
    result = validate(project)
    assert [d.code for d in result.diagnostics] == ["CX202"]
    context = ctx(project, files=tuple(result.project.files))
    first = render(name, result.diagnostics, context)
    assert first == render(name, list(result.diagnostics), context)
    assert first.endswith("\n")
    assert "specs/owners.yaml" in first
