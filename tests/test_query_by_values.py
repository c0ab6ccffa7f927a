"""`cxspec query --by`: a dimension's value is the same text on DuckDB, SQLite and PostgreSQL, in
table, csv and json output, as segments' values are (a boolean true/false, where SQLite said 1/0
and the others True/False; a whole number 2, not 2.0; a time YYYY-MM-DD HH:MM:SS in UTC)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

SPECS = """\
version: 1
sources:
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    dimensions: [vip, band, opened]
metrics:
  - {id: answers, type: count, source: responses}
  - {id: mean_score, type: mean, source: responses, column: score}
"""
ROWS = [
    (1, 5, "true", "1.5", "2026-01-03T10:00:00"),
    (2, 6, "false", "2.0", "2026-01-03 10:00:00Z"),
    (3, 7, "", "1.25", "2026-01-03 12:00:00+02:00"),
    (4, 9, "true", "2", ""),
    (5, 2, "false", "", "2026-01-04 00:00:00"),
    (6, 4, "true", "3.0", "2026-01-04 01:30:00+01:30"),
]
NAMES = ("vip", "band", "opened")


def text(name, value):
    """The value as written, as text: 2.0 is the whole number 2, a time in UTC."""
    if value == "":
        return None
    if name == "opened":
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return moment.isoformat(" ")
    if name == "band":
        return str(int(float(value))) if float(value).is_integer() else value
    return value


def expected(by, where=None):
    groups: dict = {}
    for _, score, *values in ROWS:
        row = {n: text(n, v) for n, v in zip(NAMES, values, strict=True)}
        if where is not None and not where(row):
            continue
        groups.setdefault(tuple(row[n] for n in by), []).append(score)
    return {key: (len(scores), sum(scores) / len(scores)) for key, scores in groups.items()}


@pytest.mark.parametrize("by", [("vip",), ("band",), ("opened",), NAMES])
def test_query_by_values_alike_on_every_engine(make_project, run_main, warehouse, by):
    project = make_project(
        {
            "specs.yaml": SPECS,
            "data/responses.csv": "id,t,score,vip,band,opened\n"
            + "".join(f"{i},2026-01-10,{s},{v},{b},{o}\n" for i, s, v, b, o in ROWS),
        }
    )
    args = ["query", str(project), "--warehouse", warehouse, *[a for d in by for a in ("--by", d)]]
    want = expected(by)
    assert len(want) > 1

    code, out, err = run_main(*args, "--format", "json")
    assert code == 0, err
    got = {}
    for r in json.loads(out)["results"]:
        got.setdefault(tuple(r["dimensions"][d] for d in by), {})[r["metric"]] = (r["n"], r["value"])
    assert set(got) == set(want)
    for key, (n, mean) in want.items():
        assert got[key]["answers"] == (n, pytest.approx(n))
        assert got[key]["mean_score"] == (n, pytest.approx(mean))

    code, out, err = run_main(*args, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    got_csv = {(r["metric"], tuple(r[d] or None for d in by)): float(r["value"]) for r in rows}
    assert got_csv == pytest.approx(
        {(m, key): v for key, (n, mean) in want.items() for m, v in (("answers", n), ("mean_score", mean))}
    )

    code, out, err = run_main(*args)  # the table shows the same texts
    assert code == 0, err
    for key in want:
        for value in key:
            if value is not None:
                assert value in out
    assert "True" not in out and "2.0 " not in out and "+00" not in out and "T10" not in out


def test_query_where_on_a_boolean_dimension_it_is_by(make_project, run_main, warehouse):
    """--where still compares the raw value (a boolean) while --by shows its text."""
    project = make_project(
        {
            "specs.yaml": SPECS,
            "data/responses.csv": "id,t,score,vip,band,opened\n"
            + "".join(f"{i},2026-01-10,{s},{v},{b},{o}\n" for i, s, v, b, o in ROWS),
        }
    )
    code, out, err = run_main(
        "query", str(project), "--warehouse", warehouse, "--by", "vip", "--by", "band",
        "--where", "vip", "--format", "json", "--metric", "answers",
    )  # fmt: skip
    assert code == 0, err
    got = {tuple(r["dimensions"][d] for d in ("vip", "band")): r["n"] for r in json.loads(out)["results"]}
    want = expected(("vip", "band"), where=lambda row: row["vip"] == "true")
    assert got == {k: n for k, (n, _) in want.items()}
