"""Rows read in Python (a plugin's source type over an export, through DuckDB) as a Spark view.

`Warehouse.local_relation` reads such a source with an in-process DuckDB and hands its rows
and DuckDB type names to `load_rows`; here they become a DataFrame with the matching Spark
types. Times arrive as UTC wall-clock values (DuckDB's zoned times converted) and are given
to Spark as UTC instants, so they read as a file source's timestamps do in the UTC session.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
#: Whole-number types too wide for a Spark long, as decimals of as many digits.
_WIDE_INTEGERS = {"HUGEINT": 38, "UHUGEINT": 38, "UBIGINT": 20}


def spark_type(duckdb_type: str):
    """The Spark SQL type of a DuckDB type name; text for what has no Spark equivalent."""
    from pyspark.sql import types as t

    name = duckdb_type.upper().strip()
    decimal = _DECIMAL.match(name)
    if decimal:
        return t.DecimalType(int(decimal.group(1)), int(decimal.group(2)))
    if name in _WIDE_INTEGERS:
        return t.DecimalType(_WIDE_INTEGERS[name], 0)
    simple = {
        "BOOLEAN": t.BooleanType(),
        "TINYINT": t.ByteType(),
        "SMALLINT": t.ShortType(),
        "UTINYINT": t.ShortType(),
        "INTEGER": t.IntegerType(),
        "USMALLINT": t.IntegerType(),
        "BIGINT": t.LongType(),
        "UINTEGER": t.LongType(),
        "FLOAT": t.FloatType(),
        "DOUBLE": t.DoubleType(),
        "DATE": t.DateType(),
        "BLOB": t.BinaryType(),
    }
    if name in simple:
        return simple[name]
    if name.startswith("TIMESTAMP"):  # TIMESTAMP, _S, _MS, _NS: zoned ones are UTC by now
        return t.TimestampType()
    return t.StringType()


def spark_schema(columns: list[str], types: list[str]):
    from pyspark.sql import types as t

    return t.StructType([t.StructField(c, spark_type(k), True) for c, k in zip(columns, types, strict=True)])


def spark_rows(rows: list[tuple], schema) -> list[tuple]:
    """Values as the Spark types of `schema` take them."""
    convert = [_converter(field.dataType) for field in schema.fields]
    return [tuple(None if v is None else f(v) for f, v in zip(convert, row, strict=True)) for row in rows]


def _converter(spark):
    from pyspark.sql import types as t

    if isinstance(spark, t.TimestampType):
        return _utc_instant
    if isinstance(spark, t.DecimalType):
        return lambda v: v if isinstance(v, Decimal) else Decimal(v)
    if isinstance(spark, t.StringType):
        return lambda v: v if isinstance(v, str) else str(v)
    if isinstance(spark, t.BinaryType):
        return bytes
    return lambda v: v


def _utc_instant(value):
    """A naive UTC wall-clock time as the instant it names (pyspark would otherwise read a
    naive datetime in the machine's zone)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    return value
