"""The app's help and privacy keys work inside the cockpit's dialogs (`screens.modal.Modal`), as the
keymap has them: a Textual modal screen stops the app's own bindings, so they did nothing there.

Over a confirmation the privacy key masks the dialog's amounts with the rest and the dialog stays
open, undecided; the help opens on top of it, a confirm key does nothing there, and escape (or the
help key) comes back to the dialog, Cancel still focused."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from cockpit.present import privacy
from cockpit.ui.keymap import KeymapError, load_keymap
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.screens.help import HelpScreen
from cockpit.ui.screens.picker import UnwindPicker
from cockpit.ui.widgets.positions import PositionsTable
from tests.ui.cockpit_app import first_frame
from tests.ui.test_keymap import _write
from tests.ui.test_privacy import _trim_values, amounts, app_at, check, screen_text, settle

DEFAULT = {"privacy": "p", "help": "question_mark"}
REMAPPED = {"privacy": "M", "help": "f1"}
KEYMAPS = [(None, DEFAULT), ({"view.privacy": "M", "app.help": "f1"}, REMAPPED)]


@pytest.fixture(autouse=True)
def _mask_off_after():
    yield
    privacy.set_masked(False)


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state" / "cockpit" / "ui.json"


async def _trim_dialog(pilot) -> ConfirmScreen:
    table = pilot.app.screen.query_one(PositionsTable)
    table.focus()
    await pilot.press("t")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmScreen)
    return pilot.app.screen


@pytest.mark.parametrize("keymap, keys", KEYMAPS, ids=["default", "remapped"])
async def test_the_privacy_key_masks_a_confirmations_amounts_and_leaves_it_open(state, keymap, keys):
    app = app_at(state, keymap=keymap)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        dialog = await _trim_dialog(pilot)
        texts = amounts(app.api.latest, *_trim_values(app))
        shown = screen_text(app)
        if keymap:
            await pilot.press("p")  # the default key no longer does it
            await settle(pilot)
            assert not app.privacy_mask
        await pilot.press(keys["privacy"])
        await settle(pilot)
        app.clear_notifications()
        await pilot.pause()
        assert app.privacy_mask and app.screen is dialog and dialog.decision is None
        check(shown, screen_text(app), texts, least=2)
        await pilot.press(keys["privacy"])
        await settle(pilot)
        assert not app.privacy_mask
        app.clear_notifications()
        await pilot.pause()
        assert screen_text(app) == shown  # the same values, shown again
        await pilot.press("escape")
        await settle(pilot)
        assert app.api.sent == []


@pytest.mark.parametrize("keymap, keys", KEYMAPS, ids=["default", "remapped"])
async def test_the_help_opens_over_a_confirmation_and_escape_returns_to_it(state, keymap, keys):
    app = app_at(state, keymap=keymap)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        dialog = await _trim_dialog(pilot)
        await pilot.press(keys["help"])
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and app.screen.under is dialog
        text = str(app.screen.query_one("#help-text").render())
        assert "Confirmation" in str(app.screen.query_one("#help-head").render())
        assert "Confirm" in text and "Privacy mask" in text  # the keys live in the dialog
        await pilot.press("y")  # not the dialog's key here
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen) and dialog.decision is None
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog and dialog.decision is None
        focused = dialog.focused
        assert isinstance(focused, Button) and focused.id == "cancel"
        await pilot.press(keys["help"], keys["help"])  # the help's own key closes it too
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("y")  # still the dialog it was: y confirms
        await settle(pilot)
        assert len(app.api.sent) == 1 and dialog.decision is True


@pytest.mark.parametrize("keymap, keys", KEYMAPS, ids=["default", "remapped"])
async def test_the_picker_takes_the_privacy_key_too(state, keymap, keys):
    app = app_at(state, keymap=keymap)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("U")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, UnwindPicker)
        await pilot.press(keys["privacy"])
        await settle(pilot)
        assert app.privacy_mask and app.screen is picker
        await pilot.press(keys["help"])
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and app.screen.under is picker
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is picker


def test_a_keymap_may_not_give_a_dialogs_key_to_the_privacy_mask(tmp_path):
    """The privacy key is live in the dialogs: a confirm or picker key on it would clash."""
    with pytest.raises(KeymapError, match=r'"view\.privacy".*"confirm\.ok"|"confirm\.ok".*"view\.privacy"'):
        load_keymap(_write(tmp_path, '[bindings]\n"confirm.ok" = "p"\n'))
    with pytest.raises(KeymapError, match=r"(confirm|picker)\.cancel"):
        load_keymap(_write(tmp_path, '[bindings]\n"view.privacy" = "escape"\n'))
    assert load_keymap(_write(tmp_path, '[bindings]\n"view.privacy" = "n"\n"confirm.cancel" = "escape"\n'))


async def test_the_kill_cut_and_an_order_cancel_mask_their_amounts_on_the_key(state):
    """Each dialog writes its lines again when the mask changes over it (the same values)."""
    from tests.ui.test_confirm import _propose_cut
    from tests.ui.test_orders_screen import orders_app, with_our_orders
    from tests.ui.test_privacy import _texts

    app = orders_app()
    app.state_path = state
    async with app.run_test(size=(120, 40)) as pilot:
        await with_our_orders(pilot)
        _propose_cut(app)
        await pilot.pause()
        cuts = set().union(*(_texts(i.amount) for i in app.api.latest.assessment.kill.proposed))
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        shown = screen_text(app)
        await pilot.press("p")
        await settle(pilot)
        app.clear_notifications()
        await pilot.pause()
        check(shown, screen_text(app), cuts, least=2, percent=False)
        await pilot.press("p", "escape", "O")
        await settle(pilot)
        line = app.screen.lines[0]
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        shown = screen_text(app)
        await pilot.press("p")
        await settle(pilot)
        app.clear_notifications()
        await pilot.pause()
        check(shown, screen_text(app), _texts(line.amount), least=1, percent=False)
        assert app.api.sent == []
