"""Column types of CSV files on Spark: the core tests (tests/test_column_types.py) with Spark
as the engine. Spark no longer infers CSV types itself: a CSV source is typed by cxspec's one
rule and read through DuckDB, as on SQLite and PostgreSQL, so issue 12's cases give the numbers
plain Python computes from the rows (an offset time after 30,000 plain ones, 30,000 ones then
2.5, whole NPS scores then 8.5, dates then an offset time, a yes/no column, text and NaN in a
measured column, declared types), and a header-only file is typed by how the specs use
its columns.

The test functions are imported from the core module, so they are the same tests; only the
`engine` fixture differs. `test_every_engine_test_is_run_here` keeps the list honest.
"""

from __future__ import annotations

import inspect

import pytest
import test_column_types as core
from test_column_types import (  # noqa: F401  (pytest collects the imported tests)
    test_30000_ones_then_a_decimal_give_the_right_mean,
    test_a_boolean_column_of_a_parquet_file_is_measured_as_one_and_zero,
    test_a_boolean_compared_with_text_is_refused_on_every_engine,
    test_a_declared_type_fixes_an_all_empty_column,
    test_a_number_compared_with_text_holding_a_number_is_the_same_on_every_engine,
    test_a_parquet_time_compared_with_text_that_is_not_a_time_is_refused_on_every_engine,
    test_a_number_compared_with_text_that_is_no_number_is_refused_on_every_engine,
    test_a_time_column_compared_with_a_constant_gives_the_same_rows_on_every_engine,
    test_a_time_column_compared_with_text_that_is_not_a_time_is_refused_on_every_engine,
    test_a_value_that_does_not_fit_a_declared_type_is_invalid,
    test_a_yes_no_column_gives_one_rate_on_every_engine,
    test_a_zoned_time_after_25000_dates_is_not_cut_to_a_date,
    test_an_empty_source_is_typed_by_how_fragments_use_its_columns,
    test_an_offset_after_30000_times_without_one_keeps_its_offset,
    test_decimal_scores_after_25000_whole_ones_are_invalid,
    test_numbers_with_any_ascii_space_around_them_are_a_number_column_on_every_engine,
    test_text_and_n_a_in_a_parquet_file_are_invalid,
    test_text_and_nan_in_a_measured_column_are_invalid_on_every_engine,
    test_text_beyond_the_range_of_a_double_is_invalid_on_every_engine,
    test_text_holding_integers_past_2_53_is_measured_on_every_engine,
    test_text_that_only_duckdb_reads_as_a_number_is_invalid_on_every_engine,
    test_text_that_only_spark_reads_as_a_number_is_invalid_on_every_engine,
    test_time_constants_hold_for_a_parquet_file,
    test_time_constants_hold_in_every_place_a_fragment_goes,
    test_where_on_a_time_dimension_keeps_the_same_rows_on_every_engine,
)


@pytest.fixture
def engine(spark_url):
    return spark_url


def test_every_engine_test_is_run_here():
    """Every core column-types test that runs on an engine runs on Spark too."""
    on_an_engine = {
        name
        for name, function in vars(core).items()
        if name.startswith("test_") and "engine" in inspect.signature(function).parameters
    }
    here = {name for name in globals() if name.startswith("test_")}
    assert on_an_engine <= here, sorted(on_an_engine - here)
