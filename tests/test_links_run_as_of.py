"""`cxspec run --as-of D` stores links as of D, as it stores metrics: a response counts only
when its whole window ended by D, and no outcome after D is seen. The run computed its links
as of the outcome source's latest time instead, counting churn recorded after D (and windows
not over by D) into a run "as of" D: `run --as-of` and `links --as-of` disagreed. The cut of a
run as of D is the outcome source's latest time seen at D (test_links_as_of_rule.py). Without
`--as-of`, a run's links keep the data's own cut (never the clock). Figures against plain
Python on the rows, on every engine."""

from __future__ import annotations

import datetime as dt

import pytest

from cxspec import load_project
from cxspec.registry import default_registry
from cxspec.runs.run import stored_results


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"{request.param}:///{tmp_path / 'results.db'}"


SPECS = """\
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

RESPONSES = [(i, f"c{i % 9}", dt.datetime(2026, 1, 2) + dt.timedelta(days=3 * (i % 20), hours=i % 5), i % 11)
             for i in range(80)]  # fmt: skip
ENDS = {"c0": "2026-02-10", "c1": "2026-02-27", "c2": "2026-03-05", "c4": "2026-03-20", "c7": "2026-04-25"}


def expected(cut: dt.datetime) -> dict:
    rates: dict = {}
    window = dt.timedelta(days=30)
    for _, customer, t, score in RESPONSES:
        if t + window > cut:
            continue
        end = dt.datetime.fromisoformat(ENDS[customer]) if customer in ENDS else None
        group = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        rates.setdefault(group, []).append(100.0 if end and t < end <= t + window else 0.0)
    return {g: (len(v), sum(v) / len(v)) for g, v in rates.items()}


@pytest.mark.parametrize("as_of", ["2026-03-10", None])
def test_run_stores_links_as_of_its_as_of(make_project, run_main, url, tmp_path, as_of):
    name = f"runasof{abs(hash((url, as_of))) % 10**8}"
    root = make_project(
        {
            "specs.yaml": SPECS,
            "data/responses.csv": "id,customer_id,t,score\n"
            + "".join(f"{i},{c},{t:%Y-%m-%d %H:%M},{s}\n" for i, c, t, s in RESPONSES),
            "data/subs.csv": "sub_id,customer_id,started_at,ended_at\n"
            + "".join(f"{c},{c},2025-06-01,{e}\n" for c, e in ENDS.items()),
        },
        config=f"version: 1\nproject: {name}\n",
    )
    args = ["run", str(root), "--warehouse", url, "--out", str(tmp_path / "out"), "--quiet"]
    status, out, err = run_main(*args, *(["--as-of", as_of] if as_of else []))
    assert status == 0, out + err
    # the latest outcome time (the subscriptions' starts and ends), among those seen as of the
    # day given to --as-of (its end, 23:59:59): an end after it is no end yet
    seen = (
        dt.datetime.fromisoformat(as_of) + dt.timedelta(hours=23, minutes=59, seconds=59) if as_of else None
    )
    times = [dt.datetime(2025, 6, 1), *(dt.datetime.fromisoformat(e) for e in ENDS.values())]
    cut = max(t for t in times if seen is None or t <= seen)
    want = expected(cut)
    assert want["detractor"][0] > 10 and 0 < want["detractor"][1] < 100
    stored = stored_results(load_project(root), default_registry(), url)
    got = {g.group: (g.n, g.value) for g in stored.link_groups if g.n}
    assert {g: n for g, (n, _) in got.items()} == {g: n for g, (n, _) in want.items()}
    assert {g: v for g, (_, v) in got.items()} == pytest.approx({g: v for g, (_, v) in want.items()})
