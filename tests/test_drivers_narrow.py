"""On DuckDB the complete cases of a drivers analysis reach numpy as narrow exact integers
where that is exact (cxspec/drivers/moments.py `_fetched_type`, arrays.py): a variable of
an integer column as UTINYINT when its scale lies within 0-255 (a yes/no as 1/0), as its own
integer type otherwise; any other (a DOUBLE column, an expression, text with 'N/A') as DOUBLE.
A batch whose values all lie within 0-255 is summed in float32 while no partial sum can pass
2**24, else in float64. Integer data has exact moments: here they must EQUAL the SQL
aggregate's and plain-Python sums over the CSV rows, whatever path each variable took."""

from __future__ import annotations

import random

import numpy as np
import pytest

from cxspec.drivers import arrays, compute, moments
from cxspec.query import connect
from cxspec.registry import default_registry
from cxspec.resolve import Resolver
from tests.test_drivers_numpy import csv_project

SPEC = """\
version: 1
sources:
  - id: s
    type: file
    path: data/s.csv
    key: id
  - id: whole
    type: file
    path: data/s.csv
drivers:
  - id: narrow
    source: s
    outcome: y
    outcome_scale: [0, 10]
    drivers:
      - {name: a, column: a, scale: [1, 5]}
      - {name: b, column: b, scale: [1, 5]}
  - id: unscaled
    source: s
    outcome: y
    outcome_scale: [0, 10]
    drivers:
      - {name: a, column: a, scale: [1, 5]}
      - {name: b, column: b}
  - id: fraction
    source: s
    outcome: y
    outcome_scale: [0, 10]
    drivers:
      - {name: a, column: a, scale: [1, 5]}
      - {name: f, column: f, scale: [1, 5]}
  - id: wide
    source: s
    outcome: y
    outcome_scale: [0, 10]
    drivers:
      - {name: a, column: a, scale: [1, 5]}
      - {name: w, column: w, scale: [0, 1000]}
  - id: negative
    source: s
    outcome: y
    drivers:
      - {name: a, column: a, scale: [1, 5]}
      - {name: g, column: g}
  - id: big
    source: whole
    outcome: y
    outcome_scale: [0, 10]
    drivers:
      - {name: a, column: a, scale: [1, 5]}
      - {name: u, column: u, scale: [0, 255]}
  - id: yes-no
    source: s
    outcome: y
    outcome_scale: [0, 10]
    drivers:
      - {name: a, column: a, scale: [1, 5]}
      - {name: yn, column: yn}
  - id: with-na
    source: s
    outcome: y
    outcome_scale: [0, 10]
    drivers:
      - {name: a, column: a, scale: [1, 5]}
      - {name: na, column: na, scale: [1, 5]}
  - id: half-bounds
    source: s
    outcome: y
    outcome_scale: [-0.5, 10.5]
    drivers:
      - {name: a, column: a, scale: [1.5, 4.5]}
      - {name: b, column: b, scale: [0.5, 5]}
  - id: expression
    source: s
    outcome: y
    outcome_scale: [0, 10]
    drivers:
      - {name: a, column: a, scale: [1, 5]}
      - {name: twice, expr: "b * 2", scale: [2, 10]}
"""
COLUMNS = ["id", "y", "a", "b", "f", "w", "g", "u", "yn", "na"]
#: Per analysis: its variables' CSV columns (an expression: a function of the row) and scales.
VARIABLES = {
    "narrow": [("y", (0, 10)), ("a", (1, 5)), ("b", (1, 5))],
    "unscaled": [("y", (0, 10)), ("a", (1, 5)), ("b", None)],
    "fraction": [("y", (0, 10)), ("a", (1, 5)), ("f", (1, 5))],
    "wide": [("y", (0, 10)), ("a", (1, 5)), ("w", (0, 1000))],
    "negative": [("y", None), ("a", (1, 5)), ("g", None)],
    "big": [("y", (0, 10)), ("a", (1, 5)), ("u", (0, 255))],
    "yes-no": [("y", (0, 10)), ("a", (1, 5)), ("yn", None)],
    "with-na": [("y", (0, 10)), ("a", (1, 5)), ("na", (1, 5))],
    "half-bounds": [("y", (-0.5, 10.5)), ("a", (1.5, 4.5)), ("b", (0.5, 5))],
    "expression": [
        ("y", (0, 10)),
        ("a", (1, 5)),
        (lambda r: None if r["b"] is None else 2 * r["b"], (2, 10)),
    ],
}
#: How the complete cases hand each variable over (DuckDB's CSV reader: integers as BIGINT).
FETCHED = {
    "narrow": ["UTINYINT"] * 3,
    "unscaled": ["UTINYINT", "UTINYINT", "BIGINT"],
    "fraction": ["UTINYINT", "UTINYINT", "DOUBLE"],
    "wide": ["UTINYINT", "UTINYINT", "BIGINT"],
    "negative": ["BIGINT", "UTINYINT", "BIGINT"],
    "big": ["UTINYINT"] * 3,
    "yes-no": ["UTINYINT"] * 3,
    "with-na": ["UTINYINT", "UTINYINT", "DOUBLE"],
    "half-bounds": ["BIGINT", "UTINYINT", "UTINYINT"],  # y's -0.5: not within 0-255
    "expression": ["UTINYINT", "UTINYINT", "DOUBLE"],
}
#: Per analysis: whether its batches are summed narrow (uint8), and in which float type.
PATH = {
    "narrow": np.float32,
    "unscaled": np.float32,  # BIGINT values that all lie within 0-255
    "fraction": None,  # a DOUBLE column: the doubles, as the SQL sums them
    "wide": None,  # values over 255
    "negative": None,  # values under 0 (g, and y: -1 is on no scale here)
    "big": np.float64,  # one group: its sum of u² passes 2**24, beyond float32's integers
    "yes-no": np.float32,
    "with-na": None,
    "half-bounds": np.float32,  # y's values on -0.5-10.5 are 0-10
    "expression": None,
}


def rows_of(count=1000):
    rng = random.Random(20261207)

    def maybe(value, p=0.05):
        return None if rng.random() < p else value

    rows = []
    for i in range(1, count + 1):
        rows.append(
            {
                "id": i,
                "y": maybe(rng.randint(-1, 11)),  # -1 and 11: off the 0-10 scale
                "a": maybe(rng.randint(0, 6)),  # 0 and 6: off the 1-5 scale
                "b": maybe(rng.randint(1, 5)),
                "f": maybe(rng.choice([1, 1.5, 2, 2.5, 3, 3.25, 4.5, 5, 5.5])),  # fractions on 1-5
                "w": maybe(rng.randint(0, 1100)),
                "g": maybe(rng.randint(-2, 2)),
                "u": maybe(rng.choice([0, 1, 253, 254, 255, 255, 256, 300])),
                "yn": maybe(rng.random() < 0.4),
                "na": rng.choice(["N/A", "", "1", "2", "3", "4", "5", "7"]),
            }
        )
    rows[0]["u"] = 255  # the largest value is there
    return rows


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


@pytest.fixture(scope="module")
def narrow_project(tmp_path_factory):
    rows = rows_of()
    cells = [{k: cell(v) for k, v in r.items()} for r in rows]
    return csv_project(tmp_path_factory.mktemp("narrow"), SPEC, COLUMNS, cells), rows


def value_of(row, column):
    value = column(row) if callable(column) else row[column]
    if column == "na":
        return int(value) if value.isdigit() else None  # 'N/A' and blanks: not numbers
    if isinstance(value, bool):
        return int(value)
    return value


def plain_python(rows, analysis, bucketed=True):
    """{bucket: (n, sums, cross-products of the upper triangle)} of the complete cases, in
    exact arithmetic (integers, and fractions that are binary: exact in a double too)."""
    want: dict = {}
    for r in rows:
        values = []
        for column, scale in VARIABLES[analysis]:
            value = value_of(r, column)
            if value is None or scale and not scale[0] <= value <= scale[1]:
                break
            values.append(value)
        else:
            bucket = r["id"] % moments.BUCKETS if bucketed else None
            n, s, c = want.get(bucket, (0, [0] * len(values), [0] * (len(values) * (len(values) + 1) // 2)))
            pairs = [values[i] * values[j] for i in range(len(values)) for j in range(i, len(values))]
            want[bucket] = (
                n + 1,
                [a + b for a, b in zip(s, values, strict=True)],
                [a + b for a, b in zip(c, pairs, strict=True)],
            )
    return want


def moments_both_ways(project, analysis_id, monkeypatch):
    """(query, SQL aggregate's rows by group, numpy's rows by group, the float type of each
    batch summed narrow or None for a batch of doubles)."""
    paths = []
    product_type = arrays._product_type

    def spy(largest, counts):
        chosen = product_type(largest, counts)
        paths.append(chosen)
        return chosen

    monkeypatch.setattr(arrays, "_product_type", spy)
    registry = default_registry()
    with connect("duckdb:///:memory:", project, registry) as wh:
        analysis = project.drivers[analysis_id]
        source = project.sources[analysis.source]
        resolution = Resolver(project, registry, warehouse=wh).resolve([source])
        query = moments.build(
            analysis, source, resolution, wh.dialect, numbers=numbers_of(resolution, source)
        )
        by_sql = wh.execute(query.sql)
        by_numpy = arrays.moment_rows(wh, query, 0)
    assert by_numpy is not None and by_numpy[0] == by_sql[0]
    keys = len(query.keys)
    return (
        query,
        {row[:keys]: row[keys:] for row in by_sql[1]},
        {row[:keys]: row[keys:] for row in by_numpy[1]},
        paths,
    )


def numbers_of(resolution, source):
    from cxspec.drivers.rows import number_companions

    return number_companions(resolution, source, {"na": "VARCHAR"})


@pytest.mark.parametrize("analysis", sorted(VARIABLES))
def test_moments_are_exact_on_every_path(narrow_project, analysis, monkeypatch):
    project, rows = narrow_project
    query, sql, fast, paths = moments_both_ways(project, analysis, monkeypatch)
    assert query.cases_types == FETCHED[analysis]
    assert paths and set(paths) == {PATH[analysis]}
    assert sql == fast  # exactly: integer sums are exact in float32 (≤ 2**24) and float64
    if analysis == "big":
        assert max(values[-1] for values in fast.values()) > 1 << 24  # the sum of u²
    bucketed = project.sources[project.drivers[analysis].source].key is not None
    want = plain_python(rows, analysis, bucketed)
    assert sorted(fast, key=repr) == sorted(((b,) if bucketed else () for b in want), key=repr)
    for key, got in fast.items():
        n, s, c = want[key[0] if key else None]
        assert type(got[0]) is int and got[0] == n
        assert list(got[1:]) == [float(v) for v in s + c]


def test_fractions_are_kept_not_rounded(narrow_project, monkeypatch):
    """2.5 on a 1-5 scale of a DOUBLE column stays 2.5: a cast to an integer would round it
    (and 5.5 would come in as 6, off the scale, or 0.5… as 0 or 1)."""
    project, rows = narrow_project
    _, _, fast, _ = moments_both_ways(project, "fraction", monkeypatch)
    rounded = [dict(r, f=None if r["f"] is None else round(r["f"])) for r in rows]
    as_if_rounded = plain_python(rounded, "fraction")
    assert any(fast[(b,)] != (n, *map(float, s + c)) for b, (n, s, c) in as_if_rounded.items())
    assert any(r["f"] == 2.5 for r in rows)


def test_float32_is_left_for_float64_before_a_sum_could_pass_2_24():
    assert arrays._product_type(5, [671_088]) is np.float32  # 25 × 671,088 ≤ 2**24
    assert arrays._product_type(5, [10, 671_089]) is np.float64
    assert arrays._product_type(255, [258]) is np.float32
    assert arrays._product_type(255, [259]) is np.float64
    assert arrays._product_type(0, [1 << 24]) is np.float32  # the row of ones: the count
    assert arrays._product_type(0, [(1 << 24) + 1]) is np.float64
    assert arrays._product_type(None, [10]) is None


@pytest.mark.parametrize("analysis", sorted(VARIABLES))
def test_the_reported_figures_are_the_same_both_ways(narrow_project, analysis, monkeypatch):
    project, _ = narrow_project
    outcome = {}
    for numpy_from in (0, None):
        monkeypatch.setattr(compute, "NUMPY_FROM_ROWS", numpy_from)
        with connect("duckdb:///:memory:", project, default_registry()) as wh:
            got = compute.compute_drivers(wh, project, default_registry(), [analysis])
        outcome[numpy_from] = (
            [r.as_dict() for r in got.results],
            [(d.code, d.message) for d in got.diagnostics],
        )
    assert outcome[0] == outcome[None]
    assert outcome[0][0], outcome[0][1]
    codes = [code for code, _ in outcome[0][1]]
    assert ("CX608" in codes) == (analysis == "with-na")


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([1, None, 3, 250, None, 7, 8, 9, 10], "uint8"),
        ([-5, 7, None, 2**40, 0, 1, 2, 3, None, 4], "int64"),
        ([1.5, None, -2.25, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], "float64"),
        ([3, 4, 5], "int32"),
    ],
)
def test_arrow_arrays_are_read_over_their_buffers(values, kind):
    """arrays._numpy reads a column's buffer itself (pyarrow's to_numpy imports pandas):
    the same values, at any offset, NULLs as `fill`."""
    import pyarrow as pa

    array = pa.array(values, getattr(pa, kind)())
    for start in (0, 1, 3):
        part = array.slice(start)
        want = values[start:]
        got = arrays._numpy(part, fill=99)
        assert got.tolist() == [99 if v is None else v for v in want]
        if None not in want:
            assert arrays._numpy(part).tolist() == want
            assert arrays._numpy(part).dtype == np.dtype(kind)
