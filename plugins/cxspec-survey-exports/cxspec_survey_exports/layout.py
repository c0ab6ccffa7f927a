"""What an export's header says: its columns, what each one holds, how to tell header rows
from responses. Read with Python's csv module (quoted newlines in question texts, a BOM),
once per file version."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

#: How an exposed column is typed in the relation.
TEXT, TIMESTAMP, INTEGER, FLAG, STATUS = "text", "timestamp", "integer", "flag", "status"


class ExportError(Exception):
    """An export that cannot be read as its format; `hint` says what to check."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Column:
    #: Position in the file, from 0.
    index: int
    #: Its name in the relation.
    name: str
    kind: str = TEXT


@dataclass
class Layout:
    #: Columns in the file.
    width: int
    #: Columns the relation exposes under their own names, typed.
    columns: list[Column]
    #: The column that identifies a response, and the values it has on header rows (which
    #: the reader also sees as rows: DuckDB skips lines, not CSV records).
    key_index: int
    header_keys: tuple[str, ...]
    #: The time zone the export says its dates are in, if it says.
    timezone: str | None = None
    #: Names a mapping can point at → column index (Qualtrics: ids and ImportIds).
    refs: dict[str, int] = field(default_factory=dict)
    #: Question columns → (question text, answer text) (SurveyMonkey).
    answers: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: ImportIds that several columns carry (a multi-select question) → those columns: a
    #: mapping to one of them is ambiguous (Qualtrics).
    shared: dict[str, list[int]] = field(default_factory=dict)
    #: Column index → what the export says it asks (for hints).
    texts: dict[int, str] = field(default_factory=dict)
    #: Which layout of the platform this is, for messages ("legacy", "2016", "current"…).
    variant: str = ""
    #: How many records at the top are header rows (the first one included); the relation
    #: tells them by `header_keys`, as DuckDB counts lines, not records.
    header_rows: int = 1
    #: Whether the export has its ImportId row (Qualtrics).
    has_import_ids: bool = False
    #: Whether a row with an empty key is a response (Qualtrics: header rows hold text in
    #: the key column) or a header row (SurveyMonkey's answers row has no respondent id).
    keyless_responses: bool = False

    def names(self) -> list[str]:
        return [c.name for c in self.columns]


#: A date with a two-digit year, as a spreadsheet re-saves "08/22/2022 03:44:00 PM".
TWO_DIGIT_YEAR = re.compile(r"^\s*\d{1,2}/\d{1,2}/\d{2}(?:\s|$)")


def refuse_two_digit_years(path: Path, layout: Layout, response: list[str]) -> None:
    """Raise for an export whose first response writes a date with a two-digit year
    ("8/22/22 15:44"): the platforms write four, so a spreadsheet re-saved it, and 22 would
    read as the year 22 (or a guessed century)."""
    for column in layout.columns:
        cell = response[column.index] if column.index < len(response) else ""
        if column.kind == TIMESTAMP and TWO_DIGIT_YEAR.match(cell):
            raise ExportError(
                f"{path.name} writes {column.name} with a two-digit year ({cell.strip()!r}): it was "
                "re-saved by a spreadsheet, and which century is meant is a guess",
                "download the export again (the platforms write four-digit years), or save the "
                "dates with four-digit years",
            )


def read_header_rows(path: Path, count: int) -> list[list[str]]:
    """The first `count` records of a UTF-8 CSV file (BOM or not) or of an .xlsx workbook's
    first sheet, as text."""
    from cxspec_survey_exports.xlsx import is_xlsx, read_xlsx_head  # it needs ExportError from here

    if is_xlsx(path):
        return read_xlsx_head(path, count)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            rows = []
            for row in reader:
                rows.append(row)
                if len(rows) == count:
                    break
            return rows
    except UnicodeDecodeError:
        raise ExportError(
            f"{path.name} is not UTF-8 text", "export the CSV as UTF-8 (the platforms' default)"
        ) from None
    except csv.Error as exc:
        raise ExportError(f"{path.name} is not a readable CSV file: {exc}") from None
    except OSError as exc:
        raise ExportError(f"cannot read {path.name}: {exc.strerror or exc}") from None


_cache: dict[tuple, Layout] = {}


def cached_layout(path: Path, parse) -> Layout:
    """parse(path) once per file version (path, size, modification time)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ExportError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, parse)
    if key not in _cache:
        _cache[key] = parse(path)
    return _cache[key]


def duplicates(names) -> list[str]:
    seen: set[str] = set()
    return sorted({n for n in names if n in seen or seen.add(n)})
