"""Links on awkward data (tests/test_links_edges.py) on Spark: a score or amount column with
some 'N/A' of a CSV file leaves those rows out with warning CX608, and a text column of a Parquet
file is refused (CX603), as on the other engines. Only the
`warehouse` fixture differs."""

from __future__ import annotations

import pytest
from test_links_edges import (  # noqa: F401  (pytest collects the imported tests)
    test_a_score_or_amount_column_with_some_text_leaves_those_rows_out,
    test_a_text_score_or_amount_of_a_parquet_file_is_refused_alike_on_every_engine,
)
from test_store_spark import make_project  # noqa: F401  (the core project builder)


@pytest.fixture
def warehouse(spark_url):
    return spark_url
