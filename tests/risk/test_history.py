"""The one ring buffer: samples at most every `every` seconds, oldest overwritten, rows grow."""

from __future__ import annotations

import numpy as np

from cockpit.risk.history import SampledRing


def test_samples_are_taken_when_due_kept_oldest_first_and_bounded():
    ring = SampledRing(every=10.0, length=3)
    taken = []
    for now in (0.0, 4.0, 10.0, 25.0, 30.0, 41.0):
        if ring.due(now):
            ring.push(now, [now, -now])
            taken.append(now)
    assert taken == [0.0, 10.0, 25.0, 41.0] and ring.last == 41.0 and ring.count == 3
    np.testing.assert_array_equal(ring.ordered(), [[10.0, 25.0, 41.0], [-10.0, -25.0, -41.0]])


def test_new_rows_start_empty_and_a_short_sample_leaves_the_rest_unknown():
    ring = SampledRing(every=1.0, length=4, rows=1)
    ring.push(0.0, 5.0)
    ring.push(1.0, [6.0, 7.0])  # a second series appears
    ring.push(2.0, [8.0])  # and is not sampled this time
    got = ring.ordered()
    assert got.shape == (2, 3) and got[0].tolist() == [5.0, 6.0, 8.0]
    assert np.isnan(got[1, 0]) and got[1, 1] == 7.0 and np.isnan(got[1, 2])
