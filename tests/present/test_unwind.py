"""The unwind run in words: a run's codes and numbers become what its screen shows."""

from __future__ import annotations

from decimal import Decimal

from cockpit.model import OrderStatus, PositionKey, Side
from cockpit.model.unwind import (
    BlindAccount, BookFigures, RunMode, RunOrder, RunState, StepKind, StepStatus, TargetKind, UnwindRun,
    UnwindStep, UnwindTarget, Why,
)
from cockpit.present import unwind as pu


def _step(seq=2, kind=StepKind.CUT, *, account="bybit", symbol="SOL/USDT:USDT", side=Side.LONG, amount="399.5",
          size="399.5", status=StepStatus.PENDING, why=(Why.NEAR_LIQ, Why.HEDGED_LEG), **kw):
    return UnwindStep(seq=seq, kind=kind, key=PositionKey(account, symbol), venue=account, layer="cex",
                      asset=symbol.split("/")[0], side=side, size=Decimal(size), amount=Decimal(amount),
                      notional=56_000.0, why=why, status=status, **kw)


def _run(steps, **kw):
    return UnwindRun(id="r1", target=UnwindTarget(TargetKind.FLAT), mode=RunMode.STEP, state=RunState.WAITING,
                     trigger="key", started=1000.0, steps=tuple(steps), **kw)


def test_targets_are_worded():
    assert pu.target_text(UnwindTarget(TargetKind.FLAT)) == "flat"
    assert pu.target_text(UnwindTarget(TargetKind.GROSS, fraction=0.3)) == "gross −30%"
    assert pu.target_text(UnwindTarget(TargetKind.ASSET, name="ETH")) == "asset ETH"
    assert pu.target_text(UnwindTarget(TargetKind.ACCOUNT, name="dydx")) == "account dydx"
    assert pu.target_text(UnwindTarget(TargetKind.KILL_CUT)) == "kill-switch cut"


def test_every_code_has_words():
    assert set(pu.WHY_WORDS) == set(Why) == set(pu.WHY_SHORT)
    assert set(pu.STATE_WORDS) == set(RunState)
    assert set(pu.STATUS_WORDS) == set(StepStatus)
    assert set(pu.ORDER_WORDS) == set(OrderStatus)


def test_header_counts_elapsed_time_and_names_the_bound():
    run = _run([_step()], net_bound=78_000.0)
    assert pu.header(run, now=1075.0) == "UNWIND flat · WAITING · step by step · 1:15 · net bound $78k"
    assert pu.elapsed(3723) == "1:02:03"


def test_progress_counts_cuts_and_hedges_not_bridges():
    steps = [_step(1, StepKind.BRIDGE, why=(Why.BRIDGE,)), _step(2, status=StepStatus.DONE), _step(3), _step(4)]
    run = _run(steps)
    assert pu.progress_bar(run, 6) == "██░░░░ 1/3"
    assert pu.marker(run) == "UNWIND 1/3 WAITING"


def test_a_cut_row_says_what_is_sold_and_why():
    cells = dict(zip(pu.STEP_COLUMNS, pu.step_cells(_step(est_price=140.1, est_cost=44.0, liq_before=131.1))))
    assert cells["side"] == "sell"  # a long is cut by selling
    assert cells["amount"] == "399.5 SOL"  # exact: never rounded up to 400
    assert cells["liq"] == "131.1→closed"
    assert cells["why"] == "near liq +1"
    assert cells["cost"] == "44"


def test_unknown_price_and_cost_are_dashes_not_zero():
    cells = dict(zip(pu.STEP_COLUMNS, pu.step_cells(_step(amount="100", size="399.5"))))
    assert cells["price"] == "—" and cells["cost"] == "—"
    assert cells["liq"] == "—→—"


def test_a_hedge_is_tagged_with_the_blind_position_it_stands_for():
    hedge = _step(19, StepKind.HEDGE, account="paradex", symbol="ETH/USD:USDC", side=Side.SHORT,
                  status=StepStatus.OFFERED, why=(Why.BLIND_HEDGE,), hedges=PositionKey("dydx", "ETH/USD:USDC"))
    assert pu.hedge_label(hedge) == "hedge for dydx ETH long"
    cells = dict(zip(pu.STEP_COLUMNS, pu.step_cells(hedge)))
    assert cells["kind"] == "hedge" and cells["side"] == "sell" and cells["why"] == "for dydx ETH L"
    assert pu.step_detail(hedge, _run([hedge])).startswith(
        "step 19 hedge for dydx ETH long: opens a position on paradex")


def test_fill_slippage_is_positive_when_worse_for_the_run():
    sell = RunOrder(2, "c1", "bybit", "SOL/USDT:USDT", Side.SHORT, Decimal("10"), OrderStatus.FILLED,
                    Decimal("10"), price=99.0, est_price=100.0)
    buy = RunOrder(3, "c2", "binance", "SOL/USDT:USDT", Side.LONG, Decimal("10"), OrderStatus.PARTIAL,
                   Decimal("4"), price=99.0, est_price=100.0)
    assert pu.slip_bps(sell) == 100.0  # sold below the estimate
    assert pu.slip_bps(buy) == -100.0  # bought below it
    cells = dict(zip(pu.ORDER_COLUMNS, pu.order_cells(buy)))
    assert cells["status"] == "partial" and cells["filled"] == "4" and cells["slip"] == "-100bp"
    pending = RunOrder(3, "c3", "okx", "BTC/USDT:USDT", Side.LONG, Decimal("1"), OrderStatus.INTENDED)
    assert dict(zip(pu.ORDER_COLUMNS, pu.order_cells(pending)))["slip"] == "—"


def test_book_line_names_each_accounts_margin():
    after = BookFigures(gross=1_270_000.0, net=-67_500.0, worst_stress=-10_000.0, positions=20,
                        margin=(("binance", 95.6), ("dydx", None)))
    line = pu.book_line(after, before=BookFigures(1_330_000.0, 0.0, 0.0, 21))
    assert line == ("gross 1.27M (from 1.33M) · net -67.5k · worst stress −$10k · 20 pos · "
                    "margin binance 95.6× dydx —")


def test_blind_accounts_and_held_legs_are_named():
    run = _run([], blind=(BlindAccount("dydx", "DOWN", 3, 166_000.0),),
               held=((PositionKey("binance", "ETH/USDT:USDT"), PositionKey("dydx", "ETH/USD:USDC")),
                     (PositionKey("binance", "BTC/USDT:USDT"), "dydx|BTC/USD:USDC")))
    assert pu.blind_line(run) == ("blind: dydx DOWN (3 pos $166k) · held: binance ETH (offsets blind dydx ETH), "
                                  "binance BTC (offsets blind dydx BTC)")


def test_plan_lines_total_the_cost_and_list_steps():
    steps = [_step(1, StepKind.BRIDGE, why=(Why.BRIDGE,), bridge_amount=6400.0, bridge_seconds=840.0),
             _step(2, est_cost=44.0), _step(3, est_cost=None)]
    lines = pu.plan_lines(_run(steps, net_bound=78_000.0), limit=2)
    assert lines[0] == "2 steps · 1 bridge by hand · est cost $44*"  # one cost unknown: marked partial
    assert lines[-1] == "… and 1 more steps"
    assert "bridge paradex" not in lines[3] and "by hand, 14m" in lines[3]


def test_a_blind_account_never_seen_says_its_positions_are_unknown():
    run = _run([], blind=(BlindAccount("okx", "DOWN", 0, None),))
    assert pu.blind_line(run) == "blind: okx DOWN (positions unknown)"


def test_a_blind_account_that_came_back_says_so():
    run = _run([], blind=(BlindAccount("dydx", "back", 3, 166_000.0),))
    assert pu.blind_line(run) == "blind: dydx back (was dark)"


def _top_up(venue, *, status=StepStatus.OFFERED, detail=""):
    """A TOPUP step as the engine fills it in from `venue`'s profile (its route and client-id fact)."""
    from cockpit.venues.profiles import profile_for

    profile = profile_for(venue)
    return _step(1, StepKind.TOPUP, account=venue, symbol="", amount="5000", size="0", status=status,
                 why=(Why.TOPUP_FASTER, Why.RESCUE_TOO_SLOW), unit=profile.top_up_currency, bridge_seconds=10.0,
                 route=profile.top_up_route, keyed=profile.top_up_client_id, detail=detail)


def test_a_top_up_is_worded_by_its_venues_own_route_and_tells_the_truth_about_a_resend():
    said = {}
    for venue in ("binanceusdm", "bybit", "okx", "hyperliquid"):
        step = _top_up(venue)
        lines = " ".join(pu.top_up_lines(step))
        said[venue] = lines
        assert step.route in lines and step.route in pu.top_up_detail(step)
        assert "spot → perp margin, within the venue" not in lines + pu.top_up_detail(step)
    assert "unified trading account" in said["bybit"] and "funding account → trading account" in said["okx"]
    assert "USDⓈ-M futures" in said["binanceusdm"] and "usdClassTransfer" in said["hyperliquid"]
    for venue in ("bybit", "okx"):
        assert "same transfer, never a second one" in said[venue]
    for venue in ("binanceusdm", "hyperliquid"):  # no client id: saying "never sent again" after a look-up would lie
        assert "looked up, never sent again" not in said[venue] and "same transfer" not in said[venue]
        assert "NOT" in said[venue] and "sent again" in said[venue] and "check the venue" in said[venue]


def test_a_top_up_whose_outcome_is_unknown_says_what_to_check_and_which_keys_mark_it():
    step = _top_up("binanceusdm", status=StepStatus.UNKNOWN, detail="outcome unknown: its answer was lost")
    text = pu.step_detail(step, _run([step]), {"confirm": "enter", "skip": "s"})
    assert pu.STATUS_WORDS[StepStatus.UNKNOWN] == "UNKNOWN"
    assert "never sent again" in text and "binanceusdm's transfer history" in text
    assert "spot wallet → USDⓈ-M futures" in text and "5000 USDT" in text
    assert "there: enter marks it done" in text and "not there: s marks it not done" in text
    assert "its answer was lost" in text
    assert "5000 USDT" in " ".join(pu.top_up_marked_lines(step))


def test_an_unknown_top_up_whose_send_named_the_venues_transfer_says_to_find_that_transfer():
    import dataclasses

    step = dataclasses.replace(_top_up("binanceusdm", status=StepStatus.UNKNOWN), transfer_id="13526853623")
    text = pu.step_detail(step, _run([step]), {"confirm": "enter", "skip": "s"})
    assert "find transfer 13526853623 (5000 USDT) in binanceusdm's transfer history" in text
    assert "transfer 13526853623 (5000 USDT)" in " ".join(pu.top_up_marked_lines(step))
