"""A yes/no column with a stray answer ("Don't know") on Spark: the core tests of
tests/test_boolean_unreadable.py (those values counted invalid by a rate whose condition
reads the column, and by a mean of it; by a dimension and under a filter), with Spark as the
warehouse. The test functions are imported from the core module, so they are the same tests.
"""

from __future__ import annotations

import inspect

import pytest
import test_boolean_unreadable as core
from test_boolean_unreadable import (  # noqa: F401  (pytest collects the imported tests)
    test_by_a_dimension_and_under_a_filter_the_same,
    test_values_that_are_no_yes_or_no_are_invalid_on_every_engine,
)


@pytest.fixture
def warehouse(spark_url, tmp_path):
    from spark_testing import TEST_SETTINGS

    return f"spark://local[2]?results={tmp_path / 'spark-results'}&{TEST_SETTINGS}"


def test_every_warehouse_test_is_run_here():
    on_a_warehouse = {
        name
        for name, function in vars(core).items()
        if name.startswith("test_") and "warehouse" in inspect.signature(function).parameters
    }
    here = {name for name in globals() if name.startswith("test_")}
    assert on_a_warehouse <= here, sorted(on_a_warehouse - here)
