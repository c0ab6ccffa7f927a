"""Links on awkward data (tests/test_links_edges.py) on Spark: a score or amount column with
some 'N/A' of a CSV file leaves those rows out with warning CX608, and a text column of a Parquet
file is refused (CX603), outcome rows without a value in the windows (CX622) and customer ids
that match only in part (CX623) are counted, as on the other engines. Only the
`warehouse` fixture differs."""

from __future__ import annotations

import pytest
from test_links_counted import (  # noqa: F401  (counted, never silent: CX622, CX623)
    test_ids_that_match_only_after_trimming_and_lower_casing_are_counted,
    test_number_ids_are_not_checked,
    test_outcome_rows_without_a_value_in_the_windows_are_counted,
)
from test_links_edges import (  # noqa: F401  (pytest collects the imported tests)
    test_a_score_or_amount_column_with_some_text_leaves_those_rows_out,
    test_a_text_score_or_amount_of_a_parquet_file_is_refused_alike_on_every_engine,
)
from test_store_spark import make_project  # noqa: F401  (the core project builder)


@pytest.fixture
def warehouse(spark_url):
    return spark_url
