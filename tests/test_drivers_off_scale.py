"""Ratings off a driver's `scale` (a 99 "don't know" code among 1-5 ratings, a 0 for "not
asked") and an outcome off its `outcome_scale`: those rows are not complete cases, as before,
and now counted per variable with the values' range (CX609), against plain Python on the CSV
rows, on DuckDB, SQLite and PostgreSQL; the figures' n is what is left."""

from __future__ import annotations

import json
import re

SPEC = """version: 1
sources:
  - {id: r, type: file, path: data/r.csv, time: at, entity: c, key: id}
drivers:
  - id: loyalty
    source: r
    outcome: ltr
    outcome_scale: [0, 10]
    filter: "wave <> 'pilot'"
    drivers:
      - {name: billing, column: b, scale: [1, 5]}
      - {name: network, column: n, scale: [1, 5]}
      - {name: value, column: v}
"""


def make_rows():
    rows = []
    for i in range(240):
        b, n, v = 1 + i % 5, 1 + (i * 7) % 5, (i * 3) % 11
        ltr = min(10, b + n + i % 3)
        if i % 10 == 0:
            b = 99
        if i % 17 == 0:
            n = 0
        if i % 23 == 0:
            ltr = 11
        if i % 31 == 0:
            b = ""
        wave = "pilot" if i % 13 == 0 else "main"
        rows.append((i, f"c{i}", f"2026-01-{1 + i % 28:02d} 10:00:00", ltr, b, n, v, wave))
    return rows


def test_rows_off_a_scale_are_counted_per_variable(make_project, run_main, warehouse):
    rows = make_rows()
    text = "id,c,at,ltr,b,n,v,wave\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)
    root = make_project({"specs/a.yaml": SPEC, "data/r.csv": text})
    kept = [r for r in rows if r[7] != "pilot"]  # the analysis's filter

    def off(index, low, high):
        values = [r[index] for r in kept if r[index] != "" and not low <= r[index] <= high]
        return len(values), min(values), max(values)

    code, out, err = run_main("drivers", str(root), "--warehouse", warehouse, "--format", "json")
    assert code in (0, None) and "Traceback" not in err, err
    for what, line, (count, low, high) in (
        ("the outcome 'ltr'", 8, off(3, 0, 10)),
        ("driver 'billing'", 11, off(4, 1, 5)),
        ("driver 'network'", 12, off(5, 1, 5)),
    ):
        values = f"{low:g}" if low == high else f"from {low:g} to {high:g}"
        assert re.search(
            rf"specs/a\.yaml:{line}:\d+: warning CX609: {what} of 'loyalty' is off its scale \[\d+, \d+\] "
            rf"in {count:,} rows \(values {re.escape(values)}\)",
            err,
        ), (what, count, values, err)
    assert err.count("CX609") == 3  # value has no scale: nothing is off it
    complete = [
        r for r in kept
        if r[4] != "" and 0 <= r[3] <= 10 and 1 <= r[4] <= 5 and 1 <= r[5] <= 5
    ]  # fmt: skip
    assert {d["n"] for d in json.loads(out)["drivers"]} == {len(complete)}
