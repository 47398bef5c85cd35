"""What a person sees, pinned: the simulator with a fixed seed and a frozen clock.

Update after looking at the report: `python -m pytest tests/ui/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from tests.ui.cockpit_app import first_frame, make_app


@pytest.mark.parametrize("size", [(80, 24), (160, 48), (200, 60)], ids=["80x24", "160x48", "200x60"])
def test_cockpit(snap_compare, size):
    """All four panes at 160×48; at 200×60 with names and flags in full and more of the plan;
    at 80×24 the positions pane alone with the tab line, and the clock."""
    assert snap_compare(make_app(), terminal_size=size, run_before=first_frame)


def test_funding_pane_at_80x24(snap_compare):
    """The heatmap zoomed on a small terminal: stress line, cells with held marks, detail line."""

    async def run_before(pilot):
        await first_frame(pilot)
        await pilot.press("2")

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_trim_confirmation(snap_compare):
    """The trim modal: frozen values, Cancel focused, Confirm only with y."""

    async def run_before(pilot):
        await first_frame(pilot)
        await pilot.press("t")

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)


def test_readonly_light_theme(snap_compare):
    """Read-only badge on the status line, in the light palette."""
    from cockpit.ui.themes import load_theme

    assert snap_compare(make_app(readonly=True, theme=load_theme("cockpit-light")), terminal_size=(120, 40),
                        run_before=first_frame)
