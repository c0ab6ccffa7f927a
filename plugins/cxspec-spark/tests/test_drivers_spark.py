"""The core drivers truth tests (tests/test_drivers.py) on Spark: the same test functions
(every figure against least squares on the raw rows), only the `warehouse` fixture differs."""

from __future__ import annotations

import pytest
from test_drivers import project, test_every_figure_agrees_with_plain_least_squares  # noqa: F401


@pytest.fixture
def warehouse(spark_url):
    return spark_url
