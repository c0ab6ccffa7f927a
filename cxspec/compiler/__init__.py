"""Specs to SQL: a request is planned (plan.py) and rendered as one sqlglot tree (sqlgen.py)."""
