"""One rule for values that are not finite, shared by `cxspec run` and `cxspec query`.

A measured column's text is read with the engine's cast: 'NaN', 'inf' and '1e400' become
NaN or infinity on DuckDB, PostgreSQL and Spark (SQLite, which cannot store NaN, keeps a
file's NaN as infinity: cxspec/warehouses/sqlite_warehouse.py), and a
mean or a sum over them is not a number either. No report, goal status or JSON output can say
anything about such a value, so every command refuses it the same way, naming the metric and
period to look at, instead of `run` refusing it and `query` printing `nan`.
"""

from __future__ import annotations

import math
from functools import partial
from operator import attrgetter, is_not

from cxspec.diagnostics import CxspecError


def check_finite(results, consequence: str) -> None:
    """Raise CxspecError at the first result whose value or margin is NaN or infinite.

    `consequence` ends the message: what did not happen ("nothing was stored")."""
    isfinite = math.isfinite
    known = partial(is_not, None)
    if all(all(map(isfinite, filter(known, map(attrgetter(c), results)))) for c in ("value", "moe")):
        return  # the common case, told without a Python step per row
    for result in results:
        value, moe = result.value, result.moe  # one check per row: a run has 100k+ rows
        if (value is None or isfinite(value)) and (moe is None or isfinite(moe)):
            continue
        for name in ("value", "moe"):
            number = getattr(result, name)
            if number is not None and not isfinite(number):
                raise CxspecError(
                    f"metric {result.metric!r}, period {result.period}: the {name} is {number} "
                    "(the measured column holds text that reads as NaN or infinity, such as 'NaN' "
                    "or 'inf', or numbers beyond the range of a double); "
                    f"clean those rows or filter them out; {consequence}"
                )
