"""`TabbedViews`: a screen of views shown one or a few at a time, with a tab line (the cockpit's
panes on a small terminal, the plots).

One view is current (shown first when not all fit, and the one the next key moves on from) and
one may be zoomed (`view`; "all" when none is). The number keys zoom a view, `0` shows all that
fit, the next key moves to the following view (and zooms it while one is zoomed). The tab line
names each view's key as this terminal's keymap has it, the shown ones highlighted.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from cockpit.ui.bindings import key_of

ALL = "all"
"""The `view` that zooms none."""


class TabbedViews:
    """Which view is current and which is zoomed: a mixin for a screen (see the module doc).

    The screen gives `view_ids`, and lays itself out again after `zoom` and `cycle`.
    """

    view: str
    """The zoomed view's id, or `ALL`."""
    current: str
    """The view shown first when not all fit."""

    def view_ids(self) -> list[str]:
        """The views' ids, in tab order."""
        raise NotImplementedError

    def zoom(self, name: str) -> None:
        """Zoom view `name` (it becomes the current one), or show `ALL`."""
        if name != ALL:
            self.current = name
        self.view = name

    def cycle(self, step: int) -> str:
        """Move the current view `step` along (round); zoomed, zoom it. Returns its id."""
        ids = self.view_ids()
        self.current = ids[(ids.index(self.current) + step) % len(ids)]
        if self.view != ALL:
            self.view = self.current
        return self.current


def tab_line(app, tabs: Iterable[tuple[str, str, bool]], all_id: str, next_id: str) -> Text:
    """The tab line: each view's key and title (`tabs`: key, title, shown), the shown ones
    highlighted, then the keys (binding ids `all_id`, `next_id`) that show all and the next."""
    line = Text(no_wrap=True, overflow="ellipsis")
    for key, title, shown in tabs:
        line.append(f" {key} {title} ", style="bold reverse" if shown else "dim")
    line.append(f"  {key_of(app, all_id)} all · {key_of(app, next_id)} next", style="dim")
    return line


__all__ = ["ALL", "TabbedViews", "tab_line"]
