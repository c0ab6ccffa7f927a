"""The large-values mean tests (tests/test_mean_large_values.py) on Spark: a mean of 1e9 +
cents or 1e12 + 0…3, its margin of error, significant_drop's t and the rest below_rest
recovers, per segment and month, against exact fractions on the same rows. The test
functions are imported, so they are the same tests; only the `warehouse` fixture differs
(the local Spark session of conftest.py)."""

from __future__ import annotations

import pytest
from test_mean_large_values import (  # noqa: F401  (pytest collects the imported tests and fixtures)
    results,
    test_below_rest_recovers_the_rest_exactly,
    test_significant_drop_reads_the_exact_variance,
    test_the_margin_of_a_large_mean_keeps_its_digits,
)
from test_store_spark import make_project  # noqa: F401  (the core project builder)


@pytest.fixture
def warehouse(spark_url):
    return spark_url
