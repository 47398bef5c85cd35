"""Small numpy helpers shared by the rules.

`np.nan_to_num` also rewrites ±inf and copies through several passes; the rules only need NaN
replaced, on arrays of a few hundred values many times per evaluation, where that overhead
dominated. `fill_nan` does the one thing in one pass.
"""

from __future__ import annotations

import numpy as np


def fill_nan(values, fill: float = 0.0) -> np.ndarray:
    """`values` as a float array with NaN replaced by `fill` (unknown counted as `fill`)."""
    values = np.asarray(values, float)
    return np.where(values != values, fill, values)
