"""Every binding the app declares has an id in the keymap table, and the table has no spare ids."""

from cockpit.ui.app import CockpitApp
from cockpit.ui.keymap import DEFAULT_BINDINGS, collect_binding_ids
from cockpit.ui.screens.carry import CarryScreen
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.screens.help import HelpScreen, HelpText
from cockpit.ui.screens.ledger import LedgerScreen
from cockpit.ui.screens.orders import OrdersScreen
from cockpit.ui.screens.picker import UnwindPicker
from cockpit.ui.screens.plots import PlotsScreen
from cockpit.ui.screens.run import RunScreen
from cockpit.ui.widgets.heatmap import FundingHeatmap
from cockpit.ui.widgets.table import KeyedTable


def test_declared_binding_ids_match_the_keymap_table_exactly():
    declared = collect_binding_ids(CockpitApp, CockpitScreen, ConfirmScreen, KeyedTable, FundingHeatmap,
                                   RunScreen, UnwindPicker, CarryScreen, LedgerScreen, OrdersScreen, PlotsScreen,
                                   HelpScreen, HelpText)
    assert declared == set(DEFAULT_BINDINGS)


def test_every_binding_id_is_area_dot_verb():
    for binding_id in DEFAULT_BINDINGS:
        area, _, verb = binding_id.partition(".")
        assert area and verb and area.islower()
