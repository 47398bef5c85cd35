"""The status line and the kill keys say what is true: read-only accounts, why a cut is not
offered, that NORMAL has nothing to reset, and why an account is DOWN (at any width)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cockpit.engine import Engine
from cockpit.model import AuthError, Frame, Health, Intent, IntentSource, KillMode, KillStatus, Mode
from cockpit.present import format as fmt
from cockpit.risk.output import proposal_rows
from cockpit.engine.handling import no_cut_reason as _no_cut_reason
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.widgets.positions import SortOrder, positions_legend
from cockpit.ui.widgets.status import status_line
from tests.engine.fakes import Clock, FakeVenue, NullRisk, account
from tests.ui.cockpit_app import first_frame, make_app

KEYRING = "AuthError: the keyring is locked — unlock it (run: cockpit keys doctor)"


async def _frame() -> Frame:
    """A real frame of the demo book (six LIVE accounts, NORMAL)."""
    app = make_app()
    return await app.api.poll()


def _accounts(frame: Frame, **change) -> Frame:
    """`frame` with `change(index, account) -> account` applied to each account."""
    accounts = tuple(change["each"](i, acc) for i, acc in enumerate(frame.book.accounts))
    return replace(frame, book=replace(frame.book, accounts=accounts))


def _readonly(frame: Frame, count: int) -> Frame:
    return _accounts(frame, each=lambda i, acc: replace(acc, info=replace(acc.info, readonly=i < count)))


def _kill(frame: Frame, **kill) -> Frame:
    a = frame.assessment
    state = replace(a.kill, **kill)
    # As risk would: the proposal measured against the positions (`Assessment.proposal`).
    return replace(frame, assessment=replace(a, kill=state, proposal=proposal_rows(a.positions, state.proposed, frame.book)))


async def test_read_only_when_every_account_is_and_counted_when_some_are():
    frame = await _frame()
    n = len(frame.book.accounts)
    for width in (80, 120, 200):
        assert "TRADING " in status_line(frame, {}, width).plain
        every = status_line(_readonly(frame, n), {}, width).plain
        assert "READ-ONLY" in every and "TRADING" not in every
        some = status_line(_readonly(frame, 2), {}, width).plain
        assert "TRADING (2 read-only)" in some and "READ-ONLY" not in some


async def test_a_down_accounts_reason_follows_it_when_there_is_room():
    frame = _accounts(await _frame(), each=lambda i, acc: replace(
        acc, health=Health.DOWN, age=None, error=KEYRING) if i == 1 else acc)
    wide = status_line(frame, {}, 240).plain
    assert f"○DOWN ({KEYRING})" in wide
    assert len(wide) <= 240
    three = replace(frame, book=replace(frame.book, accounts=frame.book.accounts[:3]))
    at_120 = status_line(three, {}, 120).plain
    assert "○DOWN (AuthError: the keyrin…)" in at_120 and len(at_120) <= 120  # cut to fit
    assert "AuthError" not in status_line(frame, {}, 120).plain  # six accounts: no room left
    assert "AuthError" not in status_line(frame, {}, 80).plain  # no room: the notification says it


async def test_the_reason_is_scrubbed_and_cut_to_fit():
    from cockpit.redact import forget_secrets, register_secret

    key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
    register_secret(key)
    try:
        frame = _accounts(await _frame(), each=lambda i, acc: replace(
            acc, health=Health.DOWN, age=None, error=f"Unavailable: {key} x") if i == 0 else acc)
        for width in range(110, 260, 7):
            assert key[:8] not in status_line(frame, {}, width).plain
    finally:
        forget_secrets()


async def test_an_account_down_from_the_start_says_why_in_a_notice():
    """Keys refused at the first connect: the account is DOWN in the first frame, and the
    notice line (and journal) say why; before, only transitions were noticed."""

    class KeysRefused(FakeVenue):
        async def connect(self) -> None:
            raise AuthError("the keyring is locked — unlock it", account=self.info.name)

    clock = Clock()
    engine = Engine([KeysRefused(account("bn"), clock)], risk=NullRisk(), clock=clock)
    frame = await engine.poll_once()
    assert frame.book.account("bn").health is Health.DOWN
    assert frame.notices[-1] == "bn: DOWN — AuthError: the keyring is locked — unlock it"
    assert engine.journal.events("notice")[-1][2]["text"] == frame.notices[-1]


async def test_at_80x24_a_down_account_is_announced_and_help_lists_it_again():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_frame(pilot)
        down = _accounts(app.api.latest, each=lambda i, acc: replace(
            acc, health=Health.DOWN, age=None, error=KEYRING) if i < 2 else acc)
        app.screen.show_frame(down)
        await pilot.pause()
        said = [n.message for n in app._notifications]
        names = [acc.name for acc in down.book.accounts[:2]]
        assert f"{', '.join(names)} are DOWN: {KEYRING}" in said
        app.screen.show_frame(down)  # the same DOWN again: said once
        await pilot.pause()
        assert [n.message for n in app._notifications] == said
        app.screen.frame = down
        app.api.latest = down  # the help reads the newest frame
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("#help-text").render())
        said = " ".join(text.split("Accounts not LIVE\n", 1)[1].split("\n\n")[0].split())
        assert said.startswith(f"{', '.join(names)} are DOWN: {KEYRING}")


async def test_r_on_normal_says_there_is_nothing_to_reset():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("R")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert "Kill switch is NORMAL: nothing to reset" in said
        assert not any("latched" in m for m in said)
        assert not any("not reset" in e[2]["text"] for e in app.api.backend.journal.events("notice"))


async def test_why_reducing_proposes_nothing():
    frame = _kill(await _frame(), status=KillStatus.REDUCING, proposed=())
    assert "only when REDUCING" in _no_cut_reason(_kill(frame, status=KillStatus.NORMAL))
    stale = _accounts(frame, each=lambda i, acc: replace(acc, health=Health.STALE))
    why = _no_cut_reason(stale)
    assert "every account holding positions is not LIVE" in why
    assert stale.book.accounts[0].name in why
    flat = _accounts(frame, each=lambda i, acc: replace(
        acc, snapshot=replace(acc.snapshot, positions=())))
    assert "nothing to cut" in _no_cut_reason(flat)
    intent = Intent(id="kill:1:x", account="binance", symbol="BTC/USDT:USDT",
                    source=IntentSource.KILL_SWITCH, reason="cut", fraction=0.3)
    assert "already" in _no_cut_reason(_kill(frame, proposed=(intent,)))
    assert "auto" in _no_cut_reason(_kill(frame, proposed=(intent,), mode=KillMode.AUTO))


async def test_a_again_after_the_cut_was_sent_says_so_instead_of_confirming_nothing():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        frame = app.api.latest
        proposed = tuple(
            Intent(id=f"kill:1:{p.key}", account=p.account, symbol=p.symbol,
                   source=IntentSource.KILL_SWITCH, reason="cut", amount=p.size / 4)
            for p in frame.book.positions()[:2])
        app.api.latest = _kill(frame, status=KillStatus.REDUCING, cause="test", proposed=proposed)
        app.screen.show_frame(app.api.latest)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.api.backend.journal.rows()) == 2
        app.api.latest = _kill(app.api.latest, status=KillStatus.REDUCING, proposed=proposed)
        app.screen.show_frame(app.api.latest)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen)  # no confirmation of nothing
        assert "REDUCING: its cut was sent already; waiting for the fills" in [
            n.message for n in app._notifications]


async def test_the_two_equities_are_named_apart_while_money_is_in_transit():
    """The demo starts with a deposit in flight: the book's equity counts it once (660,905), the
    accounts' own equity does not yet (657,905, the collateral pane's sum); the legend says
    "eq.+transit" so the two figures never both read "equity"."""
    frame = await _frame()
    a = frame.assessment
    accounts = sum(c.equity for c in a.collateral)
    assert a.in_transit > 0
    assert a.equity == pytest.approx(accounts + a.in_transit)
    legend = positions_legend(frame, SortOrder.ASSET).plain
    assert legend.startswith(f"eq.+transit {fmt.money(a.equity)}")
    settled = replace(frame, assessment=replace(a, in_transit=0.0))
    assert positions_legend(settled, SortOrder.ASSET).plain.startswith("equity ")


async def test_an_engine_text_with_brackets_is_shown_as_it_is():
    # A venue's error may hold "[" and "]": shown verbatim, never parsed as markup (which
    # would raise, or hide part of the reason).
    from cockpit.model.commands import CommandResult

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        app.screen.told(CommandResult(False, "rejected: [binance] code -2019 [/bold] margin is insufficient"))
        await pilot.pause()
        shown = [n.message for n in app._notifications]
        assert "rejected: [binance] code -2019 [/bold] margin is insufficient" in shown


async def test_at_80_columns_the_clock_stays_in_view_beside_six_accounts():
    frame = await _frame()
    sim = status_line(frame, {}, 80).plain
    assert len(sim) <= 80 and sim.rstrip().endswith(f"sim {fmt.sim_clock(frame.sim_time)}")
    live = replace(frame, mode=Mode.LIVE, sim_time=None)
    text = status_line(live, {}, 80).plain
    assert len(text) <= 80 and text.rstrip().endswith(f"{fmt.clock(frame.now)} UTC")
    for acc in frame.book.accounts:  # every account's health still shown, its name cut shorter
        assert f" {acc.name[:3]}●" in text
    assert f"  {frame.book.accounts[0].name}●" in status_line(frame, {}, 200).plain  # in full where there is room
