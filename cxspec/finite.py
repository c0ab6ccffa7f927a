"""One rule for values that are not finite, shared by `cxspec run` and `cxspec query`.

A measured column's text is a number only when it is a finite one (dialects.safe_number):
'NaN', 'inf' and '1e400' are invalid on every engine. A value can still be NaN or infinite:
a DOUBLE column of a table or a Parquet file that holds NaN or infinity (SQLite, which
cannot store NaN, keeps a file's NaN as infinity: cxspec/warehouses/sqlite_warehouse.py),
or a sum past a double's range (PostgreSQL stops the query there itself), and a mean or a
sum over them is not a number either. No report, goal status or JSON output can say
anything about such a value, so every command refuses it the same way, naming the metric and
period to look at, instead of `run` refusing it and `query` printing `nan`.
"""

from __future__ import annotations

import math

from cxspec.diagnostics import CxspecError


def check_finite(results, consequence: str) -> None:
    """Raise CxspecError at the first result whose value or margin is NaN or infinite.

    `consequence` ends the message: what did not happen ("nothing was stored")."""
    isfinite = math.isfinite
    for result in results:
        value, moe = result.value, result.moe  # one check per row: a run has 100k+ rows
        if (value is None or isfinite(value)) and (moe is None or isfinite(moe)):
            continue
        for name in ("value", "moe"):
            number = getattr(result, name)
            if number is not None and not isfinite(number):
                raise CxspecError(
                    f"metric {result.metric!r}, period {result.period}: the {name} is {number} "
                    "(the measured column holds NaN or infinity, as a DOUBLE column of a table or "
                    "a Parquet file can, or values whose sum is beyond the range of a double); "
                    f"clean those rows or filter them out; {consequence}"
                )
