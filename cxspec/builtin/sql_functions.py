"""The built-in allow-list of functions for SQL fragments: scalar, deterministic, no I/O.

Names are lower case; a function is allowed when the name the user wrote or sqlglot's
canonical name for it is listed (`date_trunc` parses to TIMESTAMP_TRUNC, for example).
"""

from cxspec.hookspecs import hookimpl

ALLOWED_FUNCTIONS = [
    # numbers
    "abs", "round", "floor", "ceil", "ceiling", "sign", "sqrt", "power", "pow", "ln", "log",
    "log10", "exp", "mod", "greatest", "least", "div",
    # nulls and conditionals (CASE, IF, COALESCE, NULLIF and CAST are syntax, always allowed)
    "ifnull", "nvl", "iff",
    # text
    "lower", "lcase", "upper", "ucase", "trim", "ltrim", "rtrim", "length", "char_length",
    "character_length", "substring", "substr", "replace", "concat", "concat_ws", "left",
    "right", "strpos", "position", "starts_with", "startswith", "ends_with", "endswith",
    "contains", "split_part", "lpad", "rpad", "reverse", "initcap", "regexp_like",
    "regexp_matches", "regexp_replace", "regexp_extract",
    # dates and times
    "date_trunc", "timestamp_trunc", "datetrunc", "date_part", "datepart", "year", "month",
    "day", "dayofweek", "day_of_week", "dayofyear", "day_of_year", "quarter", "week",
    "weekofyear", "hour", "minute", "second", "date_add", "date_sub", "date_diff", "datediff",
    "timestamp_add", "timestamp_diff", "ts_or_ds_add", "ts_or_ds_to_date", "to_date", "date",
    "str_to_time", "str_to_date", "time_str_to_time", "ts_or_ds_diff",
]  # fmt: skip


@hookimpl
def cxspec_sql_functions():
    return ALLOWED_FUNCTIONS
