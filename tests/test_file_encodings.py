"""CSV files as Windows exports write them: not UTF-8 (Windows-1252, UTF-16) is refused on
every engine alike, located, naming the first byte that is not; a UTF-8 file with a byte-order
mark is read. A Windows-1252 byte past DuckDB's sample gave numbers on DuckDB (the file's
typing failed, and DuckDB read the other columns its own way) and CX410 with DuckDB's message
on SQLite and PostgreSQL; a byte in the sample gave DuckDB's message, naming the header's line
and its own options (`encoding='UTF-16'`, `ignore_errors=true`) that a spec cannot set.
"""

from __future__ import annotations

import json

import pytest

CONFIG = "version: 1\nproject: enc\ngrain: month\n"
SPECS = """\
version: 1
sources:
  - {id: r, type: file, path: data/r.csv, time: t}
metrics:
  - {id: avg, type: mean, source: r, column: score}
  - {id: rows, type: count, source: r}
"""


def latin(rows_before: int) -> bytes:
    lines = ["id,t,score,name"] + [f"{i},2026-01-05,5,Ana" for i in range(rows_before)]
    lines.append("99999,2026-01-06,7,José")
    return ("\n".join(lines) + "\n").encode("cp1252")


@pytest.mark.parametrize(("rows_before", "line"), [(1, 3), (30_000, 30_002)])
def test_a_windows_1252_file_is_refused_alike(rows_before, line, make_project, run_main, warehouse):
    root = make_project({"specs.yaml": SPECS, "data/r.csv": latin(rows_before)}, config=CONFIG)
    code, out, err = run_main("query", str(root), "--warehouse", warehouse)
    assert code == 1 and "Traceback" not in err, out
    assert (
        f"specs.yaml:3:31: error CX410: data file 'data/r.csv' of source 'r' is not UTF-8: line {line}, "
        "byte 23 is 0xE9 ('é' in Windows-1252 or Latin-1)" in err
    )
    assert "hint: save it as UTF-8" in err and "ignore_errors" not in err


def test_a_utf16_file_is_refused_alike(make_project, run_main, warehouse):
    text = "id,t,score\r\n1,2026-01-05,5\r\n"
    root = make_project({"specs.yaml": SPECS, "data/r.csv": text.encode("utf-16")}, config=CONFIG)
    code, _, err = run_main("query", str(root), "--warehouse", warehouse)
    assert code == 1 and "Traceback" not in err
    assert "error CX410: data file 'data/r.csv' of source 'r' is not UTF-8: it is UTF-16" in err


def test_a_utf8_file_with_a_byte_order_mark_is_read(make_project, run_main, warehouse):
    text = "\ufeffid,t,score,name\r\n1,2026-01-05,5,José\r\n2,2026-01-31T23:59:59.5,8,Zoë\r\n"
    root = make_project({"specs.yaml": SPECS, "data/r.csv": text.encode("utf-8")}, config=CONFIG)
    code, out, err = run_main("query", str(root), "--warehouse", warehouse, "--format", "json")
    assert code == 0, err
    got = [(r["metric"], r["period"], r["value"], r["n"]) for r in json.loads(out)["results"]]
    assert got == [("avg", "2026-01-01", 6.5, 2), ("rows", "2026-01-01", 2.0, 2)]


def test_a_record_with_more_fields_than_the_header(make_project, run_main, warehouse):
    """Past DuckDB's sample: refused alike, at the source's path, with the line and without
    DuckDB's advice (`strict_mode=false`, `null_padding=true`: options a spec cannot set)."""
    lines = ["id,t,score"] + [f"{i},2026-01-05,5" for i in range(30_000)] + ["99999,2026-01-06,7,extra"]
    root = make_project({"specs.yaml": SPECS, "data/r.csv": "\n".join(lines) + "\n"}, config=CONFIG)
    code, _, err = run_main("query", str(root), "--warehouse", warehouse)
    assert code == 1 and "Traceback" not in err
    assert "specs.yaml:3:31: error CX410: data file 'data/r.csv' of source 'r' cannot be read" in err
    assert "CSV Error on Line: 30002" in err and "Expected Number of Columns: 3 Found: 4" in err
    assert "strict_mode" not in err and "hint: fix that line of the file" in err


def test_a_workbook_saved_as_csv(make_project, run_main, warehouse):
    workbook = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml\x00\x00"
    root = make_project({"specs.yaml": SPECS, "data/r.csv": workbook}, config=CONFIG)
    code, _, err = run_main("query", str(root), "--warehouse", warehouse)
    assert code == 1 and "Traceback" not in err
    assert "error CX410: data file 'data/r.csv' of source 'r' is not text: it is a ZIP file" in err
    assert 'hint: export it from the spreadsheet as "CSV UTF-8"' in err
