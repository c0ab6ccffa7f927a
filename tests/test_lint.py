"""`cxspec lint`: every rule fires on its example and not on its fix (the examples of
docs/lint-rules.md), none fires on a clean project; configuration, suppression, exit codes and
the output formats as their consumers read them (SARIF 2.1.0 schema, JUnit XML, GitHub)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from cxspec.builtin.lint_rules import BUILTIN_LINT_RULES, unfinished_weights
from cxspec.diagnostics import Severity
from cxspec.lint import lint_project
from cxspec.registry import default_registry
from cxspec.runs.fingerprint import metric_definition_hash

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "lint-rules.md"
SARIF_SCHEMA = json.loads((REPO / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text("utf-8"))

#: What the examples of docs/lint-rules.md assume exists elsewhere in the project.
BASE = """\
version: 1
owners:
  - id: cx-office
    email: cx@acme.example
  - id: support-ops
    email: support@acme.example
sources:
  - id: responses
    type: file
    path: data/responses.csv
    time: responded_at
  - id: tickets
    type: file
    path: data/tickets.csv
    time: opened_at
"""
DATA = {
    "data/responses.csv": "responded_at,channel,nps_score,csat_score\n2026-01-05,chat,9,5\n",
    "data/tickets.csv": "opened_at,channel,wait_seconds,first_contact_resolved\n2026-01-05,chat,30,true\n",
}
ALL = "version: 1\nproject: test\nlint:\n  enable: [all]\n"

#: A programme every rule is happy with (opt-in rules included).
CLEAN = """\
version: 1
journeys:
  - id: get-help
    owner: support-ops
    stages: [contact]
touchpoints:
  - id: chat-support
    journey: get-help
    stage: contact
    match: "channel = 'chat'"
metrics:
  - id: chat_csat
    description: Satisfaction with the chat, asked after it.
    type: csat
    source: responses
    column: csat_score
    category: perception
    touchpoint: chat-support
    owner: support-ops
    tracked_by: cx-office
    min_sample: 30
  - id: chat_p90_wait
    description: Seconds before an agent answers, 90th percentile.
    type: percentile
    source: tickets
    column: wait_seconds
    percentile: 0.9
    direction: lower_is_better
    category: operational
    touchpoint: chat-support
    owner: support-ops
    tracked_by: cx-office
goals:
  - metric: chat_csat
    target: 80
    warn: 75
  - metric: chat_p90_wait
    target: 60
    warn: 120
pyramids:
  - id: cx-index
    owner: cx-office
    children:
      - metric: chat_csat
        weight: 60
      - metric: chat_p90_wait
        weight: 40
        bounds: [0, 600]
"""


def doc_examples() -> dict[str, dict[str, str]]:
    """code → {"finding": yaml, "fixed": yaml} from the rule sections of docs/lint-rules.md."""
    text = DOC.read_text("utf-8")
    examples = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        heading = section.splitlines()[0]
        match = re.fullmatch(r"(CXL\d{3}) ([a-z-]+)", heading.strip())
        if not match or match.group(1) == "CXL000":
            continue
        blocks = dict(re.findall(r'^```yaml title="(finding|fixed)"\n(.*?)^```', section, flags=re.M | re.S))
        examples[match.group(1)] = {"name": match.group(2), **blocks}
    return examples


@pytest.fixture
def lint(make_project, validate):
    """lint(files, config=...) -> (project folder, diagnostics of `lint_project`)."""

    def run(files: dict, *, config: str = ALL, base: bool = True):
        root = make_project({**({"specs/base.yaml": BASE, **DATA} if base else {}), **files}, config=config)
        result = validate(root)
        errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
        assert not errors, errors
        return root, lint_project(result.project, default_registry()).diagnostics

    return run


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


# -- every rule ----------------------------------------------------------------------------


def test_every_builtin_rule_is_registered_and_documented():
    registry = default_registry()
    builtin = {n: r for n, r in registry.lint_rules.items() if r.code.startswith("CXL")}
    assert sorted(r.code for r in builtin.values()) == [f"CXL{i:03d}" for i in range(1, 15)]
    assert {type(r) for r in builtin.values()} == set(BUILTIN_LINT_RULES)
    assert all(registry.provided_by[("lint rule", n)] == "cxspec.builtin.lint_rules" for n in builtin)
    examples = doc_examples()
    assert sorted(examples) == sorted(r.code for r in builtin.values())
    table = DOC.read_text("utf-8")
    for name, rule in builtin.items():
        assert examples[rule.code]["name"] == name
        default = rule.default_severity + ("" if rule.enabled_by_default else ", opt-in")
        assert re.search(rf"^\| \[{rule.code}\]\(#[^)]+\) \| `{name}` \| {default} \|", table, re.M), name


@pytest.mark.parametrize("code", sorted(doc_examples()))
def test_the_documented_example_fires_and_its_fix_does_not(code, lint):
    example = doc_examples()[code]
    _, found = lint({"specs/example.yaml": example["finding"]})
    assert code in codes(found), f"{code} does not fire on its documented example"
    _, fixed = lint({"specs/example.yaml": example["fixed"]})
    assert code not in codes(fixed), f"{code} still fires on its documented fix"


def test_no_rule_fires_on_a_clean_project(lint):
    _, found = lint({"specs/programme.yaml": CLEAN})
    assert found == []


def test_findings_point_at_the_item(lint):
    spec = """\
    version: 1
    journeys:
      - id: get-help
        stages: [self-serve, contact]
    metrics:
      - id: fcr_rate
        type: rate
        source: tickets
        condition: "first_contact_resolved"
    pyramids:
      - id: support
        children:
          - metric: fcr_rate
            weight: 50
          - id: feeling
            weight: 49
            children:
              - metric: fcr_rate
    """
    _, found = lint({"specs/a.yaml": spec})
    where = {(d.code, d.line, d.column) for d in found}
    assert ("CXL001", 6, 9) in where  # the metric's id
    assert ("CXL006", 4, 14) in where and ("CXL006", 4, 26) in where  # each stage in the list
    assert ("CXL007", 12, 5) in where  # the `children` key of the pyramid
    message = next(d.message for d in found if d.code == "CXL007")
    assert message == "children of 'support': weights 50+49 sum to 99, not 100"
    assert all(d.file == "specs/a.yaml" for d in found if d.code != "CXL009")


@pytest.mark.parametrize(
    ("weights", "flagged"),
    [
        ([33, 33, 33], True),
        ([40, 30, 31], True),
        ([50, 50], False),
        ([60, 40], False),
        ([0.33, 0.33, 0.33], True),
        ([0.5, 0.5], False),
        ([3, 2, 2, 1], False),
        ([1, 1, 1], False),
        ([None, None], False),
        ([60, 39, None], True),  # percentages next to a sibling left at 1
        ([2, None], False),
        ([100], False),
        ([120, 80], False),
    ],
)
def test_unfinished_weights(weights, flagged):
    assert (unfinished_weights(weights) is not None) is flagged


@pytest.mark.parametrize(
    ("fields", "fires"),
    [
        ("category: outcome", True),
        ("category: behaviour\n    name: Upsell acceptance", True),
        ("category: operational\n    tags: [cross-sell]", True),
        ("category: behaviour\n    name: Cross sell rate", True),
        ("category: perception\n    name: Campaign satisfaction", False),  # feelings about a campaign
        ("category: operational\n    name: Resolution", False),
        ("name: Promo redemption", True),  # no category: words decide
    ],
)
def test_non_cx_detection(lint, fields, fires):
    spec = f"""\
version: 1
metrics:
  - id: m1
    type: rate
    source: tickets
    condition: "first_contact_resolved"
    owner: support-ops
    {fields}
pyramids:
  - id: cx-index
    children:
      - metric: m1
"""
    _, found = lint({"specs/a.yaml": spec})
    assert ("CXL004" in codes(found)) is fires


def test_survey_metric_detection(lint):
    spec = """\
    version: 1
    metrics:
      - id: csat
        type: csat
        source: responses
        column: csat_score
        owner: support-ops
      - id: star_rating
        type: mean
        source: responses
        column: csat_score
        category: perception
        owner: support-ops
      - id: wait
        type: mean
        source: tickets
        column: wait_seconds
        category: operational
        owner: support-ops
    """
    _, found = lint({"specs/a.yaml": spec})
    assert sorted(re.findall(r"'(\w+)'", d.message)[0] for d in found if d.code == "CXL003") == [
        "csat",
        "star_rating",
    ]


def test_duplicates_ignore_names_but_not_filters(lint):
    spec = """\
    version: 1
    metrics:
      - id: a
        type: rate
        source: tickets
        condition: "first_contact_resolved"
        owner: support-ops
      - id: b
        name: Another name
        type: rate
        source: tickets
        condition: "first_contact_resolved"
        owner: cx-office
      - id: c
        type: rate
        source: tickets
        condition: "first_contact_resolved"
        filter: "channel = 'chat'"
        owner: support-ops
    """
    _, found = lint({"specs/a.yaml": spec})
    duplicates = [d for d in found if d.code == "CXL011"]
    assert len(duplicates) == 1
    assert duplicates[0].message == "metric 'b' computes the same as 'a' (specs/a.yaml:3:9)"


# -- configuration ---------------------------------------------------------------------------

UNOWNED = """\
version: 1
metrics:
  - id: fcr_rate
    type: rate
    source: tickets
    condition: "first_contact_resolved"
"""


def test_defaults_without_configuration(lint):
    _, found = lint({"specs/a.yaml": UNOWNED}, config="version: 1\nproject: test\n")
    by_code = {d.code: d.severity for d in found}
    assert by_code["CXL001"] is Severity.ERROR
    assert by_code["CXL002"] is Severity.WARNING
    assert by_code["CXL012"] is Severity.INFO
    assert "CXL010" not in by_code  # opt-in


@pytest.mark.parametrize(
    ("lint_section", "expected"),
    [
        ("enable: [metric-without-description]", {"CXL010": "info"}),
        ("enable: [CXL010]", {"CXL010": "info"}),
        ("disable: [metric-without-owner]", {"CXL001": None}),
        ("disable: [CXL001, CXL002]", {"CXL001": None, "CXL002": None}),
        ("severity: {CXL001: warning}", {"CXL001": "warning"}),
        ("severity: {metric-without-goal: error}", {"CXL002": "error"}),
        ("severity: {metric-without-goal: off}", {"CXL002": None}),
        ("severity: {metric-without-description: warning}", {"CXL010": "warning"}),
    ],
)
def test_configuration(lint, lint_section, expected):
    config = f"version: 1\nproject: test\nlint:\n  {lint_section}\n"
    _, found = lint({"specs/a.yaml": UNOWNED}, config=config)
    by_code = {d.code: d.severity.value for d in found}
    for code, severity in expected.items():
        assert by_code.get(code) == severity, (code, by_code)


def test_unknown_rule_in_configuration_is_an_error_at_its_place(lint):
    config = (
        "version: 1\nproject: t\nlint:\n  disable: [metric-without-owners]\n  severity:\n    CXL099: info\n"
    )
    _, found = lint({"specs/a.yaml": UNOWNED}, config=config)
    problems = [d for d in found if d.code == "CXL000"]
    assert [(d.file, d.line, d.column, d.severity) for d in problems] == [
        ("cxspec.yaml", 4, 13, Severity.ERROR),
        ("cxspec.yaml", 6, 5, Severity.ERROR),
    ]
    assert problems[0].message == "unknown lint rule 'metric-without-owners' in lint.disable"
    assert problems[0].hint == "did you mean 'metric-without-owner'?"
    assert "CXL001" in codes(found)  # the misspelt disable disabled nothing


def test_a_bad_configuration_shape_is_a_validation_error(run_main, make_project):
    root = write(make_project, UNOWNED, "version: 1\nproject: t\nlint:\n  severity: {CXL001: loud}\n")
    code, out, _ = run_main("lint", str(root), "--format", "json")
    assert code == 1
    (problem,) = json.loads(out)["diagnostics"]
    assert (problem["file"], problem["line"], problem["code"]) == ("cxspec.yaml", 4, "CX104")


# -- suppression -----------------------------------------------------------------------------


def test_suppression_on_the_item_by_name_or_code(lint):
    spec = """\
    version: 1
    metrics:
      - id: a
        type: rate
        source: tickets
        condition: "first_contact_resolved"
        lint:
          ignore: [metric-without-owner, CXL002]
          reason: being handed over
      - id: b
        type: rate
        source: tickets
        condition: "reopened"
    """
    _, found = lint({"specs/a.yaml": spec})
    about = {(d.code, d.message.split("'")[1]) for d in found if d.code in ("CXL001", "CXL002", "CXL012")}
    # a's owner and goal findings are gone, its tracker finding and b's findings stay
    assert about == {("CXL012", "a"), ("CXL001", "b"), ("CXL002", "b"), ("CXL012", "b")}


def test_suppression_on_a_pyramid_covers_its_nodes(lint):
    spec = """\
    version: 1
    metrics:
      - id: revenue
        type: rate
        source: tickets
        condition: "first_contact_resolved"
        category: outcome
        owner: cx-office
    pyramids:
      - id: cx-index
        lint: {ignore: [non-cx-metric-in-pyramid], reason: on purpose}
        children:
          - id: group
            children:
              - metric: revenue
      - id: other
        children:
          - metric: revenue
    """
    _, found = lint({"specs/a.yaml": spec})
    assert [d.line for d in found if d.code == "CXL004"] == [18]  # only the other pyramid's


def test_an_unknown_rule_in_an_ignore_is_a_warning(lint):
    spec = UNOWNED + "    lint: {ignore: [metric-without-onwer]}\n"
    _, found = lint({"specs/a.yaml": spec})
    problem = next(d for d in found if d.code == "CXL000")
    assert (problem.severity, problem.line, problem.column) == (Severity.WARNING, 7, 21)
    assert problem.hint == "did you mean 'metric-without-owner'?"
    assert "CXL001" in codes(found)


def test_a_suppression_is_not_part_of_the_definition(make_project, validate):
    plain = make_project({"specs/base.yaml": BASE, **DATA, "specs/a.yaml": UNOWNED})
    ignored = make_project(
        {"specs/base.yaml": BASE, **DATA, "specs/a.yaml": UNOWNED + "    lint: {ignore: [CXL001]}\n"}
    )
    hashes = []
    for root in (plain, ignored):
        project = validate(root).project
        hashes.append(metric_definition_hash(project, project.metrics["fcr_rate"]))
    assert hashes[0] == hashes[1]


def test_a_failing_plugin_rule_is_reported_and_the_others_still_run(lint, make_project, validate):
    from cxspec.lint_rule import LintRule
    from cxspec.registry import Registry

    class Broken(LintRule):
        name, code, description = "broken", "ACME001", "raises"

        def check(self, project):
            raise RuntimeError("boom")
            yield

    class Loud(LintRule):
        name, code, description, default_severity = "loud", "ACME002", "bad severity", "fatal"

        def check(self, project):
            yield from ()

    rules = {**default_registry().lint_rules, "broken": Broken(), "loud": Loud()}
    root = make_project({"specs/base.yaml": BASE, **DATA, "specs/a.yaml": UNOWNED})
    found = lint_project(validate(root).project, Registry(lint_rules=rules)).diagnostics
    problems = [d.message for d in found if d.code == "CXL000"]
    assert problems == [
        "lint rule 'broken' (ACME001) failed: RuntimeError: boom",
        "lint rule 'loud' (ACME002) failed: ValueError: 'fatal' is not a valid Severity",
    ]
    assert "CXL001" in codes(found)


# -- the command -----------------------------------------------------------------------------


def write(make_project, spec: str, config: str = "version: 1\nproject: test\n"):
    return make_project({"specs/base.yaml": BASE, **DATA, "specs/a.yaml": spec}, config=config)


WARNED = """\
version: 1
metrics:
  - id: fcr_rate
    type: rate
    source: tickets
    condition: "first_contact_resolved"
    owner: support-ops
    tracked_by: cx-office
"""


def test_exit_codes(run_main, make_project):
    error = write(make_project, UNOWNED)
    assert run_main("lint", str(error))[0] == 1
    warning = write(make_project, WARNED)
    code, out, _ = run_main("lint", str(warning))
    assert code == 0 and "warning CXL002" in out
    assert run_main("lint", str(warning), "--strict")[0] == 1
    info_only = write(make_project, WARNED, "version: 1\nproject: t\nlint: {severity: {CXL002: info}}\n")
    code, out, _ = run_main("lint", str(info_only))
    assert code == 0
    # the summary counts every severity: findings of each kind are listed above it
    assert out.splitlines()[-1] == "0 errors, 0 warnings, 1 info in 3 files"
    assert out.count(": info CXL002") == 1
    assert run_main("lint", str(info_only), "--strict")[0] == 1  # --strict: any finding


def test_an_invalid_project_is_reported_as_validate_does(run_main, make_project):
    root = write(make_project, UNOWNED.replace("owner", "x") + "    owner: nobody\n")
    code, out, err = run_main("lint", str(root))
    assert code == 1 and "error CX202: unknown owner 'nobody'" in out and "Traceback" not in out + err


def test_the_example_project_lints_clean_of_errors(run_main):
    code, out, _ = run_main("lint", str(REPO / "specs" / "acme"), "--format", "json")
    assert code == 0
    found = json.loads(out)["diagnostics"]
    assert not [d for d in found if d["severity"] == "error"]


def test_list_rules(run_main):
    code, out, _ = run_main("lint", "--list-rules")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines][:14] == [f"CXL{i:03d}" for i in range(1, 15)]
    assert "metric-without-description" in lines[9] and "opt-in" in lines[9]


# -- formats, checked the way their consumers read them ----------------------------------------


@pytest.fixture
def findings_project(make_project):
    spec = (
        UNOWNED
        + """\
  - id: b
    type: csat
    source: responses
    column: csat_score
    owner: support-ops
"""
    )
    return write(make_project, spec)


@pytest.mark.parametrize("command", ["lint", "validate"])
def test_sarif_is_valid_sarif_2_1_0(run_main, findings_project, make_project, command):
    if command == "validate":
        root = make_project({"specs/a.yaml": "version: 1\nmetrics:\n  - id: x\n    type: nps\n"})
    else:
        root = findings_project
    code, out, _ = run_main(command, str(root), "--format", "sarif")
    log = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    run = log["runs"][0]
    assert run["results"], "no results to check"
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    if command == "lint":
        owner_rule = next(r for r in rules if r["id"] == "CXL001")
        assert owner_rule["shortDescription"]["text"] == "metric-without-owner"
        assert owner_rule["help"]["text"] == "See docs/lint-rules.md, CXL001."
        assert {r["level"] for r in run["results"]} >= {"error", "warning", "note"}


def test_sarif_schema_catches_a_broken_log():
    """The schema really constrains: a log without `runs` or with a bad level is refused."""
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA)
    assert not validator.is_valid({"version": "2.1.0"})
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"message": {"text": "m"}, "level": "fatal"}]}]}  # fmt: skip
    assert not validator.is_valid(bad)


@pytest.mark.parametrize("command", ["lint", "validate"])
def test_junit_with_strict_fails_the_files_that_fail_the_run(run_main, make_project, command):
    root = write(make_project, WARNED)  # lint: a CXL002 warning; validate: clean but for
    (root / "specs" / "empty.yaml").write_text("", encoding="utf-8")  # a CX013 warning
    for strict, failures in ((False, 0), (True, 1)):
        args = [command, str(root), "--format", "junit"] + (["--strict"] if strict else [])
        code, out, _ = run_main(*args)
        suite = ET.fromstring(out.encode("utf-8")).find("testsuite")
        failing = [c for c in suite.findall("testcase") if c.find("failure") is not None]
        assert int(suite.get("failures")) == len(failing) == failures
        assert code == (1 if strict else 0)  # the report and the exit status agree
    assert "warning" in failing[0].find("failure").get("message")


@pytest.mark.parametrize("command", ["lint", "validate"])
def test_junit_as_pytest_style_consumers_read_it(run_main, findings_project, make_project, command):
    if command == "validate":
        root = make_project({"specs/a.yaml": "version: 1\nmetrics:\n  - id: x\n    type: nps\n"})
    else:
        root = findings_project
    code, out, _ = run_main(command, str(root), "--format", "junit")
    assert code == 1
    suites = ET.fromstring(out.encode("utf-8"))
    suite = suites if suites.tag == "testsuite" else suites.find("testsuite")
    cases = suite.findall("testcase")
    # the counts consumers display are the counts of the elements
    assert int(suite.get("tests")) == len(cases)
    failing = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("failures")) == len(failing) >= 1
    assert int(suite.get("errors")) == len([c for c in cases if c.find("error") is not None]) == 0
    assert int(suite.get("skipped", 0)) == 0
    assert int(suites.get("tests")) == len(cases) and int(suites.get("failures")) == len(failing)
    for case in cases:
        assert case.get("classname") == f"cxspec.{command}" and case.get("name")
    failure = failing[0].find("failure")
    assert failure.get("message") and failure.text  # the one-line summary and the listing
    assert failing[0].get("name").endswith("specs/a.yaml")


GITHUB_LINE = re.compile(
    r"^::(error|warning|notice) file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"title=(?P<title>[^:]+)::(?P<message>.+)$"
)


@pytest.mark.parametrize("command", ["lint", "validate"])
def test_github_workflow_commands(run_main, findings_project, make_project, monkeypatch, command):
    if command == "validate":
        root = make_project({"specs/a.yaml": "version: 1\nmetrics:\n  - id: x\n    type: nps\n"})
    else:
        root = findings_project
    monkeypatch.chdir(root.parent)  # like a workflow at the repository root
    code, out, _ = run_main(command, root.name, "--format", "github")
    lines = out.splitlines()
    assert lines
    for line in lines:
        match = GITHUB_LINE.match(line)
        assert match, line
        # the file is relative to the working folder, so the annotation lands on it
        assert (root.parent / match["file"]).is_file()
        assert int(match["line"]) >= 1 and int(match["col"]) >= 1
    levels = {GITHUB_LINE.match(line)[1] for line in lines}
    if command == "lint":
        assert levels == {"error", "warning", "notice"}
        assert any(GITHUB_LINE.match(line)["title"] == "CXL001" for line in lines)


def test_every_format_is_deterministic(run_main, findings_project):
    for fmt in ("text", "json", "github", "junit", "sarif"):
        first = run_main("lint", str(findings_project), "--format", fmt)
        assert first == run_main("lint", str(findings_project), "--format", fmt)


@pytest.mark.parametrize(
    ("lint_section", "valid"),
    [
        (
            {
                "enable": ["all"],
                "disable": ["CXL001"],
                "severity": {"CXL002": "info", "metric-without-goal": "off"},
            },
            True,
        ),
        ({"severity": {"CXL002": "loud"}}, False),
        ({"severity": {"not a rule!": "info"}}, False),
        ({"severity": {}}, True),
        ({"enable": ["CXL001", "CXL001"]}, False),
        ({"bogus": 1}, False),
    ],
)
def test_the_fast_schema_path_agrees_with_jsonschema_on_lint_configuration(lint_section, valid):
    from jsonschema import Draft202012Validator

    from cxspec.fastschema import compile_schema
    from cxspec.schema import project_schema

    schema = project_schema()
    data = {"version": 1, "project": "p", "lint": lint_section}
    assert Draft202012Validator(schema).is_valid(data) is valid
    assert compile_schema(schema)(data) is valid  # certain when valid, never "valid" when not
