"""The one ring buffer of `risk`: the last samples of many series, taken at most so often.

The funding tracker keeps each cell's APR and the stress index this way, the volatility tracker
each asset's volatility: a fixed number of samples per series (a row), overwritten oldest first,
and a sample taken only when `every` seconds have passed since the last one. Rows can be added
(new assets, new cells) and start empty (NaN).
"""

from __future__ import annotations

import numpy as np


class SampledRing:
    """The last `length` samples of each row, one sample at most every `every` seconds.

    Attributes:
        values: rows × `length`, NaN where nothing was sampled; in ring order (see `ordered`).
        count: how many samples were taken, at most `length`.
        last: when the last sample was taken (None before the first).
    """

    def __init__(self, every: float, length: int, rows: int = 0) -> None:
        self.every = every
        self.values = np.full((rows, length), np.nan)
        self.count = 0
        self.last: float | None = None
        self._pos = 0  # the column the next sample overwrites: the oldest one

    @property
    def rows(self) -> int:
        """How many series the ring holds."""
        return self.values.shape[0]

    def due(self, now: float) -> bool:
        """A sample is due at `now`."""
        return self.last is None or now - self.last >= self.every

    def grow(self, rows: int) -> None:
        """Hold at least `rows` series; new ones have no samples (NaN)."""
        extra = rows - self.values.shape[0]
        if extra > 0:
            self.values = np.vstack([self.values, np.full((extra, self.values.shape[1]), np.nan)])

    def push(self, now: float, sample) -> None:
        """Take one sample at `now`: a value per row (rows past the end of `sample` get NaN);
        the caller has checked `due`."""
        sample = np.asarray(sample, float).reshape(-1)
        self.grow(sample.shape[0])
        column = self.values[:, self._pos]
        column[: sample.shape[0]] = sample
        column[sample.shape[0]:] = np.nan
        self._pos = (self._pos + 1) % self.values.shape[1]
        self.count = min(self.count + 1, self.values.shape[1])
        self.last = now

    def put_back(self, row: int, samples: np.ndarray) -> None:
        """Fill `row` with earlier samples (oldest first; at most `length`), as if taken just
        before the newest column: a history restored after a restart."""
        width = self.values.shape[1]
        samples = np.asarray(samples, float)[-width:]
        self.grow(row + 1)
        n = samples.shape[0]
        self.values[row, (self._pos - n + np.arange(n)) % width] = samples
        self.count = max(self.count, n)

    def ordered(self) -> np.ndarray:
        """The samples taken, oldest first (rows × `count`)."""
        return np.roll(self.values, -self._pos, axis=1)[:, self.values.shape[1] - self.count:]
