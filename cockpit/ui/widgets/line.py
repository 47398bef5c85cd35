"""A one-purpose Static that repaints only when its content really changed."""

from __future__ import annotations

from rich.console import RenderableType
from textual.widgets import Static


class Line(Static):
    """A Static whose `show()` skips updates that would draw the same thing again.

    `Static.update` costs a layout pass and a repaint; most lines (status, legends, the kill
    switch) are the same from one frame to the next. A line whose size its CSS fixes (the status
    line, the kill switch: `height: 1`) cannot change the layout whatever it shows, so its
    updates repaint it alone.
    """

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self._shown: RenderableType | None = None

    def show(self, content: RenderableType) -> None:
        """Display `content` unless it equals what is displayed."""
        if content != self._shown:
            self._shown = content
            self.update(content, layout=not self._fixed_size())

    def _fixed_size(self) -> bool:
        height, width = self.styles.height, self.styles.width
        return height is not None and height.is_cells and (width is None or not width.is_auto)
