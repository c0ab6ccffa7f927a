"""One meaning of `--as-of` for every command: a day D stands for its end (D 23:59:59 UTC, "as
of March 31" includes March 31), a time for that instant. `links --as-of D` cut at D 00:00
while `run`/`query --as-of D` saw all of D. And under `run --as-of D` the default cut of a
link (the outcome source's latest time) was read over every version of every row, those
dated after D too. Figures against plain Python on the rows, on every engine."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cxspec import load_project
from cxspec.commands.as_of import parse_as_of
from cxspec.registry import default_registry
from cxspec.runs.run import stored_results

WITHIN = dt.timedelta(days=30)
D = "2026-03-31"
CUT = dt.datetime(2026, 3, 31, 23, 59, 59)


def group(score: int) -> str:
    return "promoter" if score >= 9 else ("passive" if score >= 7 else "detractor")


def expected(responses, events, cut: dt.datetime) -> dict:
    """responses: (id, customer, time, score), the versions as of `cut` kept by the caller;
    events: (customer, time). Per NPS group: (n, percent with an event in (t, t + within])."""
    out: dict = {}
    for _, customer, t, score in responses:
        if t + WITHIN > cut:
            continue  # the window has not ended by the cut: not counted at all
        hit = any(c == customer and t < e <= t + WITHIN for c, e in events)
        out.setdefault(group(score), []).append(100.0 if hit else 0.0)
    return {g: (len(v), sum(v) / len(v)) for g, v in out.items()}


def csv(header: str, rows) -> str:
    def cell(v):
        return "" if v is None else f"{v:%Y-%m-%d %H:%M:%S}" if isinstance(v, dt.datetime) else str(v)

    return header + "\n" + "".join(",".join(cell(v) for v in r) + "\n" for r in rows)


def test_one_rule_for_a_day_and_an_instant():
    assert parse_as_of("2026-03-31") == CUT
    assert parse_as_of("2026-03-31T12:30:00") == dt.datetime(2026, 3, 31, 12, 30)
    assert parse_as_of("2026-03-31T12:30:00+02:00") == dt.datetime(2026, 3, 31, 10, 30)


# -- `links --as-of D`: the end of D -------------------------------------------------------------

EDGE_SPEC = """\
version: 1
sources:
  - {id: r, type: file, path: data/r.csv, time: at, entity: c, key: id}
  - {id: s, type: file, path: data/s.csv, time: at, entity: c, key: sid}
links:
  - id: l
    cx: {source: r, column: score, groups: nps}
    outcome: {source: s, event: time, within: 30d}
metrics:
  - {id: events, type: count, source: s}
"""

# (id, customer, time, score); D - 30 days = 2026-03-01
EDGE_RESPONSES = [
    (1, "a", dt.datetime(2026, 3, 1, 23, 59, 59), 2),  # window ends exactly at the cut: counted
    (2, "b", dt.datetime(2026, 3, 2, 0, 0, 0), 1),  # ends one second after it: censored
    (3, "c", dt.datetime(2026, 2, 1, 12, 0, 0), 10),
    (4, "d", dt.datetime(2026, 2, 10, 8, 0, 0), 0),
    (5, "e", dt.datetime(2026, 3, 1, 12, 0, 0), 9),  # ends during D: counted (cut at D 00:00 left it out)
    (6, "f", dt.datetime(2026, 2, 20, 0, 0, 0), 3),
    (7, "g", dt.datetime(2026, 1, 15, 0, 0, 0), 10),
]
# (sid, customer, time): outcome events
EDGE_EVENTS = [
    ("s1", "a", dt.datetime(2026, 3, 31, 23, 59, 59)),  # at 23:59:59 on D, the window's last second
    ("s2", "b", dt.datetime(2026, 3, 20, 0, 0, 0)),
    ("s3", "c", dt.datetime(2026, 2, 25, 0, 0, 0)),
    ("s5", "e", dt.datetime(2026, 3, 31, 6, 0, 0)),  # during D: seen
    ("s6", "f", dt.datetime(2026, 4, 1, 0, 0, 0)),  # at D+1 00:00:00: after the cut
    ("s7", "g", dt.datetime(2026, 2, 20, 0, 0, 0)),
]


def links_json(run_main, root, warehouse, *as_of) -> dict:
    code, out, err = run_main("links", str(root), *as_of, "--format", "json", "--warehouse", warehouse)
    assert code == 0, out + err
    return {g["group"]: (g["n"], g["value"]) for g in json.loads(out)["links"] if g["n"]}


def check(got: dict, want: dict) -> None:
    assert {g: n for g, (n, _) in got.items()} == {g: n for g, (n, _) in want.items()}
    assert {g: v for g, (_, v) in got.items()} == pytest.approx({g: v for g, (_, v) in want.items()})


def test_links_as_of_a_day_is_its_end(make_project, run_main, warehouse):
    root = make_project(
        {
            "specs/a.yaml": EDGE_SPEC,
            "data/r.csv": csv("id,c,at,score", EDGE_RESPONSES),
            "data/s.csv": csv("sid,c,at", EDGE_EVENTS),
        }
    )
    events = [(c, t) for _, c, t in EDGE_EVENTS]
    want = expected(EDGE_RESPONSES, events, CUT)
    # the edges hold as the comments say: 1 and 5 counted with their events, 2 not counted
    assert want["detractor"] == (
        3,
        pytest.approx(100 / 3),
    )  # 1 (event at 23:59:59), 4, 6 (its event at D+1: no)
    assert want["promoter"] == (3, pytest.approx(200 / 3))  # 3, 5 and 7; 5's event during D
    check(links_json(run_main, root, warehouse, "--as-of", D), want)
    # the same instant written out, with an offset, gives the same; an instant is that instant
    check(links_json(run_main, root, warehouse, "--as-of", "2026-04-01T01:59:59+02:00"), want)
    noon = dt.datetime(2026, 3, 31, 12, 0, 0)
    check(
        links_json(run_main, root, warehouse, "--as-of", "2026-03-31T12:00:00"),
        expected(EDGE_RESPONSES, events, noon),
    )
    assert expected(EDGE_RESPONSES, events, noon) != want
    # query and validate see the same instant: the outcome at 23:59:59 on D, not the one at D+1 00:00
    code, out, err = run_main(
        "query", str(root), "-m", "events", "--grain", "year", "--as-of", D, "--format", "json",
        "--warehouse", warehouse,
    )  # fmt: skip
    assert code == 0, out + err
    document = json.loads(out)
    assert [r["value"] for r in document["results"]] == [sum(1 for *_, t in EDGE_EVENTS if t <= CUT)] == [5]
    assert document["left_out"]["s"]["after_as_of"] == 1 and "r" not in document["left_out"]
    code, out, err = run_main("validate", str(root), "--data", "--warehouse", warehouse, "--as-of", D)
    assert "1 of 6 rows of source 's' have a 'at' after the as-of time 2026-03-31 23:59:59 UTC" in out
    assert "source 'r'" not in out


# -- `run --as-of D`: the default cut among the rows seen as of D ---------------------------------

RUN_SPEC = """\
version: 1
sources:
  - {id: r, type: file, path: data/r.csv, time: at, entity: c, key: id}
  - {id: o, type: file, path: data/o.csv, time: at, entity: c, key: oid}
  - {id: s, type: file, path: data/s.csv, entity: c, key: sid, start: began, end: ended}
metrics:
  - {id: answers, type: count, source: r}
links:
  - id: orders
    cx: {source: r, column: score, groups: nps}
    outcome: {source: o, event: time, within: 30d}
  - id: ends
    cx: {source: r, column: score, groups: nps}
    outcome: {source: s, event: end, within: 30d}
"""


def run_rows():
    """Responses (id, customer, time, score) with versions after D and new ones after D;
    orders (oid, customer, time) whose latest row seen at D is 2026-02-27, with a new
    order and a correction dated after D; subscriptions (sid, customer, began, ended) whose
    latest time seen at D is 2026-03-05, with an end scheduled after D and one begun after D."""
    responses = []
    for i in range(60):
        t = dt.datetime(2026, 1, 2, 9) + dt.timedelta(days=i % 40, hours=i % 7)
        responses.append((i, f"c{i % 12}", t, (i * 7) % 11))
        if i % 4 == 0:  # a correction after D: as of D the first version counts
            responses.append((i, f"c{i % 12}", dt.datetime(2026, 4, 2 + i % 5, 10), (i * 3 + 5) % 11))
    responses += [(100 + i, f"c{i}", dt.datetime(2026, 4, 10 + i), 0) for i in range(3)]  # after D
    orders = [(f"o{i}", f"c{i % 12}", dt.datetime(2026, 1, 10) + dt.timedelta(days=2 * i)) for i in range(25)]
    orders.append(("o24", "c0", dt.datetime(2026, 4, 2, 8)))  # o24 (2026-02-27) corrected after D
    orders.append(("o99", "c3", dt.datetime(2026, 4, 20)))  # a new order after D
    subs = [
        (f"s{i}", f"c{i}", dt.datetime(2025, 6, 1 + i), dt.datetime(2026, 1, 20) + dt.timedelta(days=6 * i))
        for i in range(6)
    ]
    subs.append(("s6", "c6", dt.datetime(2026, 3, 5), None))
    subs.append(("s7", "c7", dt.datetime(2025, 7, 1), dt.datetime(2026, 5, 30)))  # scheduled after D
    subs.append(("s8", "c8", dt.datetime(2026, 4, 3), None))  # begun after D
    return responses, orders, subs


def as_of(rows, cut):
    """The latest version (by its time, the third field) of each key among the rows dated at
    or before `cut`."""
    known: dict = {}
    for row in rows:
        if row[2] <= cut and (row[0] not in known or row[2] > known[row[0]][2]):
            known[row[0]] = row
    return list(known.values())


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///{tmp_path / 'results.db'}"


def test_a_run_as_of_d_cuts_links_at_the_latest_time_seen_then(make_project, run_main, url, tmp_path):
    responses, orders, subs = run_rows()
    name = f"linkcut{abs(hash(url)) % 10**8}"
    root = make_project(
        {
            "specs.yaml": RUN_SPEC,
            "data/r.csv": csv("id,c,at,score", responses),
            "data/o.csv": csv("oid,c,at", orders),
            "data/s.csv": csv("sid,c,began,ended", subs),
        },
        config=f"version: 1\nproject: {name}\n",
    )
    args = ["run", str(root), "--warehouse", url, "--out", str(tmp_path / "out"), "--quiet", "--as-of", D]
    status, out, err = run_main(*args)
    assert status == 0, out + err
    seen = as_of(responses, CUT)
    seen_orders = as_of(orders, CUT)
    seen_subs = [s for s in subs if s[2] <= CUT]
    cuts = {
        "orders": max(t for *_, t in seen_orders),
        "ends": max(t for s in seen_subs for t in s[2:] if t is not None and t <= CUT),
    }
    assert cuts == {"orders": dt.datetime(2026, 2, 27), "ends": dt.datetime(2026, 3, 5)}
    want = {
        "orders": expected(seen, [(c, t) for _, c, t in seen_orders], cuts["orders"]),
        "ends": expected(seen, [(c, e) for _, c, _, e in seen_subs if e is not None], cuts["ends"]),
    }
    # the leak made a difference: with the cut at D, more windows count
    assert want["orders"] != expected(seen, [(c, t) for _, c, t in seen_orders], CUT)
    assert want["ends"] != expected(seen, [(c, e) for _, c, _, e in seen_subs if e is not None], CUT)
    stored = stored_results(load_project(root), default_registry(), url)
    for link in ("orders", "ends"):
        got = {g.group: (g.n, g.value) for g in stored.link_groups if g.link == link and g.n}
        check(got, want[link])
        assert str(stored.link_as_of[link])[:19] == f"{cuts[link]:%Y-%m-%d %H:%M:%S}"


def test_the_future_outcomes_warning_reads_the_responses_seen_as_of_d(make_project, warehouse):
    """CX612 under `run --as-of D`: outcomes seen at D go on well after the latest response
    seen at D and its window; a response dated after D must not hide that."""
    from cxspec.links.compute import compute_links
    from cxspec.query import connect

    responses = [(i, f"c{i}", dt.datetime(2026, 1, 2 + i), i % 11) for i in range(12)]
    late = [(50, "c1", dt.datetime(2026, 4, 20), 10)]  # after D
    orders = [(f"o{i}", f"c{i}", dt.datetime(2026, 1, 10) + dt.timedelta(days=5 * i)) for i in range(15)]
    root = make_project(
        {
            "specs.yaml": RUN_SPEC,
            "data/r.csv": csv("id,c,at,score", responses + late),
            "data/o.csv": csv("oid,c,at", orders),
            "data/s.csv": csv("sid,c,began,ended", [("s1", "c1", dt.datetime(2025, 1, 1), None)]),
        }
    )
    latest_response = max(t for *_, t, _ in responses)
    latest_order = max(t for *_, t in orders if t <= CUT)
    assert latest_order > latest_response + WITHIN  # the data of the case
    project = load_project(root)
    registry = default_registry()
    with connect(warehouse, project, registry) as wh:
        outcome = compute_links(wh, project, registry, ["orders"], until=CUT)
    (warning,) = [d for d in outcome.diagnostics if d.code == "CX612"]
    assert f"{latest_order:%Y-%m-%d %H:%M}" in warning.message
    assert f"{latest_response:%Y-%m-%d %H:%M}" in warning.message
    assert outcome.as_of["orders"] == latest_order


# -- a fraction of a second ----------------------------------------------------------------------

FRACTION_SPEC = """\
version: 1
sources:
  - {id: r, type: file, path: data/r.csv, time: at, entity: c, key: id}
  - {id: s, type: file, path: data/s.csv, time: at, entity: c, key: sid}
  - {id: subs, type: file, path: data/subs.csv, entity: c, start: began, end: ended}
metrics:
  - {id: events, type: count, source: s}
  - {id: churn, type: churn_rate, source: subs}
links:
  - id: l
    cx: {source: r, column: score, groups: nps}
    outcome: {source: s, event: time, within: 30d}
"""


def test_a_time_in_the_last_second_of_the_day_is_seen_on_every_engine(make_project, run_main, warehouse):
    """`--as-of D` covers its last second whole: 23:59:59.5 on D is seen. Compared with
    23:59:59 itself, DuckDB and PostgreSQL left it out and SQLite (whose datetime() drops the
    fraction) kept it: one count, two answers."""
    responses = (
        "id,c,at,score\n1,a,2026-03-01 23:59:59.500,2\n2,b,2026-03-02 00:00:00.000,1\n"
        "3,c,2026-02-01 10:00:00,10\n"
    )
    events = (
        "sid,c,at\ne1,a,2026-03-31 23:59:59.500\ne2,b,2026-04-01 00:00:00.000\ne3,c,2026-02-05 00:00:00\n"
    )
    # a subscription ending in the last second of March ended in March as of March 31
    subs = "c,began,ended\nx,2026-01-15 00:00:00,2026-03-31 23:59:59.750\ny,2026-01-20 00:00:00,\n"
    root = make_project(
        {"specs/a.yaml": FRACTION_SPEC, "data/r.csv": responses, "data/s.csv": events, "data/subs.csv": subs}
    )
    code, out, err = run_main(
        "query", str(root), "-m", "events", "--grain", "year", "--as-of", D, "--format", "json",
        "--warehouse", warehouse,
    )  # fmt: skip
    assert code == 0, out + err
    document = json.loads(out)
    assert [r["value"] for r in document["results"]] == [2]  # e1 (23:59:59.5) and e3; not e2
    assert document["left_out"]["s"]["after_as_of"] == 1 and "r" not in document["left_out"]
    code, out, err = run_main(
        "query", str(root), "-m", "churn", "--grain", "month", "--as-of", D, "--format", "json",
        "--warehouse", warehouse,
    )  # fmt: skip
    assert code == 0, out + err
    march = [r for r in json.loads(out)["results"] if r["period"] == "2026-03-01"]
    assert [(r["value"], r["n"]) for r in march] == [(50.0, 2)]  # x ended in March: 1 of the 2 active
    # response 1's window ends at 23:59:59.5 on D: whole as of D, its event in it; 2 censored
    got = links_json(run_main, root, warehouse, "--as-of", D)
    assert got == {"detractor": (1, 100.0), "promoter": (1, 100.0)}


# -- `report --as-of`: the same rule ---------------------------------------------------------------


@pytest.mark.parametrize(
    "as_of, instant",
    [
        ("2025-02-28", dt.datetime(2025, 2, 28, 23, 59, 59)),  # a day: its end; February over
        ("2025-02-27", dt.datetime(2025, 2, 27, 23, 59, 59)),  # February not over
        ("2025-03-01", dt.datetime(2025, 3, 1, 23, 59, 59)),
        ("2025-03-01T00:00:00", dt.datetime(2025, 3, 1)),  # an instant: February just over
        ("2025-03-01T00:30:00+01:00", dt.datetime(2025, 2, 28, 23, 30)),  # UTC: still February
    ],
)
def test_report_as_of_reads_a_day_or_an_instant_as_the_other_commands(make_project, run_main, as_of, instant):
    rows = [(1, "2025-01-05", 5), (2, "2025-02-05", 2), (3, "2025-03-05", 4)]
    root = make_project(
        {
            "specs.yaml": "version: 1\nsources:\n"
            "  - {id: r, type: file, path: data/r.csv, time: t, key: id}\n"
            "metrics:\n  - {id: m, type: mean, source: r, column: score}\n",
            "data/r.csv": "id,t,score\n" + "".join(f"{i},{d}T08:00:00Z,{s}\n" for i, d, s in rows),
        },
        config='version: 1\nproject: rep\ngrain: month\nwarehouse: "duckdb:///cxspec-out/w.duckdb"\n',
    )
    assert run_main("run", str(root), "--quiet")[0] == 0
    code, out, err = run_main("report", str(root), "--format", "json", "--as-of", as_of)
    assert code == 0, err
    # the latest month whose end (the first day of the next, 00:00) is not after the end of the
    # instant's second (an as-of time covers its second whole)
    months = [dt.datetime(2025, m, 1) for m in (1, 2, 3)]
    over = [m for m in months if m.replace(month=m.month + 1) <= instant + dt.timedelta(seconds=1)]
    assert json.loads(out)["latest"] == f"{over[-1]:%Y-%m-%d}"
