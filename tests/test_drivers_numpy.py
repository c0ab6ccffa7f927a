"""On DuckDB a drivers analysis sums its moments in numpy from the complete cases
(cxspec/drivers/arrays.py) instead of the SQL aggregate (cxspec/drivers/moments.py), which
SQLite, PostgreSQL and Spark run. Both must give the same moments and the same reported
figures: here on the fixtures and on rows made to be awkward (missing values, a constant
column, a jackknife bucket without a complete case, NULL keys and dimensions, a text key),
and against per-bucket moments computed in plain Python from the CSV rows.
"""

from __future__ import annotations

import csv
import random

import numpy as np
import pytest

from cxspec.drivers import arrays, compute, moments
from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.resolve import Resolver
from cxspec.validate import validate_project
from tests.test_drivers import FIXTURE

SPEC = """\
version: 1
sources:
  - id: s
    type: file
    path: data/s.csv
    key: id
    time: t
    dimensions: [region]
  - id: named
    type: file
    path: data/s.csv
    key: name
drivers:
  - id: a
    source: s
    outcome: y
    drivers:
      - {name: x1, column: x1}
      - {name: x2, column: x2, scale: [1, 5]}
      - {name: x3, column: x3}
  - id: flat
    source: s
    outcome: y
    drivers:
      - {name: x1, column: x1}
      - {name: c, column: c}
  - id: by-name
    source: named
    outcome: y
    drivers:
      - {name: x1, column: x1}
      - {name: x3, column: x3}
"""
COLUMNS = ["id", "name", "t", "region", "y", "x1", "x2", "x3", "c"]
#: Rows whose id falls in this jackknife bucket never have x1: a bucket with no complete case.
EMPTY_BUCKET = 7


def awkward_rows(count=400):
    rng = random.Random(20261206)
    rows = []
    for i in range(1, count + 1):
        x1 = None if i % moments.BUCKETS == EMPTY_BUCKET or rng.random() < 0.1 else rng.randint(1, 5)
        x2 = rng.choice([None, 0, 1, 2, 3, 4, 5, 6])  # missing, or off its 1-5 scale
        x3 = round(rng.uniform(-3, 3), 3)
        if i % 97 == 0:  # NULL keys (their own bucket): complete cases
            x1, x2 = 2, 3
        y = (
            None
            if rng.random() < 0.05 and i % 97
            else round((x1 or 3) * 0.8 + (x2 or 0) * 0.3 + x3 + rng.gauss(0, 1), 4)
        )
        rows.append(
            {
                "id": "" if i % 97 == 0 else i,  # a few NULL keys
                "name": f"n{rng.randint(0, 10**6):07d}",
                "t": f"2026-0{1 + i % 3}-{1 + i % 28:02d} 12:00:00",
                "region": ["north", "south", ""][i % 3],  # "" reads as NULL
                "y": "" if y is None else y,
                "x1": "" if x1 is None else x1,
                "x2": "" if x2 is None else x2,
                "x3": x3,
                "c": 4,
            }
        )
    return rows


def csv_project(root, spec: str, columns: list[str], rows: list[dict]):
    """A project of `spec` (specs/a.yaml) whose file source data/s.csv holds `rows`."""
    (root / "cxspec.yaml").write_text(f"version: 1\nproject: {root.name}\n", encoding="utf-8")
    (root / "specs").mkdir()
    (root / "specs" / "a.yaml").write_text(spec, encoding="utf-8")
    (root / "data").mkdir()
    with open(root / "data" / "s.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows(rows)
    result = validate_project(root, default_registry())
    assert result.ok, result.diagnostics
    return result.project


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    rows = awkward_rows()
    return csv_project(tmp_path_factory.mktemp("awkward"), SPEC, COLUMNS, rows), rows


@pytest.fixture(scope="module")
def fixture_project():
    result = validate_project(FIXTURE, default_registry())
    assert result.ok, result.diagnostics
    return result.project


def both_ways(project, analysis_id, **options):
    """(query, the SQL aggregate's rows by group, the numpy path's rows by group)."""
    registry = default_registry()
    with connect("duckdb:///:memory:", project, registry) as wh:
        analysis = project.drivers[analysis_id]
        source = project.sources[analysis.source]
        resolution = Resolver(project, registry, warehouse=wh).resolve([source])
        query = moments.build(analysis, source, resolution, wh.dialect, **options)
        by_sql = wh.execute(query.sql)
        by_numpy = arrays.moment_rows(wh, query, 0)
    assert by_numpy is not None
    assert by_numpy[0] == by_sql[0]  # the same columns, in the same order
    keys = len(query.keys)
    return (
        query,
        {row[:keys]: row[keys:] for row in by_sql[1]},
        {row[:keys]: row[keys:] for row in by_numpy[1]},
    )


def assert_same_moments(sql, fast):
    assert sorted(sql, key=repr) == sorted(fast, key=repr)  # the same groups, keys of the same values
    for key, values in sql.items():
        got = fast[key]
        assert got[0] == values[0]  # count
        assert type(got[0]) is int
        np.testing.assert_allclose(
            np.array(got[1:], float), np.array(values[1:], float), rtol=1e-9, atol=1e-9
        )


@pytest.mark.parametrize(
    ("analysis", "options"),
    [
        ("a", {}),
        ("a", {"grain": "month", "by": ("region",)}),
        ("flat", {}),
        ("by-name", {}),
    ],
)
def test_numpy_moments_are_the_sql_moments(awkward, analysis, options):
    project, _ = awkward
    query, sql, fast = both_ways(project, analysis, **options)
    assert query.keys[0] == "__bucket"
    assert_same_moments(sql, fast)
    if options:
        periods = {key[1] for key in fast}
        regions = {key[2] for key in fast}
        assert len(periods) == 3 and regions == {"north", "south", None}


@pytest.mark.parametrize("analysis", ["swiss-lmg", "ratings", "mtcars-rw"])
def test_numpy_moments_are_the_sql_moments_on_the_fixtures(fixture_project, analysis):
    _, sql, fast = both_ways(fixture_project, analysis)
    assert_same_moments(sql, fast)


def test_numpy_moments_against_plain_python(awkward):
    """Per bucket (abs(id) mod 20, NULL ids their own group): count, sums and cross-products
    of the complete cases, from the CSV rows."""
    project, rows = awkward
    # one row per key: the NULL keys are one key, and the latest `t` of it wins
    nulls = [r for r in rows if r["id"] == ""]
    kept = [r for r in rows if r["id"] != ""] + [max(nulls, key=lambda r: r["t"])]
    want: dict = {}
    for r in kept:
        values = [r["y"], r["x1"], r["x2"], r["x3"]]
        if "" in values or not 1 <= values[2] <= 5:
            continue
        bucket = None if r["id"] == "" else abs(r["id"]) % moments.BUCKETS
        v = np.array(values, float)
        n, s, c = want.get(bucket, (0, 0.0, 0.0))
        want[bucket] = (n + 1, s + v, c + np.outer(v, v))
    _, _, fast = both_ways(project, "a")
    assert EMPTY_BUCKET not in want and (EMPTY_BUCKET,) not in fast
    assert None in want
    assert sorted(fast, key=repr) == sorted(((b,) for b in want), key=repr)
    upper = np.triu_indices(4)
    for (bucket,), got in fast.items():
        n, s, c = want[bucket]
        assert got[0] == n
        np.testing.assert_allclose(got[1:5], s, rtol=1e-12)
        np.testing.assert_allclose(got[5:], c[upper], rtol=1e-12)


def results(project, ids, in_numpy, monkeypatch, **options):
    monkeypatch.setattr(compute, "NUMPY_FROM_ROWS", 0 if in_numpy else None)
    registry = default_registry()
    with connect("duckdb:///:memory:", project, registry) as wh:
        outcome = compute.compute_drivers(wh, project, registry, ids, **options)
    return [r.as_dict() for r in outcome.results], [(d.code, d.message) for d in outcome.diagnostics]


@pytest.mark.parametrize(
    "options", [{}, {"grain": "month", "by": ("region",)}], ids=["whole", "by-month-and-region"]
)
def test_the_reported_figures_are_the_same_both_ways(awkward, fixture_project, monkeypatch, options):
    for project in (awkward[0], fixture_project):
        ids = sorted(project.drivers)
        if options:
            ids = [i for i in ids if project.sources[project.drivers[i].source].time]
        by_sql = results(project, ids, False, monkeypatch, **options)
        by_numpy = results(project, ids, True, monkeypatch, **options)
        again = results(project, ids, True, monkeypatch, **options)
        assert by_numpy == by_sql
        assert again == by_numpy  # deterministic
        assert by_numpy[0], "no figures at all"


def test_a_constant_column_is_the_same_diagnostic_both_ways(awkward, monkeypatch):
    project, _ = awkward
    _, diagnostics = results(project, ["flat"], True, monkeypatch)
    assert [code for code, _ in diagnostics] == ["CX600"]
    assert diagnostics == results(project, ["flat"], False, monkeypatch)[1]


def test_only_in_process_duckdb_hands_over_batches(postgres_url):
    project = validate_project(FIXTURE, default_registry()).project
    for url in ("sqlite:///:memory:", postgres_url):
        with connect(url, project, default_registry()) as wh:
            assert wh.record_batches("SELECT 1", 10) is None
            assert wh.estimated_rows("SELECT 1") is None


def test_small_reads_keep_the_sql_aggregate(fixture_project):
    """Below NUMPY_FROM_ROWS rows (DuckDB's estimate), importing pyarrow would cost more."""
    registry = default_registry()
    with connect("duckdb:///:memory:", fixture_project, registry) as wh:
        analysis = fixture_project.drivers["ratings"]
        source = fixture_project.sources[analysis.source]
        resolution = Resolver(fixture_project, registry, warehouse=wh).resolve([source])
        query = moments.build(analysis, source, resolution, wh.dialect)
        estimate = wh.estimated_rows(query.cases_sql)
        assert estimate is not None and 0 < estimate < compute.NUMPY_FROM_ROWS
        assert arrays.moment_rows(wh, query, compute.NUMPY_FROM_ROWS) is None
        assert arrays.moment_rows(wh, query, estimate) is not None
        assert arrays.moment_rows(wh, query, None) is None


def test_r2_of_every_subset_is_plain_least_squares():
    """subset_r2 sweeps the correlation matrix; here every subset is a least-squares fit."""
    from cxspec.drivers.algebra import subset_r2
    from tests.test_drivers import r2_of

    rng = np.random.default_rng(7)
    data = rng.normal(size=(300, 8))
    data[:, 0] += data[:, 1:] @ rng.normal(size=7)
    data[:, 3] += data[:, 2]  # correlated drivers
    other = data[:200]
    stacked = subset_r2(np.array([np.corrcoef(data.T), np.corrcoef(other.T)]))
    for mask in range(1 << 7):
        columns = [j for j in range(7) if mask >> j & 1]
        assert stacked[0, mask] == pytest.approx(r2_of(data, columns), abs=1e-12)
        assert stacked[1, mask] == pytest.approx(r2_of(other, columns), abs=1e-12)
    assert list(subset_r2(np.corrcoef(data.T))) == list(stacked[0])


def test_a_group_column_arrow_cannot_encode_falls_back_to_sql(awkward, monkeypatch):
    import pyarrow

    def refuse(self, at, array):
        raise pyarrow.ArrowNotImplementedError("no kernel")

    project, _ = awkward
    options = {"grain": "month", "by": ("region",)}
    query, _, _ = both_ways(project, "a", **options)
    monkeypatch.setattr(arrays._Groups, "encode", refuse)
    with connect("duckdb:///:memory:", project, default_registry()) as wh:
        assert arrays.moment_rows(wh, query, 0) is None
    assert results(project, ["a"], True, monkeypatch, **options) == results(
        project, ["a"], False, monkeypatch, **options
    )
