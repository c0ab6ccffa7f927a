"""Drivers on awkward data (tests/test_drivers_edges.py) on Spark: yes/no drivers and rating
columns with some 'N/A' of a CSV file give the figures plain least squares gives, with the
diagnostics the other engines give; a column with no number at all is refused; a Parquet
file (which Spark reads itself) gives the same: a boolean column is 1/0, a text column is
refused even when it holds only numbers (it was taken). Only the `warehouse` fixture differs."""

from __future__ import annotations

import pytest
from test_drivers_edges import (  # noqa: F401  (pytest collects the imported tests)
    test_a_boolean_column_of_a_parquet_file_is_one_and_zero_on_every_engine,
    test_a_column_with_no_number_at_all_is_still_refused,
    test_a_large_constant_is_still_a_constant,
    test_a_rating_column_with_some_text_leaves_those_rows_out,
    test_a_text_column_of_a_parquet_file_is_refused_alike_on_every_engine,
    test_a_yes_no_driver_is_one_and_zero_on_every_engine,
    test_large_values_with_a_small_spread_are_not_a_constant,
)
from test_store_spark import make_project  # noqa: F401  (the core project builder)


@pytest.fixture
def warehouse(spark_url):
    return spark_url
