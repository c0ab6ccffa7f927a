"""The catalogue of diagnostic codes. A code never changes meaning once released.

CX0xx files and YAML, CX1xx schema, CX2xx ids and references, CX3xx values that make no
sense together, CX4xx data files, CX5xx SQL fragments. docs/validation-codes.md documents
every code (tests/test_docs.py keeps the two in step).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


# Severity lives here, not in diagnostics.py, so that the code table is a leaf:
# diagnostics.py needs each code's default severity, and this module needs nothing back.
class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Code:
    """One validation code: its title, severity and explanation."""

    code: str
    title: str
    severity: Severity
    explanation: str


_E, _W = Severity.ERROR, Severity.WARNING

CODES: dict[str, Code] = {
    c.code: c
    for c in [
        # Files and YAML
        Code("CX001", "YAML syntax error", _E, "The file is not valid YAML."),
        Code(
            "CX002", "duplicate key", _E, "A mapping names the same key twice; YAML keeps only one, silently."
        ),
        Code("CX003", "not UTF-8", _E, "Spec files must be UTF-8 (a BOM is accepted)."),
        Code(
            "CX004",
            "alias expansion too large",
            _E,
            "Anchors and aliases expand past the node limit (an alias bomb).",
        ),
        Code("CX005", "nesting too deep", _E, "Mappings and sequences are nested deeper than the limit."),
        Code("CX006", "file too large", _E, "A spec file is larger than the size limit."),
        Code("CX007", "missing version", _E, "Every spec file and cxspec.yaml starts with `version: 1`."),
        Code("CX008", "unsupported version", _E, "This cxspec reads spec language version 1."),
        Code("CX009", "not a project", _E, "No cxspec.yaml in the folder given."),
        Code("CX010", "not a mapping", _E, "A spec file holds a mapping of sections at its top level."),
        Code(
            "CX011",
            "unsupported YAML feature",
            _E,
            "Custom tags, complex keys and several documents in one file are not part of the spec language.",
        ),
        Code("CX012", "too many files", _E, "The project holds more spec files than the limit."),
        Code("CX013", "empty spec file", _W, "A YAML file below the project holds nothing."),
        Code("CX014", "too many problems", _E, "A file has more schema problems than are listed."),
        Code(
            "CX015",
            "control character in text",
            _E,
            "A name or description holds a control character (an escape sequence acts on terminals).",
        ),
        # Schema
        Code("CX100", "schema violation", _E, "The value breaks the JSON Schema of the spec language."),
        Code("CX101", "unknown key", _E, "A key that the spec language does not define at this place."),
        Code("CX102", "missing required field", _E, "A field this item must have."),
        Code(
            "CX103",
            "wrong type",
            _E,
            "The value has the wrong type (a string where a number is expected, …).",
        ),
        Code("CX104", "value not allowed", _E, "The value is not one of the allowed values."),
        Code("CX105", "invalid id", _E, "Ids match ^[a-z][a-z0-9_-]*$: lower case, digits, _ and -."),
        Code(
            "CX106", "value out of range", _E, "A number, list or string outside its allowed size or range."
        ),
        Code("CX107", "unknown type", _E, "A metric or source type that no installed plugin provides."),
        Code(
            "CX108",
            "unknown warehouse",
            _W,
            "The project's `warehouse` URL has a scheme that no installed plugin serves.",
        ),
        # Ids and references
        Code("CX201", "duplicate id", _E, "Ids are unique per section across all files of a project."),
        Code("CX202", "unknown reference", _E, "A reference to an id that no spec defines."),
        Code(
            "CX203", "unknown journey stage", _E, "A touch point's stage is not one of its journey's stages."
        ),
        Code("CX204", "metric cycle", _E, "Ratio and derived metrics depend on each other in a circle."),
        Code("CX205", "pyramid cycle", _E, "Pyramids include each other in a circle."),
        Code("CX206", "owner cycle", _E, "Owners are each other's parents in a circle."),
        Code("CX207", "duplicate pyramid node", _E, "Node ids are unique within a pyramid."),
        Code("CX208", "duplicate goal", _E, "A metric has more than one goal."),
        Code("CX209", "duplicate stage", _E, "A journey lists the same stage twice."),
        Code("CX210", "pyramid too deep", _E, "A pyramid nests more than 32 levels, its includes followed."),
        Code("CX211", "metric too deep", _E, "More than 50 ratio/derived metrics built on each other."),
        Code("CX212", "owner chain too deep", _E, "An owner is more than 32 owners down a `parent` chain."),
        Code(
            "CX213",
            "expansion too large",
            _E,
            "A metric's formula written out, or a pyramid with its includes, is too large.",
        ),
        # Values that make no sense together
        Code("CX301", "invalid scale", _E, "A scale is [low, high] with low < high."),
        Code(
            "CX302",
            "top_box outside the scale",
            _E,
            "top_box counts the top points of the scale: 1 ≤ top_box ≤ high − low.",
        ),
        Code(
            "CX303",
            "percentile out of range",
            _E,
            "A percentile is a fraction strictly between 0 and 1 (0.9 for p90).",
        ),
        Code(
            "CX304",
            "goal thresholds reversed",
            _E,
            "`warn` lies on the wrong side of `target` for the metric's direction.",
        ),
        Code("CX305", "non-positive weight", _E, "Pyramid weights are relative and must be greater than 0."),
        Code(
            "CX306",
            "bounds needed",
            _E,
            "A metric with no natural range needs `bounds` in a pyramid normalised by bounds.",
        ),
        Code("CX307", "invalid bounds", _E, "Bounds are [low, high] with low < high."),
        Code(
            "CX308", "goal needed", _E, "A pyramid normalised by goal needs a goal for each of its metrics."
        ),
        Code(
            "CX309",
            "source cannot serve this metric",
            _E,
            "The metric needs fields its source does not declare (churn needs `start`, `end` and `entity`; "
            "count_distinct without `column` needs `entity`).",
        ),
        Code(
            "CX310",
            "goal outside the metric's range",
            _W,
            "A goal threshold (or a benchmark) the metric can never reach or always meets.",
        ),
        Code("CX311", "option does not apply", _E, "A field that has no effect with the other fields given."),
        Code(
            "CX312",
            "too many drivers",
            _E,
            "A drivers analysis lists at most 15 drivers: Shapley values are enumerated exactly.",
        ),
        Code("CX313", "duplicate driver", _E, "Driver names are unique within a drivers analysis."),
        Code(
            "CX314",
            "source cannot serve this link",
            _E,
            "A link needs `time` and `entity` on its CX source, and `entity` and the event's column on its outcome source.",
        ),
        Code("CX315", "top box needs a scale", _E, "`groups: top_box` needs the `scale` of the score."),
        Code("CX316", "driver is the outcome", _E, "A driver cannot be the outcome column it explains."),
        Code("CX320", "invalid notify target", _E, "A `notify:` target lacks what its type needs, or has another type's field."),
        Code("CX321", "unknown metric in cxspec.yaml", _E, "A benchmark or initiative names a metric the project does not have."),
        Code(
            "CX330",
            "previous id in use",
            _E,
            "A metric's `previous_ids:` names a metric that still exists: history cannot be two metrics'.",
        ),
        Code(
            "CX331",
            "previous id claimed twice",
            _E,
            "Two metrics list the same id in `previous_ids:`: its history can carry on under one only.",
        ),
        Code(
            "CX332",
            "lookup without entities",
            _E,
            "A lookup dimension joins two sources on their `entity`: both must declare one.",
        ),
        Code(
            "CX335",
            "grain below the project's",
            _E,
            "A metric's `grain:` is at or above the project's grain and made of its periods "
            "(a quarter of months; not a month of weeks).",
        ),
        Code(
            "CX336",
            "metric finer than its inputs",
            _E,
            "A metric computed from others cannot have a finer grain than one of them: they have no "
            "value for its periods.",
        ),
        Code(
            "CX340",
            "unknown segment dimension",
            _E,
            "A segment of `segments:` names a dimension that no source declares.",
        ),
        Code("CX341", "duplicate segment", _E, "Two items of `segments:` have the same dimensions."),
        Code("CX342", "dimension twice in a segment", _E, "A segment lists one dimension twice."),
        Code(
            "CX343",
            "goal override without a segment",
            _E,
            "A goal's `segments: [{where: …}]` names dimensions that no segment has exactly.",
        ),
        Code("CX344", "duplicate goal override", _E, "Two overrides of one goal have the same `where:`."),
        Code(
            "CX350",
            "owner segment not computed",
            _E,
            "An owner holds a segment whose dimensions are not a segment of `segments:` in cxspec.yaml.",
        ),
        Code("CX351", "segment held twice", _E, "Two owners hold the same segment: its issues go to one owner."),
        # Data files
        Code(
            "CX401",
            "not a plain file path",
            _E,
            "A file source names one file: no `~`, URLs or wildcards, which the engine would read "
            "elsewhere; a table source's name does not end like a file.",
        ),
        Code("CX402", "file not found", _W, "A file source's path does not exist (yet)."),
        Code(
            "CX403",
            "unsupported file format",
            _E,
            "File sources are CSV (.csv, .tsv, optionally .gz or .zst) or Parquet (.parquet, .pq).",
        ),
        Code(
            "CX404",
            "unknown column",
            _E,
            "A spec names a column that a source declaring its columns does not have.",
        ),
        Code(
            "CX405",
            "boolean compared with text",
            _E,
            "A boolean column compared with text or a number (`resolved = 'yes'`): engines disagree.",
        ),
        Code(
            "CX406",
            "text compared with a number",
            _E,
            "A text column compared with a number or a boolean (`score >= 9` where some scores are "
            "words), a number column with text that is no number (`flag = 'yes'` over 1/0), or "
            "a text column in arithmetic (`score / 3`): engines disagree.",
        ),
        Code(
            "CX407",
            "not a boolean used as a condition",
            _E,
            "A text or number column used as a condition (`condition: flag`, a 0/1 `resolved`): "
            "engines disagree.",
        ),
        Code(
            "CX408",
            "time compared with text that is not a time",
            _E,
            "A date or time column compared with text that is not an ISO 8601 date or time "
            "(`t >= '2026-1-5'`, `'yesterday'`), or with a time with a UTC offset: engines disagree.",
        ),
        Code(
            "CX409",
            "lookup dimension named like a column",
            _E,
            "A lookup dimension has the name of a column of its own source: `--by`, `--where` and "
            "metric filters would read the looked-up value, the source's own filter the column.",
        ),
        Code(
            "CX410",
            "source cannot be read",
            _E,
            "The warehouse could not read a source's rows (checked against the data: `validate --data`, `query`, `run`).",
        ),
        Code(
            "CX411",
            "time that does not parse",
            _E,
            "A time column holds values that are not times (ISO 8601, or the source's `time_format`).",
        ),
        Code(
            "CX412",
            "two-digit year",
            _E,
            "A time column writes years with two digits; the source must declare its `time_format`.",
        ),
        Code(
            "CX413",
            "time after the as-of time",
            _W,
            "Rows whose time is after `--as-of` (default: now) are left out; ends after it are not ends yet.",
        ),
        Code(
            "CX414",
            "rows without a time",
            _W,
            "Rows whose time column is empty belong to no period and are left out.",
        ),
        Code(
            "CX415",
            "empty source",
            _W,
            "A source has no rows (after its filter): its metrics have no results.",
        ),
        Code(
            "CX416",
            "metric failed on the warehouse",
            _E,
            "The warehouse refused a metric's query; a run stores the other metrics and exits 1.",
        ),
        Code(
            "CX417",
            "blank cells in a measured column",
            _W,
            "Cells of spaces only in a column a metric measures are not empty fields: they are counted invalid.",
        ),
        Code(
            "CX420",
            "path outside the project and the data roots",
            _E,
            "A file source's path resolves outside the project folder and every data root the operator "
            "allowed (`--data-root`, CXSPEC_DATA_ROOTS); specs cannot allow folders.",
        ),
        Code(
            "CX421",
            "symbolic link out of the data roots",
            _E,
            "A file source's path lies inside the project or a data root but passes through a symbolic "
            "link that resolves outside all of them.",
        ),
        # SQL fragments
        Code("CX501", "SQL syntax error", _E, "The fragment does not parse as SQL."),
        Code(
            "CX502", "not a single expression", _E, "A fragment is one SQL expression: no statements, no `;`."
        ),
        Code("CX503", "subquery not allowed", _E, "Fragments cannot read other tables: no subqueries."),
        Code(
            "CX504",
            "function not allowed",
            _E,
            "Only functions on the allow-list can appear in fragments (docs/sql-fragments.md).",
        ),
        Code(
            "CX505",
            "construct not allowed",
            _E,
            "Aggregates, window functions, parameters, `*` and qualified names are not allowed in fragments.",
        ),
        Code(
            "CX506",
            "unknown metric in expression",
            _E,
            "A derived metric's `expr` names a metric that does not exist.",
        ),
        # Data of drivers analyses and links (found when they run)
        Code("CX600", "constant driver", _E, "A driver has the same value in every complete case: it explains nothing."),
        Code(
            "CX601",
            "collinear drivers",
            _E,
            "Some drivers are an exact linear combination of others: their importances cannot be told apart.",
        ),
        Code(
            "CX602",
            "too few complete cases",
            _E,
            "Fewer rows with the outcome and every driver present than `min_sample` (or than drivers + 2).",
        ),
        Code("CX603", "non-numeric column", _E, "A driver, outcome or outcome value is not a number."),
        Code("CX604", "outcome without variance", _E, "The outcome has the same value in every complete case."),
        Code(
            "CX605",
            "no interval",
            _W,
            "The source has no `key` or `entity` to group rows by, or too few groups: importances have no interval.",
        ),
        Code(
            "CX606",
            "strongly collinear driver",
            _W,
            "A driver's variance inflation factor is over 10: its importance is shared with the drivers it moves with.",
        ),
        Code(
            "CX607",
            "values the warehouse cannot compute",
            _E,
            "A driver expression that is not a number, or values so large their squares overflow a double.",
        ),
        Code(
            "CX608",
            "values that are not numbers",
            _W,
            "A driver, outcome, score or value column holds numbers and other values ('N/A'): those rows are left out.",
        ),
        Code(
            "CX609",
            "values off the scale",
            _W,
            "A driver's or the outcome's value is off its `scale` (a 99 'don't know' code among 1-5 ratings): "
            "those rows are not complete cases, counted.",
        ),
        Code(
            "CX610",
            "no complete window",
            _W,
            "No CX response of a link has its whole outcome window before `--as-of`: nothing to compare yet.",
        ),
        Code("CX611", "empty group", _W, "A CX group of a link has no responses: its contrast is not computed."),
        Code(
            "CX612",
            "outcome times after the windows",
            _W,
            "Without `--as-of`, a link's outcome source has times later than its latest response's window end.",
        ),
        Code(
            "CX613",
            "outcome not measurable",
            _W,
            "No response of a link has an outcome in its window (no event, no row), or every outcome value "
            "there is empty: its groups would all show 0, so the link is not computed.",
        ),
        Code(
            "CX614",
            "segments without drivers figures",
            _W,
            "`run` computes a drivers analysis per segment: some segments have no figures (too few complete "
            "cases, a constant driver there…) and are left out, stored and reported as not computed.",
        ),
        Code(
            "CX615",
            "scores off the scale",
            _W,
            "Some responses of a link have a score off its groups' scale (NPS 0–10, a top box's `scale`) or "
            "not a whole number there: they are left out, counted.",
        ),
        # Data of segments (found when `run` stores them)
        Code(
            "CX620",
            "segment not in the data",
            _W,
            "A goal's `segments: [{where}]` or an owner's `segments:` names a value no stored row has.",
        ),
        Code(
            "CX621",
            "too many segment values",
            _E,
            "A segment of `segments:` has more than 10,000 values in the data (a customer or ticket id): "
            "nothing is stored.",
        ),
        # Data of links, continued (found when they run)
        Code(
            "CX622",
            "outcome rows without a value",
            _W,
            "Some outcome rows in a value link's windows have no value: skipped in its sums, counted.",
        ),
        Code(
            "CX623",
            "customer ids that match only in part",
            _W,
            "Some responses' customer ids are a link's outcome ids but for spaces or letter case ('C001 ', "
            "'c001' against 'C001'): ids match exactly, so they find no outcome; counted.",
        ),
    ]
}


def default_severity(code: str) -> Severity:
    entry = CODES.get(code)
    return entry.severity if entry else Severity.ERROR
