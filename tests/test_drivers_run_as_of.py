"""`cxspec run --as-of D` stores drivers analyses as of D, as it stores metrics and links: a
response dated after D is not read, and a keyed response counts with its version as of D.
The run read every row, answers after D included. Figures (n, correlation) against plain
Python on the rows, on every engine."""

from __future__ import annotations

import datetime as dt
import statistics

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
metrics:
  - {id: answers, type: count, source: responses}
drivers:
  - id: why
    source: responses
    outcome: ltr
    drivers:
      - {name: speed, column: speed}
      - {name: price, column: price}
    method: correlation
    min_sample: 5
"""

AS_OF = "2026-02-15"


def rows() -> list[tuple[int, dt.datetime, int, int, int]]:
    """(id, time, ltr, speed, price): versions before the as-of day, corrections after it,
    and answers only after it."""
    found = []
    for i in range(40):
        t = dt.datetime(2026, 1, 2) + dt.timedelta(days=i % 40, hours=i % 7)
        found.append((i, t, i % 11, (i * 3) % 5 + 1, (i * 7 + 2) % 5 + 1))
        if i % 3 == 0:  # a correction, mostly after the as-of day
            found.append((i, t + dt.timedelta(days=20), (i * 5 + 4) % 11, (i + 1) % 5 + 1, (i * 2) % 5 + 1))
    return found


def expected(cut: dt.datetime | None) -> dict:
    kept: dict = {}
    for i, t, *values in rows():
        if cut is not None and t > cut:
            continue
        if i not in kept or t > kept[i][0]:
            kept[i] = (t, values)
    ltr = [v[0] for _, v in kept.values()]
    return {
        name: (len(ltr), statistics.correlation([v[k] for _, v in kept.values()], ltr))
        for k, name in ((1, "speed"), (2, "price"))
    }


@pytest.mark.parametrize("as_of", [AS_OF, None])
def test_run_stores_drivers_as_of_its_as_of(make_project, run_main, url, tmp_path, as_of):
    name = f"drvasof{abs(hash((url, as_of))) % 10**8}"
    root = make_project(
        {
            "specs.yaml": SPECS,
            "data/responses.csv": "id,t,ltr,speed,price\n"
            + "".join(f"{i},{t:%Y-%m-%d %H:%M},{a},{b},{c}\n" for i, t, a, b, c in rows()),
        },
        config=f"version: 1\nproject: {name}\n",
    )
    args = ["run", str(root), "--warehouse", url, "--out", str(tmp_path / "out"), "--quiet"]
    status, out, err = run_main(*args, *(["--as-of", as_of] if as_of else []))
    assert status == 0, out + err
    cut = dt.datetime.fromisoformat(as_of) + dt.timedelta(hours=23, minutes=59, seconds=59) if as_of else None
    want = expected(cut)
    if as_of:
        assert want != expected(None)
    stored = stored_results(load_project(root), default_registry(), url)
    got = {d.driver: (d.n, d.correlation) for d in stored.drivers if d.period is None and not d.dimensions}
    assert {k: n for k, (n, _) in got.items()} == {k: n for k, (n, _) in want.items()}
    assert {k: c for k, (_, c) in got.items()} == pytest.approx(
        {k: c for k, (_, c) in want.items()}, abs=1e-4
    )
