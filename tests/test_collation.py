"""Rows alike in time are told apart by their columns' values, text in byte order on every
engine. A PostgreSQL database that sorts text by language rules ('a' < 'B', where byte order
has 'B' < 'a') kept another row than DuckDB and SQLite among a key's tied rows, or another
lookup row among an entity's: other numbers for the same data. Each expected value is
computed here in plain Python, whose string order is byte order (code points of UTF-8)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cxspec import load_project
from cxspec.query import Request, compute
from cxspec.registry import default_registry
from tests.test_drivers import expected

ICU_DATABASE = "icu_collation"


@pytest.fixture(scope="module")
def icu_url(postgres_url):
    """A database of the test server whose text sorts by English rules ('a' < 'B')."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {ICU_DATABASE}")
        connection.execute(
            f"CREATE DATABASE {ICU_DATABASE} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' "
            "LOCALE 'C.utf8'"
        )
    url = postgres_url.rsplit("/", 1)[0] + "/" + ICU_DATABASE
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT 'a' < 'B'").fetchone()[0]  # else these tests could not fail
    return url


@pytest.fixture(params=["duckdb", "sqlite", "postgres-icu"])
def url(request):
    if request.param == "postgres-icu":
        return request.getfixturevalue("icu_url")
    return f"{request.param}:///:memory:"


TIED_ROWS = """\
version: 1
sources:
  - id: responses
    type: file
    path: data/responses.csv
    key: id
    time: t
metrics:
  - {id: mean_score, type: mean, source: responses, column: score}
"""
# Each id's two rows share their time; their `note` decides which is kept (the greatest value
# of each column in name order: note, then score).
NOTES = [("apple", "Banana"), ("Zeta", "alpha"), ("b", "C"), ("éclair", "zebra")]


def tied_rows_expected(order=str) -> float:
    """The mean of the kept rows' scores; `order` of the notes: byte order (str), or a
    stand-in for language order (str.casefold) to show that the choice changes the mean."""
    kept = []
    for i, (first, second) in enumerate(NOTES):
        rows = [(first, 2 + i), (second, 9 - i)]
        kept.append(max(rows, key=lambda r: (order(r[0]), r[1]))[1])
    return sum(kept) / len(kept)


def test_a_keys_tied_rows_keep_the_same_row_on_every_engine(make_project, url):
    lines = ["id,t,note,score"]
    for i, (first, second) in enumerate(NOTES):
        lines += [f"{i},2026-01-05,{first},{2 + i}", f"{i},2026-01-05,{second},{9 - i}"]
    root = make_project({"specs/a.yaml": TIED_ROWS, "data/responses.csv": "\n".join(lines) + "\n"})
    project = load_project(root)
    values = [r.value for r in compute(project, Request(), default_registry(), url)]
    assert values == [pytest.approx(tied_rows_expected())]
    assert tied_rows_expected() != pytest.approx(tied_rows_expected(str.casefold))  # the test can fail


LOOKUP = """\
version: 1
sources:
  - id: customers
    type: file
    path: data/customers.csv
    entity: customer_id
    time: updated_at
  - id: responses
    type: file
    path: data/responses.csv
    time: t
    entity: customer_id
    dimensions:
      - {name: region, from: customers}
metrics:
  - {id: answers, type: count, source: responses}
"""


@pytest.mark.parametrize("keyed", [False, True])
def test_an_entitys_tied_lookup_rows_give_the_same_region_on_every_engine(make_project, url, keyed):
    """Tied in time, an entity's rows are told apart by their key (`keyed`: a text key whose
    order is the regions' own), else by their columns' values."""
    customers = {"c1": ("apple", "Banana"), "c2": ("Zeta", "alpha"), "c3": ("b", "C")}
    lines = ["customer_id,region,updated_at,row_id"]
    for customer, regions in customers.items():
        lines += [f"{customer},{region},2026-01-05,{region}-{customer}" for region in regions]
    responses = [
        "id,customer_id,t",
        "1,c1,2026-01-10",
        "2,c2,2026-01-11",
        "3,c2,2026-01-12",
        "4,c3,2026-01-12",
    ]
    spec = (
        LOOKUP.replace("    time: updated_at\n", "    time: updated_at\n    key: row_id\n")
        if keyed
        else LOOKUP
    )
    files = {
        "specs/a.yaml": spec,
        "data/customers.csv": "\n".join(lines) + "\n",
        "data/responses.csv": "\n".join(responses) + "\n",
    }
    project = load_project(make_project(files))
    results = compute(project, Request(by=["region"]), default_registry(), url)
    got = {r.dimensions["region"]: r.value for r in results}
    want: dict[str, int] = {}
    for row in responses[1:]:
        region = max(customers[row.split(",")[1]])  # byte order
        want[region] = want.get(region, 0) + 1
    assert want == {"apple": 1, "alpha": 2, "b": 1}
    assert got == want


DRIVERS = """\
version: 1
sources:
  - id: s
    type: file
    path: data/s.csv
    key: id
    time: t
drivers:
  - id: a
    source: s
    outcome: y
    min_sample: 3
    drivers:
      - {name: x1, column: x1}
      - {name: x2, column: x2}
"""


def test_a_drivers_analysis_keeps_the_same_tied_row_on_every_engine(make_project, run_main, url):
    """The drivers' own de-duplication (drivers/rows.py) follows the same rule: n and the
    figures are those of the rows plain Python keeps."""
    lines, kept = ["id,t,note,y,x1,x2"], []
    for i in range(30):
        first = (["apple", "Zeta", "b"][i % 3], i % 7, (i * 3) % 5, (i * 5) % 7 + (i % 2))
        second = (["Banana", "alpha", "C"][i % 3], (i * 2) % 9, (i + 4) % 5, i % 4)
        for note, y, x1, x2 in (first, second):
            lines.append(f"{i},2026-01-05,{note},{y},{x1},{x2}")
        kept.append(max(first, second))  # note first: byte order
    root = make_project({"specs/a.yaml": DRIVERS, "data/s.csv": "\n".join(lines) + "\n"})
    code, out, err = run_main("drivers", str(root), "--format", "json", "--warehouse", url)
    assert code in (0, None), err
    want = expected(np.array([k[1:] for k in kept], dtype=float), "shapley")
    got = json.loads(out)["drivers"]
    assert [r["n"] for r in got] == [want["n"]] * 2
    for j, r in enumerate(got):
        assert r["importance"] == pytest.approx(want["importance"][j], abs=1e-6)
