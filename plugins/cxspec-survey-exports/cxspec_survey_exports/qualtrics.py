"""`type: qualtrics_export`: a Qualtrics CSV export as downloaded (Data & Analysis → Export).

Three header rows: the column ids (StartDate … ResponseId … Q1, Q2_1, embedded data), the
question texts, and the ImportIds (`{"ImportId":"QID1"}`; the date columns' carry the export's
time zone). Exports from before 2017 have the first two only.
"""

from __future__ import annotations

import json

from cxspec_survey_exports.export_source import ExportSource, Unresolved
from cxspec_survey_exports.layout import (
    FLAG,
    INTEGER,
    STATUS,
    TEXT,
    TIMESTAMP,
    Column,
    ExportError,
    Layout,
    duplicates,
    read_header_rows,
)
from cxspec_survey_exports.mapping import NONEMPTY, VALUES, mapping_schema, text_or_object

#: Qualtrics' own columns that are not text.
KINDS = {
    "StartDate": TIMESTAMP,
    "EndDate": TIMESTAMP,
    "RecordedDate": TIMESTAMP,
    "Progress": INTEGER,
    "Duration (in seconds)": INTEGER,
    "Finished": FLAG,
    "Status": STATUS,
}
KEY_COLUMN = "ResponseId"


def _import_id(cell: str) -> dict | None:
    if not cell.startswith("{"):
        return None
    try:
        value = json.loads(cell)
    except ValueError:
        return None
    return value if isinstance(value, dict) and "ImportId" in value else None


def parse_qualtrics(path) -> Layout:
    rows = read_header_rows(path, 3)
    if len(rows) < 2 or not any(rows[0]):
        raise ExportError(
            f"{path.name} has no Qualtrics header rows",
            "a Qualtrics CSV export starts with the column ids, then the question texts",
        )
    ids = rows[0]
    width = len(ids)
    texts = (rows[1] + [""] * width)[:width]
    import_row = (rows[2] + [""] * width)[:width] if len(rows) > 2 else []
    imports = [_import_id(cell) for cell in import_row]
    if not any(imports):  # an older export: two header rows
        imports, import_row = [None] * width, []
    if KEY_COLUMN not in ids:
        raise ExportError(
            f"{path.name} has no {KEY_COLUMN} column: it does not look like a Qualtrics CSV export",
            "export from Qualtrics as CSV with the default columns (StartDate … ResponseId …)",
        )
    repeated = duplicates(i for i in ids if i)
    if repeated:
        raise ExportError(f"{path.name} has the column id {repeated[0]!r} more than once")
    zone = next((i["timeZone"] for i in imports if i and isinstance(i.get("timeZone"), str)), None)
    refs = {name: index for index, name in enumerate(ids) if name}
    for index, found in enumerate(imports):
        if found and isinstance(found["ImportId"], str):
            refs.setdefault(found["ImportId"], index)
    key = ids.index(KEY_COLUMN)
    return Layout(
        width=width,
        columns=[Column(i, name, KINDS.get(name, TEXT)) for i, name in enumerate(ids) if name],
        key_index=key,
        header_keys=(texts[key], *([import_row[key]] if import_row else [])),
        timezone="UTC" if zone == "Z" else zone,
        refs=refs,
    )


class QualtricsExport(ExportSource):
    name = "qualtrics_export"
    platform = "Qualtrics"
    description = (
        "A Qualtrics CSV export as downloaded: its three header rows, question columns mapped to names."
    )
    default_time = "RecordedDate"
    timezone_hint = (
        "set `timezone:` to the time zone chosen when exporting (its ImportId row usually says it)"
    )
    fields = {
        "path": {**NONEMPTY, "description": "The CSV export, relative to the project."},
        "questions": mapping_schema(
            text_or_object({"column": NONEMPTY, "values": VALUES}, ["column"]),
            "Name → column id (Q1, Q2_1) or ImportId (QID1), read as a number.",
        ),
        "fields": mapping_schema(
            text_or_object({"column": NONEMPTY}, ["column"]),
            "Name → column id or ImportId, read as text.",
        ),
        "timezone": {
            **NONEMPTY,
            "description": "The export's time zone (IANA name); by default the one its ImportId row names.",
        },
    }
    required = ("path",)

    def parse(self, path):
        return parse_qualtrics(path)

    def resolve(self, entry, layout):
        target = entry.spec["column"] if isinstance(entry.spec, dict) else entry.spec
        if target in layout.refs:
            return layout.refs[target]
        raise Unresolved(
            f"{entry.section[:-1]} {entry.name!r}: the export has no column id or ImportId {target!r}",
            list(layout.refs),
            target,
            "column",
        )
