"""The screen knows panes only through the `Pane` protocol and the one list in `cockpit.ui.panes`."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from cockpit.model import Frame
from cockpit.ui.pane import BasePane, Pane
from cockpit.ui.panes import PANES
from cockpit.ui.screens import cockpit as cockpit_screen
from cockpit.ui.widgets.line import Line
from tests.ui.cockpit_app import first_frame, make_app


class ToyPane(BasePane):
    """A pane written the way a newcomer would add one: one class, one entry in the list."""

    pane_id = "toy"
    title = "Toy"
    column = "right"
    legend = "a toy legend"

    def compose(self) -> ComposeResult:
        """One line."""
        yield Line(id="toy-line")

    def update(self, frame: Frame) -> None:
        """Say how many positions `frame` holds."""
        self.query_one("#toy-line", Line).show(Text(f"{len(frame.assessment.positions)} positions"))


def test_every_pane_in_the_list_implements_the_protocol():
    ids = [pane.pane_id for pane in PANES]
    assert ids == ["positions", "funding", "collateral", "playbook"]
    for pane in PANES:
        assert isinstance(pane(), Pane)
        assert pane.zoom_binding == f"view.{pane.pane_id}" and pane.title and pane.column in ("left", "right")


async def test_a_pane_added_to_the_list_appears_zooms_and_updates(monkeypatch):
    monkeypatch.setattr(cockpit_screen, "PANES", (*PANES, ToyPane))
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await first_frame(pilot)
        screen = app.screen
        toy = screen.query_one("#toy", ToyPane)
        assert toy.display and toy.border_title == "5 Toy" and toy.border_subtitle == "a toy legend"
        assert toy.parent is screen.query_one("#right")
        positions = len(app.api.latest.assessment.positions)
        assert str(screen.query_one("#toy-line", Line).render()) == f"{positions} positions"
        screen.action_view("toy")
        await pilot.pause()
        shown = [pane.pane_id for pane in screen.panes if pane.display]
        assert shown == ["toy"]
        assert " 5 Toy " in str(screen.query_one("#tabs", Line).render())
        await pilot.press("tab")  # the list wraps around: after the last pane comes the first
        await pilot.pause()
        assert screen.current == "positions" and screen.query_one("#positions").display
        await pilot.press("0")
        await pilot.pause()
        assert all(pane.display for pane in screen.panes)
