"""Snapshot sources (`taken: YYYY-MM-DD`): a file without a time column, such as a customer
list exported on one day, is measured on that day, read as it is. Every value is checked
against plain Python on the rows written, on DuckDB, SQLite and PostgreSQL (Spark:
plugins/cxspec-spark/tests/test_real_files_spark.py reads IBM's Telco sample so)."""

from __future__ import annotations

import json

import pytest

CUSTOMERS = [  # id, region, plan, monthly fee, nps answer ('' = not answered)
    ("c1", "EMEA", "basic", "10.5", "9"),
    ("c2", "EMEA", "pro", "30", "3"),
    ("c3", "APAC", "pro", "30", ""),
    ("c4", "APAC", "basic", "12.25", "10"),
    ("c5", "AMER", "basic", "9", "7"),
    ("c6", "", "pro", "31", "0"),  # no region: its own group, never dropped
]

SPECS = """\
version: 1
owners:
  - {id: cx, kind: team, name: CX}
sources:
  - id: customers
    type: file
    path: data/customers.csv
    taken: 2026-03-31
    entity: id
    dimensions: [region, plan]
metrics:
  - {id: customers, name: Customers, type: count, source: customers, owner: cx}
  - {id: fee, name: Monthly fee, type: mean, source: customers, column: fee, owner: cx}
  - {id: nps, name: NPS, type: nps, source: customers, column: ltr, owner: cx}
"""


def _csv(rows) -> str:
    return "id,region,plan,fee,ltr\n" + "".join(",".join(row) + "\n" for row in rows)


def _expected(rows) -> dict[str, tuple[float, int]]:
    """metric → (value, n) over `rows`, in plain Python."""
    answers = [int(r[4]) for r in rows if r[4] != ""]
    promoters = sum(1 for a in answers if a >= 9)
    detractors = sum(1 for a in answers if a <= 6)
    fees = [float(r[3]) for r in rows]
    return {
        "customers": (float(len(rows)), len(rows)),
        "fee": (sum(fees) / len(fees), len(fees)),
        "nps": (100 * (promoters - detractors) / len(answers), len(answers)),
    }


def _project(make_project, specs: str = SPECS, rows=CUSTOMERS):
    return make_project({"specs.yaml": specs, "data/customers.csv": _csv(rows)})


def _query(run_main, root, warehouse, *args):
    code, out, err = run_main("query", str(root), "--warehouse", warehouse, "--format", "json", *args)
    assert code == 0, err
    return json.loads(out), err


def test_a_snapshot_is_measured_on_the_day_taken(make_project, run_main, warehouse):
    root = _project(make_project)
    got, _ = _query(run_main, root, warehouse, "--as-of", "2026-04-02")
    assert {(r["metric"], r["period"]) for r in got["results"]} == {
        (m, "2026-03-01") for m in ("customers", "fee", "nps")
    }
    for row in got["results"]:
        value, n = _expected(CUSTOMERS)[row["metric"]]
        assert row["value"] == pytest.approx(value, rel=1e-9) and row["n"] == n, row


def test_a_snapshot_by_its_dimensions(make_project, run_main, warehouse):
    root = _project(make_project)
    got, _ = _query(run_main, root, warehouse, "--as-of", "2026-04-02", "--by", "region")
    groups: dict = {}
    for row in CUSTOMERS:
        groups.setdefault(row[1] or None, []).append(row)
    assert {(r["metric"], r["dimensions"]["region"]) for r in got["results"]} == {
        (m, region) for region in groups for m in ("customers", "fee", "nps")
    }
    for row in got["results"]:
        value, n = _expected(groups[row["dimensions"]["region"]])[row["metric"]]
        assert row["value"] == pytest.approx(value, rel=1e-9) and row["n"] == n, row


def test_a_snapshot_taken_after_the_as_of_day_is_left_out_and_counted(make_project, run_main, warehouse):
    root = _project(make_project)
    got, _ = _query(run_main, root, warehouse, "--as-of", "2026-03-30")
    assert got["results"] == []
    assert (
        got["left_out"]["customers"]["after_as_of"] == got["left_out"]["customers"]["rows"] == len(CUSTOMERS)
    )


def test_a_run_stores_a_snapshot_in_its_period(make_project, run_main, tmp_path):
    root = _project(make_project)
    db = tmp_path / "results.duckdb"
    code, out, err = run_main("run", str(root), "--warehouse", f"duckdb:///{db}", "--as-of", "2026-04-02")
    assert code == 0, err
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute(
            "SELECT metric, CAST(period AS VARCHAR), value, n FROM cxspec_results WHERE dimensions = '{}'"
        ).fetchall()
    want = _expected(CUSTOMERS)
    assert sorted((m, p) for m, p, _, _ in stored) == [(m, "2026-03-01") for m in sorted(want)]
    for metric, _, value, n in stored:
        assert value == pytest.approx(want[metric][0], rel=1e-9) and n == want[metric][1]


LOOKUP_SPECS = """\
version: 1
owners:
  - {id: cx, kind: team, name: CX}
sources:
  - id: customers
    type: file
    path: data/customers.csv
    taken: 2026-03-31
    entity: id
  - id: survey
    type: file
    path: data/survey.csv
    time: answered
    entity: customer
    dimensions: [{name: region, from: customers}]
metrics:
  - {id: csat, name: CSAT, type: mean, source: survey, column: score, owner: cx}
"""

ANSWERS = [
    ("c1", "2026-03-02", "4"),
    ("c1", "2026-03-20", "2"),
    ("c4", "2026-03-03", "5"),
    ("c9", "2026-03-04", "1"),
]


def test_a_snapshot_as_a_lookup(make_project, run_main, warehouse):
    """A survey looks up its customers' region in a customer list taken on one day; a
    customer missing from the list is the NULL group."""
    survey = "customer,answered,score\n" + "".join(",".join(a) + "\n" for a in ANSWERS)
    root = make_project(
        {"specs.yaml": LOOKUP_SPECS, "data/customers.csv": _csv(CUSTOMERS), "data/survey.csv": survey}
    )
    got, _ = _query(run_main, root, warehouse, "--as-of", "2026-04-02", "--by", "region")
    region = {c[0]: c[1] or None for c in CUSTOMERS}
    groups: dict = {}
    for customer, _, score in ANSWERS:
        groups.setdefault(region.get(customer), []).append(int(score))
    assert {r["dimensions"]["region"]: (r["value"], r["n"]) for r in got["results"]} == {
        g: (pytest.approx(sum(s) / len(s), rel=1e-9), len(s)) for g, s in groups.items()
    }


# -- refused at the spec -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "line"),
    [
        ("time: seen", "    time: seen\n"),
        ("start", "    start: since\n"),
        ("time_format", '    time_format: "%d/%m/%Y"\n'),
    ],
)
def test_taken_with_a_time_of_its_own_is_refused(make_project, run_main, field, line):
    specs = SPECS.replace("    taken: 2026-03-31\n", "    taken: 2026-03-31\n" + line)
    code, err, _ = run_main("validate", str(_project(make_project, specs)))
    assert code == 1
    name = field.split(":")[0]
    assert f"specs.yaml:8:12: error CX311: taken does not go with {name} on source 'customers'" in err
    assert f"hint: remove taken (a snapshot without a time column), or remove {name}" in err
    assert "Traceback" not in err


def test_a_day_that_is_not_one_is_refused_once(make_project, run_main):
    code, err, _ = run_main(
        "validate", str(_project(make_project, SPECS.replace("2026-03-31", "2026-02-30")))
    )
    assert code == 1
    assert (
        "specs.yaml:8:12: error CX100: source 'customers', taken is '2026-02-30', not a day of the calendar"
        in err
    )
    assert "CX309" not in err and "1 error," in err


def test_a_day_in_another_form_is_refused(make_project, run_main):
    code, err, _ = run_main(
        "validate", str(_project(make_project, SPECS.replace("2026-03-31", "31/03/2026")))
    )
    assert code == 1
    assert "specs.yaml:8:12: error CX100" in err and "hint: a date as YYYY-MM-DD" in err
