"""The moments of a drivers analysis summed in numpy from its complete cases, on a warehouse
that hands its rows over cheaply as Arrow batches (in-process DuckDB): per group, X·Xᵀ by
one matrix product instead of 91 SUMs of products per row in SQL (benchmarks/README.md,
"Drivers"). It returns what the moments query of moments.py returns, the same columns and
the same numbers up to the order of additions, so compute.py reads either.

Exactly the same numbers for integer data: a variable of an integer column comes as an
integer (moments.py `_fetched_type`), and a batch whose values all lie within 0-255 goes
as one uint8 array, its products summed in float32 while no sum can pass 2**24 (integers
are exact there), else in float64. Any other batch is summed in doubles, as the SQL does.
"""

from __future__ import annotations

import numpy as np

from cxspec.drivers.moments import BUCKETS

#: Rows per Arrow batch: a batch's columns (13 drivers: ~7 MB) stay in the processor's cache.
BATCH_ROWS = 65_536
#: A NaN group value (NaN ≠ NaN) as a dictionary key: SQL puts all NaNs in one group.
_NAN = object()


class _Groups:
    """Global codes of the group columns' values, in order of first appearance."""

    def __init__(self, keys: list[str]):
        self.keys = keys
        self.codes: list[dict] = [{} for _ in keys]
        self.values: list[list] = [[] for _ in keys]

    def encode(self, at: int, array) -> np.ndarray:
        """One batch's column → global codes (non-negative integers), NULL included as a value."""
        import pyarrow as pa

        if self.keys[at] == "__bucket" and pa.types.is_integer(array.type):
            # bucket b is code b, NULL is BUCKETS: no dictionary to build
            codes = _numpy(array, fill=BUCKETS)
            if not len(codes) or codes.min() >= 0 and codes.max() <= BUCKETS:
                if not self.values[at]:
                    self.values[at] = list(range(BUCKETS)) + [None]
                    self.codes[at] = {value: code for code, value in enumerate(self.values[at])}
                if len(self.values[at]) == BUCKETS + 1:
                    return codes  # of the bucket's type: UTINYINT on DuckDB
        import pyarrow.compute as pc  # here: its import costs more than the buckets' work

        encoded = pc.dictionary_encode(array)
        dictionary = encoded.dictionary.to_pylist() + [None]
        codes, values = self.codes[at], self.values[at]
        lookup = np.empty(len(dictionary), dtype=np.int64)
        for i, value in enumerate(dictionary):
            key = _NAN if isinstance(value, float) and value != value else value
            if key not in codes:
                codes[key] = len(values)
                values.append(value)
            lookup[i] = codes[key]
        return lookup[encoded.indices.fill_null(len(dictionary) - 1).to_numpy(zero_copy_only=False)]


def moment_rows(warehouse, query, from_rows: int | None = 0) -> tuple[list[str], list[tuple]] | None:
    """(columns, rows) as `warehouse.execute(query.sql)` gives them; None (the caller runs
    the SQL) when `from_rows` is None, when the warehouse estimates fewer rows to read than
    `from_rows`, or has no estimate or no record batches."""
    if from_rows is None:
        return None
    if from_rows > 0:
        estimate = warehouse.estimated_rows(query.cases_sql)
        if estimate is None or estimate < from_rows:
            return None
    batches = warehouse.record_batches(query.cases_sql, BATCH_ROWS)
    if batches is None:
        return None
    p = len(query.variables)
    groups = _Groups(query.keys)
    totals: dict[tuple, list] = {}
    import pyarrow

    try:
        for batch in batches:
            if batch.num_rows:
                _add_batch(batch, p, groups, totals)
    except pyarrow.ArrowNotImplementedError:
        return None  # a group column of a type Arrow cannot dictionary-encode: the SQL groups it
    columns = list(query.keys) + ["__n"] + [f"__s{i}" for i in range(p)]
    columns += [f"__c{i}_{j}" for i in range(p) for j in range(i, p)]
    if not totals and not query.keys:
        return columns, [(0,) + (None,) * (len(columns) - 1)]  # as SQL: one row, empty sums
    upper = np.triu_indices(p)
    rows = []
    for key in sorted(totals):
        product = totals[key]
        values = tuple(groups.values[at][code] for at, code in enumerate(key))
        n = int(round(product[p, p]))
        rows.append(values + (n,) + tuple(product[p, :p].tolist()) + tuple(product[:p, :p][upper].tolist()))
    return columns, rows


#: float32 adds integers exactly while every partial sum stays at most 2**24.
FLOAT32_EXACT = 1 << 24
#: The largest value a batch's narrow array holds (uint8).
_NARROW_MAX = 255


def _add_batch(batch, p: int, groups: _Groups, totals: dict) -> None:
    m = batch.num_rows
    codes = [groups.encode(at, batch.column(name)) for at, name in enumerate(groups.keys)]
    if codes:
        order, counts, group_keys = _sorted_groups(codes, [len(v) for v in groups.values])
    else:
        order, counts, group_keys = None, [m], [()]
    narrow, largest = _narrow_values(batch, p)
    product_type = _product_type(largest, counts)
    if product_type is not None:
        # integers 0-255 and a row of ones, rows group by group: one product per group
        # gives its cross-products, sums (the last row) and count (the corner), exactly
        x = (narrow if order is None else narrow.take(order, axis=1)).astype(product_type)
        start = 0
        for key, count in zip(group_keys, counts, strict=True):
            part = x[:, start : start + count]
            start += count
            _add(totals, key, part @ part.T)
        return
    # the values as doubles (what the SQL sums), rows group by group, and a row of ones
    x = np.empty((p + 1, m))
    x[p] = 1.0
    for i in range(p):
        column = _numpy(batch.column(f"__v{i}")).astype(np.float64, copy=False)
        if order is None:
            x[i] = column
        else:
            np.take(column, order, out=x[i], mode="clip")  # clip: unbuffered (order is in range)
    start = 0
    for key, count in zip(group_keys, counts, strict=True):
        part = x[:, start : start + count]
        start += count
        with np.errstate(over="ignore", invalid="ignore"):  # inf: compute.py says CX607
            _add(totals, key, part @ part.T)


def _add(totals: dict, key: tuple, product: np.ndarray) -> None:
    total = totals.get(key)
    if total is None:
        totals[key] = product.astype(np.float64)
    else:
        total += product


def _product_type(largest: int | None, counts: list[int]):
    """float32 when no sum of a group's products can pass 2**24 (the largest value squared
    times the largest group's rows), so that it is exact; else float64 (exact to 2**53:
    255² × a batch's rows is far below). None: no narrow values."""
    if largest is None:
        return None
    largest = max(largest, 1)  # the row of ones
    return np.float32 if largest * largest * max(counts) <= FLOAT32_EXACT else np.float64


def _narrow_values(batch, p: int) -> tuple[np.ndarray | None, int | None]:
    """The batch's values as one (p + 1, rows) uint8 array, the last row ones, and its
    largest value; (None, None) when a variable is not of an integer type (moments.py hands
    over as DOUBLE every one that could hold a fraction) or this batch holds a value of it
    outside 0-255."""
    import pyarrow as pa

    array = np.empty((p + 1, batch.num_rows), dtype=np.uint8)
    array[p] = 1
    largest = 0
    for i in range(p):
        column = batch.column(f"__v{i}")
        if not pa.types.is_integer(column.type) or column.null_count:
            return None, None  # (the complete cases have no NULL: the doubles would say NaN)
        values = _numpy(column)
        if not len(values):
            continue
        top = int(values.max())
        if values.dtype != np.uint8 and (top > _NARROW_MAX or values.min() < 0):
            return None, None
        largest = max(largest, top)
        array[i] = values
    return array, largest


def _numpy(array, fill=None) -> np.ndarray:
    """A numeric Arrow array as numpy, read over its buffer (pyarrow's to_numpy and compute
    functions import pandas: about 0.3 s, once a process, more than summing 1M rows); NULLs
    as `fill` (the complete cases' values have none)."""
    import pyarrow as pa

    kind = array.type
    if pa.types.is_unsigned_integer(kind):
        letter = "u"
    elif pa.types.is_signed_integer(kind):
        letter = "i"
    elif pa.types.is_floating(kind):
        letter = "f"
    else:
        return (
            array.fill_null(fill).to_numpy(zero_copy_only=False)
            if fill is not None
            else array.to_numpy(zero_copy_only=False)
        )
    dtype = np.dtype(f"{letter}{kind.bit_width // 8}")
    validity, data = array.buffers()[:2]
    values = np.frombuffer(data, dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)
    if not array.null_count:
        return values
    valid = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
    values = values.astype(dtype if fill is not None else np.float64)
    values[~valid[array.offset : array.offset + len(array)].astype(bool)] = (
        fill if fill is not None else np.nan
    )
    return values


def _sorted_groups(codes: list[np.ndarray], radices: list[int]):
    """The order that puts one batch's rows group by group (a stable sort: the same order
    every run), each group's count and key (its global codes)."""
    size = 1
    for radix in radices:
        size *= radix
    if size <= 65_536:  # one small integer per group: counting, and a radix sort
        combined = codes[0] if len(codes) == 1 else codes[0].astype(np.int64)
        for code, radix in zip(codes[1:], radices[1:], strict=True):
            combined = combined * radix + code
        counts = np.bincount(combined, minlength=size)
        present = np.flatnonzero(counts)
        order = np.argsort(combined.astype(np.uint8 if size <= 256 else np.uint16, copy=False), kind="stable")
        keys = []
        for value in present.tolist():
            key = []
            for radix in reversed(radices):
                value, code = divmod(value, radix)
                key.append(code)
            keys.append(tuple(reversed(key)))
        return order, counts[present].tolist(), keys
    stacked = np.stack(codes)
    unique, inverse, counts = np.unique(stacked, axis=1, return_inverse=True, return_counts=True)
    order = np.argsort(inverse.reshape(-1), kind="stable")
    return order, counts.tolist(), [tuple(int(c) for c in unique[:, g]) for g in range(len(counts))]
