"""The privacy mask: its key, the status line's badge, the choice kept across restarts (and a bad
state file), and that with it on no money amount or size is on any screen while percentages are.

The screens are the simulator's (fixed seed, frozen clock) behind the fake engine; the amounts
looked for are worked out from the frame the screen shows, unmasked.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.model.unwind import StepKind, StepStatus
from cockpit.present import carry as pc, format as fmt, privacy
from cockpit.ui.screens.carry import CarryScreen
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.screens.ledger import LedgerScreen
from cockpit.ui.screens.picker import UnwindPicker
from cockpit.ui.screens.run import RunScreen, StepTable
from cockpit.ui.widgets.positions import PositionsTable
from cockpit.ui.widgets.table import plain
from tests.ui.cockpit_app import first_frame, make_app
from tests.ui.test_confirm import _propose_cut
from tests.ui.test_funding_pane import with_history

MASK = privacy.MASK


@pytest.fixture(autouse=True)
def _mask_off_after():
    """A test that fails with an app still up must not leave this thread's texts masked."""
    yield
    privacy.set_masked(False)


@pytest.fixture
def state(tmp_path) -> Path:
    """A private UI state file (not there yet)."""
    return tmp_path / "state" / "cockpit" / "ui.json"


def app_at(state: Path, **kw):
    """The simulator's cockpit remembering its choices in `state`."""
    app = make_app(**kw)
    app.state_path = state
    return app


def screen_text(app) -> str:
    """Every character of the screen on top, as drawn (toasts included)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot) -> None:
    """Let workers (previews) finish and the screen draw."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


# -- the key, the badge, the file ----------------------------------------------------------------


async def test_p_masks_amounts_and_sizes_says_so_and_p_again_shows_them(state):
    app = app_at(state)
    async with app.run_test(size=(200, 60)) as pilot:
        await first_frame(pilot)
        table = app.screen.query_one(PositionsTable)
        key = table.selected_key
        size, notional = (plain(c) for c in table.row_cells(key)[4:6])
        assert re.search(r"\d", size) and re.search(r"\d", notional)
        assert "MASK" not in str(app.screen.query_one("#status").render())

        await pilot.press("p")
        await pilot.pause()
        assert app.privacy_mask and privacy.masked()
        cells = [plain(c) for c in table.row_cells(key)]
        assert cells[4] == MASK and cells[5] == MASK  # size, notional
        assert cells[8].endswith(MASK) and cells[13].endswith(MASK)  # uPnL, funding a day
        assert cells[12].endswith("%")  # the APR stays
        assert re.search(r"\d", cells[11])  # so does the distance to liquidation
        assert " MASKED " in str(app.screen.query_one("#status").render())
        assert json.loads(state.read_text()) == {"privacy_mask": True}

        await pilot.press("p")
        await pilot.pause()
        assert not app.privacy_mask and not privacy.masked()
        assert [plain(c) for c in table.row_cells(key)][4:6] == [size, notional]
        assert json.loads(state.read_text()) == {"privacy_mask": False}
    assert not privacy.masked()  # the app's switch ends with it


async def test_the_mask_is_kept_across_a_restart(state):
    app = app_at(state)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("p")
        await pilot.pause()
    assert not privacy.masked()

    again = app_at(state)
    async with again.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        assert again.privacy_mask
        assert "MASK" in str(again.screen.query_one("#status").render())
        table = again.screen.query_one(PositionsTable)
        assert plain(table.row_cells(table.selected_key)[5]) == MASK


async def test_a_remapped_key_toggles_it_and_the_palette_offers_it(state):
    app = app_at(state, keymap={"view.privacy": "M"})
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert not app.privacy_mask
        await pilot.press("M")
        await pilot.pause()
        assert app.privacy_mask
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Privacy mask")
        assert command.help.startswith("M · ")  # the remapped key
        await command.callback()
        await pilot.pause()
        assert not app.privacy_mask
        await pilot.press("c")  # the key is live on the other screens too
        await pilot.pause()
        assert isinstance(app.screen, CarryScreen)
        await pilot.press("M")
        await pilot.pause()
        assert app.privacy_mask
        assert any(c.title == "Privacy mask" for c in app.get_system_commands(app.screen))


async def test_on_the_run_screen_p_still_pauses(state):
    """`p` is the mask on the cockpit screen only: on the run screen it is `run.pause`."""
    app = app_at(state)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("U")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await app.api.settle()
        assert isinstance(app.screen, RunScreen)
        await pilot.press("p")
        await settle(pilot)
        assert not app.privacy_mask
        assert type(app.api.sent[-1]).__name__ == "PauseRun"


@pytest.mark.parametrize("text, why", [
    ("{not json", "not valid JSON"),
    ('["privacy_mask"]', "not a JSON object"),
    ('{"privacy_mask": "yes"}', "not true or false"),
])
async def test_a_bad_state_file_warns_once_and_masks(state, text, why):
    state.parent.mkdir(parents=True)
    state.write_text(text)
    app = app_at(state)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        assert app.privacy_mask
        warnings = [n.message for n in app._notifications if n.severity == "warning"]
        assert len(warnings) == 1 and str(state) in warnings[0] and why in warnings[0]
        assert "\n" not in warnings[0]
        await pilot.press("p")  # a toggle writes a good file
        await pilot.pause()
    assert json.loads(state.read_text()) == {"privacy_mask": False}


def test_state_file_rules(tmp_path):
    from cockpit.ui.uistate import UiState, load_ui_state, save_ui_state

    path = tmp_path / "d" / "ui.json"
    assert load_ui_state(path) == (UiState(privacy_mask=False), None)  # nobody chose yet: off
    path.parent.mkdir()
    path.write_text(json.dumps({"privacy_mask": True, "later_choice": [1, 2]}))
    loaded, warning = load_ui_state(path)
    assert warning is None and loaded.privacy_mask and loaded.other == {"later_choice": [1, 2]}
    loaded.privacy_mask = False
    assert save_ui_state(path, loaded) is None
    assert json.loads(path.read_text()) == {"privacy_mask": False, "later_choice": [1, 2]}  # kept
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o000)
    try:
        if not path.exists() or path.stat().st_uid != 0:
            state, warning = load_ui_state(path)
            assert state.privacy_mask and "cannot be read" in warning
    finally:
        path.chmod(0o600)


# -- no amount on any screen ---------------------------------------------------------------------


def _texts(value) -> set[str]:
    """Every way a screen may write money or size `value`, unsigned."""
    if value is None:
        return set()
    out = set()
    with privacy.unmasked():
        number = float(value)
        for v in (number, -number):
            out |= {fmt.money(v), fmt.money(v, short=True), fmt.money(v, dollars=True), fmt.size(v),
                    fmt.cents(v), fmt.cents(v, 4, grouped=False), fmt.whole_dollars(abs(v))}
        if isinstance(value, Decimal):
            out |= {str(abs(value)), fmt.exact(abs(value)), fmt.exact(abs(value), compact=False)}
    # A bare two-digit integer ("60") is also a threshold or a count elsewhere on screen: only
    # with its "$" is it surely an amount.
    out = {t.lstrip("+-−") for t in out}
    return {t for t in out if sum(ch.isdigit() for ch in t) >= 3 or re.search(r"[.,kMB$]", t)} | \
        {t.lstrip("$") for t in out if sum(ch.isdigit() for ch in t) >= 3 or re.search(r"[.,kMB]", t)}


def amounts(frame, *extra) -> set[str]:
    """The texts of the money amounts and sizes of `frame` (and of `extra` values)."""
    a = frame.assessment
    values = [*extra, a.equity, a.gross, a.net, a.funding_per_day]
    for p in a.positions:
        values += [p.size, p.notional, p.upnl, p.funding_per_day]
    for c in a.collateral:
        values += [c.equity, c.used, c.free, c.withdrawable, c.in_flight, c.buffer_target, c.shortfall]
    for e in a.exposures:
        values += [e.net, e.gross]
    for cell in a.funding:
        values.append(cell.per_day)
    if frame.ledger is not None:
        values += [line.booked for line in frame.ledger.lines] + [line.estimate for line in frame.ledger.lines]
        values += [v for _, v in frame.ledger.per_account]
    if a.carry is not None:
        values.append(a.carry.size)
    texts = set()
    for v in values:
        texts |= _texts(v)
    return texts


def run_amounts(run) -> list:
    """A run's (or a plan's) amounts: its steps' sizes, costs and fills, the book it leaves."""
    values = []
    for s in run.steps:
        values += [s.amount, s.filled, s.est_cost, s.bridge_amount]
        if s.after is not None:
            values += [s.after.gross, s.after.net, s.after.worst_stress]
    for o in run.orders:
        values += [o.amount, o.filled]
    return values


def found(texts: set[str], screen: str) -> set[str]:
    """Which of `texts` stand on `screen` as a figure (not inside a longer one, a % or a time)."""
    return {t for t in texts if re.search(rf"(?<![\w.,]){re.escape(t)}(?![\w.,%:])", screen)}


async def shown_both_ways(pilot, texts_of) -> tuple[str, str, set[str]]:
    """The screen unmasked and masked (p pressed on the cockpit underneath, or the app's
    switch), and the amounts it shows."""
    app = pilot.app
    app.set_privacy_mask(False)
    await settle(pilot)
    app.clear_notifications()
    await pilot.pause()
    shown = screen_text(app)
    app.set_privacy_mask(True)
    await settle(pilot)
    app.clear_notifications()
    await pilot.pause()
    return shown, screen_text(app), texts_of()


def check(shown: str, masked: str, texts: set[str], *, least: int, percent: bool = True) -> None:
    """Amounts stood on the screen unmasked (`least` of them at least) and none does masked;
    the mask is said and (`percent`) percentages stay."""
    before = found(texts, shown)
    assert len(before) >= least, sorted(before)
    assert found(texts, masked) == set(), sorted(found(texts, masked))
    assert MASK in masked
    assert not percent or re.search(r"\d%", masked)


async def test_cockpit_panes_show_no_amount_masked(state):
    app = app_at(state)
    async with app.run_test(size=(200, 60)) as pilot:
        await first_frame(pilot)
        shown, masked, texts = await shown_both_ways(pilot, lambda: amounts(app.api.latest))
        check(shown, masked, texts, least=40)
        frame = app.api.latest
        with privacy.unmasked():
            aprs = {fmt.apr(p.funding_apr).strip() for p in frame.assessment.positions}
        assert aprs and all(apr in masked for apr in aprs)  # APRs are kept
        assert "MASKED" in masked.splitlines()[0]


@pytest.mark.parametrize("pane", ["1", "2", "3", "4"])
async def test_each_pane_at_80x24_shows_no_amount_masked(state, pane):
    app = app_at(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await first_frame(pilot)
        await pilot.press(pane)
        shown, masked, texts = await shown_both_ways(pilot, lambda: amounts(app.api.latest))
        check(shown, masked, texts, least=1 if pane in "24" else 5)
        assert "MASK" in masked.splitlines()[0]


async def test_the_carry_scanner_and_the_ledger_show_no_amount_masked(state):
    app = app_at(state)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        app.api.push(with_history(app.api.latest))
        await pilot.pause()
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CarryScreen)
        shown, masked, texts = await shown_both_ways(pilot, lambda: amounts(app.api.latest))
        with privacy.unmasked():  # depth capacities are the market's, not yours: kept
            scan = app.api.latest.assessment.carry
            public = {pc.capacity(v) for p in scan.pairs for v in (p.capacity_half, p.capacity_zero)}
        public |= {t.lstrip("$") for t in public}
        assert found(public, masked)
        check(shown, masked, texts - public, least=1)
        assert app.screen.query_one("#carry-size").password  # the size typed is bullets too
        app.set_privacy_mask(False)
        await pilot.press("escape")
        await pilot.press("L")  # from the funding pane, focused
        await pilot.press("2")
        await settle(pilot)
        app.screen.action_ledger()
        await settle(pilot)
        assert isinstance(app.screen, LedgerScreen)
        shown, masked, texts = await shown_both_ways(pilot, lambda: amounts(app.api.latest))
        check(shown, masked, texts, least=4)


async def test_confirmations_show_no_amount_masked(state):
    app = app_at(state)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        app.set_privacy_mask(True)
        await pilot.press("t")  # the trim's confirmation
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        masked = screen_text(app)
        texts = amounts(app.api.latest, *_trim_values(app))
        await pilot.press("escape")
        app.set_privacy_mask(False)
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        shown = screen_text(app)
        check(shown, masked, texts, least=2)
        assert "Liq. price" in masked and re.search(r"Est\. price [\d,.]+", masked)  # prices stay
        await pilot.press("escape")
        await settle(pilot)

        _propose_cut(app)  # the kill switch's cut: its own confirmation
        await pilot.pause()
        cuts = [i.amount for i in app.api.latest.assessment.kill.proposed]
        await pilot.press("a")
        await settle(pilot)
        shown = screen_text(app)
        await pilot.press("escape")
        app.set_privacy_mask(True)
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        check(shown, screen_text(app), set().union(*map(_texts, cuts)), least=2)


def _trim_values(app) -> list:
    preview = app.api.backend.latest  # the preview's figures come from the positions
    return [p.size for p in preview.assessment.positions]


async def test_the_unwind_picker_and_run_show_no_amount_masked(state):
    app = app_at(state)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("U")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, UnwindPicker)
        shown, masked, texts = await shown_both_ways(pilot, lambda: amounts(app.api.latest, *run_amounts(picker.plan)))
        check(shown, masked, texts, least=5)

        await pilot.press("enter")  # Flat, step by step: its confirmation lists the plan
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert not found(texts, screen_text(app))
        await pilot.press("y")
        await settle(pilot)
        await app.api.settle()
        await settle(pilot)
        assert isinstance(app.screen, RunScreen)
        await send_first_cut(pilot)  # orders and fills on screen
        shown, masked, texts = await shown_both_ways(
            pilot, lambda: amounts(app.api.latest, *run_amounts(app.api.latest.run)))
        check(shown, masked, texts, least=5, percent=False)


async def test_open_orders_show_no_size_masked(state):
    from tests.ui.test_orders_screen import orders_app, with_our_orders

    app = orders_app()
    app.state_path = state
    async with app.run_test(size=(120, 40)) as pilot:
        await with_our_orders(pilot)
        await pilot.press("O")
        await settle(pilot)
        lines = app.screen.lines
        assert lines
        shown, masked, texts = await shown_both_ways(
            pilot, lambda: amounts(app.api.latest, *[v for line in lines for v in (line.amount, line.filled)]))
        check(shown, masked, texts, least=2, percent=False)
        with privacy.unmasked():
            prices = {fmt.price(line.price) for line in lines if line.price is not None}
        assert prices and all(price in masked for price in prices)  # prices stay


async def test_money_plots_show_no_figures_on_their_axis_masked(state):
    """Equity and the shocks' P&L: no figures on their y axes, and their keys masked; the
    stress index and the APR keep theirs."""
    from cockpit.ui.widgets.chart import ChartPanel, ChartPlot
    from tests.ui.test_plots_screen import opened

    app = app_at(state)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot)
        panels = {p.plot_id: p for p in screen.query(ChartPanel)}
        equity = app.api.latest.plots.equity
        values = [v for s in equity.accounts for _t, v in s.points] + [v for _t, v in equity.book]
        values += [r.pnl for r in app.api.latest.assessment.stress]
        shown, masked, texts = await shown_both_ways(pilot, lambda: amounts(app.api.latest, *values))
        # In the money plots' panels (the APR axis's "150" is no amount).
        shown, masked = (_within(text, panels["equity"], panels["shocks"]) for text in (shown, masked))
        check(shown, masked, texts, least=2)
        assert not panels["equity"].panel.charts[0].y_figures and not panels["shocks"].panel.charts[0].y_figures
        assert panels["stress"].panel.charts[0].y_figures and panels["funding"].panel.charts[0].y_figures
        for plot_id in ("equity", "shocks"):  # the top chart: the money's
            top = panels[plot_id].query(ChartPlot).first()
            axis = [line[:8] for line in _region_text(app, top).splitlines()]
            assert not any(re.search(r"\d", cells) for cells in axis), axis  # the y axis's figures


def _within(text: str, *widgets) -> str:
    """What `text` (a whole screen's) holds inside `widgets`' regions, one after the other."""
    lines = text.splitlines()
    return "\n".join(line[w.region.x:w.region.right] for w in widgets for line in lines[w.region.y:w.region.bottom])


def _region_text(app, widget) -> str:
    """The screen's text inside `widget`'s region (its first chart's y axis is on its left)."""
    return _within(screen_text(app), widget)


async def send_first_cut(pilot) -> None:
    """On the run screen: the cursor on the first cut, enter (sent), the engine settled."""
    screen = pilot.app.screen
    steps = screen.query_one(StepTable)
    first = next(s for s in screen.run.steps if s.kind is StepKind.CUT)
    steps.move_cursor(row=[s.seq for s in screen.run.steps].index(first.seq))
    await pilot.press("enter")
    await settle(pilot)
    await pilot.app.api.settle()
    await settle(pilot)
    assert screen.run.step(first.seq).status is StepStatus.DONE


# -- what leaves the program is never masked ------------------------------------------------------


def test_free_text_from_the_engine_is_masked_but_for_percentages_times_and_counts():
    text = ("binance ETH/USDT:USDT: sold 0.5 at 3,012.5, lost $1.2k (3% of gross); 3 of 5 orders sent; "
            "step 4 at 21:15:03 on 2026-12-04; 1000PEPE 2.0x 45s; transfer 12,000 USDT −$48k/d")
    assert privacy.mask_text(text) == (
        "binance ETH/USDT:USDT: sold ••• at •••, lost $••• (3% of gross); 3 of 5 orders sent; "
        "step 4 at 21:15:03 on 2026-12-04; 1000PEPE 2.0x 45s; transfer ••• USDT −$•••/d")
    assert privacy.private(text) == text  # this thread's mask is off
    assert privacy.mask_text("plan: 21 cuts; 2 risk-adding orders cancelled; 3 slices") == \
        "plan: 21 cuts; 2 risk-adding orders cancelled; 3 slices"


async def test_journal_report_and_status_are_unchanged_with_the_mask_on(state, tmp_path):
    """A run sent and aborted from a masked screen: the journal holds the exact amounts, and its
    report on disk (written on this very thread: the fake engine runs here) is the one the same
    run gives unmasked, amounts and all; `cockpit status`'s lines too."""
    from cockpit.engine.demo import demo_engine
    from cockpit.present.report import build_report, report_markdown
    from cockpit.present.status import status_report
    from cockpit.reports import Reporter
    from cockpit.ui.app import CockpitApp
    from tests.ui.cockpit_app import FROZEN
    from tests.ui.fake_engine import FakeEngine

    reporter = Reporter(tmp_path / "reports")
    engine = demo_engine(seed=7, clock=lambda: FROZEN, reporter=reporter)
    reporter.attach(engine)
    app = CockpitApp(FakeEngine(engine), state_path=state)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("p")
        await pilot.press("U")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await app.api.settle()
        await send_first_cut(pilot)
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await app.api.settle()
        await settle(pilot)
        assert privacy.masked() and MASK in screen_text(app)
        run = app.api.latest.run
        assert run is not None and run.report
        written = Path(run.report).read_text()
        frame = app.api.latest
        masked_status = status_report({"where": "test"}, frame, [])["lines"]
        rows = engine.journal.run_orders(run.id)
    assert not privacy.masked()
    assert rows and all(isinstance(r.amount, Decimal) and r.amount > 0 for r in rows)
    assert MASK not in written
    assert report_markdown(build_report(run, rows, funding=reporter.funding)) == written
    assert any(fmt.exact(r.amount) in written for r in rows)  # its amounts, exact
    assert status_report({"where": "test"}, frame, [])["lines"] == masked_status
    assert MASK not in "\n".join(masked_status)


def test_a_desktop_notification_is_masked_with_the_screen():
    """An alert's OSC 9/777 notification is a screen too: its figures are masked with the mask on."""
    from cockpit.model.events import Severity
    from cockpit.present.alerts import Alert
    from cockpit.ui.alerts import TerminalAlerts

    class App:
        def notify(self, message, **kw):
            self.told = message

    body = "bybit SOL/USDT:USDT LIQUIDATED: lost $12.3k, 1.5 SOL at 142.5 (6.5% from liq)"
    hidden = "bybit SOL/USDT:USDT LIQUIDATED: lost $•••, ••• SOL at ••• (6.5% from liq)"
    for masked, expect in ((False, body), (True, hidden)):
        privacy.set_masked(masked)
        app, sent = App(), []
        alert = Alert("cockpit: liquidation", body, Severity.CRITICAL, "k", 1.0)
        TerminalAlerts(object(), rate_limit=0, env={}).tell(app, alert, lambda _a, seq: sent.append(seq) or True)
        assert app.told == expect and expect in sent[0]


def test_the_funding_export_is_the_same_with_the_mask_on(tmp_path, capsys):
    """`cockpit funding export` writes the exact amounts whatever this thread's mask."""
    from cockpit.cli import main
    from tests.test_funding_cli import booked

    journal = str(booked(tmp_path))
    args = ["funding", "export", "--since", "2024-03-19", "--journal", journal]
    assert main(args) == 0
    unmasked_csv = capsys.readouterr().out
    privacy.set_masked(True)
    assert main(args) == 0
    assert capsys.readouterr().out == unmasked_csv
    assert "-0.0007797" in unmasked_csv and MASK not in unmasked_csv


# -- what it looks like ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_masked_cockpit(snap_compare, state, size):
    """The cockpit started with the mask remembered on: bullets for amounts and sizes, the
    status line's badge, percentages and prices as they are."""
    state.parent.mkdir(parents=True)
    state.write_text('{"privacy_mask": true}\n')
    assert snap_compare(app_at(state), terminal_size=size, run_before=first_frame)
