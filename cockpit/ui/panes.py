"""The one list of the cockpit screen's panes, in the order of their numbers (keys 1–4, tab).

The screen composes, zooms, focuses and updates whatever this list holds (see
`cockpit.ui.pane.Pane`). To add a pane: write a `BasePane` subclass in its own module, add it
here, and give its `view.<pane_id>` binding a default key in `cockpit.ui.keymap.DEFAULT_BINDINGS`.
"""

from __future__ import annotations

from cockpit.ui.pane import BasePane
from cockpit.ui.widgets.collateral import CollateralPane
from cockpit.ui.widgets.heatmap import FundingPane
from cockpit.ui.widgets.playbook import PlaybookPane
from cockpit.ui.widgets.positions import PositionsPane

PANES: tuple[type[BasePane], ...] = (PositionsPane, FundingPane, CollateralPane, PlaybookPane)
"""Every pane, numbered from 1 in this order; each sits in the column its class names."""
