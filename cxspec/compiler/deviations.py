"""Sums of squared deviations from each group's own mean (`Measure(value, "deviations")`), the
variance of a mean's margin of error, without sums of raw squares.

(Σx² − (Σx)²/n) keeps none of the spread of values far from 0 against it: the squares of
1e9 + cents need 18 digits, a double keeps 16, and 1e12 + 0…3 came out with a variance of 0
or of thousands. Here each first-level cell (the two-level plan, compiler/measures.py) gives
its count n, its mean c and q, its values' squared deviations about c:

- on DuckDB, PostgreSQL and Spark, q = n·VAR_POP(x) and c = AVG(x) in the same aggregate: the
  engines' VAR_POP is a stable one-pass algorithm (to about 1e-6 of the margin for 1e12 +
  0…3 in cells of a thousand rows, far better for ordinary values);
- elsewhere (SQLite has no VAR_POP) c is the cell's mean over a window of the same rows (the
  rows are still read once), q = Σ(x − c)² and d = Σ(x − c), small: what c's rounding left.

The pivot combines the cells of a group about one reference g near the group's mean (a window
over the small table: Σ(n·c + d)/Σn), each cell's offset c − g exact between doubles that
close (d is 0 without the window):

    Σ(x − g)² = q + 2(c − g)·d + n(c − g)²   per cell, summed;
    D = Σ(x − g)² − (Σ(x − g))²/N,  Σ(x − g) = Σ d + n(c − g) (small, as g is near the mean).

Without d, a cell's mean is known to a double's precision (1e12: to 1e-4), which bounds the
digits of the spread between cells of values that large.

A group's own mean is its set's (a segment's cells are combined about the segment's g), so
a formula with such a measure is not grouped by GROUPING SETS (the other formulas of the scan
keep them: `two_level` in measures.py). Its cells are first combined per finest group
(metric, period, every dimension: `per_set`), each about that group's own g, into one cell
(D, its mean, N): Chan's combination, exact as above; only those few cells are joined with the
sets and combined about each set's g. Joining the first level itself with the sets put every
cell in each set (3 copies for two segment sets and the total) under the window and the sums.
"""

from __future__ import annotations

from sqlglot import exp

from cxspec.compiler.grouping import PERIOD, SET
from cxspec.compiler.sqlkit import add, case_when, col, div, double, mul, num, sub

#: The `Measure.agg` of a sum of squared deviations from the group's mean.
DEVIATIONS = "deviations"
#: Engines whose VAR_POP is a stable one-pass algorithm (Welford / Youngs-Cramer, combined by
#: Chan's formula: DuckDB, PostgreSQL 12+, Spark's central moments): a cell's q is n·VAR_POP
#: in the same aggregate, without the window over the rows (which doubled DuckDB's time).
STABLE_VARIANCE = ("duckdb", "postgres", "spark", "databricks")


def windowed(dialect: str) -> bool:
    """Whether a cell's deviations are taken about its mean over a window of its rows (an
    engine without a stable VAR_POP: SQLite, and any other)."""
    return dialect not in STABLE_VARIANCE


def parts(dialect: str) -> tuple[str, ...]:
    """The columns a cell carries besides q (`__m<k>`, `__x_<name>`): its mean c, d (with the
    window) and n."""
    return ("c", "d", "n") if windowed(dialect) else ("c", "n")


def center(index: int) -> str:
    """The row column holding the mean of the row's cell for measure `index`."""
    return f"__c{index}"


def has_deviations(measures) -> bool:
    return any(m.agg == DEVIATIONS for m in measures)


def centered_rows(rows: exp.Expression, values: dict[int, exp.Expression], partition: list) -> exp.Select:
    """The rows with, per deviations measure (index → its value, NULL where not valid), the mean
    of the row's first-level cell (`partition`: the cell's group keys)."""
    centers = [
        exp.alias_(
            double(exp.Window(this=exp.Avg(this=value.copy()), partition_by=[p.copy() for p in partition])),
            center(index),
            quoted=True,
            copy=False,
        )
        for index, value in sorted(values.items())
    ]
    return exp.select(exp.Star(), *centers).from_(rows, copy=False)


def cell_aggregates(index: int, value: exp.Expression, dialect: str) -> list[exp.Expression]:
    """q, c, (d) and n of measure `index` over a cell's rows, named `__m<k>`, `__m<k>_c`…"""
    if windowed(dialect):
        deviation = sub(value.copy(), col(center(index)))
        found = {
            "": exp.Sum(this=mul(deviation.copy(), deviation.copy())),
            "_c": exp.Min(this=col(center(index))),
            "_d": exp.Sum(this=deviation),
            "_n": exp.Count(this=value.copy()),
        }
    else:
        found = {
            "": mul(exp.VariancePop(this=double(value.copy())), exp.Count(this=value.copy())),
            "_c": exp.Avg(this=double(value.copy())),
            "_n": exp.Count(this=value.copy()),
        }
    return [exp.alias_(a, f"__m{index}{suffix}", quoted=True, copy=False) for suffix, a in found.items()]


def reference(name: str) -> str:
    return f"__g_{name}"


def with_references(
    union: exp.Expression, names: list[str], keys: list[exp.Expression], dialect: str
) -> exp.Select:
    """The picked cells with, per deviations measure, its group's reference g: Σ(n·c + d)/Σn
    over the group's cells (`keys`: metric, period, dimensions, set)."""

    def over(value):
        return exp.Window(this=exp.Sum(this=value), partition_by=[k.copy() for k in keys])

    columns = []
    for name in names:
        c, n = col(f"__x_{name}_c"), col(f"__x_{name}_n")
        weighted = mul(double(n), c)
        if windowed(dialect):
            weighted = add(weighted, col(f"__x_{name}_d"))
        count = exp.Nullif(this=over(double(n.copy())), expression=num(0))
        columns.append(exp.alias_(div(over(weighted), count), reference(name), quoted=True, copy=False))
    subquery = exp.Subquery(this=union)
    return exp.select(exp.Star(), *columns).from_(
        exp.alias_(subquery, "u", table=True, copy=False), copy=False
    )


def _about_reference(name: str, dialect: str) -> tuple[exp.Expression, exp.Expression, exp.Expression]:
    """Σ(x − g)², Σ(x − g) and the count of a group, from its cells' q, c, (d), n and their
    reference g (docstring above)."""
    q, c, n = (col(f"__x_{name}{suffix}") for suffix in ("", "_c", "_n"))
    offset = exp.Paren(this=sub(c, col(reference(name))))
    about_g = add(q, mul(double(n.copy()), offset.copy(), offset.copy()))
    drift = mul(double(n.copy()), offset.copy())
    if windowed(dialect):
        d = col(f"__x_{name}_d")
        about_g = add(about_g, mul(num(2), offset.copy(), d.copy()))
        drift = add(d.copy(), drift)
    count = exp.Nullif(this=exp.Sum(this=double(n.copy())), expression=num(0))
    return exp.Sum(this=about_g), exp.Sum(this=drift), count


def group_deviations(name: str, dialect: str) -> exp.Expression:
    """D of a group from its cells' q, c, (d), n and their reference g (docstring above)."""
    about_g, drift, count = _about_reference(name, dialect)
    return sub(about_g, div(mul(drift, drift.copy()), count))


def per_set(
    union: exp.Expression,
    measures: list[tuple[str, type | None]],
    dimensions: list[str],
    sets: exp.Table,
    dialect: str,
) -> exp.Select:
    """The picked cells (`union`: metric, period, `dimensions`' columns, measures, __rows) as
    one cell per finest group (metric, period, every dimension), then once per grouping set of
    `sets` (each dimension NULL outside its set, and `__set`): the cells of a pivot grouped by
    set. `measures`: (name, the aggregate combining it; None for deviations). A finest cell's
    deviations are its D about its own mean, c that mean (g + Σ(x − g)/N), d 0: a cell
    without the window."""
    keys = [col("metric"), col(PERIOD), *[col(d) for d in dimensions]]
    names = [name for name, combine in measures if combine is None]
    columns = []
    for name, combine in measures:
        if combine is not None:
            columns.append(
                exp.alias_(combine(this=col(f"__x_{name}")), f"__x_{name}", quoted=True, copy=False)
            )
            continue
        about_g, drift, count = _about_reference(name, dialect)
        mean = add(exp.Min(this=col(reference(name))), div(drift.copy(), count.copy()))
        found = {"": sub(about_g, div(mul(drift, drift.copy()), count)), "_c": mean}
        if windowed(dialect):
            found["_d"] = double(num(0))
        found["_n"] = exp.Sum(this=col(f"__x_{name}_n"))
        columns += [
            exp.alias_(a, f"__x_{name}{suffix}", quoted=True, copy=False) for suffix, a in found.items()
        ]
    columns.append(exp.alias_(exp.Sum(this=col("__rows")), "__rows", quoted=True, copy=False))
    cells = with_references(union, names, keys, dialect)
    finest = (
        exp.select(*[k.copy() for k in keys], *columns)
        .from_(exp.alias_(exp.Subquery(this=cells), "p", table=True, copy=False), copy=False)
        .group_by(*keys, copy=False)
    )
    masked = [
        exp.alias_(
            case_when(exp.EQ(this=col(f"__in{i}", "g"), expression=num(1)), col(name, "f")),
            name,
            quoted=True,
            copy=False,
        )
        for i, name in enumerate(dimensions)
    ]
    kept = [col(c.alias_or_name, "f") for c in columns]
    return (
        exp.select(col("metric", "f"), col(PERIOD, "f"), *masked, col(SET, "g"), *kept)
        .from_(exp.alias_(exp.Subquery(this=finest), "f", table=True, copy=False), copy=False)
        .join(exp.alias_(sets.copy(), "g", table=True, copy=False), join_type="cross", copy=False)
    )
