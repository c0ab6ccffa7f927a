"""Built-in lint rules of drivers analyses (docs/lint-rules.md, CXL013 and CXL014).

Lint reads specs, not data: the rules find what the specs already say. The data's side of
the same problems is reported when the analysis runs: too few complete cases is CX602 and
strongly collinear drivers (a variance inflation factor over 10) the warning CX606.
"""

from __future__ import annotations

from cxspec.lint.finding import finding
from cxspec.lint_rule import LintRule
from cxspec.sqlfrag import parse_fragment


class DriversWithoutMinSample(LintRule):
    name = "drivers-without-min-sample"
    code = "CXL013"
    description = "A drivers analysis has no `min_sample`: importances from too few complete cases would be shown."

    def check(self, project):
        for analysis in project.drivers.values():
            if analysis.min_sample is None:
                yield finding(
                    self, analysis, f"drivers analysis {analysis.id!r} has no min_sample",
                    field="outcome",
                    hint="add `min_sample:` (e.g. 100; at least 10 complete cases per driver): "
                    "with fewer rows the analysis is refused (CX602) instead of shown",
                )  # fmt: skip


def _columns(driver, dialect: str) -> set[str]:
    if driver.column:
        return {driver.column}
    parsed = parse_fragment(driver.expr or "", dialect)
    if parsed.expression is None:
        return set()
    from sqlglot import exp

    return {c.name for c in parsed.expression.find_all(exp.Column)}


class CollinearDrivers(LintRule):
    name = "collinear-drivers"
    code = "CXL014"
    description = "Two drivers read the same column: they are strongly collinear by construction."

    def check(self, project):
        for analysis in project.drivers.values():
            seen: dict[str, str] = {}
            for driver in analysis.drivers:
                for column in sorted(_columns(driver, analysis.dialect)):
                    if column in seen and seen[column] != driver.name:
                        yield finding(
                            self, driver, f"drivers {seen[column]!r} and {driver.name!r} of {analysis.id!r} "
                            f"both read column {column!r}",
                            field="expr" if driver.expr else "column",
                            hint="importance is shared out between collinear drivers and says little about "
                            "either: keep one of them",
                        )  # fmt: skip
                    seen.setdefault(column, driver.name)


ANALYSIS_LINT_RULES = (DriversWithoutMinSample, CollinearDrivers)
