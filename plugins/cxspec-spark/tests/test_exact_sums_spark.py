"""The exact-sums test (tests/test_exact_sums.py) on Spark, whose DECIMAL(38, 12) sums follow
its own precision rules: revenue past 10^11 exact to the cent, whole-number sums past 10^12
exact to the unit, per month and per shop, against Python's Decimal on the same rows. The test
function is imported, so it is the same test; only the `url` fixture differs."""

from __future__ import annotations

import pytest
from test_exact_sums import (  # noqa: F401
    test_sums_are_exact_past_twelve_digits,
    test_terms_too_small_or_too_large_for_the_decimal_are_added_as_doubles,
)


@pytest.fixture
def url(spark_url):
    return spark_url
