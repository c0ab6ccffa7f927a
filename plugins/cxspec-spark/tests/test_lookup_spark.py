"""The lookup-dimension numbers tests (tests/test_lookup_dimensions.py) on Spark: the same
tests, against the same plain-Python answers; only the `warehouse` fixture differs."""

from __future__ import annotations

import pytest
from test_lookup_dimensions import test_lookup_in_where, test_lookup_numbers  # noqa: F401
from test_store_spark import make_project  # noqa: F401  (the core project builder)


@pytest.fixture
def warehouse(spark_url):
    return spark_url
