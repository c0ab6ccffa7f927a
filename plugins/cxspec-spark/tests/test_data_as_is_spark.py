"""Issue 12's data checks and numbers on Spark: the core tests of tests/test_data_checks.py
(a misspelt column at its spec, two-digit years, unparseable and missing times counted, a run
that survives a failing metric, --fail-fast) and tests/test_data_as_is.py (zero is a number,
by dimension too; a typo'd year cannot create periods), with Spark as the warehouse.

The test functions are imported from the core modules, so they are the same tests; only the
`warehouse` fixture differs. `test_every_warehouse_test_is_run_here` keeps the list honest.
"""

from __future__ import annotations

import inspect

import pytest
import test_data_as_is as as_is
import test_data_checks as checks
from test_data_as_is import (  # noqa: F401  (pytest collects the imported tests)
    test_a_typo_d_year_cannot_create_periods,
    test_zero_fill_by_dimension,
    test_zero_is_a_number_in_periods_the_source_covers,
)
from test_data_checks import (  # noqa: F401
    test_a_compact_format_with_two_digit_years_reads_as_strptime_on_every_engine,
    test_a_filter_leaves_out_rows_whose_time_is_not_a_time_on_every_engine,
    test_a_misspelt_column_is_found_at_the_spec,
    test_a_run_stores_every_metric_it_can,
    test_a_time_format_reads_them_on_every_engine,
    test_a_time_format_with_an_offset_gives_the_same_instants_on_every_engine,
    test_fail_fast_stops_at_the_first_failure,
    test_query_names_the_failing_metric,
    test_rows_without_a_time_are_counted_in_query_and_reports,
    test_spaces_for_a_time_are_refused_with_a_filter_that_works,
    test_times_that_do_not_parse_are_counted,
    test_times_without_the_offset_the_format_asks_for_are_refused,
    test_two_digit_years_are_refused_without_a_time_format,
)


@pytest.fixture
def warehouse(spark_url, tmp_path):
    """A results folder of the test's own on the shared session: runs store into it."""
    from spark_testing import TEST_SETTINGS

    return f"spark://local[2]?results={tmp_path / 'spark-results'}&{TEST_SETTINGS}"


@pytest.mark.parametrize("module", [as_is, checks])
def test_every_warehouse_test_is_run_here(module):
    on_a_warehouse = {
        name
        for name, function in vars(module).items()
        if name.startswith("test_") and "warehouse" in inspect.signature(function).parameters
    }
    here = {name for name in globals() if name.startswith("test_")}
    assert on_a_warehouse <= here, sorted(on_a_warehouse - here)
