"""Plugin metric types of each shape go end to end, as built-in ones do: a "measures" type,
a "metrics" type computed from other metrics, and a "spine" type (tests/shapes_plugin.py).

validate, compile in every dialect, query on DuckDB, SQLite and PostgreSQL against plain
Python over the fixture rows, `run`, and `report` in every built-in format showing the values
as the type's `display()` writes them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
import shapes_plugin
import sqlglot
from sqlglot import exp

from cxspec.compiler.compile import compile_request
from cxspec.compiler.plan import Request
from cxspec.display import format_value
from cxspec.query import compute
from cxspec.registry import build_registry
from cxspec.schema import dialects
from cxspec.validate import validate_project

pytest_plugins = ["plugin_install"]  # the `site` fixture: the plugin installed for the CLI

VOTES = """\
id,at,channel,vote
0,2025-12-20T10:00:00Z,web,1
1,2026-01-03T10:00:00Z,web,1
2,2026-01-04T10:00:00Z,web,2
3,2026-01-05T10:00:00Z,web,-1
4,2026-01-06T10:00:00Z,app,-1
5,2026-01-07T10:00:00Z,app,0
6,2026-01-08T10:00:00Z,app,
7,2026-02-01T00:00:00Z,web,1
8,2026-02-11T10:00:00Z,web,1
9,2026-02-12T10:00:00Z,app,1
10,2026-02-13T10:00:00Z,app,-1
11,2026-02-28T23:59:59Z,app,-3
12,2026-03-02T10:00:00Z,web,-1
13,2026-03-31T23:00:00Z,app,4
"""
SUBSCRIPTIONS = """\
customer,started_at,ended_at
c1,2025-12-10T00:00:00Z,2026-01-15T00:00:00Z
c2,2025-12-01T00:00:00Z,
c3,2026-01-05T00:00:00Z,2026-02-20T00:00:00Z
c4,2026-01-20T00:00:00Z,2026-03-01T00:00:00Z
c5,2026-02-01T00:00:00Z,
c6,2026-01-02T00:00:00Z,2026-03-15T00:00:00Z
"""
SPECS = """\
version: 1
sources:
  - {id: votes, type: file, path: votes.csv, time: at, dimensions: [channel]}
  - id: subscriptions
    type: file
    path: subscriptions.csv
    entity: customer
    start: started_at
    end: ended_at
metrics:
  - {id: web_votes, type: net_votes, source: votes, column: vote, filter: "channel = 'web'"}
  - {id: app_votes, type: net_votes, source: votes, column: vote, filter: "channel = 'app'"}
  - {id: gap, type: vote_gap, minuend: web_votes, subtrahend: app_votes}
  - {id: lost, type: customers_lost, source: subscriptions, direction: lower_is_better}
pyramids:
  - id: shapes
    name: Shapes
    children:
      - {metric: web_votes, bounds: [-10, 10]}
      - {metric: app_votes, bounds: [-10, 10]}
      - {metric: gap, bounds: [-10, 10]}
      - {metric: lost, bounds: [0, 10]}
"""
CONFIG = "version: 1\nproject: shapes\ngrain: month\nwarehouse: duckdb:///results.duckdb\n"
ENGINES = ("duckdb", "sqlite", "postgres")


@pytest.fixture(scope="module")
def registry():
    return build_registry(external=False, extra=(("shapes", shapes_plugin),))


@pytest.fixture
def root(make_project):
    files = {"specs.yaml": SPECS, "votes.csv": VOTES, "subscriptions.csv": SUBSCRIPTIONS}
    return make_project(files, config=CONFIG)


@pytest.fixture
def project(root, registry):
    result = validate_project(root, registry)
    assert result.ok, [f"{d.code} {d.message}" for d in result.diagnostics]
    return result.project


# -- the numbers in plain Python -----------------------------------------------------------


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _month(when: dt.datetime) -> dt.date:
    return dt.date(when.year, when.month, 1)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def net_votes(channel: str) -> dict[str, tuple]:
    groups: dict[dt.date, list[str]] = {}
    for row in csv.DictReader(io.StringIO(VOTES)):
        if row["channel"] == channel:
            groups.setdefault(_month(_time(row["at"])), []).append(row["vote"])
    found = {}
    for month, votes in groups.items():
        numbers = [float(v) for v in votes if v != ""]
        up, down = sum(v > 0 for v in numbers), sum(v < 0 for v in numbers)
        found[month.isoformat()] = (float(up - down), len(numbers))
    return found


def customers_lost() -> dict[str, tuple]:
    rows = [
        (r["customer"], _time(r["started_at"]), _time(r["ended_at"]) if r["ended_at"] else None)
        for r in csv.DictReader(io.StringIO(SUBSCRIPTIONS))
    ]
    month = min(_month(start) for _, start, _ in rows)
    last = max(_month(end or start) for _, start, end in rows)
    found = {}
    while month <= last:
        begins, ends = _utc(month), _utc(_next_month(month))
        active = {c for c, start, end in rows if start < begins and (end is None or end >= begins)}
        ended = {c for c, start, end in rows if c in active and end is not None and end < ends}
        if active:
            found[month.isoformat()] = (float(len(ended)), len(active))
        month = _next_month(month)
    return found


def expected() -> dict[tuple[str, str], tuple]:
    web, app = net_votes("web"), net_votes("app")
    want = {("web_votes", p): v for p, v in web.items()}
    want |= {("app_votes", p): v for p, v in app.items()}
    for period in web.keys() & app.keys():
        want[("gap", period)] = (web[period][0] - app[period][0], min(web[period][1], app[period][1]))
    want |= {("lost", p): v for p, v in customers_lost().items()}
    return want


def test_the_reference_has_every_shape_and_a_gap_where_one_input_is_missing():
    want = expected()
    assert {m for m, _ in want} == {"web_votes", "app_votes", "gap", "lost"}
    assert ("web_votes", "2025-12-01") in want and ("gap", "2025-12-01") not in want
    assert want[("lost", "2026-03-01")] == (2.0, 4)
    latest_values = {m: latest(m) for m in ("gap", "app_votes", "lost")}
    assert latest_values == {"gap": -2.0, "app_votes": 1.0, "lost": 2.0}


# -- validate, compile, query ---------------------------------------------------------------


def test_validate(project):
    assert sorted(project.metrics) == ["app_votes", "gap", "lost", "web_votes"]


def test_a_metrics_type_names_its_inputs(make_project, registry):
    specs = SPECS.replace("subtrahend: app_votes", "subtrahend: app_vote")
    root = make_project({"specs.yaml": specs, "votes.csv": VOTES, "subscriptions.csv": SUBSCRIPTIONS})
    [problem] = validate_project(root, registry).diagnostics
    assert (problem.code, problem.line) == ("CX202", 13)
    assert "unknown metric 'app_vote'" in problem.message


@pytest.mark.parametrize("dialect", dialects())
def test_every_dialect_compiles(project, registry, dialect):
    queries = compile_request(project, Request(), dialect, registry)
    assert queries
    for query in queries:
        [statement] = sqlglot.parse(query.sql, read=dialect)
        assert isinstance(statement, exp.Query)


@pytest.mark.parametrize("engine", ENGINES)
def test_query_matches_plain_python(project, registry, engine, request):
    url = request.getfixturevalue("postgres_url") if engine == "postgres" else f"{engine}:///:memory:"
    results = compute(project, Request(), registry, url)
    got = {(r.metric, r.period): (r.value, r.n) for r in results}
    assert got == expected()
    assert all(r.invalid == 0 and r.moe is None for r in results)


# -- run and report (the CLI, with the plugin installed) ------------------------------------

FORMATS = ("terminal", "md", "json", "html")


def latest(metric_id: str) -> float:
    periods = sorted(p for m, p in expected() if m == metric_id)
    return expected()[(metric_id, periods[-1])][0]


@pytest.fixture
def installed(site):
    site.install("cxspec-shapes", {"shapes": "shapes_plugin"})
    return site


def test_run_and_report_every_format(installed, root, run_main, tmp_path):
    out = tmp_path / "out"
    code, _, stderr = run_main("run", str(root), "--out", str(out), "--quiet")
    assert code == 0, stderr
    assert {"report.html", "report.json", "report.md"} <= {p.name for p in out.iterdir()}
    reports = {}
    for fmt in FORMATS:
        code, stdout, stderr = run_main("report", str(root), "--format", fmt)
        assert code == 0, stderr
        reports[fmt] = stdout
    data = json.loads(reports["json"])
    stored = {
        (m["id"], row["period"]): (row["value"], row["n"])
        for m in data["metrics"]
        for row in m["series"]
        if row["value"] is not None
    }
    assert stored == expected()
    for metric_id in ("web_votes", "app_votes", "gap", "lost"):
        for fmt in ("terminal", "md", "html"):
            assert metric_id in reports[fmt], fmt


@pytest.mark.parametrize("fmt", ("terminal", "md", "html"))
def test_reports_write_values_as_the_type_displays_them(installed, root, run_main, tmp_path, fmt):
    code, _, stderr = run_main("run", str(root), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 0, stderr
    code, stdout, stderr = run_main("report", str(root), "--format", fmt)
    assert code == 0, stderr
    types = {t.name: t() for t in shapes_plugin.cxspec_register_metric_types()}
    shown = {
        "gap": format_value(types["vote_gap"].display(None), latest("gap")),
        "lost": format_value(types["customers_lost"].display(None), latest("lost")),
        "app_votes": format_value(types["net_votes"].display(None), latest("app_votes")),
    }
    assert shown == {"gap": "-2", "lost": "2 lost", "app_votes": "+1"}
    for text in shown.values():
        # The whole value: "-2" but not the "-2" of "-2.00".
        assert re.search(rf"(?<![\w.+-]){re.escape(text)}(?![\w.,])", stdout), (fmt, text)


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ({"shape": "metric"}, "`shape` is 'metric', not one of measures, rows, spine, metrics"),
        ({"shape": "metrics"}, "shape 'metrics' with reads_source = True"),
        ({"reads_source": False}, "shape 'measures' with reads_source = False"),
    ],
)
def test_a_type_whose_shape_cannot_be_compiled_is_left_out(attributes, reason):
    import types

    from cxspec.hookspecs import hookimpl

    odd = type("Odd", (shapes_plugin.NetVotes,), {"name": "odd", **attributes})
    plugin = types.ModuleType("odd_plugin")
    plugin.cxspec_register_metric_types = hookimpl(lambda: [odd])
    registry = build_registry(external=False, extra=(("odd", plugin),))
    assert "odd" not in registry.metric_types
    assert reason in registry.broken["odd"]
