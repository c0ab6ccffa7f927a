"""Metric filters, conditions and touch point matches that name lookup and expression
dimensions (tests/test_lookup_filters.py) on Spark: the same tests, against the same
plain-Python answers; only the `warehouse` fixture differs."""

from __future__ import annotations

import pytest
from test_lookup_filters import (  # noqa: F401
    test_filters_on_dimensions,
    test_filters_on_dimensions_segmented,
    test_filters_on_dimensions_sliced,
    test_filters_on_dimensions_with_where,
)
from test_store_spark import make_project  # noqa: F401  (the core project builder)


@pytest.fixture
def warehouse(spark_url):
    return spark_url
