"""The base class of metric types: what a plugin implements to add one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, ClassVar

from cxspec.compiler.sqlkit import MetricSql, not_null, on_scale
from cxspec.display import PERCENT, Display
from cxspec.lazyexp import LAZY_EXP as exp

if TYPE_CHECKING:
    from cxspec.check_context import CheckContext
    from cxspec.model import Metric, Project


class Statistic(Enum):
    """What a metric's value is, statistically: it decides how two periods' values are
    compared for a significant change (cxspec/runs/issues.py, cxspec/runs/stats.py)."""

    #: A share of rows, as a percentage (rate, top box, churn): the pooled two-proportion z-test.
    PROPORTION = "proportion"
    #: The mean of a column: Welch's t on the two periods' n and standard errors.
    MEAN = "mean"
    #: A difference of two proportions of the same rows (NPS): the same test on the net.
    NET_PROPORTION = "net_proportion"
    #: A total of rows or values (count, sum): no sampling error is stored.
    TOTAL = "total"
    #: A value picked from the ordered rows (min, max, a percentile).
    ORDER = "order"
    #: Computed from other metrics (ratio, derived).
    COMPUTED = "computed"
    #: Any other estimate; stored with a 95% margin of error, it is compared by the normal
    #: approximation.
    ESTIMATE = "estimate"


class MetricType:
    """One kind of metric (nps, rate, percentile…).

    Subclasses set the class attributes and override the methods they need.
    """

    #: The value of ``type:`` in a spec.
    name: ClassVar[str]
    #: One line for the docs and `cxspec plugins`.
    description: ClassVar[str] = ""
    #: JSON Schema of this type's own fields, keyed by field name.
    fields: ClassVar[dict] = {}
    #: Fields this type requires.
    required: ClassVar[tuple[str, ...]] = ()
    #: Fields holding a SQL predicate over the source's columns.
    predicate_fields: ClassVar[tuple[str, ...]] = ()
    #: Fields naming a column whose values are measured as numbers (an NPS's `column`): in
    #: a CSV file without rows such a column is typed as a number (fragment_uses.py).
    measured_fields: ClassVar[tuple[str, ...]] = ()
    #: Fields holding an arithmetic expression over other metrics' ids (derived `expr`): each
    #: is checked as a SQL fragment, and every name in it must be a metric (CX506).
    metric_expression_fields: ClassVar[tuple[str, ...]] = ()
    #: Whether the metric reads a source (False for metrics computed from other metrics:
    #: shape "metrics").
    reads_source: ClassVar[bool] = True
    #: The unit its values are in, when the type fixes it.
    unit: ClassVar[str | None] = None
    #: Whether its SQL computes the value exactly (whole numbers, exact decimal sums): kept to
    #: 15 significant digits, not rounded to query.DIGITS as values summed in floating point
    #: are (a sum of amounts of 1.1e12 lost its last units and cents).
    exact_value: ClassVar[bool] = False
    #: Values its fields take when absent, so that `cxspec diff` sees writing a default out
    #: (`scale: [0, 10]` on an NPS) as no change.
    field_defaults: ClassVar[dict] = {}

    def depends_on(self, metric: Metric) -> list[tuple[str, str]]:
        """Metric ids this metric is computed from, each with the field naming it."""
        return []

    def natural_range(self, metric: Metric) -> tuple[float, float] | None:
        """The range of possible values, used to score it in pyramids; None if unbounded."""
        return None

    def statistic(self, metric: Metric) -> Statistic:
        """What the value is statistically, for significance tests between periods. Only
        `Statistic.MEAN` (Welch's t on n) and `PROPORTION` / `NET_PROPORTION` (the pooled
        two-proportion z-test on n) change the test; values with a stored 95% margin of error
        are otherwise compared by the normal approximation."""
        return Statistic.ESTIMATE

    # -- how its numbers read (cxspec/display.py formats them) --------------------------------

    def display(self, metric: Metric) -> Display:
        """How values of this metric are written in reports, the catalog and messages.

        The default: percentages (unit "%" or a natural range of 0–100) as "91.7%", other
        values as numbers followed by the metric's `unit` or, for a bounded scale, "on 1–5".
        """
        unit = metric.unit or self.unit
        bounds = self.natural_range(metric)
        if unit == "%" or (bounds is not None and tuple(bounds) == (0, 100)):
            return PERCENT
        if not unit and bounds is not None:
            unit = f"on {bounds[0]:g}–{bounds[1]:g}"
        return Display(unit=unit or "", plain_whole=True)

    def empty_value(self, metric: Metric) -> float | None:
        """Its value where no row matches (n 0) in a period and dimensions the source has rows
        for: None for no value (a rate or mean of nothing), 0 for counts and sums, which
        count nothing as 0 (as MetricFlow does). The compiler then gives those periods a
        result instead of leaving them out."""
        return None

    def definition(self, metric: Metric, project: Project) -> str:
        """One line saying what is computed, for the catalog and hovers ("mean of wait_s")."""
        column = metric.raw.get("column")
        return f"{self.name} of {column}" if isinstance(column, str) else self.name

    def formula(self, metric: Metric) -> str:
        """How the value is computed, in words, for the catalog; the description by default."""
        return self.description or self.name

    def check(self, metric: Metric, ctx: CheckContext) -> None:
        """Semantic checks beyond the schema; report problems to ``ctx.sink``.

        ``ctx`` also holds the project, the registry validating it and the phase.
        """

    # -- compilation (see docs/plugins.md and cxspec/compiler) ------------------------------

    #: How the compiler computes it: "measures" (from per-row measures summed per group:
    #: exact in two-level plans: `measures` and `result`), "rows" (needs the rows themselves:
    #: percentiles, distinct counts: `row_result`), "spine" (over a spine of periods: churn:
    #: `spine_result`), "metrics" (from other metrics: `computed_value`).
    shape: ClassVar[str] = "measures"

    def measures(self, metric: Metric, sql: SqlContext) -> dict[str, Measure]:
        """Per-row quantities this metric aggregates, by a name local to the metric.

        They may depend on the type's own `fields` only (not on filters or names): the
        planner builds them once for all metrics of a source that share those fields.
        """
        return {}

    def result(self, metric: Metric, m: MeasureAccess, sql: SqlContext) -> MetricSql:
        """value, n, invalid and moe from the aggregated measures: ``m("name")``, ``m.rows``.

        Like `measures`, it may depend on the type's own `fields` only: metrics that share
        them share one formula in the compiled SQL (each metric's filter picks its rows).
        """
        raise NotImplementedError

    def row_result(self, metric: Metric, rows: RowAccess, sql: SqlContext) -> MetricSql:
        """For shape "rows": value, n, invalid, moe as aggregates over the rows that match."""
        raise NotImplementedError

    def row_percentile(self, metric: Metric, sql: SqlContext) -> tuple[exp.Expression, float] | None:
        """For shape "rows": (a per-row value, a fraction) when the metric's value is that
        continuous percentile of the value (PERCENTILE_CONT, linear interpolation), else None.

        On engines without PERCENTILE_CONT (SQLite) the compiler then ranks the rows instead of
        calling `row_result`; elsewhere `row_result` is used.
        """
        return None

    def spine_result(self, metric: Metric, spine: SpineAccess, sql: SqlContext) -> MetricSql:
        """For shape "spine": value, n, invalid, moe per period of the spine from the counts
        of entities ``spine.active`` (active when the period starts) and ``spine.ended``
        (of those, the ones whose end falls in the period), both within the metric's filter."""
        raise NotImplementedError

    def computed_value(self, metric: Metric, value_of: ValueOf, sql: SqlContext) -> exp.Expression:
        """For shape "metrics" (with `reads_source` False): the value from the values of the
        metrics it `depends_on`, at the same period and dimensions; ``value_of(metric_id)`` is
        one input's value. n is the smallest of the inputs' n; there is no margin of error.

        ``sql.expression(text)`` parses a fragment of the project's dialect (a field listed
        in `metric_expression_fields`), its names quoted as written.
        """
        raise NotImplementedError


@dataclass(frozen=True)
class Measure:
    """A per-row expression and how groups of it combine: "sum", "min", "max", or
    "deviations", the sum of the squared deviations of its values (NULL: not counted) from
    the group's own mean, the variance's numerator (cxspec/compiler/deviations.py)."""

    expression: exp.Expression
    agg: str = "sum"

    @property
    def key(self) -> tuple[str, str]:
        return (self.agg, self.expression.sql(copy=False))


class SqlContext:
    """What a metric type needs to build its SQL: its source's columns, in a dialect."""

    def __init__(self, dialect: str):
        self.dialect = dialect

    def column(self, name: str) -> exp.Expression:
        return exp.column(name, quoted=True)

    def number(self, name: str) -> exp.Expression:
        """A measured column as a number: a value that is not one is NULL on every engine
        (dialects.safe_number)."""
        from cxspec.compiler.dialects import safe_number  # the compiler: not on the validate path

        double = exp.DataType(this=exp.DataType.Type.DOUBLE, nested=False)
        # safe: Spark's TRY_CAST, not CAST; SQLite, PostgreSQL and DuckDB: dialects.safe_number
        return safe_number(exp.TryCast(this=self.column(name), to=double, safe=True), self.dialect)

    def checked_number(self, name: str, scale: tuple[int, int] | None) -> Checked:
        """A measured column as a number with its validity: on `scale` (a whole number within
        [low, high]) when one is given, else any number; a value there that is not a number
        (text, NaN) or is off the scale is invalid, an empty one is neither.

        The compiler gives each column and scale one test per row, by the column's type (none
        where the type and its range make it vacuous): measures written over `value`,
        `valid` and `invalid` read that."""
        value = self.number(name)
        missing = exp.Is(this=value.copy(), expression=exp.Null())
        if scale is None:
            return Checked(value, not_null(value), exp.and_(not_null(self.column(name)), missing))
        valid = on_scale(value, *scale)
        # Not a number (NULL here: the scale test is NULL too), or off the scale.
        wrong = exp.or_(missing, exp.Not(this=exp.Paren(this=valid.copy())))
        return Checked(value, valid, exp.and_(not_null(self.column(name)), exp.Paren(this=wrong)))


@dataclass
class Checked:
    """A measured column as a number (`value`, meaningful where `valid` holds) and the
    predicate of its invalid rows (`SqlContext.checked_number`). Each is used once: copy to
    use again."""

    value: exp.Expression
    valid: exp.Expression
    invalid: exp.Expression


class MeasureAccess:
    """Aggregated measures of one metric, as the compiler provides them to `result`."""

    def __init__(self, lookup, rows: exp.Expression):
        self._lookup = lookup
        #: Rows that match the metric's filters, after de-duplication.
        self.rows = rows

    def __call__(self, name: str) -> exp.Expression:
        return self._lookup(name)


#: What `computed_value` is given: a metric id → that metric's value (an aggregate over the
#: computed results of one period and dimensions).
ValueOf = Callable[[str], "exp.Expression"]


class SpineAccess:
    """The entities of one period of the spine, for shape "spine" metric types (churn).

    Each property is a fresh expression (use it as often as needed).
    """

    def __init__(self, active: exp.Expression, ended: exp.Expression):
        self._active = active
        self._ended = ended

    @property
    def active(self) -> exp.Expression:
        """Distinct entities active when the period starts (started before, not ended yet)."""
        return self._active.copy()

    @property
    def ended(self) -> exp.Expression:
        """Distinct entities among `active` whose end falls inside the period."""
        return self._ended.copy()


class RowAccess:
    """The matching rows of one metric, for shape "rows" metric types."""

    def __init__(self, where: exp.Expression | None, dialect: str):
        self.where = where
        self.dialect = dialect

    def only(self, value: exp.Expression) -> exp.Expression:
        """The value on matching rows and NULL elsewhere (aggregates skip NULLs)."""
        if self.where is None:
            return value
        return exp.Case(ifs=[exp.If(this=self.where.copy(), true=value)])

    @property
    def count(self) -> exp.Expression:
        return exp.Count(this=self.only(exp.Literal.number(1)))
