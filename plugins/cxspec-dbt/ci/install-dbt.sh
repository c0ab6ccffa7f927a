#!/usr/bin/env bash
# dbt-core, dbt-duckdb and MetricFlow for tests/test_dbt_run.py, in their own virtual
# environment (they pin click, dbt-semantic-interfaces… differently from cxspec). The test
# finds them in plugins/cxspec-dbt/.venv-dbt/bin, or wherever CXSPEC_DBT_BIN points.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-dbt/bin/mf ]; then
    python3 -m venv .venv-dbt
    .venv-dbt/bin/python -m pip install --quiet --upgrade pip
    # dbt-core 1.11+ and 2.x fetch a parser binary from outside the package registry at install.
    .venv-dbt/bin/python -m pip install --quiet 'dbt-core>=1.9,<1.11' 'dbt-duckdb>=1.9,<1.11' \
        'dbt-metricflow>=0.8,<0.14'
fi
.venv-dbt/bin/dbt --version | head -1
