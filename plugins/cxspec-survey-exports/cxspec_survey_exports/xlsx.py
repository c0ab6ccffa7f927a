"""Excel downloads (.xlsx) of either platform, read with openpyxl: the first sheet's cells as
the text the CSV export would hold, so that one layout parser and one relation serve both.

The relation of an .xlsx export carries its rows (a VALUES list in the compiled SQL):
DuckDB cannot read Excel files without an extension fetched from the network.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path

from cxspec_survey_exports.layout import ExportError

#: Rows read per file version (path, size, modification time).
_cache: dict[tuple, tuple[tuple[str, ...], ...]] = {}


def is_xlsx(path: Path) -> bool:
    return path.suffix.lower() == ".xlsx"


def cell_text(value) -> str:
    """A cell as the CSV export writes it: whole numbers without ".0", date-times as
    YYYY-MM-DD HH:MM:SS (the platforms' export format), booleans as True/False."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d 00:00:00")
    return str(value)


def read_xlsx(path: Path) -> tuple[tuple[str, ...], ...]:
    """Every row of the first sheet as text, rows as wide as the widest one."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ExportError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _cache:
        _cache.clear()  # one workbook at a time: they can be large
        _cache[key] = _read(path)
    return _cache[key]


def read_xlsx_head(path: Path, count: int) -> list[list[str]]:
    """The first `count` rows: validation reads the header only (openpyxl reads a large
    sheet slowly, and does it once, when the rows are needed)."""
    return [list(row) for row in _read(path, count)]


def _read(path: Path, limit: int | None = None) -> tuple[tuple[str, ...], ...]:
    try:
        import openpyxl
    except ImportError:
        raise ExportError(
            f"{path.name} is an Excel file and openpyxl is not installed",
            "pip install openpyxl (a dependency of cxspec-survey-exports), or export CSV",
        ) from None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise ExportError(
            f"{path.name} is not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
            "download the export again as Excel (.xlsx), or as CSV",
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(max_row=limit, values_only=True)]
    finally:
        workbook.close()
    while rows and not any(rows[-1]):  # Excel keeps formatted empty rows at the end
        rows.pop()
    width = max((len(r) for r in rows), default=0)
    return tuple(tuple(r + [""] * (width - len(r))) for r in rows)


def json_columns(path: Path, skip: int) -> list[str]:
    """The records after the first `skip`, one JSON list of texts per column (the relation
    inlines them; it is built more than once per query). The relation leaves the other
    header rows out as it does those of a CSV export, by their key cells."""
    rows = read_xlsx(path)
    return list(_json_columns(rows, skip))


@lru_cache(maxsize=2)
def _json_columns(rows: tuple[tuple[str, ...], ...], skip: int) -> tuple[str, ...]:
    width = len(rows[0]) if rows else 0
    return tuple(json.dumps([row[i] for row in rows[skip:]], ensure_ascii=False) for i in range(width))
