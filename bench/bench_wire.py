"""The frame on the wire: what sending a frame to an attached terminal costs, in time and bytes.

Run: ``python -m bench wire``, or ``python -m bench.bench_wire``.

Frames are the demo engine's (the simulator's demo book on `calm`, its clock moved one second
between polls, as a terminal sees it at 1 Hz) and the risk benchmark's 500-position book
(`tests.risk.factory.RandomBook`, every mark moved between frames). Timed, as medians:

* server side: `codec.encode` + `codec.dumps` of a whole frame, and the patch of one second
  (`encode` + `patch.frame_patch` + `dumps`); the baseline is `pickle.dumps` of the same frame
  (protocol 5, measured in the same run): a binary copy that checks nothing and is not JSON.
* terminal side: `codec.loads` + `codec.decode` of a whole frame; a patch applied to the encoded
  frame then the whole frame decoded (`loads` + `patch.apply_patch` + `decode`); and a patch
  applied to the decoded frame (`loads` + `patch.patch_frame`: only what changed is decoded).
  The baseline is `pickle.loads`.
* bytes of a whole frame's line against the median one-second patch's line (the ratio).

Times are the thread's CPU time (this machine is shared, and its wall time counts the time other
processes held the CPU); each note gives the wall time of the same runs.
"""

from __future__ import annotations

import os
import pickle
import statistics
import sys

from bench.common import Figure, median_wall_and_cpu
from cockpit.model import codec
from cockpit.model.patch import apply_patch, frame_patch, patch_frame


def _frames(quick: bool) -> tuple[tuple, tuple]:
    from tests.model.frames import big_frames, demo_frames

    return demo_frames("calm", polls=6 if quick else 16, step=1.0), big_frames(3 if quick else 6)


def _times(fn, repeat: int) -> tuple[float, float]:
    """Median (CPU, wall) seconds of `fn()`."""
    wall, cpu = median_wall_and_cpu(fn, repeat=repeat)
    return cpu, wall


def _pair_times(frames: tuple, repeat: int) -> tuple[list[tuple[float, float]], list[int]]:
    """Median (CPU, wall) seconds, over every consecutive pair, to make a one-second patch, to
    apply it to the encoded frame and decode the whole, and to apply it to the decoded frame;
    the patches' sizes."""
    encoded = [codec.encode(f) for f in frames]
    decoded = [codec.decode(e) for e in encoded]
    lines = [codec.dumps(frame_patch(a, b)) for a, b in zip(encoded, encoded[1:])]
    pairs = list(zip(frames[1:], encoded, decoded, lines))
    make = [_times(lambda: codec.dumps(frame_patch(old, codec.encode(frame))), repeat) for frame, old, _, _ in pairs]
    take = [_times(lambda: codec.decode(apply_patch(old, codec.loads(line))), repeat) for _, old, _, line in pairs]
    patch = [_times(lambda: patch_frame(shown, codec.loads(line)), repeat) for _, _, shown, line in pairs]
    medians = [tuple(statistics.median(t[i] for t in times) for i in (0, 1)) for times in (make, take, patch)]
    return medians, [len(line) for line in lines]


def _figures(label: str, frames: tuple, repeat: int) -> list[Figure]:
    frame = frames[-1]
    line = codec.dumps(codec.encode(frame))
    blob = pickle.dumps(frame, protocol=5)
    encode = _times(lambda: codec.dumps(codec.encode(frame)), repeat)
    decode = _times(lambda: codec.decode(codec.loads(line)), repeat)
    pickled = _times(lambda: pickle.dumps(frame, protocol=5), repeat)
    unpickled = _times(lambda: pickle.loads(blob), repeat)
    (make, take, patched), sizes = _pair_times(frames, max(3, repeat // 3))
    patch = statistics.median(sizes)

    def ms(times: tuple[float, float]) -> str:
        return f"wall {times[1] * 1e3:.2f} ms"

    return [
        Figure(f"wire: {label}: encode + dumps a whole frame", encode[0] * 1e3, "ms", ratio=encode[0] / pickled[0],
               note=f"{ms(encode)}; baseline pickle.dumps {pickled[0] * 1e3:.2f} ms; "
                    f"{len(line) / 1e3:.1f} kB of JSON, pickle {len(blob) / 1e3:.1f} kB"),
        Figure(f"wire: {label}: loads + decode a whole frame", decode[0] * 1e3, "ms",
               ratio=decode[0] / unpickled[0], note=f"{ms(decode)}; baseline pickle.loads {unpickled[0] * 1e3:.2f} ms"),
        Figure(f"wire: {label}: 1 s patch made (encode, diff, dumps)", make[0] * 1e3, "ms",
               ratio=make[0] / pickled[0], note=f"{ms(make)}; baseline pickle.dumps"),
        Figure(f"wire: {label}: 1 s patch applied, frame decoded", take[0] * 1e3, "ms",
               ratio=take[0] / unpickled[0], note=f"{ms(take)}; baseline pickle.loads"),
        Figure(f"wire: {label}: 1 s patch applied to the decoded frame", patched[0] * 1e3, "ms",
               ratio=patched[0] / unpickled[0], note=f"{ms(patched)}; baseline pickle.loads"),
        Figure(f"wire: {label}: bytes of a 1 s patch", patch / 1e3, "kB", ratio=patch / len(line),
               note=f"ratio to the whole frame, {len(line) / 1e3:.1f} kB; median of {len(sizes)} seconds"),
    ]


def run(quick: bool = False) -> list[Figure]:
    """The wire figures (medians; baselines are pickle's, in the same run)."""
    demo, big = _frames(quick)
    repeat = 7 if quick else 21
    return _figures("demo frame", demo, repeat) + _figures("500 positions", big, repeat)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    for figure in run("--quick" in sys.argv):
        print(figure.line())
