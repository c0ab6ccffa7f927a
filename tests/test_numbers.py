"""The numbers are right: every metric type's value, n, invalid and moe on DuckDB, SQLite and a
real PostgreSQL server, against answers computed independently in plain Python.

The fixture project is tests/fixtures/numbers (its rows are written by make_data.py there);
tests/numbers_reference.py computes the expected results from the CSV files without any cxspec
code. Results must agree to 1e-9 (relative or absolute); n and invalid exactly; and a result
must exist exactly where the reference has one.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
from dataclasses import dataclass

import pytest
import sqlglot
from numbers_reference import (
    METRICS,
    PROJECT,
    SOURCES,
    MetricDef,
    Query,
    compute_rows,
    expected,
    lower_trim,
    period_of,
    source_rows,
    sql_ne,
)
from sqlglot import exp

from cxspec import load_project
from cxspec.builtin.metric_types import BUILTIN_METRIC_TYPES
from cxspec.compiler import plan as plan_module
from cxspec.compiler.compile import compile_request
from cxspec.compiler.plan import Request
from cxspec.query import compute
from cxspec.registry import default_registry

ENGINES = ("duckdb", "sqlite", "postgres")
TOLERANCE = {"rel_tol": 1e-9, "abs_tol": 1e-9}


@pytest.fixture(scope="module")
def project():
    return load_project(PROJECT)


@pytest.fixture(scope="module")
def registry():
    return default_registry()


@pytest.fixture(params=ENGINES)
def warehouse(request):
    """The URL of each engine in turn; PostgreSQL is a throwaway server (conftest.postgres_url)."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///:memory:"


# -- comparing -----------------------------------------------------------------------------


def same_number(want, got) -> bool:
    if want is None or got is None:
        return want is None and got is None
    return math.isclose(want, got, **TOLERANCE)


def same(want: tuple, got: tuple) -> bool:
    value, n, invalid, moe = want
    return (
        same_number(value, got[0])
        and type(got[1]) is int
        and got[1] == n
        and type(got[2]) is int
        and got[2] == invalid
        and same_number(moe, got[3])
    )


def by_key(results, by) -> dict:
    found = {}
    for r in results:
        key = (r.metric, r.period, tuple(r.dimensions[d] for d in by))
        assert key not in found, f"two results for {key}"
        found[key] = (r.value, r.n, r.invalid, r.moe)
    return found


def assert_matches(want: dict, got: dict) -> None:
    assert want, "the reference expects no result at all: the case tests nothing"
    problems = []
    for key in sorted(set(want) | set(got), key=repr):
        if key not in got:
            problems.append(f"missing {key}: expected {want[key]}")
        elif key not in want:
            problems.append(f"unexpected {key}: {got[key]}")
        elif not same(want[key], got[key]):
            problems.append(f"{key}: expected {want[key]}, got {got[key]}")
    assert not problems, f"{len(problems)} of {len(want)} results differ:\n" + "\n".join(problems[:40])


def request_of(query: Query, where: str | None) -> Request:
    return Request(
        metrics=query.metrics, grain=query.grain, by=query.by, where=where, start=query.start, end=query.end
    )


def run(project, registry, warehouse, query: Query, where: str | None = None) -> dict:
    return by_key(compute(project, request_of(query, where), registry, warehouse), query.by)


# -- the cases -----------------------------------------------------------------------------


def sources_of(metric_id: str) -> set[str]:
    metric = METRICS[metric_id]
    if metric.source:
        return {metric.source}
    return set().union(*(sources_of(i) for i in metric.inputs))


ALL = tuple(METRICS)
RESPONSES = tuple(m for m in METRICS if sources_of(m) == {"responses"})
TICKETS = tuple(m for m in METRICS if sources_of(m) == {"tickets"})
SUBSCRIPTIONS = tuple(m for m in METRICS if sources_of(m) == {"subscriptions"})
#: One metric or more of each way of computing (measures, rows, spine, other metrics), on every
#: source and across two: for the cases about --where and --from/--to, which act per source.
SHAPES = ("nps", "csat_mean", "fcr", "handle_max", "p90_handle", "responders", "ticket_customers",
          "tickets_per_customer", "tickets_per_response", "nps_gap", "churn", "paid_retention",
          "new_subscriptions")  # fmt: skip
#: Ratio and derived metrics over touch-point metrics, without their inputs: the query's
#: results are computed in one step and the formulas over them in the next.
OVER_TOUCHPOINTS = ("nps_gap", "nps_gap_half", "chat_share", "chat_csat_gap", "chat_nps_vs_web")


@dataclass(frozen=True)
class Case:
    query: Query
    where: str | None = None  # the --where the query's Python predicate stands for


D = dt.date
CASES = {
    "month": Case(Query(ALL, "month")),
    "week-by-channel": Case(Query(ALL, "week", ("channel",))),
    "day": Case(Query(ALL, "day")),
    "quarter": Case(Query(ALL, "quarter")),
    "year-by-channel-from": Case(Query(SHAPES, "year", ("channel",), start=D(2026, 3, 1))),
    "month-by-channel-touchpoint": Case(Query(RESPONSES, "month", ("channel", "touchpoint"))),
    "month-by-queue": Case(Query(TICKETS, "month", ("queue",))),
    "week-by-plan-channel": Case(Query(SUBSCRIPTIONS, "week", ("plan", "channel"))),
    "month-where-web": Case(Query(SHAPES, where=lambda d: d["channel"] == "web"), "channel = 'web'"),
    "week-where-chat-by-channel": Case(
        Query(RESPONSES, "week", ("channel",), where=lambda d: d["touchpoint"] == "chat"),
        "touchpoint = 'chat'",
    ),
    "quarter-where-queues-by-queue": Case(
        Query(TICKETS, "quarter", ("queue",), where=lambda d: d["queue"] in ("billing", "vip")),
        "queue IN ('billing', 'vip')",
    ),
    "month-where-plan-by-channel": Case(
        Query(SUBSCRIPTIONS, "month", ("channel",), where=lambda d: sql_ne(d["plan"], "trial")),
        "plan <> 'trial'",
    ),
    "over-touchpoints-month": Case(Query(OVER_TOUCHPOINTS, "month")),
    "over-touchpoints-with-inputs-week-by-channel": Case(
        Query(("chat_nps", "nps", "csat_top1", *OVER_TOUCHPOINTS), "week", ("channel",))
    ),
    "over-touchpoints-quarter-by-touchpoint": Case(Query(OVER_TOUCHPOINTS, "quarter", ("touchpoint",))),
    "month-from-to": Case(Query(SHAPES, start=D(2026, 2, 15), end=D(2026, 4, 10))),
    "week-from-to-by-channel": Case(
        Query(SHAPES, "week", ("channel",), start=D(2026, 1, 28), end=D(2026, 3, 2))
    ),
    "day-from-to-where-web": Case(
        Query(SHAPES, "day", where=lambda d: d["channel"] == "web", start=D(2026, 3, 30), end=D(2026, 4, 2)),
        "channel = 'web'",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_numbers(project, registry, warehouse, case):
    query, where = CASES[case].query, CASES[case].where
    assert_matches(expected(query), run(project, registry, warehouse, query, where))


def test_cli_query_json(run_main, warehouse):
    """`cxspec query … --format json` prints the same numbers."""
    query = Query(("nps", "csat_mean", "fcr", "p90_handle", "tickets_per_response", "churn"), "quarter",
                  ("channel",), start=D(2026, 1, 1), end=D(2026, 6, 30))  # fmt: skip
    args = ["query", str(PROJECT), "--grain", "quarter", "--by", "channel", "--from", "2026-01-01",
            "--to", "2026-06-30", "--warehouse", warehouse, "--format", "json"]  # fmt: skip
    for metric in query.metrics:
        args += ["-m", metric]
    code, out, err = run_main(*args)
    assert code == 0, err
    got = {}
    for r in json.loads(out)["results"]:
        got[(r["metric"], r["period"], (r["dimensions"]["channel"],))] = (
            r["value"],
            r["n"],
            r["invalid"],
            r["moe"],
        )
    assert_matches(expected(query), got)


# -- the edge cases, stated literally ------------------------------------------------------


def values(results: dict, metric: str) -> dict:
    """A metric's results with rows behind them (n > 0); counts of nothing (0, n 0) aside."""
    return {key[1:]: result for key, result in results.items() if key[0] == metric and result[1]}


def counted_nothing(results: dict) -> dict:
    """The results of periods the source covers where no row matched: each must be 0, n 0."""
    return {key: result for key, result in results.items() if not result[1]}


def test_duplicates_latest_wins_after_the_source_filter(project, registry, warehouse):
    """dup-1: the later instant wins although its text sorts first; dup-2: the winner moved to
    February and to email; dup-3: the later version is a test customer, removed before
    de-duplication, so the earlier one stays; dup-4: the winner is not web/app, so a metric
    filtering web/app does not see the key at all (its filter comes after de-duplication)."""
    query = Query(("probe_dup_nps_sum", "probe_dup_web_count"), "month", ("channel",))
    got = run(project, registry, warehouse, query)
    assert values(got, "probe_dup_nps_sum") == {
        ("2026-02-01", ("email",)): (3.0, 1, 0, None),  # dup-2
        ("2026-02-01", ("web",)): (2.0, 1, 0, None),  # dup-1
        ("2026-03-01", ("app",)): (10.0, 1, 0, None),  # dup-5
        ("2026-03-01", ("phone",)): (8.0, 1, 0, None),  # dup-3
        ("2026-04-01", ("phone",)): (4.0, 1, 0, None),  # dup-4
    }
    assert values(got, "probe_dup_web_count") == {
        ("2026-02-01", ("web",)): (1.0, 1, 0, None),
        ("2026-03-01", ("app",)): (1.0, 1, 0, None),
    }
    assert_matches(expected(query), got)


def test_duplicates_keep_earliest(project, registry, warehouse):
    """tdup-2's earliest version is 2026-03-01T01:00:00+02:00 (= 02-28 23:00Z), not the one whose
    text sorts first (2026-02-28T23:30:00Z)."""
    query = Query(("probe_tdup_handle",), "month", ("queue",))
    got = run(project, registry, warehouse, query)
    assert all(result == (0.0, 0, 0, None) for result in counted_nothing(got).values())
    got = {key: result for key, result in got.items() if result[1]}
    assert got == {
        ("probe_tdup_handle", "2026-01-01", ("billing",)): (100.0, 1, 0, None),
        ("probe_tdup_handle", "2026-02-01", ("billing",)): (200.0, 1, 0, None),
    }


def test_offsets_cross_day_month_and_year_boundaries(project, registry, warehouse):
    got = run(project, registry, warehouse, Query(("probe_edges",), "day"))
    assert all(result[0] == 0.0 for result in counted_nothing(got).values())
    assert {key[1]: result[0] for key, result in got.items() if result[1]} == {
        "2025-12-31": 1.0,  # p-y1 2026-01-01T01:00:00+03:00
        "2026-01-01": 1.0,  # p-y2 2025-12-31T22:30:00-02:00
        "2026-01-31": 1.0,
        "2026-02-01": 1.0,
        "2026-03-31": 1.0,  # p-m2 2026-04-01T00:30:00+02:00
        "2026-04-01": 1.0,  # p-m1 2026-03-31T23:30:00-02:00
        "2026-06-15": 1.0,
    }
    got = run(project, registry, warehouse, Query(("probe_edges",), "year"))
    assert got == {
        ("probe_edges", "2025-01-01", ()): (1.0, 1, 0, None),
        ("probe_edges", "2026-01-01", ()): (6.0, 6, 0, None),
    }
    got = run(
        project, registry, warehouse, Query(("probe_edges",), "month", ("channel",), start=D(2026, 3, 1))
    )
    assert {key for key, result in got.items() if result[1]} == {
        ("probe_edges", "2026-03-01", ("app",)),
        ("probe_edges", "2026-04-01", ("web",)),
        ("probe_edges", "2026-06-01", ("web",)),
    }


def test_one_response_period(project, registry, warehouse):
    """June has one response and one ticket: proportions and NPS have a margin of 0, means none."""
    metrics = ("nps", "csat", "csat_mean", "ces", "ces_top", "promoter_rate", "fcr", "handle_mean",
               "satisfaction_mean", "p90_handle", "handle_total", "responders")  # fmt: skip
    got = run(project, registry, warehouse, Query(metrics, start=D(2026, 6, 1), end=D(2026, 6, 30)))
    assert {key[0]: result for key, result in got.items()} == {
        "nps": (100.0, 1, 0, 0.0),  # a 9
        "csat": (100.0, 1, 0, 0.0),  # a 4: top two boxes
        "csat_mean": (4.0, 1, 0, None),
        "ces": (5.0, 1, 0, None),
        "ces_top": (100.0, 1, 0, 0.0),
        "promoter_rate": (100.0, 1, 0, 0.0),
        "fcr": (100.0, 1, 0, 0.0),
        "handle_mean": (420.5, 1, 0, None),
        "satisfaction_mean": (9.0, 1, 0, None),
        "p90_handle": (420.5, 1, 0, None),
        "handle_total": (420.5, 1, 0, None),
        "responders": (1.0, 1, 0, None),
    }
    assert all(key[1] == "2026-06-01" for key in got)


def test_empty_period_has_no_rows(project, registry, warehouse):
    """May 2026 has no responses and no tickets: no result at all (not even a count of 0);
    churn, over its spine of periods, still has May. Tickets go on into July, responses do not,
    so a derived metric over both stops in June."""
    got = run(
        project, registry, warehouse, Query(("responses_count", "tickets", "tickets_per_response", "churn"))
    )

    def periods(metric):
        return sorted(key[1][:7] for key in got if key[0] == metric)

    months = ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]
    assert periods("responses_count") == [*months, "2026-06"]
    assert periods("tickets") == [*months, "2026-06", "2026-07"]
    assert periods("tickets_per_response") == [*months, "2026-06"]
    assert "2026-05" in periods("churn")


def test_invalid_scores(project, registry, warehouse):
    """Out of range (11, -1, 0, 6, 8) and not whole (7.5, 4.5, 2.5) scores are counted as invalid;
    kiosk's March scores are all invalid or NULL: a result with no value, n 0."""
    got = run(project, registry, warehouse, Query(("nps", "csat_mean", "ces"), "month", ("channel",)))
    invalid = {(key[0], key[1], key[2][0]): result[2] for key, result in got.items() if result[2]}
    assert invalid == {
        ("nps", "2026-02-01", "web"): 1,  # 11
        ("nps", "2026-02-01", "app"): 1,  # -1
        ("nps", "2026-03-01", "phone"): 1,  # 7.5
        ("nps", "2026-03-01", "kiosk"): 1,  # 11
        ("csat_mean", "2026-02-01", "web"): 1,  # 0
        ("csat_mean", "2026-02-01", "app"): 1,  # 6
        ("csat_mean", "2026-03-01", "phone"): 1,  # 4.5
        ("csat_mean", "2026-03-01", "kiosk"): 1,  # 7
        ("ces", "2026-02-01", "web"): 1,  # 8
        ("ces", "2026-02-01", "app"): 1,  # 0
        ("ces", "2026-03-01", "phone"): 1,  # 2.5
        ("ces", "2026-03-01", "kiosk"): 1,  # 9
    }
    for metric in ("nps", "csat_mean", "ces"):
        assert got[(metric, "2026-03-01", ("kiosk",))] == (None, 0, 1, None)


def test_nothing_measured_in_a_group(project, registry, warehouse):
    """The vip queue's March tickets have no handle time and no customer: results with no value
    (n 0) for every metric over those columns, 0 for counts, NULL for divisions by them."""
    metrics = ("tickets", "handled", "ticket_customers", "handle_mean", "handle_total", "handle_min",
               "p90_handle", "fcr", "tickets_per_handled", "tickets_per_customer", "tickets_per_handled_expr",
               "handled_share_nested", "unhandled_share")  # fmt: skip
    got = run(project, registry, warehouse, Query(metrics, "month", ("queue",), where=None))
    vip = {key[0]: result for key, result in got.items() if key[1:] == ("2026-03-01", ("vip",))}
    moe = 1.96 * 100 * math.sqrt(0.5 * 0.5 / 2)
    assert vip.pop("fcr")[:3] == (50.0, 2, 0)  # one true, one NULL
    assert vip == {
        "tickets": (2.0, 2, 0, None),
        "handled": (0.0, 0, 0, None),
        "ticket_customers": (0.0, 0, 0, None),
        "handle_mean": (None, 0, 0, None),
        "handle_total": (0.0, 0, 0, None),  # a sum of nothing is 0, as a count is
        "handle_min": (None, 0, 0, None),
        "p90_handle": (None, 0, 0, None),
        "tickets_per_handled": (None, 0, 0, None),
        "tickets_per_customer": (None, 0, 0, None),
        "tickets_per_handled_expr": (None, 0, 0, None),
        "handled_share_nested": (None, 0, 0, None),
        "unhandled_share": (100.0, 0, 0, None),
    }
    fcr = got[("fcr", "2026-03-01", ("vip",))]
    assert math.isclose(fcr[3], moe, **TOLERANCE)


def test_churn(project, registry, warehouse):
    """March 2026: 12 customers active at its start (s03 ends exactly then, so it is active and
    churns in March; s07 ends 2026-04-01T01:00:00+02:00, still March in UTC); 3 churn."""
    got = run(
        project,
        registry,
        warehouse,
        Query(("churn", "paid_retention"), start=D(2026, 3, 1), end=D(2026, 3, 1)),
    )
    assert got[("churn", "2026-03-01", ())] == (25.0, 12, 0, None)
    value, n, invalid, moe = got[("paid_retention", "2026-03-01", ())]  # no trials, no NULL plan
    assert (n, invalid, moe) == (9, 0, None) and math.isclose(value, 100 - 100 * 3 / 9, **TOLERANCE)


def test_churn_start_and_end_in_the_same_period(project, registry, warehouse):
    """s09 (the only partner subscription) starts on Tuesday 2026-02-03 and ends on 2026-02-20:
    never active at a month's start, so no monthly result; weekly, active at the starts of the
    weeks of 02-09 and 02-16, churned in the second. s26 runs from Monday 02-09 00:00 to Monday
    02-16 00:00: not active in its first week (it starts at its start), churned in the next."""
    monthly = run(project, registry, warehouse, Query(("churn",), "month", ("channel",)))
    assert not [key for key in monthly if key[2] == ("partner",)]
    weekly = run(project, registry, warehouse, Query(("churn",), "week", ("channel",)))
    assert values(weekly, "churn").get(("2026-02-09", ("partner",))) == (0.0, 1, 0, None)
    assert values(weekly, "churn").get(("2026-02-16", ("partner",))) == (100.0, 1, 0, None)
    assert values(weekly, "churn").get(("2026-02-09", ("email",))) == (0.0, 2, 0, None)  # not s26 yet
    assert values(weekly, "churn").get(("2026-02-16", ("email",))) == (25.0, 4, 0, None)  # s26 churns
    query = Query(("churn",), "week", ("channel",))
    assert_matches(expected(query), weekly)


# -- the reference describes the project ---------------------------------------------------


def test_reference_covers_every_metric_and_type(project):
    """numbers_reference.METRICS restates every metric of the fixture, with the same type, and
    the fixture uses every built-in metric type."""
    assert {m: METRICS[m].type for m in METRICS} == {m: project.metrics[m].type for m in project.metrics}
    assert {m.type for m in project.metrics.values()} == {t.name for t in BUILTIN_METRIC_TYPES}
    assert set(SOURCES) == set(project.sources)


def test_reference_fixture_has_its_edge_cases():
    """The rows hold what the tests rely on (a check on the fixture, not on cxspec)."""
    responses = source_rows("responses")
    months = {period_of(r["responded_at"], "month") for r in responses}
    assert D(2026, 5, 1) not in months and D(2026, 6, 1) in months
    assert sum(1 for r in responses if period_of(r["responded_at"], "month") == D(2026, 6, 1)) == 1
    raw = (PROJECT / "data" / "responses.csv").read_text()
    assert "-02:00" in raw and "Z" in raw and "+05:30" in raw
    assert (PROJECT / "data" / "tickets.csv.gz").exists()
    assert len({lower_trim(r["touchpoint"]) for r in responses}) < len({r["touchpoint"] for r in responses})


# -- one scan per source -------------------------------------------------------------------


def reads(sql: str, dialect: str) -> list[str]:
    """What the statement reads: file paths of read_csv/read_parquet calls, and table names."""
    found = []
    for table in sqlglot.parse_one(sql, read=dialect).find_all(exp.Table):
        source = table.this
        if isinstance(source, exp.Func):
            name = source.name if isinstance(source, exp.Anonymous) else source.sql_name()
            first = source.expressions[0] if isinstance(source, exp.Anonymous) else source.this
            found.append(f"{name.lower()}:{first.name}")
        elif isinstance(source, exp.Identifier):
            found.append(table.name)
    return found


@pytest.mark.parametrize("dialect", ["duckdb", "sqlite", "postgres"])
def test_many_metrics_on_one_source_read_it_once(project, registry, dialect):
    queries = compile_request(project, Request(), dialect, registry)
    found = [read for q in queries for read in reads(q.sql, dialect)]
    if dialect == "duckdb":
        files = [f for f in found if f.startswith("read_csv:")]
        assert sorted(files) == [
            "read_csv:data/responses.csv",
            "read_csv:data/subscriptions.csv",
            "read_csv:data/tickets.csv.gz",
        ]
        for path in ("data/responses.csv", "data/tickets.csv.gz", "data/subscriptions.csv"):
            text = "\n".join(q.sql for q in queries)
            assert len(re.findall(rf"read_csv\('{re.escape(path)}'", text, flags=re.IGNORECASE)) == 1
    else:
        for source in ("responses", "tickets", "subscriptions"):
            assert found.count(source) == 1, (source, found)
    # …although responses alone has 16 metrics with 7 different filters in the request.
    (responses,) = [s for q in queries for s in q.plan.scans if s.source.id == "responses"]
    assert len(responses.measure_metrics) + len(responses.row_metrics) >= 16
    filters = {
        (m.pivot_filter.sql() if m.pivot_filter is not None else None, m.predicate_index)
        for m in responses.measure_metrics
    }
    assert len(filters) >= 7


def many_filters_project(make_project, count: int):
    """A copy of the fixture whose metrics are `count` means, each with its own filter."""
    root = make_project(config=(PROJECT / "cxspec.yaml").read_text())
    shutil.copytree(PROJECT / "data", root / "data")
    shutil.copytree(PROJECT / "specs", root / "specs", ignore=shutil.ignore_patterns("metrics.yaml"))
    lines = ["version: 1", "metrics:"]
    predicates = {}
    for i in range(count):
        low, box = i % 11, 1 + (i * 3) % 5
        lines.append(
            f"  - {{id: m{i:02d}, type: mean, source: responses, column: ces_score, scale: [1, 7], "
            f'filter: "nps_score >= {low} AND csat_score >= {box}"}}'
        )
        predicates[f"m{i:02d}"] = (low, box)
    (root / "specs" / "many.yaml").write_text("\n".join(lines) + "\n")
    return root, predicates


def test_more_filters_than_one_first_level_holds(make_project, registry, warehouse, monkeypatch):
    """Past MAX_PREDICATES_PER_LEVEL distinct filters (made 4 here, to stay small) the first
    level is split in several; still one read of the source, and the numbers stay right."""
    monkeypatch.setattr(plan_module, "MAX_PREDICATES_PER_LEVEL", 4)
    root, predicates = many_filters_project(make_project, 10)
    many = load_project(root)
    request = Request(metrics=tuple(predicates))
    dialect = {"duckdb": "duckdb", "sqlite": "sqlite"}.get(warehouse.split(":")[0], "postgres")
    (query,) = compile_request(many, request, dialect, registry)
    wanted = "read_csv:data/responses.csv" if dialect == "duckdb" else "responses"
    assert reads(query.sql, dialect).count(wanted) == 1
    assert len(re.findall(r'"lvl1_1_responses_\d+" AS', query.sql)) == 3
    got = by_key(compute(many, request, registry, warehouse), ())
    want = {}
    for metric_id, (low, box) in predicates.items():

        def where(r, low=low, box=box):
            nps, csat = r["nps_score"], r["csat_score"]
            return nps is not None and csat is not None and nps >= low and csat >= box

        metric = MetricDef("mean", "responses", "ces_score", scale=(1, 7), where=where)
        groups: dict = {}
        for r in source_rows("responses"):
            if where(r):
                groups.setdefault(period_of(r["responded_at"], "month").isoformat(), []).append(r)
        for period, rows in groups.items():
            want[(metric_id, period, ())] = compute_rows(metric, rows)
    assert_matches(want, got)


def test_fixture_files_are_what_make_data_writes():
    """The committed data files are make_data.py's output (edit the script, then run it)."""
    import gzip
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_data", PROJECT / "make_data.py")
    make_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_data)
    for name, text in make_data.contents().items():
        raw = (PROJECT / "data" / name).read_bytes()
        assert (gzip.decompress(raw) if name.endswith(".gz") else raw).decode("utf-8") == text, name


# -- plan shapes give the same numbers ------------------------------------------------------


@pytest.mark.parametrize("case", ["week-by-channel", "month-by-channel-touchpoint"])
def test_filters_as_flags_or_on_grouped_columns_give_the_same_numbers(
    project, registry, warehouse, monkeypatch, case
):
    """The planner groups the first level by the columns filters compare with strings; with no
    such columns allowed every filter part is a 0/1 flag instead. Both are exact."""
    monkeypatch.setattr(plan_module, "MAX_GROUP_COLUMNS", 0)
    query = CASES[case].query
    (responses,) = [
        s
        for q in compile_request(project, request_of(query, None), "duckdb", registry)
        for s in q.plan.scans
        if s.source.id == "responses"
    ]
    assert responses.group_columns == [] and len(responses.predicates) >= 5
    assert_matches(expected(query), run(project, registry, warehouse, query))


def test_grouped_columns_are_the_string_compared_ones(project, registry):
    (responses,) = [
        s
        for q in compile_request(project, Request(), "duckdb", registry)
        for s in q.plan.scans
        if s.source.id == "responses"
    ]
    # channel = 'web', channel IN (…), LOWER(TRIM(touchpoint)) = 'chat'; not the LIKE on ids.
    assert responses.group_columns == ["channel", "touchpoint"]
    assert [p.sql() for p in responses.predicates] == [
        "\"response_id\" LIKE 'dup-%'",
        "\"response_id\" LIKE 'p-%'",
    ]


@pytest.mark.parametrize("time_type", ["TIMESTAMP", "TIMESTAMPTZ", "VARCHAR"])
def test_event_time_of_any_column_type(tmp_path, registry, time_type):
    """DuckDB describes the source, and the period is taken from a TIMESTAMP as it is, from a
    TIMESTAMPTZ through its epoch, from text through TIMESTAMPTZ: the same numbers each."""
    import duckdb

    from cxspec.query import compile_for, connect
    from cxspec.resolve import Resolver

    root = tmp_path / "numbers"
    shutil.copytree(PROJECT, root)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    as_type = {
        "TIMESTAMP": "timezone('UTC', responded_at)",
        "TIMESTAMPTZ": "responded_at",
        "VARCHAR": "strftime(timezone('Asia/Kolkata', responded_at), '%Y-%m-%d %H:%M:%S') || '+05:30'",
    }[time_type]
    source = (root / "data" / "responses.csv").as_posix()
    target = (root / "data" / "responses.parquet").as_posix()
    con.execute(
        f"COPY (SELECT * REPLACE ({as_type} AS responded_at) FROM read_csv('{source}')) TO '{target}'"
    )
    con.close()
    sources = root / "specs" / "sources.yaml"
    sources.write_text(sources.read_text().replace("data/responses.csv", "data/responses.parquet"))
    copy = load_project(root)
    query = Query(RESPONSES, "month", ("channel",))
    with connect("duckdb:///:memory:", copy, registry) as warehouse:
        resolution = Resolver(copy, registry, warehouse=warehouse).resolve([copy.sources["responses"]])
        described = resolution["responses"].column_types["responded_at"]
        request = request_of(query, None)
        (sql,) = [q.sql for q in compile_for(warehouse, copy, request, registry)]
    assert described == {"TIMESTAMP": "TIMESTAMP", "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}.get(
        time_type, "VARCHAR"
    )
    period = re.search(r"DATE_TRUNC\('MONTH', (.*?)\) AS DATE\) AS \"__period\"", sql).group(1)
    assert (
        period
        == {
            "TIMESTAMP": '"responded_at"',
            "TIMESTAMPTZ": 'MAKE_TIMESTAMP(EPOCH_US("responded_at"))',
            "VARCHAR": "CAST(\"responded_at\" AS TIMESTAMPTZ) AT TIME ZONE 'UTC'",
        }[time_type]
    )
    assert_matches(expected(query), run(copy, registry, "duckdb:///:memory:", query))
