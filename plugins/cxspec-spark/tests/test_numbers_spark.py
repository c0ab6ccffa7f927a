"""The core numbers tests (tests/test_numbers.py) on Spark: every case and edge case, against
the answers tests/numbers_reference.py computes in plain Python from the fixture's CSV files.

The test functions are imported from the core module, so they are the same tests; only the
`warehouse` fixture differs (the local Spark session of conftest.py). Each compares every
result both ways: a value missing on Spark fails as surely as a wrong one. Left out (and
`test_every_numbers_test_is_run_here` keeps the list honest):
`test_more_filters_than_one_first_level_holds`, which checks how the compiler splits a level
for DuckDB, SQLite and PostgreSQL (it maps other dialects to PostgreSQL), not Spark's numbers.
"""

from __future__ import annotations

import inspect

import pytest
import test_numbers as core
from test_numbers import (  # noqa: F401  (pytest collects the imported tests and fixtures)
    CASES,
    project,
    registry,
    test_churn,
    test_churn_start_and_end_in_the_same_period,
    test_cli_query_json,
    test_duplicates_keep_earliest,
    test_duplicates_latest_wins_after_the_source_filter,
    test_empty_period_has_no_rows,
    test_filters_as_flags_or_on_grouped_columns_give_the_same_numbers,
    test_invalid_scores,
    test_nothing_measured_in_a_group,
    test_numbers,
    test_offsets_cross_day_month_and_year_boundaries,
    test_one_response_period,
)

#: Core tests over the `warehouse` fixture that are not about numbers on Spark, with the reason.
LEFT_OUT = {
    "test_more_filters_than_one_first_level_holds": "how the compiler splits a level for the "
    "DuckDB, SQLite and PostgreSQL dialects",
}


@pytest.fixture
def warehouse(spark_url):
    return spark_url


def test_every_case_is_run_here():
    """The imported parametrized test covers the core module's cases, all of them."""
    assert CASES
    marks = getattr(test_numbers, "pytestmark", [])
    assert any(m.name == "parametrize" and list(m.args[1]) == list(CASES) for m in marks)


def test_every_numbers_test_is_run_here():
    """Every core numbers test that runs on a warehouse runs on Spark too, or is LEFT_OUT."""
    on_a_warehouse = {
        name
        for name, function in vars(core).items()
        if name.startswith("test_") and "warehouse" in inspect.signature(function).parameters
    }
    here = {name for name in globals() if name.startswith("test_")}
    assert on_a_warehouse - set(LEFT_OUT) <= here, sorted(on_a_warehouse - set(LEFT_OUT) - here)
    assert set(LEFT_OUT) <= on_a_warehouse
