"""Lookup dimensions take their values as written in the looked-up file: the code "007" is
"007" (typed by its column it was 7), "Y" and "yes" are two groups (typed, both were true),
"1.50" stays "1.50", the text "NA" is the region "NA"; a field is not trimmed, as text columns
are not. A `columns:` type of the looked-up column types it instead, and so does a use that
needs the type: a comparison with a number (another source's metric filter `tier > 2`, a
segment goal's `where: {tier: 3}`) or arithmetic; a column used both ways stays text and the
comparison with a number is refused (CX406, located, with a hint to declare it). Checked
against plain Python on DuckDB, SQLite and PostgreSQL, in queries, `--where` and a segmented
run's stored dimensions."""

from __future__ import annotations

import pytest

from cxspec import load_project
from cxspec.query import Request, compute
from cxspec.registry import default_registry
from cxspec.runs.run import run_project

SPECS = """\
version: 1
sources:
  - id: customers
    type: file
    path: data/c.csv
    entity: cid
    key: cid
    time: at
  - id: r
    type: file
    path: data/r.csv
    time: t
    entity: cid
    dimensions:
      - {name: code, from: customers}
      - {name: answer, from: customers}
      - {name: price, from: customers}
      - {name: region, from: customers}
metrics:
  - {id: answers, type: count, source: r}
  - {id: mean_score, type: mean, source: r, column: score}
"""
# cid, at, code, answer, price, region ("" is an empty field: NULL)
CUSTOMERS = [
    ("c1", "2026-01-01", "01", "yes", "1.50", "NA"),
    ("c2", "2026-01-01", "02", "Y", "2", "EMEA"),
    ("c3", "2026-01-01", "10", "no", "1.5", "NA"),
    ("c4", "2026-01-01", "02", "y", "10.0", ""),
    ("c5", "2026-01-01", "007", "", "", "APAC"),
    ("c6", "2026-01-01", "7", "N", "0.5", "EMEA"),
    ("c6", "2026-01-02", " 01", "no", "1.50", "NA"),  # the latest row of c6 counts
    ("c7", "2026-01-01", "", "n", "2", "NA"),
]
# cid, score; c9 is nowhere in customers
RESPONSES = [("c1", 9), ("c2", 3), ("c3", 7), ("c4", 10), ("c5", 1), ("c6", 6), ("c7", 8), ("c9", 4),
             ("c1", 5), ("c2", 2), ("c9", 9)]  # fmt: skip
NAMES = ("code", "answer", "price", "region")


def files(specs: str = SPECS) -> dict[str, str]:
    return {
        "specs.yaml": specs,
        "data/c.csv": "cid,at,code,answer,price,region\n"
        + "".join(",".join(row) + "\n" for row in CUSTOMERS),
        "data/r.csv": "id,cid,t,score\n"
        + "".join(f"{i},{c},2026-01-10,{s}\n" for i, (c, s) in enumerate(RESPONSES)),
    }


def attributes() -> dict[str, dict[str, str | None]]:
    """customer → dimension → its value in the customer's latest row, as written ("" → None)."""
    latest: dict[str, tuple] = {}
    for cid, at, *values in CUSTOMERS:
        if cid not in latest or at > latest[cid][0]:
            latest[cid] = (at, values)
    return {
        c: {n: v or None for n, v in zip(NAMES, values, strict=True)} for c, (_, values) in latest.items()
    }


def expected(by: str, keep=lambda values: True) -> dict:
    known = attributes()
    groups: dict = {}
    for cid, score in RESPONSES:
        values = known.get(cid, dict.fromkeys(NAMES))
        if keep(values):
            groups.setdefault(values[by], []).append(score)
    out = {}
    for value, scores in groups.items():
        out[("answers", value)] = len(scores)
        out[("mean_score", value)] = sum(scores) / len(scores)
    return out


def query(project, warehouse, by: str, where=None, metrics=()) -> dict:
    request = Request(metrics=tuple(metrics), by=[by], where=where)
    return {
        (r.metric, r.dimensions[by]): r.value
        for r in compute(project, request, default_registry(), warehouse)
    }


@pytest.mark.parametrize("by", NAMES)
def test_lookup_values_as_written(make_project, warehouse, by):
    project = load_project(make_project(files()))
    want = expected(by)
    got = query(project, warehouse, by)
    assert got == pytest.approx(want)
    written = {key[1] for key in want}
    assert None in written  # an empty field, and a response of a customer nowhere in customers
    assert {
        "code": {"01", " 01", "02", "10", "007"},
        "answer": {"yes", "Y", "y", "no", "n"},
        "price": {"1.50", "1.5", "2", "10.0"},
        "region": {"NA", "EMEA", "APAC"},
    }[by] <= written


def test_where_on_a_value_as_written(make_project, warehouse):
    project = load_project(make_project(files()))
    got = query(project, warehouse, "answer", where="code = '007' OR code = '01' OR price = '1.50'")
    want = expected("answer", lambda v: v["code"] in ("007", "01") or v["price"] == "1.50")
    assert got == pytest.approx(want) and ("answers", "yes") in got and ("answers", "Y") not in got


def test_where_comparing_a_value_as_written_with_a_number_is_refused(make_project, run_main):
    root = make_project(files())
    code, _, err = run_main("query", str(root), "-m", "answers", "--by", "code", "--where", "code = 1")
    assert code == 1 and "CX406" in err and "'code'" in err and "as written" in err
    assert "`columns: {code: number}` on source 'customers'" in err


def test_a_declared_type_types_the_lookup(make_project, warehouse):
    specs = SPECS.replace(
        "    time: at\n", "    time: at\n    columns: {code: integer, answer: boolean}\n", 1
    )
    project = load_project(make_project(files(specs)))
    codes = {int(v) if v is not None else None for v in (a["code"] for a in attributes().values())}
    got = query(project, warehouse, "code")
    assert {key[1] for key in got} == codes  # " 01" and "01" are 1, "007" and "7" are 7
    answers = {key[1] for key in query(project, warehouse, "answer")}
    assert answers == {"true", "false", None}


def test_segmented_run_stores_values_as_written(make_project, warehouse, tmp_path):
    config = "version: 1\nproject: written\nsegments: [code, answer]\n"
    project = load_project(make_project(files(), config=config))
    if warehouse.endswith(":memory:"):
        warehouse = warehouse.replace(":memory:", str(tmp_path / "store.db"))
    stored = run_project(project, default_registry(), warehouse)
    got = {(r.metric, tuple(sorted(r.dimensions.items()))): r.value for r in stored.results if r.dimensions}
    want = {}
    for by in ("code", "answer"):
        want.update({(metric, ((by, value),)): v for (metric, value), v in expected(by).items()})
    assert got == pytest.approx(want)


# A looked-up column the specs compare with a number, or compute with, anywhere (another
# source's metric filter, a segment's `where:`) keeps its type: "03" is the tier 3 there.
TIERS = {"c1": "1", "c2": "03", "c3": "3", "c4": "2", "c5": "", "c6": "4", "c7": "10"}


def tier_files(specs: str) -> dict[str, str]:
    out = files(specs)
    latest = {cid: i for i, (cid, *_) in enumerate(CUSTOMERS)}  # each customer's latest row
    rows = [row + (TIERS[row[0]] if i == latest[row[0]] else "9",) for i, row in enumerate(CUSTOMERS)]
    out["data/c.csv"] = "cid,at,code,answer,price,region,tier\n" + "".join(",".join(r) + "\n" for r in rows)
    return out


def tier_specs(*metrics: str) -> str:
    region = "      - {name: region, from: customers}\n"
    specs = SPECS.replace(region, region + "      - {name: tier, from: customers}\n")
    return specs + "".join(metrics)


def tier_scores(keep) -> list[int]:
    return [score for cid, score in RESPONSES if cid in TIERS and TIERS[cid] and keep(int(TIERS[cid]))]


@pytest.mark.parametrize(
    ("filter_", "keep"),
    [("tier > 2", lambda t: t > 2), ("tier + 1 <= 3", lambda t: t + 1 <= 3), ("tier = 3", lambda t: t == 3)],
)
def test_a_looked_up_column_compared_with_a_number_keeps_its_type(make_project, warehouse, filter_, keep):
    metric = f"  - {{id: high, type: count, source: r, filter: '{filter_}'}}\n"
    project = load_project(make_project(tier_files(tier_specs(metric))))
    got = {r.metric: r.value for r in compute(project, Request(), default_registry(), warehouse)}
    assert got["high"] == len(tier_scores(keep)) > 0
    # typed, the tier "03" is 3: one group with 3, as the filter compared it
    by_tier = query(project, warehouse, "tier")
    want: dict = {}
    for cid, _ in RESPONSES:
        tier = int(TIERS[cid]) if TIERS.get(cid) else None
        want[tier] = want.get(tier, 0) + 1
    assert {value: v for (m, value), v in by_tier.items() if m == "answers"} == want


def test_a_segment_where_with_a_number_keeps_the_type(make_project, warehouse, tmp_path):
    config = "version: 1\nproject: written\nsegments: [tier]\n"
    goal = (
        "goals:\n  - metric: answers\n    target: 1\n    segments:\n      - {where: {tier: 3}, target: 2}\n"
    )
    project = load_project(make_project(tier_files(tier_specs(goal)), config=config))
    if warehouse.endswith(":memory:"):
        warehouse = warehouse.replace(":memory:", str(tmp_path / "store.db"))
    stored = run_project(project, default_registry(), warehouse)
    got = {r.dimensions["tier"]: r.value for r in stored.results if r.metric == "answers" and r.dimensions}
    want: dict = {}
    for cid, _ in RESPONSES:
        tier = str(int(TIERS[cid])) if TIERS.get(cid) else None  # "03" and "3" are the tier 3
        want[tier] = want.get(tier, 0) + 1
    assert got == want and "03" not in got
    assert not [d for d in stored.diagnostics if d.code == "CX620"]


def test_a_looked_up_column_compared_with_text_and_a_number_is_refused_at_the_filter(make_project, run_main):
    metrics = (
        "  - {id: high, type: count, source: r, filter: 'tier > 2'}\n"
        "  - {id: gold, type: count, source: r, filter: \"tier = 'gold'\"}\n"
    )
    root = make_project(tier_files(tier_specs(metrics)))
    code, _, err = run_main("query", str(root))
    assert code == 1 and "CX406" in err and "specs.yaml:" in err and "'tier'" in err
    assert "as written" in err and "`columns:`" in err


def test_arithmetic_in_the_looked_up_sources_own_metric_keeps_the_type(make_project, warehouse):
    metric = "  - {id: doubled, type: count, source: customers, filter: 'tier * 2 > 5'}\n"
    project = load_project(make_project(tier_files(tier_specs(metric))))
    got = {r.metric: r.value for r in compute(project, Request(), default_registry(), warehouse)}
    # one row per customer (key cid): its latest
    assert got["doubled"] == sum(1 for t in TIERS.values() if t and int(t) * 2 > 5) > 0
    assert {value for (_, value) in query(project, warehouse, "tier", metrics=["answers"])} == {
        int(t) if t else None for t in TIERS.values()
    }
