"""Specs using the export source types are checked as strictly as built-in ones: unknown
fields and wrong types by the JSON Schema fragment, and, against the export's header,
mapped columns that do not exist, time zones, and columns the source names."""

from __future__ import annotations

import shutil
import textwrap

import pytest
from cxspec import default_registry, validate_project
from cxspec.testing import run_cli
from survey_reference import EXAMPLE

QUALTRICS = EXAMPLE / "data" / "qualtrics_post_purchase.csv"
SURVEYMONKEY = EXAMPLE / "data" / "surveymonkey_onboarding.csv"


@pytest.fixture
def project(tmp_path):
    """project(spec text, files={name: source path}) → a project folder with the exports."""

    def make(spec: str, files=None):
        root = tmp_path / "p"
        (root / "data").mkdir(parents=True)
        (root / "cxspec.yaml").write_text("version: 1\nproject: p\n")
        (root / "s.yaml").write_text(textwrap.dedent(spec))
        for name, path in (files or {"q.csv": QUALTRICS, "sm.csv": SURVEYMONKEY}).items():
            shutil.copy(path, root / "data" / name)
        return root

    return make


def problems(root) -> list[tuple]:
    diagnostics = validate_project(root, default_registry()).diagnostics
    return [(d.code, d.line, d.column, d.message, d.hint) for d in diagnostics]


def test_unknown_fields_and_wrong_types_at_their_position(project):
    root = project("""\
        version: 1
        sources:
          - id: q
            type: qualtrics_export
            path: data/q.csv
            timezon: UTC
            questions:
              csat: {column: Q2, valuez: {a: 1}}
              ces: {column: Q3, values: {Easy: "seven"}}
              nps: 5
            fields: [reason]
        """)
    found = {(code, line, column) for code, line, column, *_ in problems(root)}
    assert found == {
        ("CX101", 6, 5),
        ("CX101", 8, 26),
        ("CX103", 9, 40),
        ("CX103", 10, 12),
        ("CX103", 11, 13),
    }


def test_a_column_the_export_lacks_is_named_with_close_ones(project):
    root = project("""\
        version: 1
        sources:
          - id: q
            type: qualtrics_export
            path: data/q.csv
            questions:
              nps_score: Q11
            fields:
              reason: QID4_TXT
        """)
    (a, b) = problems(root)
    assert a[:3] == ("SVX003", 7, 18) and "'Q11'" in a[3] and "'Q1'" in a[4]
    assert b[:3] == ("SVX003", 9, 15) and "'QID4_TEXT'" in b[4]


def test_surveymonkey_questions_and_answers(project):
    root = project("""\
        version: 1
        sources:
          - id: s
            type: surveymonkey_export
            path: data/sm.csv
            timezone: America/New_York
            questions:
              ease: How easy was each step of getting started? (1 = very hard, 7 = very easy)
              nps: How likely are you to recommend Acme to a friend?
              setup:
                question: How easy was each step of getting started? (1 = very hard, 7 = very easy)
                answer: Creating an acount
        """)
    ease, nps, setup = problems(root)
    assert ease[:3] == ("SVX003", 8, 13) and "3 answer columns" in ease[3] and "'Importing data'" in ease[4]
    assert (
        nps[:3] == ("SVX003", 9, 12)
        and "How likely are you to recommend Acme to a friend or colleague?" in nps[4]
    )
    assert setup[:3] == ("SVX003", 12, 17) and "'Creating an account'" in setup[4]


def test_time_zones(project):
    root = project("""\
        version: 1
        sources:
          - id: s
            type: surveymonkey_export
            path: data/sm.csv
          - id: q
            type: qualtrics_export
            path: data/q.csv
            timezone: America/Denvr
        """)
    missing, unknown = problems(root)
    assert missing[:3] == ("SVX002", 5, 11) and "set `timezone:`" in missing[4]
    assert unknown[:3] == ("SVX002", 9, 15) and "America/Denver" in unknown[4]


def test_columns_the_source_names_must_exist(project):
    root = project("""\
        version: 1
        sources:
          - id: q
            type: qualtrics_export
            path: data/q.csv
            time: RecordDate
            key: ResponseID
            dimensions: [chanel, {name: upper_store, expr: "upper(store)"}]
            questions:
              Status: Q1
        """)
    found = [(code, line, column, hint) for code, line, column, _, hint in problems(root)]
    assert found == [
        ("SVX005", 6, 11, "did you mean 'RecordedDate', 'EndDate', 'StartDate'?"),
        ("SVX005", 7, 10, "did you mean 'ResponseId'?"),
        ("SVX005", 8, 18, "did you mean 'channel'?"),
        ("SVX004", 10, 7, "pick another name for it"),
    ]


def test_not_an_export_or_no_file(project, tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text("id,score\n1,9\n")
    root = project(
        """\
        version: 1
        sources:
          - id: q
            type: qualtrics_export
            path: data/plain.csv
          - id: gone
            type: qualtrics_export
            path: data/missing.csv
          - id: out
            type: qualtrics_export
            path: ../outside.csv
        """,
        files={"plain.csv": plain},
    )
    found = [(code, line, column) for code, line, column, *_ in problems(root)]
    assert found == [("SVX001", 5, 11), ("SVX001", 8, 11), ("CX420", 11, 11)]


def test_time_defaults_to_recorded_date(project):
    root = project("""\
        version: 1
        sources:
          - id: q
            type: qualtrics_export
            path: data/q.csv
            questions: {nps_score: Q1}
        metrics:
          - id: nps
            type: nps
            source: q
            column: nps_score
        """)
    result = validate_project(root, default_registry())
    assert result.ok, result.diagnostics
    assert result.project.sources["q"].time == "RecordedDate"


def test_the_cli_reports_without_a_traceback(project):
    root = project("""\
        version: 1
        sources:
          - id: q
            type: qualtrics_export
            path: data/q.csv
            questions: {nps_score: Q11}
        """)
    code, out, err = run_cli("validate", root, "--format", "json")
    assert code == 1
    assert "Traceback" not in out + err
    assert '"code": "SVX003"' in out
