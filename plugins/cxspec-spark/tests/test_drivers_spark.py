"""The core drivers truth tests (tests/test_drivers.py) on Spark: the same test functions
(every figure against least squares on the raw rows; relaimpo's and rwa's published figures),
only the `warehouse` fixture differs."""

from __future__ import annotations

import pytest
from test_drivers import (  # noqa: F401
    project,
    test_bad_data_is_a_located_diagnostic,
    test_every_figure_agrees_with_plain_least_squares,
    test_mtcars_matches_the_rwa_packages_published_relative_weights,
    test_swiss_matches_relaimpos_published_figures,
    test_too_few_complete_cases_for_min_sample,
)
from test_store_spark import make_project  # noqa: F401  (the core project builder)


@pytest.fixture
def warehouse(spark_url):
    return spark_url
