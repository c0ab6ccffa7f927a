"""The core links truth tests (tests/test_links.py, tests/test_links_large_values.py) on
Spark: the same test functions, only the `warehouse` fixture differs."""

from __future__ import annotations

import pytest
from test_links import (  # noqa: F401
    project,
    table_ii_project,
    test_a_text_score_or_outcome_value_is_a_located_diagnostic,
    test_groups_and_contrasts_agree_with_plain_python,
    test_quantile_groups_agree_with_plain_python,
    test_table_ii_through_the_warehouse,
    test_windows_are_censored_by_as_of,
)
from test_links_large_values import test_large_values_with_a_small_spread_keep_their_variance  # noqa: F401
from test_store_spark import make_project  # noqa: F401  (the core project builder)


@pytest.fixture
def warehouse(spark_url):
    return spark_url
