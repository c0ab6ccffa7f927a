"""cxspec-dbt: export a cxspec project as a dbt package with MetricFlow semantic models."""

__version__ = "0.1.0"
