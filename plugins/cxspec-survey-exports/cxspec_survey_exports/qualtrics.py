"""`type: qualtrics_export`: a Qualtrics export as downloaded (Data & Analysis → Export),
CSV or Excel, in each of the layouts Qualtrics has written:

- current: three header rows, the column ids (StartDate … ResponseId … Q1, Q2_1,
  embedded data), the question texts, and the ImportIds (`{"ImportId":"QID1"}`; the date
  columns' carry the export's time zone). Some exports have the first two only.
- 2016 ("Insights"): the column ids (ResponseID … Q1, Q2_1), the question texts, and the
  ImportIds as Python dicts in single quotes (`{'ImportId': 'QID2-1'}`), no time zone.
- legacy: `V1…V10` over the response columns in row 1, whose ids (ResponseID, ResponseSet,
  StartDate…) are in row 2 with the question texts; no ImportIds.
- cleaned: the extra header rows removed by a script. A row below the column ids whose
  ResponseId looks like one (R_…) or whose StartDate is a date is a response, not a header.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass

from cxspec_survey_exports.export_source import AMBIGUOUS, ExportSource, Unresolved
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
    refuse_two_digit_years,
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
RECORDED = "RecordedDate"
#: What the key column is called in the 2016 and legacy layouts: exposed as ResponseId, so
#: that one spec reads every layout (DuckDB would take the two names for one anyway).
OLD_KEY_COLUMN = "ResponseID"
#: A response's id as Qualtrics writes it (R_ and 15 letters or digits).
RESPONSE_ID = re.compile(r"^R_[0-9A-Za-z]{8,}$")
#: Date-times in the date columns of a response row.
DATE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})[ T]\d{1,2}:\d{2}")
LEGACY_ID = re.compile(r"^V\d+$")
IMPORT_ID = re.compile(r"^QID\d")


def _import_id(cell: str) -> dict | None:
    """The ImportId object of a cell: JSON (current) or a Python dict literal (2016)."""
    cell = cell.strip()
    if not cell.startswith("{"):
        return None
    try:
        value = json.loads(cell)
    except ValueError:
        try:
            value = ast.literal_eval(cell)  # literals only: no code is run
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
    return value if isinstance(value, dict) and isinstance(value.get("ImportId"), str) else None


def _is_import_row(row: list[str]) -> bool:
    cells = [c for c in row if c.strip()]
    return bool(cells) and sum(_import_id(c) is not None for c in cells) * 2 > len(cells)


def _is_response(row: list[str], ids: list[str]) -> bool:
    """A record below the column ids that holds a response rather than header text: a
    response id, a date, or a number where a header row has words ("Progress", "Beendet")."""
    cells = dict(zip(ids, row))
    key = cells.get(KEY_COLUMN, cells.get(OLD_KEY_COLUMN, ""))
    if RESPONSE_ID.match(key.strip()):
        return True
    if any(DATE.match(cells.get(name, "")) for name in ("StartDate", "EndDate", "RecordedDate")):
        return True
    if cells.get("Finished", "").strip().lower() in ("true", "false"):
        return True
    numbers = ("Progress", "Duration (in seconds)", "Finished", "Status")
    return any(re.fullmatch(r"\s*\d+\s*", cells.get(name, "")) for name in numbers)


def _pad(row: list[str], width: int) -> list[str]:
    return (row + [""] * width)[:width]


def parse_qualtrics(path) -> Layout:
    rows = read_header_rows(path, 4)  # the header rows and a first response
    if not rows or not any(rows[0]):
        raise ExportError(
            f"{path.name} has no Qualtrics header rows",
            "a Qualtrics export starts with the column ids (StartDate … ResponseId …)",
        )
    width = len(rows[0])
    header = _header([_pad(r, width) for r in rows], path)
    ids = header.ids
    if OLD_KEY_COLUMN in ids and KEY_COLUMN not in ids:
        ids[ids.index(OLD_KEY_COLUMN)] = KEY_COLUMN
    repeated = duplicates(i for i in ids if i)
    if repeated:
        raise ExportError(f"{path.name} has the column id {repeated[0]!r} more than once")
    imports = [_import_id(c) for c in header.import_row] if header.import_row else [None] * width
    zone = next((i["timeZone"] for i in imports if i and isinstance(i.get("timeZone"), str)), None)
    refs = {name: index for index, name in enumerate(ids) if name}
    for index, alias in header.aliases.items():
        refs.setdefault(alias, index)
    shared = _add_import_ids(refs, imports)
    key = ids.index(KEY_COLUMN)
    header_keys = tuple(r[key] for r in header.rows[1 : header.count])
    columns = [Column(i, name, KINDS.get(name, TEXT)) for i, name in enumerate(ids) if name]
    if RECORDED not in ids and "EndDate" in ids:
        # 2016 and legacy exports record a response by its EndDate: exposed as RecordedDate
        # too, so that `time` defaults alike and one spec reads every layout
        columns.append(Column(ids.index("EndDate"), RECORDED, TIMESTAMP))
        refs.setdefault(RECORDED, ids.index("EndDate"))
    layout = Layout(
        width=width,
        columns=columns,
        key_index=key,
        header_keys=header_keys,
        timezone="UTC" if zone == "Z" else zone,
        refs=refs,
        shared=shared,
        texts={i: t for i, t in enumerate(header.texts) if t},
        variant=header.variant,
        header_rows=header.count,
        has_import_ids=bool(header.import_row),
        # header rows are told by their ResponseId text; one without any cannot be
        keyless_responses=all(k.strip() for k in header_keys),
    )
    if len(header.rows) > header.count:
        refuse_two_digit_years(path, layout, header.rows[header.count])
    return layout


@dataclass
class _Header:
    rows: list[list[str]]
    #: Column ids; legacy V ids (V1…V10) → their column; question texts; ImportIds.
    ids: list[str]
    aliases: dict[int, str]
    texts: list[str]
    import_row: list[str]
    #: Header records, the ids' included.
    count: int
    variant: str


def _header(rows: list[list[str]], path) -> _Header:
    """Which layout the first records are, and which of them are header rows."""
    first, width = rows[0], len(rows[0])
    if LEGACY_ID.match(first[0].strip()) and len(rows) > 1 and OLD_KEY_COLUMN in rows[1]:
        # legacy: V1…V10 name the response columns; their ids are in the second row
        ids = [
            second if LEGACY_ID.match(top.strip()) and second else top for top, second in zip(first, rows[1])
        ]
        aliases = {i: top for i, top in enumerate(first) if LEGACY_ID.match(top.strip())}
        return _Header(rows, ids, aliases, rows[1], [], 2, "legacy")
    ids = list(first)
    if KEY_COLUMN not in ids and OLD_KEY_COLUMN not in ids:
        raise ExportError(
            f"{path.name} has no {KEY_COLUMN} column: it does not look like a Qualtrics export",
            "export from Qualtrics with the default columns (StartDate … ResponseId …); "
            "a legacy export starts with V1…V10 and has ResponseID in its second row",
        )
    count, texts, import_row = 1, [""] * width, []
    if len(rows) > 1 and not _is_response(rows[1], ids):
        count = 2
        if _is_import_row(rows[1]):  # the question texts were removed, the ImportIds kept
            import_row = rows[1]
        else:
            texts = rows[1]
            if len(rows) > 2 and _is_import_row(rows[2]):
                count, import_row = 3, rows[2]
    old = OLD_KEY_COLUMN in ids
    variant = ("2016" if import_row else "legacy") if old else "current"
    if count == 1:
        variant += ", header rows removed"
    return _Header(rows, ids, {}, texts, import_row, count, variant)


def _add_import_ids(refs: dict[str, int], imports: list[dict | None]) -> dict[str, list[int]]:
    """Add the ImportIds that name one column to `refs`; return those several columns carry."""
    carriers: dict[str, list[int]] = {}
    for index, found in enumerate(imports):
        if found:
            carriers.setdefault(found["ImportId"], []).append(index)
    shared = {}
    for import_id, columns in carriers.items():
        if len(columns) == 1:
            refs.setdefault(import_id, columns[0])
        elif import_id not in refs:  # a column id wins: it names one column
            shared[import_id] = columns
    return shared


class QualtricsExport(ExportSource):
    name = "qualtrics_export"
    platform = "Qualtrics"
    description = (
        "A Qualtrics export as downloaded (CSV or .xlsx; current, 2016 or legacy layout), question "
        "columns mapped to names."
    )
    default_time = "RecordedDate"
    timezone_hint = (
        "set `timezone:` to the time zone chosen when exporting (its ImportId row usually says it)"
    )
    fields = {
        "path": {**NONEMPTY, "description": "The export (.csv or .xlsx), relative to the project."},
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
        if target in layout.shared:
            raise shared_import_id(entry, target, layout)
        hint = None
        if not layout.has_import_ids and IMPORT_ID.match(target):
            guess = "Q" + target[3:].replace("-", "_")
            hint = (
                f"this export ({layout.variant}) has no ImportId row: map the column id"
                + (f", {guess!r}?" if guess in layout.refs else "")
            )
        raise Unresolved(
            f"{entry.section[:-1]} {entry.name!r}: the export has no column id or ImportId {target!r}",
            list(layout.refs),
            target,
            "column",
            hint=hint,
        )


def shared_import_id(entry, target: str, layout: Layout) -> Unresolved:
    """A mapping to an ImportId several columns carry (a multi-select question, one column
    per choice): reading one of them would silently drop the others' answers."""
    ids = {c.index: c.name for c in layout.columns}
    columns = [ids.get(i, f"column {i + 1}") for i in layout.shared[target]]

    def label(index: int) -> str:
        text = layout.texts.get(index, "")
        choice = text.rsplit(" - ", 1)[-1].strip() if " - " in text else ""
        return f"{ids.get(index)} ({choice})" if choice else str(ids.get(index))

    name = entry.name
    examples = ", ".join(f"{name}_{k}: {c}" for k, c in enumerate(columns[:2], start=1))
    return Unresolved(
        f"{entry.section[:-1]} {name!r}: ImportId {target!r} is shared by {len(columns)} columns "
        f"({', '.join(label(i) for i in layout.shared[target])}), one per choice: map each one by its "
        "column id",
        [],
        target,
        "column",
        code=AMBIGUOUS,
        hint=f"one name per column ({examples}…), or a column as it is: a rate with condition "
        f"\"{columns[0]} = '1'\" is the share that picked that choice",
    )
