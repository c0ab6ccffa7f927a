"""Sums of squared deviations from each group's own mean (`Measure(value, "deviations")`), the
variance of a mean's margin of error, without sums of raw squares.

(Σx² − (Σx)²/n) keeps none of the spread of values far from 0 against it: the squares of
1e9 + cents need 18 digits, a double keeps 16, and 1e12 + 0…3 came out with a variance of 0
or of thousands. Here each first-level cell (the two-level plan, compiler/measures.py)
measures its values about its own mean c, taken over a window of the same rows (the rows are
still read once): n, c, d = Σ(x − c) (small: what c's rounding left) and q = Σ(x − c)². The
pivot combines the cells of a group about one reference g near the group's mean (a window
over the small table: Σ(n·c + d)/Σn), each cell's offset c − g exact between doubles that
close:

    Σ(x − g)² = q + 2(c − g)·d + n(c − g)²   per cell, summed;
    D = Σ(x − g)² − (Σ(x − g))²/N,  Σ(x − g) = Σ d + n(c − g) (small, as g is near the mean).

A group's own mean is its set's (a segment's cells are combined about the segment's g), so
the pivot groups per set by a join with the sets, not GROUPING SETS (`native` in measures.py).
"""

from __future__ import annotations

from sqlglot import exp

from cxspec.compiler.sqlkit import add, col, div, double, mul, num, sub

#: The `Measure.agg` of a sum of squared deviations from the group's mean.
DEVIATIONS = "deviations"
#: The columns a cell carries besides q (`__m<k>`, `__x_<name>`): its mean c, d and n.
PARTS = ("c", "d", "n")


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


def cell_aggregates(index: int, value: exp.Expression) -> list[exp.Expression]:
    """q, c, d and n of measure `index` over a cell's rows, named `__m<k>`, `__m<k>_c`…"""
    deviation = sub(value.copy(), col(center(index)))
    parts = {
        "": exp.Sum(this=mul(deviation.copy(), deviation.copy())),
        "_c": exp.Min(this=col(center(index))),
        "_d": exp.Sum(this=deviation),
        "_n": exp.Count(this=value.copy()),
    }
    return [exp.alias_(a, f"__m{index}{suffix}", quoted=True, copy=False) for suffix, a in parts.items()]


def reference(name: str) -> str:
    return f"__g_{name}"


def with_references(union: exp.Expression, names: list[str], keys: list[exp.Expression]) -> exp.Select:
    """The picked cells with, per deviations measure, its group's reference g: Σ(n·c + d)/Σn
    over the group's cells (`keys`: metric, period, dimensions, set)."""

    def over(value):
        return exp.Window(this=exp.Sum(this=value), partition_by=[k.copy() for k in keys])

    columns = []
    for name in names:
        c, d, n = (col(f"__x_{name}_{part}") for part in PARTS)
        total = over(add(mul(double(n), c), d))
        count = exp.Nullif(this=over(double(n.copy())), expression=num(0))
        columns.append(exp.alias_(div(total, count), reference(name), quoted=True, copy=False))
    subquery = exp.Subquery(this=union)
    return exp.select(exp.Star(), *columns).from_(
        exp.alias_(subquery, "u", table=True, copy=False), copy=False
    )


def group_deviations(name: str) -> exp.Expression:
    """D of a group from its cells' q, c, d, n and their reference g (docstring above)."""
    q, c, d, n = (col(f"__x_{name}{suffix}") for suffix in ("", "_c", "_d", "_n"))
    offset = exp.Paren(this=sub(c, col(reference(name))))
    about_g = add(
        add(q, mul(num(2), offset.copy(), d.copy())), mul(double(n.copy()), offset.copy(), offset.copy())
    )
    drift = exp.Sum(this=add(d.copy(), mul(double(n.copy()), offset.copy())))
    count = exp.Nullif(this=exp.Sum(this=double(n.copy())), expression=num(0))
    return sub(exp.Sum(this=about_g), div(mul(drift, drift.copy()), count))
