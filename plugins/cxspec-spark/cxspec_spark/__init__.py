"""cxspec-spark: a cxspec warehouse on Apache Spark (spark://local[N], spark://host:port, sc://host:port)."""

from cxspec import hookimpl

__version__ = "0.1.0"


@hookimpl
def cxspec_register_warehouses():
    from cxspec_spark.warehouse import SparkWarehouse

    return [SparkWarehouse]
