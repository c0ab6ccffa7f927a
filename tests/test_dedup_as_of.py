"""`--as-of D` is "what was known at D": a keyed source is de-duplicated among the versions
dated at or before D. The as-of cut was applied after de-duplication, so a key whose latest
version is dated after D vanished from every figure instead of being counted with its latest
version as of D. `keep: earliest` keeps the earliest version at or before D. Figures against
plain Python on the rows, on every engine."""

from __future__ import annotations

import datetime as dt

import pytest

from cxspec import load_project
from cxspec.query import Request, compute
from cxspec.registry import default_registry

SPECS = """\
version: 1
sources:
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    {keep}
metrics:
  - {{id: mean_score, type: mean, source: responses, column: score}}
  - {{id: answers, type: count, source: responses}}
"""

AS_OF = dt.datetime(2026, 2, 15, 23, 59, 59)


def versions() -> list[tuple[int, dt.datetime | None, int]]:
    """(id, time, score): ids with versions before and after the as-of day, only after it,
    only before it, and one without a time."""
    rows = []
    for i in range(30):
        first = dt.datetime(2026, 1, 3 + i % 20, 9 + i % 7)
        rows.append((i, first, i % 11))
        if i % 3 != 2:  # a correction, after the as-of day for most
            later = dt.datetime(2026, 2, 10 + i % 15, 12)
            rows.append((i, later, (i * 7 + 3) % 11))
        if i % 5 == 0:  # a third version, in March
            rows.append((i, dt.datetime(2026, 3, 2 + i % 9, 8), (i * 5 + 1) % 11))
    for i in range(30, 34):  # every version after the as-of day: nothing known then
        rows.append((i, dt.datetime(2026, 2, 20 + i % 5, 10), i % 11))
        rows.append((i, dt.datetime(2026, 3, 1 + i % 5, 10), (i + 4) % 11))
    rows.append((40, None, 2))  # no time
    rows.append((40, dt.datetime(2026, 3, 3, 10), 9))
    rows.sort(key=lambda r: (r[2], r[0]))  # neither the earlier nor the later first in the file
    return rows


@pytest.mark.parametrize("keep", ["latest", "earliest"])
def test_a_key_counts_with_its_version_as_of_then(make_project, warehouse, keep):
    rows = versions()
    known: dict = {}
    for i, t, score in rows:
        if t is None or t > AS_OF:
            continue
        if i not in known or (t > known[i][0] if keep == "latest" else t < known[i][0]):
            known[i] = (t, score)
    months: dict = {}
    for t, score in known.values():
        months.setdefault(t.strftime("%Y-%m-01"), []).append(score)
    want = {("mean_score", m): sum(s) / len(s) for m, s in months.items()}
    want.update({("answers", m): len(s) for m, s in months.items()})
    if keep == "latest":  # the case that failed: a key whose latest version is after the as-of day
        latest: dict = {}
        for i, t, _ in rows:
            if t is not None and (i not in latest or t > latest[i]):
                latest[i] = t
        assert any(latest[i] > AS_OF for i in known)
    found = {
        "specs.yaml": SPECS.format(keep="" if keep == "latest" else "keep: earliest"),
        "data/responses.csv": "id,t,score\n"
        + "".join(f"{i},{t.strftime('%Y-%m-%d %H:%M:%S') if t else ''},{s}\n" for i, t, s in rows),
    }
    project = load_project(make_project(found))
    request = Request(as_of=AS_OF)
    got = {(r.metric, r.period): r.value for r in compute(project, request, default_registry(), warehouse)}
    assert got == pytest.approx(want)


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres"])
def test_an_incremental_run_sees_a_key_move_out_of_an_old_period(make_project, tmp_path, request, engine):
    """A run as of D1 counted a key in January with its version as of then; a run as of D2,
    after its correction dated in February, counts it in February only. The incremental run's
    watermark figures are read as the results are (versions known at the as-of instant), or
    January looked unchanged and kept the key twice."""
    from cxspec.runs.run import run_project

    def url(name):
        if engine == "postgres":
            return request.getfixturevalue("postgres_url")
        return {"duckdb": f"duckdb:///{tmp_path}/{name}.duckdb", "sqlite": f"sqlite:///{tmp_path}/{name}.db"}[
            engine
        ]

    rows = versions()
    later = dt.datetime(2026, 3, 31, 23, 59, 59)
    data = "id,t,score\n" + "".join(
        f"{i},{t.strftime('%Y-%m-%d %H:%M:%S') if t else ''},{s}\n" for i, t, s in rows
    )
    roots = {}
    for kind in ("inc", "full"):
        name = f"dedupasof_{kind}_{engine}"
        roots[kind] = make_project(
            {"specs.yaml": SPECS.format(keep=""), "data/responses.csv": data},
            config=f"version: 1\nproject: {name}\n",
            name=name,
        )
    registry = default_registry()
    inc_url = url("inc")
    run_project(load_project(roots["inc"]), registry, inc_url, as_of=AS_OF, incremental=True)
    inc = run_project(load_project(roots["inc"]), registry, inc_url, as_of=later, incremental=True)
    full = run_project(load_project(roots["full"]), registry, url("full"), as_of=later)
    known: dict = {}
    for i, t, score in rows:
        if t is not None and t <= later and (i not in known or t > known[i][0]):
            known[i] = (t, score)
    months: dict = {}
    for t, score in known.values():
        months.setdefault(t.strftime("%Y-%m-01"), []).append(score)
    want = {("mean_score", m): sum(s) / len(s) for m, s in months.items()}
    want.update({("answers", m): len(s) for m, s in months.items()})
    for stored in (inc, full):
        got = {(r.metric, r.period): r.value for r in stored.results if r.value is not None}
        assert got == pytest.approx(want)


LINKED = """\
version: 1
sources:
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    key: id
    entity: customer_id
  - id: subs
    type: file
    path: data/subs.csv
    key: sub_id
    entity: customer_id
    start: started_at
    end: ended_at
metrics:
  - {id: answers, type: count, source: responses}
links:
  - id: churn
    cx: {source: responses, column: score, groups: nps}
    outcome: {source: subs, event: end, within: 30d}
"""


def test_a_link_as_of_reads_a_response_as_known_then(make_project, warehouse):
    """`links --as-of D`: a response corrected after D counts with its version as of D (its
    window over by D), instead of vanishing with the correction."""
    from cxspec.links.compute import compute_links
    from cxspec.query import connect

    cut = dt.datetime(2026, 3, 15, 23, 59, 59)
    rows = []  # (id, customer, time, score)
    for i in range(60):
        first = dt.datetime(2026, 1, 2 + i % 25, 9 + i % 6)
        rows.append((i, f"c{i % 7}", first, i % 11))
        if i % 2 == 0:  # corrected, after the cut for most
            rows.append((i, f"c{i % 7}", first + dt.timedelta(days=60 + i % 5), (i * 7 + 3) % 11))
    ends = {"c0": "2026-01-20", "c2": "2026-02-03", "c5": "2026-02-14", "c6": "2026-04-01"}
    window = dt.timedelta(days=30)
    known: dict = {}
    for i, customer, t, score in rows:
        if t <= cut and (i not in known or t > known[i][1]):
            known[i] = (customer, t, score)
    links: dict = {}
    for customer, t, score in known.values():
        if t + window > cut:
            continue
        end = dt.datetime.fromisoformat(ends[customer]) if customer in ends else None
        group = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        links.setdefault(group, []).append(100.0 if end and t < end <= t + window else 0.0)
    found = {
        "specs.yaml": LINKED,
        "data/responses.csv": "id,customer_id,t,score\n"
        + "".join(f"{i},{c},{t:%Y-%m-%d %H:%M},{s}\n" for i, c, t, s in rows),
        "data/subs.csv": "sub_id,customer_id,started_at,ended_at\n"
        + "".join(f"{c},{c},2025-06-01,{e}\n" for c, e in ends.items()),
    }
    project = load_project(make_project(found))
    with connect(warehouse, project, default_registry()) as connection:
        out = compute_links(connection, project, default_registry(), as_of=cut)
    assert {g.group: g.n for g in out.groups if g.n} == {g: len(v) for g, v in links.items()}
    assert {g.group: g.value for g in out.groups if g.n} == pytest.approx(
        {g: sum(v) / len(v) for g, v in links.items()}
    )


CORRECTED_OUTCOMES = LINKED.replace("    key: sub_id\n", "    key: sub_id\n    time: updated_at\n")


def test_a_link_as_of_reads_an_outcome_as_known_then(make_project, warehouse):
    """`links --as-of D`: a subscription corrected after D (its end moved) counts with its
    version as of D, instead of vanishing from the outcomes with the correction."""
    from cxspec.links.compute import compute_links
    from cxspec.query import connect

    cut = dt.datetime(2026, 3, 15, 23, 59, 59)
    responses = [(i, f"c{i % 7}", dt.datetime(2026, 1, 2 + i % 25, 9 + i % 6), i % 11) for i in range(60)]
    subs = [  # (sub, customer, updated, end)
        ("s0", "c0", "2026-01-01", "2026-01-20"),
        ("s0", "c0", "2026-04-02", "2026-07-01"),  # after the cut: s0 ended in January as of D
        ("s2", "c2", "2026-01-01", "2026-02-03"),
        ("s2", "c2", "2026-05-10", "2026-09-01"),
        ("s3", "c3", "2026-01-01", "2026-08-01"),
        ("s3", "c3", "2026-02-20", "2026-01-25"),  # before the cut: its correction counts
        ("s5", "c5", "2026-01-01", "2026-02-14"),
        ("s6", "c6", "2026-01-01", "2026-04-01"),
    ]
    window = dt.timedelta(days=30)
    known: dict = {}
    for sub, customer, updated, end in subs:
        when = dt.datetime.fromisoformat(updated)
        if when <= cut and (sub not in known or when > known[sub][1]):
            known[sub] = (customer, when, dt.datetime.fromisoformat(end))
    ends: dict = {}
    for customer, _, end in known.values():
        ends.setdefault(customer, []).append(end)
    links: dict = {}
    for _, customer, t, score in responses:
        if t + window > cut:
            continue
        group = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        churned = any(t < end <= t + window for end in ends.get(customer, []))
        links.setdefault(group, []).append(100.0 if churned else 0.0)
    found = {
        "specs.yaml": CORRECTED_OUTCOMES,
        "data/responses.csv": "id,customer_id,t,score\n"
        + "".join(f"{i},{c},{t:%Y-%m-%d %H:%M},{s}\n" for i, c, t, s in responses),
        "data/subs.csv": "sub_id,customer_id,updated_at,started_at,ended_at\n"
        + "".join(f"{s},{c},{u},2025-06-01,{e}\n" for s, c, u, e in subs),
    }
    project = load_project(make_project(found))
    with connect(warehouse, project, default_registry()) as connection:
        out = compute_links(connection, project, default_registry(), as_of=cut)
    assert {g.group: g.n for g in out.groups if g.n} == {g: len(v) for g, v in links.items()}
    assert {g.group: g.value for g in out.groups if g.n} == pytest.approx(
        {g: sum(v) / len(v) for g, v in links.items()}
    )
