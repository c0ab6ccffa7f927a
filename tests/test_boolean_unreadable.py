"""A column declared `boolean` with a few values that are no yes/no ("Don't know" among
yes/no answers): the whole column used to be read as text, and a rate over it refused
(CX407) with the hint to compare it with text. As a measured column's value that does not
convert is `invalid` (PRODUCT.md, "Data as it really is"), such a value is now counted
invalid by a rate whose condition reads the column (left out of its `n`), and by a metric
measuring the column; elsewhere (a filter) it is unknown, as an empty field is. `validate
--data` says how many there are (CX418). The same numbers on every engine, against plain
Python on the rows.
"""

from __future__ import annotations

import json

import pytest

CONFIG = "version: 1\nproject: answers\ngrain: month\n"
ROWS = [
    ("2026-01-05", "phone", "yes"),
    ("2026-01-06", "phone", "no"),
    ("2026-01-07", "chat", "Don't know"),
    ("2026-01-08", "chat", ""),
    ("2026-01-09", "phone", "TRUE"),
    ("2026-01-10", "phone", "n/a"),
    ("2026-02-02", "chat", "Don't know"),
    ("2026-02-03", "chat", "n"),
    ("2026-03-02", "chat", "Don't know"),
]
TRUE = ("true", "t", "yes", "y", "1")
FALSE = ("false", "f", "no", "n", "0")
SOURCE = (
    "version: 1\nsources:\n"
    "  - id: r\n    type: file\n    path: answers.csv\n    time: t\n"
    "    columns: {resolved: boolean}\n"
)
METRICS = """metrics:
  - {id: fcr, type: rate, source: r, condition: resolved}
  - {id: unresolved, type: rate, source: r, condition: "NOT resolved"}
  - {id: phone_fcr, type: rate, source: r, condition: "resolved AND channel = 'phone'"}
  - {id: resolved_rows, type: count, source: r, filter: resolved}
  - {id: share, type: mean, source: r, column: resolved}
"""


def reading(value: str) -> bool | None | str:
    """True/False for a yes/no word, None for an empty field, "?" for any other value."""
    if value == "":
        return None
    word = value.strip().lower()
    return True if word in TRUE else False if word in FALSE else "?"


def make(make_project, metrics: str = METRICS):
    data = "t,channel,resolved\n" + "".join(f'{t},{c},"{v}"\n' for t, c, v in ROWS)
    return make_project({"specs.yaml": SOURCE + metrics, "answers.csv": data}, config=CONFIG)


def expected() -> dict[tuple[str, str], tuple]:
    """(metric, period) → (value, n, invalid), from the rows in plain Python."""
    periods: dict[str, list] = {}
    for t, channel, value in ROWS:
        periods.setdefault(t[:8] + "01", []).append((channel, reading(value)))
    want = {}
    for period, rows in periods.items():
        readable = [(c, v) for c, v in rows if v != "?"]
        invalid = len(rows) - len(readable)
        n = len(readable)
        for metric, holds in (
            ("fcr", lambda c, v: v is True),
            ("unresolved", lambda c, v: v is False),
            ("phone_fcr", lambda c, v: v is True and c == "phone"),
        ):
            value = 100 * sum(1 for c, v in readable if holds(c, v)) / n if n else None
            want[(metric, period)] = (value, n, invalid)
        true = sum(1 for _, v in readable if v is True)
        want[("resolved_rows", period)] = (float(true), true, 0)
        answered = [v for _, v in readable if v is not None]
        mean = sum(answered) / len(answered) if answered else None
        want[("share", period)] = (mean, len(answered), invalid)
    return want


def test_values_that_are_no_yes_or_no_are_invalid_on_every_engine(make_project, run_main, warehouse):
    root = make(make_project)
    status, out, err = run_main("query", str(root), "--warehouse", warehouse, "--format", "json")
    assert status == 0, err
    got = {(r["metric"], r["period"]): (r["value"], r["n"], r["invalid"]) for r in json.loads(out)["results"]}
    want = expected()
    assert sorted(got) == sorted(want)
    for key, (value, n, invalid) in want.items():
        assert got[key][1:] == (n, invalid), key
        assert got[key][0] == (pytest.approx(value) if value is not None else None), key
    assert want[("fcr", "2026-01-01")] == (pytest.approx(100 * 2 / 4), 4, 2)  # the fixture's point


def test_validate_data_counts_them_at_the_declaration(make_project, run_main):
    root = make(make_project)
    status, out, err = run_main("validate", str(root), "--data", "--format", "json")
    assert status == 0, out + err
    found = [d for d in json.loads(out)["diagnostics"] if d["code"] == "CX418"]
    assert [(d["file"], d["line"], d["column"], d["severity"]) for d in found] == [
        ("specs.yaml", 7, 25, "warning")
    ]
    message = found[0]["message"]
    assert "4 of the 8 values of column 'resolved' of source 'r'" in message, message
    assert "declared `boolean`" in message and 'such as "Don\'t know"' in message
    assert "metrics 'fcr', 'phone_fcr', 'share', 'unresolved' count them invalid" in message, message
    assert "a filter reads them as unknown" in message
    assert found[0]["hint"].startswith("write them as yes or no, or empty those cells")


def test_compared_with_text_it_is_still_refused(make_project, run_main):
    root = make(
        make_project, "metrics:\n  - {id: m, type: rate, source: r, condition: \"resolved = 'yes'\"}\n"
    )
    status, _, err = run_main("query", str(root))
    assert status == 1 and "Traceback" not in err
    assert "error CX405" in err and "declared `boolean`" in err and "Don't know" in err, err
    assert "write `resolved` or `resolved = true`" in err


def test_by_a_dimension_and_under_a_filter_the_same(make_project, run_main, warehouse):
    """The two-level plan (a filter picks each metric's rows from the first level) and `--by`:
    the invalid rows are counted per group, as plain Python counts them."""
    source = SOURCE.replace("    columns:", "    dimensions: [channel]\n    columns:")
    metrics = (
        "metrics:\n  - {id: fcr, type: rate, source: r, condition: resolved}\n"
        "  - {id: chat_fcr, type: rate, source: r, condition: resolved, filter: \"channel = 'chat'\"}\n"
    )
    data = "t,channel,resolved\n" + "".join(f'{t},{c},"{v}"\n' for t, c, v in ROWS)
    root = make_project({"specs.yaml": source + metrics, "answers.csv": data}, config=CONFIG)
    status, out, err = run_main(
        "query", str(root), "--warehouse", warehouse, "--by", "channel", "--format", "json"
    )
    assert status == 0, err
    got = {
        (r["metric"], r["period"], r["dimensions"]["channel"]): (r["value"], r["n"], r["invalid"])
        for r in json.loads(out)["results"]
    }
    want = {}
    for t, channel, value in ROWS:
        for metric in ("fcr", "chat_fcr"):
            if metric == "chat_fcr" and channel != "chat":
                continue
            key = (metric, t[:8] + "01", channel)
            true, n, invalid = want.get(key, (0, 0, 0))
            read = reading(value)
            want[key] = (true + (read is True), n + (read != "?"), invalid + (read == "?"))
    assert sorted(got) == sorted(want)
    for key, (true, n, invalid) in want.items():
        assert got[key][1:] == (n, invalid), key
        assert got[key][0] == (pytest.approx(100 * true / n) if n else None), key
