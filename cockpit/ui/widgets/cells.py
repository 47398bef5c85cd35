"""Which cells of a drawn line changed, so a widget refreshes those and the terminal is sent only them.

Textual repaints what a widget marks dirty (`Widget.refresh(*regions)`), and the app writes only
the refreshed cells (`cockpit.ui.compat.CroppedUpdatesApp`). A once-a-second frame changes a few
figures; a widget that refreshed its whole region would rewrite every line of it.
"""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size
from textual.geometry import Region
from textual.strip import Strip

GAP = 6
"""Unchanged cells between two changed runs that are rewritten rather than skipped: a cursor
move and a colour cost about as many bytes."""


def line_cells(strip: Strip) -> list[tuple]:
    """One entry per terminal cell of `strip`: (character, style). A double-width character
    fills two entries, so a change to it dirties both of its cells."""
    out: list[tuple] = []
    append = out.append
    for text, style, _ in strip:
        if text.isascii():
            out.extend((ch, style) for ch in text)
            continue
        for ch in text:
            append((ch, style))
            if get_character_cell_size(ch) == 2:
                append((ch, style))
    return out


def changed_spans(old: Strip | None, new: Strip, *, gap: int = GAP) -> list[tuple[int, int]]:
    """The [start, end) cell ranges where `new` differs from `old` (all of `new` when there was no
    `old`); runs closer than `gap` cells are joined."""
    if old is None:
        return [(0, new.cell_length)] if new.cell_length else []
    if old == new:
        return []
    # Whole segments alike at both ends are skipped (the trailing ones only when what lies
    # between has kept its width, so they have not moved); cells are compared in between.
    sa, sb = list(old), list(new)
    head, shortest = 0, min(len(sa), len(sb))
    while head < shortest and sa[head] == sb[head]:
        head += 1
    tail = 0
    while tail < shortest - head and sa[-1 - tail] == sb[-1 - tail]:
        tail += 1
    mid_a, mid_b = Strip(sa[head:len(sa) - tail]), Strip(sb[head:len(sb) - tail])
    if tail and mid_a.cell_length != mid_b.cell_length:
        mid_a, mid_b = Strip(sa[head:]), Strip(sb[head:])
    offset = sum(cell_len(text) for text, _, _ in sa[:head])
    return [(x1 + offset, x2 + offset) for x1, x2 in _cell_spans(mid_a, mid_b, gap)]


def _cell_spans(old: Strip, new: Strip, gap: int) -> list[tuple[int, int]]:
    """`changed_spans` cell by cell."""
    a, b = line_cells(old), line_cells(new)
    n = max(len(a), len(b))
    missing = (None, None)
    spans: list[tuple[int, int]] = []
    start = None
    for x in range(n):
        p = a[x] if x < len(a) else missing
        q = b[x] if x < len(b) else missing
        same = p[0] == q[0] and (p[1] is q[1] or p[1] == q[1])
        if not same and start is None:
            start = x
        elif same and start is not None:
            spans.append((start, x))
            start = None
    if start is not None:
        spans.append((start, n))
    return join(spans, gap)


def join(spans: list[tuple[int, int]], gap: int = GAP) -> list[tuple[int, int]]:
    """Sorted, non-overlapping `spans` with those less than `gap` cells apart made one."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start - out[-1][1] < gap:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def changed_regions(old: list[Strip] | None, new: list[Strip], *, gap: int = GAP) -> list[Region]:
    """One Region per changed run of each line of `new` against `old` (line y of `old` against
    line y of `new`; a line only one of them has counts as changed)."""
    regions = []
    for y, strip in enumerate(new):
        before = old[y] if old is not None and y < len(old) else None
        regions.extend(Region(x1, y, x2 - x1, 1) for x1, x2 in changed_spans(before, strip, gap=gap))
    if old is not None:
        regions.extend(Region(0, y, strip.cell_length, 1) for y, strip in enumerate(old[len(new):], len(new))
                       if strip.cell_length)
    return regions
