"""Drivers analyses by and naming lookup dimensions (tests/test_drivers_lookup.py) on Spark:
the same tests, against the same plain-Python figures; only the `warehouse` fixture differs."""

from __future__ import annotations

import pytest
from test_drivers_lookup import (  # noqa: F401
    data,
    project,
    test_drivers_by_and_naming_lookup_dimensions,
    test_until_leaves_out_a_later_lookup_row,
)
from test_store_spark import make_project  # noqa: F401  (the core project builder)


@pytest.fixture
def warehouse(spark_url):
    return spark_url
