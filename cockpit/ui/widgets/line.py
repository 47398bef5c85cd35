"""A one-purpose Static that repaints only the cells whose content really changed."""

from __future__ import annotations

from rich.console import RenderableType
from textual.geometry import Region
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widgets import Static

from cockpit.ui.widgets.cells import changed_regions


class Line(Static):
    """A Static whose `show()` skips updates that would draw the same thing again, and otherwise
    repaints only the cells that changed.

    `Static.update` costs a layout pass and a repaint of the whole widget; most lines (status,
    legends, the kill switch) are the same from one frame to the next, and when one changes it
    is a figure or two (the status line's clock, a total). `show` draws the new content, compares
    it cell by cell with what is on screen and refreshes those regions alone, so the terminal is
    sent the changed cells (see `cockpit.ui.compat.CroppedUpdatesApp`). The whole line is redrawn
    when there is nothing to compare with (first frame, new width), and a layout pass is asked for
    when the line's height may change: a line whose size its CSS fixes (the status line, the kill
    switch: `height: 1`) never needs one; an auto-height line (a legend) does when its content
    takes another number of lines. Content is text, never markup. The lines drawn for the
    comparison are the ones painted (Textual would otherwise draw the content a second time),
    as long as the width and the styles they were drawn with still hold.
    """

    def __init__(self, *args, **kw) -> None:
        kw.setdefault("markup", False)
        super().__init__(*args, **kw)
        self._shown: RenderableType | None = None
        self._drawn: list[Strip] | None = None  # what `_shown` draws, `_drawn_width` wide
        self._drawn_width = 0
        self._painted: list[Strip] = []  # the same lines as Textual paints them (with offsets)
        self._painted_for: tuple | None = None  # (width, visual style) they were drawn with

    def render_line(self, y: int) -> Strip:
        """Line `y`: as `show` drew it when nothing it depends on changed since, else Textual's."""
        width = self.content_size.width
        if (self._painted_for is not None and self._painted_for == (width, self.visual_style)
                and self.text_selection is None and self.styles.content_align == ("left", "top")):
            if y < len(self._painted):
                return self._painted[y]
            return Strip.blank(width, self.visual_style.rich_style)
        return super().render_line(y)

    def update(self, content="", *, layout: bool = True) -> None:
        """`Static.update`: the line shows `content`, and forgets what `show` drew."""
        self._shown, self._drawn, self._painted_for = None, None, None
        super().update(content, layout=layout)

    def render(self) -> RenderableType:
        """What `show` last got (the constructor's content before that)."""
        return super().render() if self._shown is None else self._shown

    def show(self, content: RenderableType) -> None:
        """Display `content` unless it equals what is displayed; repaint only what changed."""
        if content == self._shown:
            return
        self._shown = content
        regions = self._changed_regions(content)
        if regions is None:
            self.refresh(layout=not self._fixed_size())
        elif regions:
            self.refresh(*regions)

    def _changed_regions(self, content: RenderableType) -> list[Region] | None:
        """The regions of the content area where `content` draws differently from the line on
        screen, or None when the whole line must be redrawn (and perhaps laid out)."""
        width = self.content_size.width
        self._painted_for = None
        if not self.is_mounted or width <= 0 or (self.styles.width is not None and self.styles.width.is_auto):
            self._drawn = None
            return None
        style = self.visual_style
        painted = Visual.to_strips(self, visualize(self, content, markup=False), width, None, style)
        self._painted, self._painted_for = painted, (width, style)
        strips = [strip.discard_meta() for strip in painted]  # each segment's offset, for selection
        old, old_width = self._drawn, self._drawn_width
        self._drawn, self._drawn_width = strips, width
        if old is None or old_width != width:
            return None
        if len(strips) != len(old) and not self._fixed_size():
            return None  # an auto-height line that takes another number of lines: lay it out
        height = self.content_size.height
        return changed_regions(old[:height], strips[:height])

    def _fixed_size(self) -> bool:
        height, width = self.styles.height, self.styles.width
        return height is not None and height.is_cells and (width is None or not width.is_auto)
