"""Sources checked against their data (`validate --data`, before every `query` and `run`),
and runs that survive one bad metric (issue 12). On DuckDB, SQLite and PostgreSQL; numbers
against plain Python over the fixture rows."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cxspec import load_project
from cxspec.compiler.plan import Request
from cxspec.query import compute
from cxspec.registry import default_registry

REGISTRY = default_registry()
ENGINES = ("duckdb", "sqlite", "postgres")


@pytest.fixture(params=ENGINES)
def warehouse(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'w.db'}"
    return f"duckdb:///{tmp_path / 'w.duckdb'}"


def config(url: str, grain: str = "month") -> str:
    return f'version: 1\nproject: checks\ngrain: {grain}\nwarehouse: "{url}"\n'


# -- a misspelt column ----------------------------------------------------------------------

SURVEY = "id,at,csat\n1,2026-01-05T10:00:00Z,5\n2,2026-01-06T10:00:00Z,3\n3,2026-02-07T10:00:00Z,4\n"
MISSPELT = """\
version: 1
sources:
  - {id: survey, type: file, path: data/survey.csv, time: at}
metrics:
  - {id: sat, type: csat, source: survey, column: csat_score, scale: [1, 5]}
"""


def test_a_misspelt_column_is_found_at_the_spec(make_project, warehouse, run_main):
    """`column: csat_score` where the file has `csat`: `validate --data`, `query` and `run`
    all report CX404 at the spec's file:line:col, with the close match; nothing runs."""
    root = make_project({"specs/m.yaml": MISSPELT, "data/survey.csv": SURVEY}, config=config(warehouse))
    where = "specs/m.yaml:5:51: error CX404: column of metric 'sat' names 'csat_score', which is not a column of source 'survey'"
    code, out, err = run_main("validate", str(root), "--data")
    assert code == 1 and where in out, out + err
    assert "did you mean 'csat'?" in out
    for command in ("query", "run"):
        code, out, err = run_main(command, str(root), "--quiet" if command == "run" else "--format=json")
        assert code == 1, (command, out, err)
        assert where in err and "Binder Error" not in err and "Traceback" not in err
        assert "nothing was computed" in err
    code, _, _ = run_main("validate", str(root))  # the specs alone cannot know the file's columns
    assert code == 0


def test_the_time_and_other_source_fields_are_checked_too(make_project, run_main):
    specs = MISSPELT.replace("time: at}", "time: at_time, entity: customer}").replace("csat_score", "csat")
    root = make_project(
        {"specs/m.yaml": specs, "data/survey.csv": SURVEY}, config=config("duckdb:///:memory:")
    )
    code, out, _ = run_main("validate", str(root), "--data")
    assert code == 1
    assert "specs/m.yaml:3:59: error CX404: time of source 'survey' names 'at_time'" in out
    assert "error CX404: entity of source 'survey' names 'customer'" in out


# -- two-digit years --------------------------------------------------------------------------

TWO_DIGIT = "id,submitted,score\n1,8/22/22 15:44,5\n2,8/30/22 09:01,2\n3,9/01/22 23:59,4\n4,1/3/23 0:05,1\n"
TWO_DIGIT_SPECS = """\
version: 1
sources:
  - {id: survey, type: file, path: data/survey.csv, time: submitted}
metrics:
  - {id: responses, type: count, source: survey}
  - {id: sat, type: mean, source: survey, column: score}
"""


def test_two_digit_years_are_refused_without_a_time_format(make_project, warehouse, run_main):
    """A spreadsheet's re-save (`8/22/22 15:44`) would land in year 22 (or fail): CX412."""
    root = make_project(
        {"specs/m.yaml": TWO_DIGIT_SPECS, "data/survey.csv": TWO_DIGIT}, config=config(warehouse)
    )
    code, out, err = run_main("query", str(root), "--from", "2022-01-01")
    assert code == 1 and out == ""
    assert (
        "specs/m.yaml:3:59: error CX412: 4 rows of source 'survey' have a 'submitted' with a two-digit year"
        in err
    )
    assert 'time_format: "%m/%d/%y %H:%M"' in err


def test_a_time_format_reads_them_on_every_engine(make_project, warehouse):
    """With `time_format`, the periods are 2022-08, 2022-09, 2023-01, as Python's strptime
    reads the rows; the values are plain Python's."""
    specs = TWO_DIGIT_SPECS.replace("time: submitted}", 'time: submitted, time_format: "%m/%d/%y %H:%M"}')
    root = make_project({"specs/m.yaml": specs, "data/survey.csv": TWO_DIGIT}, config=config(warehouse))
    results = compute(load_project(root), Request(start=dt.date(2022, 1, 1)), REGISTRY, warehouse)
    rows = [line.split(",") for line in TWO_DIGIT.splitlines()[1:]]
    by_month: dict = {}
    for _, submitted, score in rows:
        moment = dt.datetime.strptime(submitted, "%m/%d/%y %H:%M")
        by_month.setdefault(f"{moment:%Y-%m}-01", []).append(float(score))
    want = {("responses", m): (float(len(v)), len(v)) for m, v in by_month.items()}
    want |= {("sat", m): (sum(v) / len(v), len(v)) for m, v in by_month.items()}
    got = {(r.metric, r.period): (r.value, r.n) for r in results}
    assert got.keys() == want.keys()
    for key, (value, n) in want.items():
        assert got[key][1] == n and abs(got[key][0] - value) < 1e-9, key


# A compact format (no separators between the numbers) with two-digit years on both sides of
# strptime's pivot (69 -> 1969, 05 -> 2005): Spark's one-letter patterns could not split
# `yyMd`, Spark's `yy` read 95 as 2095 and PostgreSQL's `YY` 69 as 2069.
COMPACT = "id,at,score\n1,950105 0930,5\n2,690315 0800,2\n3,050607 1200,4\n4,991231 2359,1\n5,240105 2330,3\n"
COMPACT_FORMAT = "%y%m%d %H%M"


def test_a_compact_format_with_two_digit_years_reads_as_strptime_on_every_engine(make_project, warehouse):
    specs = TWO_DIGIT_SPECS.replace("time: submitted}", f'time: at, time_format: "{COMPACT_FORMAT}"}}')
    root = make_project({"specs/m.yaml": specs, "data/survey.csv": COMPACT}, config=config(warehouse))
    results = compute(load_project(root), Request(start=dt.date(1960, 1, 1)), REGISTRY, warehouse)
    by_month: dict = {}
    for line in COMPACT.splitlines()[1:]:
        _, at, score = line.split(",")
        by_month.setdefault(f"{dt.datetime.strptime(at, COMPACT_FORMAT):%Y-%m}-01", []).append(float(score))
    assert {"1995-01-01", "1969-03-01", "2005-06-01"} <= by_month.keys()
    want = {("responses", m): (float(len(v)), len(v)) for m, v in by_month.items()}
    want |= {("sat", m): (sum(v) / len(v), len(v)) for m, v in by_month.items()}
    got = {(r.metric, r.period): (r.value, r.n) for r in results if r.n}
    assert got.keys() == want.keys()
    for key, (value, n) in want.items():
        assert got[key][1] == n and abs(got[key][0] - value) < 1e-9, key


# Offsets as strptime's %z reads them (+HHMM, +HH:MM, Z), each near a month's end: read as
# local times, or with the offset dropped, some rows change month.
OFFSETS = (
    "id,at,score\n1,2026-01-31T23:30:00+0200,5\n2,2026-01-31T20:00:00-0530,2\n"
    "3,2026-02-28T23:30:00Z,4\n4,2026-03-01T01:00:00+02:00,1\n5,2026-03-01T00:15:00+0030,3\n"
    "6,2026-02-01T02:00:00+0300,4\n7,2026-03-01T05:00:00+0200,2\n"
)
OFFSET_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def test_a_time_format_with_an_offset_gives_the_same_instants_on_every_engine(make_project, warehouse):
    """`%z` on PostgreSQL was TO_TIMESTAMP's `OF`, which only to_char knows (an error), and the
    `T` of the format read as a pattern (the hours lost). Every row's month is Python's."""
    specs = TWO_DIGIT_SPECS.replace("time: submitted}", f'time: at, time_format: "{OFFSET_FORMAT}"}}')
    root = make_project({"specs/m.yaml": specs, "data/survey.csv": OFFSETS}, config=config(warehouse))
    results = compute(load_project(root), Request(start=dt.date(2026, 1, 1)), REGISTRY, warehouse)
    by_month: dict = {}
    for line in OFFSETS.splitlines()[1:]:
        _, at, score = line.split(",")
        moment = dt.datetime.strptime(at, OFFSET_FORMAT).astimezone(dt.timezone.utc)
        by_month.setdefault(f"{moment:%Y-%m}-01", []).append(float(score))
    local = sorted(
        f"{dt.datetime.strptime(line.split(',')[1], OFFSET_FORMAT):%Y-%m}-01"
        for line in OFFSETS.splitlines()[1:]
    )
    assert local != sorted(m for m, v in by_month.items() for _ in v)  # offsets move rows: the test can tell
    want = {("responses", m): (float(len(v)), len(v)) for m, v in by_month.items()}
    want |= {("sat", m): (sum(v) / len(v), len(v)) for m, v in by_month.items()}
    got = {(r.metric, r.period): (r.value, r.n) for r in results}
    assert got.keys() == want.keys()
    for key, (value, n) in want.items():
        assert got[key][1] == n and abs(got[key][0] - value) < 1e-9, key


def test_times_without_the_offset_the_format_asks_for_are_refused(make_project, warehouse, run_main):
    """A value %z does not read (no offset, +2, an offset and a stray word) is CX411 on every
    engine, never read as UTC or cut."""
    data = OFFSETS + "8,2026-02-10T10:00:00,3\n9,2026-02-10T10:00:00+2,3\n10,2026-02-10T10:00:00+0200x,3\n"
    specs = TWO_DIGIT_SPECS.replace("time: submitted}", f'time: at, time_format: "{OFFSET_FORMAT}"}}')
    root = make_project({"specs/m.yaml": specs, "data/survey.csv": data}, config=config(warehouse))
    code, out, err = run_main("query", str(root), "--from", "2026-01-01")
    assert code == 1 and out == "" and "Traceback" not in err
    assert "error CX411: 3 rows of source 'survey' have a 'at' that is not a time" in err, err


def test_times_that_do_not_parse_are_counted(make_project, warehouse, run_main):
    data = SURVEY.replace("2026-01-06T10:00:00Z", "soon") + "4,2026-13-45T99:00:00Z,2\n"
    specs = MISSPELT.replace("csat_score", "csat")
    root = make_project({"specs/m.yaml": specs, "data/survey.csv": data}, config=config(warehouse))
    code, out, err = run_main("run", str(root), "--quiet")
    assert code == 1 and "Traceback" not in err
    assert (
        "error CX411: 2 rows of source 'survey' have a 'at' that is not a time ('2026-13-45T99:00:00Z', 'soon')"
        in err
    )


# -- rows without a time: counted, shown ---------------------------------------------------------

NO_TIME = (
    "id,at,csat\n1,2026-01-05T10:00:00Z,5\n2,,3\n3,2026-02-07T10:00:00Z,4\n4,,1\n5,2026-02-08T10:00:00Z,2\n"
)


def test_rows_without_a_time_are_counted_in_query_and_reports(make_project, warehouse, run_main, tmp_path):
    specs = MISSPELT.replace("csat_score", "csat")
    root = make_project({"specs/m.yaml": specs, "data/survey.csv": NO_TIME}, config=config(warehouse))
    rows = [line.split(",") for line in NO_TIME.splitlines()[1:]]
    no_time = sum(1 for r in rows if not r[1])
    code, out, err = run_main("query", str(root), "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["left_out"] == {
        "survey": {"rows": len(rows), "no_time": no_time, "after_as_of": 0, "ends_after_as_of": 0}
    }
    assert sum(r["n"] for r in document["results"]) == len(rows) - no_time
    code, out, err = run_main("query", str(root))
    assert f"left out of source 'survey' ({len(rows)} rows): {no_time} without a time" in out
    code, out, err = run_main("validate", str(root), "--data")
    assert code == 0
    assert f"warning CX414: {no_time} of {len(rows)} rows of source 'survey' have no 'at'" in out
    code, out, err = run_main("run", str(root), "--out", str(tmp_path / "out"))
    assert code == 0, err
    report = json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))
    assert report["left_out"]["survey"]["no_time"] == no_time and report["failed"] == []
    assert f"source 'survey' ({len(rows)} rows): {no_time} without a time" in out
    assert f"{no_time} without a time" in (tmp_path / "out" / "report.md").read_text("utf-8")
    assert f"{no_time} without a time" in (tmp_path / "out" / "report.html").read_text("utf-8")


def test_an_empty_source_is_a_warning(make_project, run_main):
    specs = MISSPELT.replace("csat_score", "csat").replace("time: at}", 'time: at, filter: "csat > 9"}')
    root = make_project(
        {"specs/m.yaml": specs, "data/survey.csv": SURVEY}, config=config("duckdb:///:memory:")
    )
    code, out, _ = run_main("validate", str(root), "--data")
    assert code == 0
    assert "warning CX415: source 'survey' has no rows after its filter" in out


# -- a run survives one bad metric ---------------------------------------------------------------

TICKETS = "id,at,wait,note\n1,2026-01-05T10:00:00Z,30,abc\n2,2026-01-20T10:00:00Z,90,\n3,2026-02-07T10:00:00Z,45,x\n"
RUN_SPECS = """\
version: 1
sources:
  - {id: tickets, type: file, path: data/t.csv, time: at}
metrics:
  - {id: tickets_n, type: count, source: tickets}
  - {id: wait_mean, type: mean, source: tickets, column: wait}
  - {id: bad, type: count, source: tickets, filter: "FILTER"}
"""
#: A filter every engine accepts at validation and refuses when it runs.
REFUSED = {
    "duckdb": "CAST(note AS INTEGER) > 0",
    "postgres": "CAST(note AS INTEGER) > 0",
    "sqlite": "regexp_matches(note, 'a')",  # SQLite has no REGEXP function
    "spark": "CAST(note AS INTEGER) > 0",  # the cxspec-spark tests run these tests on Spark
}


def engine_of(url: str) -> str:
    return url.split(":", 1)[0].replace("postgresql", "postgres")


def stored_rows(root, metric=None):
    from cxspec.runs.run import stored_results

    results = stored_results(load_project(root), REGISTRY).results
    return sorted(
        (r.metric, r.period, r.value, r.n, r.computed_at) for r in results if metric in (None, r.metric)
    )


def test_a_run_stores_every_metric_it_can(make_project, warehouse, run_main, tmp_path):
    specs = RUN_SPECS.replace("FILTER", "note = 'x'")
    root = make_project({"specs/m.yaml": specs, "data/t.csv": TICKETS}, config=config(warehouse))
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    bad_before = stored_rows(root, "bad")
    assert [(p, v) for _, p, v, _, _ in bad_before] == [("2026-01-01", 0.0), ("2026-02-01", 1.0)]

    (root / "specs" / "m.yaml").write_text(
        specs.replace("note = 'x'", REFUSED[engine_of(warehouse)]), "utf-8"
    )
    new_data = TICKETS + "4,2026-02-09T10:00:00Z,15,\n"
    (root / "data" / "t.csv").write_text(new_data, "utf-8")
    code, out, err = run_main("run", str(root), "--quiet", "--out", str(tmp_path / "out"))
    assert code == 1 and out == ""
    assert "CX416 metric 'bad' (specs/m.yaml:7:5) failed on the warehouse:" in err, err
    assert "Traceback" not in err
    # The good metrics are stored, with the new data's numbers (plain Python):
    rows = [line.split(",") for line in new_data.splitlines()[1:]]
    months: dict = {}
    for _, at, wait, _ in rows:
        months.setdefault(at[:7] + "-01", []).append(float(wait))
    got = {(m, p): (v, n) for m, p, v, n, _ in stored_rows(root) if m != "bad"}
    want = {("tickets_n", p): (float(len(w)), len(w)) for p, w in months.items()}
    want |= {("wait_mean", p): (sum(w) / len(w), len(w)) for p, w in months.items()}
    assert got.keys() == want.keys()
    for key, (value, n) in want.items():
        assert got[key][1] == n and abs(got[key][0] - value) < 1e-9, key
    # The failed metric's stored results stay whole, as the first run left them:
    assert stored_rows(root, "bad") == bad_before
    report = json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))
    assert [(f["metric"], f["location"]) for f in report["failed"]] == [("bad", "specs/m.yaml:7:5")]
    assert report["failed"][0]["error"]
    assert "metric 'bad' failed (specs/m.yaml:7:5)" in (tmp_path / "out" / "report.md").read_text("utf-8")
    assert "metric &#x27;bad&#x27; failed" in (tmp_path / "out" / "report.html").read_text("utf-8")


def test_fail_fast_stops_at_the_first_failure(make_project, warehouse, run_main):
    specs = RUN_SPECS.replace("FILTER", "note = 'x'")
    root = make_project({"specs/m.yaml": specs, "data/t.csv": TICKETS}, config=config(warehouse))
    code, _, err = run_main("run", str(root), "--quiet")
    assert code == 0, err
    before = stored_rows(root)
    (root / "specs" / "m.yaml").write_text(
        specs.replace("note = 'x'", REFUSED[engine_of(warehouse)]), "utf-8"
    )
    (root / "data" / "t.csv").write_text(TICKETS + "4,2026-02-09T10:00:00Z,15,\n", "utf-8")
    code, _, err = run_main("run", str(root), "--quiet", "--fail-fast")
    assert code == 1
    assert "cxspec: error: CX416 metric 'bad' (specs/m.yaml:7:5) failed on the warehouse" in err
    assert stored_rows(root) == before


def test_query_names_the_failing_metric(make_project, warehouse, run_main):
    specs = RUN_SPECS.replace("FILTER", REFUSED[engine_of(warehouse)])
    root = make_project({"specs/m.yaml": specs, "data/t.csv": TICKETS}, config=config(warehouse))
    code, out, err = run_main("query", str(root))
    assert code == 1 and out == ""
    assert err.startswith("cxspec: error: CX416 metric 'bad' (specs/m.yaml:7:5) failed on the warehouse: ")


# A blank written as spaces in a time column (an export's ' ' for "not yet"): DuckDB and
# PostgreSQL stopped with a conversion error (CX410, the engine's text), SQLite left the row out
# without counting it. It is no time and no empty field: refused at the spec on every engine,
# with the filter that leaves those rows out, which then works on every engine.
SPACED = "id,at,score\n1,2026-01-05,5\n2, ,2\n3,,4\n4,2026-01-20 10:00,1\n"


def test_spaces_for_a_time_are_refused_with_a_filter_that_works(make_project, warehouse, run_main):
    specs = TWO_DIGIT_SPECS.replace("time: submitted}", "time: at}")
    root = make_project({"specs/m.yaml": specs, "data/survey.csv": SPACED}, config=config(warehouse))
    code, out, err = run_main("query", str(root), "--from", "2026-01-01", "--as-of", "2026-02-01")
    assert code == 1 and out == ""
    assert (
        "specs/m.yaml:3:59: error CX411: 1 rows of source 'survey' have a 'at' that is not a time (' ')"
        in err
    )
    assert "leave those rows out with the source's filter: \"trim(at) <> ''\"" in err
    filtered = specs.replace("time: at}", "time: at, filter: \"trim(at) <> ''\"}")
    (root / "specs" / "m.yaml").write_text(filtered, "utf-8")
    request = Request(start=dt.date(2026, 1, 1), as_of=dt.datetime(2026, 2, 1))
    results = compute(load_project(root), request, REGISTRY, warehouse)
    got = {(r.metric, r.period): (r.value, r.n) for r in results}
    assert got == {("responses", "2026-01-01"): (2.0, 2), ("sat", "2026-01-01"): (3.0, 2)}


# An open ticket's 'N/A' for a close time, left out by the source's filter: its time is never
# needed. Spark read it before the filter (with whole-stage codegen off, as its tests run) and
# stopped the query on the cast (CX416) while the other engines answered.
CLOSED = "id,closed_at,status,score\n1,2026-01-05 10:00,Closed,5\n2,N/A,Open,2\n3,2026-01-20 10:00,Closed,4\n"


def test_a_filter_leaves_out_rows_whose_time_is_not_a_time_on_every_engine(make_project, warehouse):
    specs = TWO_DIGIT_SPECS.replace("time: submitted}", "time: closed_at, filter: \"status = 'Closed'\"}")
    root = make_project({"specs/m.yaml": specs, "data/survey.csv": CLOSED}, config=config(warehouse))
    request = Request(start=dt.date(2026, 1, 1), as_of=dt.datetime(2026, 2, 1))
    results = compute(load_project(root), request, REGISTRY, warehouse)
    got = {(r.metric, r.period): (r.value, r.n) for r in results}
    assert got == {("responses", "2026-01-01"): (2.0, 2), ("sat", "2026-01-01"): (4.5, 2)}
