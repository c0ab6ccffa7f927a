"""`type: surveymonkey_export`: a SurveyMonkey export, "All individual responses",
expanded layout, as downloaded: CSV or Excel (.xlsx).

Two header rows: the question texts (blank over a question's further columns) and, under
each question, its sub-answers ("Response", "Open-Ended Response", a matrix row, a choice).
Respondent ID … Custom Data columns have a blank second row: they are exposed in snake case
(respondent_id, start_date, end_date, custom_data_1…). Dates are in the account's time zone,
which the file does not say.
"""

from __future__ import annotations

import re

from cxspec_survey_exports.export_source import ExportSource, Unresolved
from cxspec_survey_exports.layout import (
    TEXT,
    TIMESTAMP,
    Column,
    ExportError,
    Layout,
    duplicates,
    read_header_rows,
    refuse_two_digit_years,
)
from cxspec_survey_exports.mapping import NONEMPTY, VALUES, mapping_schema, text_or_object

KINDS = {"start_date": TIMESTAMP, "end_date": TIMESTAMP}
KEY_COLUMN = "respondent_id"


def snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def parse_surveymonkey(path) -> Layout:
    rows = read_header_rows(path, 3)  # the header rows and a first response
    if len(rows) < 2 or not any(rows[0]):
        raise ExportError(
            f"{path.name} has no SurveyMonkey header rows",
            "an expanded SurveyMonkey CSV export starts with the questions, then their answers",
        )
    width = len(rows[0])
    questions, answers = rows[0], (rows[1] + [""] * width)[:width]
    columns, answered, current = [], {}, ""
    for index, (question, answer) in enumerate(zip(questions, answers, strict=True)):
        current = question or current
        if answer:
            answered[index] = (current, answer)
        elif question:  # respondent metadata and custom variables
            columns.append(Column(index, snake(question), KINDS.get(snake(question), TEXT)))
    names = [c.name for c in columns]
    if KEY_COLUMN not in names:
        raise ExportError(
            f"{path.name} has no Respondent ID column: it does not look like a SurveyMonkey CSV export",
            "export all individual responses as CSV, expanded columns",
        )
    repeated = duplicates(names)
    if repeated:
        raise ExportError(f"{path.name} has two columns named {repeated[0]!r} in snake case")
    key = names.index(KEY_COLUMN)
    layout = Layout(
        width=width,
        columns=columns,
        key_index=columns[key].index,
        header_keys=(),  # the answers row has no respondent id
        answers=answered,
        header_rows=2,
    )
    if len(rows) > 2:
        refuse_two_digit_years(path, layout, rows[2])
    return layout


class SurveyMonkeyExport(ExportSource):
    name = "surveymonkey_export"
    platform = "SurveyMonkey"
    description = "A SurveyMonkey export (expanded; CSV or .xlsx) as downloaded: questions mapped to names."
    default_time = "end_date"
    timezone_hint = (
        "SurveyMonkey writes dates in the account's time zone without saying which: "
        "set `timezone:` (America/New_York, Europe/London, UTC…)"
    )
    fields = {
        "path": {**NONEMPTY, "description": "The export (.csv or .xlsx), relative to the project."},
        "questions": mapping_schema(
            text_or_object({"question": NONEMPTY, "answer": NONEMPTY, "values": VALUES}, ["question"]),
            "Name → question text (and `answer:` for one of its columns), read as a number.",
        ),
        "fields": mapping_schema(
            text_or_object({"question": NONEMPTY, "answer": NONEMPTY}, ["question"]),
            "Name → question text (and `answer:`), read as text.",
        ),
        "timezone": {**NONEMPTY, "description": "The account's time zone (IANA name) the dates are in."},
    }
    required = ("path",)

    def parse(self, path):
        return parse_surveymonkey(path)

    def resolve(self, entry, layout):
        spec = entry.spec if isinstance(entry.spec, dict) else {"question": entry.spec}
        question, answer = spec["question"], spec.get("answer")
        matches = [i for i, (asked, _) in layout.answers.items() if asked == question]
        what = f"{entry.section[:-1]} {entry.name!r}"
        if not matches:
            questions = list(dict.fromkeys(asked for asked, _ in layout.answers.values()))
            raise Unresolved(
                f"{what}: the export has no question {question!r}", questions, question, "question"
            )
        options = {layout.answers[i][1]: i for i in matches}
        if len(options) < len(matches):
            raise Unresolved(
                f"{what}: the export asks {question!r} more than once: rename one in SurveyMonkey",
                [],
                question,
                "question",
            )
        if answer is None:
            if len(options) == 1:
                return matches[0]
            if "Response" in options:  # a single choice with an "Other (please specify)" box
                return options["Response"]
            raise Unresolved(
                f"{what}: question {question!r} has {len(options)} answer columns: say which with `answer:`",
                list(options),
                "",
            )
        if answer in options:
            return options[answer]
        raise Unresolved(
            f"{what}: question {question!r} has no answer column {answer!r}", list(options), answer, "answer"
        )
