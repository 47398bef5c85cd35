"""The guided unwind as a person sees it, pinned: the demo with a fixed seed and a frozen clock.

Mid-run is step by step after the first cut (steps 2 and 3, SOL's two legs, sent together): the
run waits for the next confirmation, so the picture does not depend on timing. The run's id
comes from `new_command_id`, fixed here so its timeline line is the same every time.

Update after looking at the report: `python -m pytest tests/ui/test_unwind_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from tests.ui.cockpit_app import first_frame, make_app


@pytest.fixture(autouse=True)
def _fixed_run_id(monkeypatch):
    monkeypatch.setattr("cockpit.ui.screens.picker.new_command_id", lambda: "snap0001")


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.app.api.settle()
    await pilot.pause()


async def open_picker(pilot) -> None:
    """The cockpit's first frame, then U: the target picker with Flat's plan."""
    await first_frame(pilot)
    await pilot.press("U")
    await _settle(pilot)


async def mid_run(pilot) -> None:
    """Flat, step by step, started; the first cut (SOL's legs) confirmed and filled."""
    await open_picker(pilot)
    await pilot.press("enter")
    await _settle(pilot)
    await pilot.pause()
    await pilot.press("y")
    await _settle(pilot)
    await pilot.press("down", "enter")
    await _settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_run_screen_mid_run(snap_compare, size):
    """Header, progress 2/21, the steps (two done), the selected step and the book it leaves,
    the two filled orders with their slippage, the note and the timeline."""
    assert snap_compare(make_app(), terminal_size=size, run_before=mid_run)


def test_target_picker(snap_compare):
    """The targets (Flat highlighted), the gross cut and the mode, and Flat's plan below."""
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=open_picker)
