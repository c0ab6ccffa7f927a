"""The real CX files of tests/data/real on Spark: the core tests of tests/test_real_files.py
(IBM's Telco churn sample with its blank TotalCharges, and as it is, a snapshot on the day
taken; support tickets with CRLF line ends, True/False flags and blank CSAT, day-first dates,
a spreadsheet re-save with multi-line quoted fields), each value against plain Python, with
Spark as the warehouse. Spark is slow to start a query: the totals only, and a few
segmented queries."""

from __future__ import annotations

import pytest
from test_real_files import (  # noqa: F401  (pytest collects the imported tests)
    test_a_resaved_export_equals_plain_python,
    test_day_first_dates_equal_plain_python,
    test_telco_metrics_equal_plain_python,
    test_telco_the_file_as_it_is_measured_on_the_day_taken,
    test_tickets_metrics_equal_plain_python,
)


@pytest.fixture
def warehouse(spark_url):
    return spark_url
