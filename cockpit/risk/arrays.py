"""Small numpy helpers shared by the rules.

`np.nan_to_num` also rewrites ±inf and copies through several passes; the rules only need NaN
replaced, on arrays of a few hundred values many times per evaluation, where that overhead
dominated. `fill_nan` does the one thing in one pass.

`np.unique` and `np.median` import `numpy.ma` on their first call (to check for masked arrays),
about 20 ms on the way to the cockpit's first frame; `unique`, `row_medians` and `median` do
not.
"""

from __future__ import annotations

import numpy as np


def fill_nan(values, fill: float = 0.0) -> np.ndarray:
    """`values` as a float array with NaN replaced by `fill` (unknown counted as `fill`)."""
    values = np.asarray(values, float)
    return np.where(values != values, fill, values)


def unique(values) -> np.ndarray:
    """The distinct values of a 1-d array, sorted (as `np.unique`, without importing numpy.ma)."""
    ordered = np.sort(np.asarray(values).ravel())
    if ordered.size == 0:
        return ordered
    keep = np.empty(ordered.size, bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def row_medians(values: np.ndarray) -> np.ndarray:
    """Median of each row, ignoring NaN (NaN for an empty row); one sort, no Python loop."""
    count = (~np.isnan(values)).sum(axis=1)
    ordered = np.sort(values, axis=1)  # NaN sorts last
    rows = np.arange(values.shape[0])
    lo = np.maximum((count - 1) // 2, 0)
    hi = np.maximum(count // 2, 0)
    if values.shape[1] == 0:
        return np.full(values.shape[0], np.nan)
    med = 0.5 * (ordered[rows, lo] + ordered[rows, np.minimum(hi, values.shape[1] - 1)])
    return np.where(count > 0, med, np.nan)


def median(values: np.ndarray) -> float:
    """The median of a 1-d array without NaN, NaN when empty (as `np.median`)."""
    return float(row_medians(np.asarray(values, float)[None, :])[0])
