"""The means-on-a-scale test (tests/test_mean_scale_exact.py) on Spark, whose DECIMAL
products follow its own precision rules (DECIMAL(29, 0) times DECIMAL(29, 0) is a
DECIMAL(38, 0)): each value, margin and count per segment and month against exact fractions
on the same rows. The test function is imported, so it is the same test; only the
`warehouse` fixture differs (the local Spark session of conftest.py)."""

from __future__ import annotations

import pytest
from test_mean_scale_exact import test_means_on_a_scale_equal_plain_python  # noqa: F401
from test_store_spark import make_project  # noqa: F401  (the core project builder)


@pytest.fixture
def warehouse(spark_url):
    return spark_url
