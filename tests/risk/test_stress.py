"""Stress: the standing table worked by hand, the correlated tail, and the vectorized kernel."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.model import AccountState, Book, Health, PositionKey
from cockpit.risk import RiskEngine
from cockpit.risk import liquidation, stress
from cockpit.sim import build_demo

from .factory import account, book, instruments_for, position


def _book():
    # A: equity 20,000, maintenance 1,000. Long 1 BTC at 50,000 (own liquidation 43,000, i.e. at
    #    −14 %) and short 10 ETH at 3,000 (cross, no price of its own).
    # B: equity 3,000, maintenance 1,000, long 5 ETH at 3,000 (cross): 5× levered.
    return book(0.0,
                account("A", "binance", [position("A", "binance", "BTC", "long", 1, 50_000, liq=43_000),
                                         position("A", "binance", "ETH", "short", 10, 3_000)],
                        equity=20_000.0, maintenance=1_000.0),
                account("B", "hyperliquid", [position("B", "hyperliquid", "ETH", "long", 5, 3_000)],
                        equity=3_000.0, maintenance=1_000.0))


def test_stress_table_worked_by_hand():
    b = _book()
    rows = RiskEngine().evaluate(b, instruments_for(b), 0.0).stress
    # Net exposure 50,000 − 30,000 + 15,000 = 35,000, so PnL = 35,000 × shock.
    # B's ratio after a shock s: (3,000 + 15,000·s) / (1,000·(1 + s)); A's stays 20 (E/M = N/M = 20).
    expected = {
        "−15%": (-5_250.0, 750 / 850), "−10%": (-3_500.0, 1_500 / 900), "−5%": (-1_750.0, 2_250 / 950),
        "+5%": (1_750.0, 3_750 / 1_050), "+10%": (3_500.0, 4_500 / 1_100), "+15%": (5_250.0, 5_250 / 1_150),
    }
    assert [r.name for r in rows[:6]] == list(expected)
    for row in rows[:6]:
        pnl, ratio = expected[row.name]
        assert row.pnl == pytest.approx(pnl)
        assert row.min_margin_ratio == pytest.approx(ratio)
        assert dict(row.margin_ratios) == pytest.approx({"A": 20.0, "B": ratio})
    down15 = rows[0]
    # At −15 % B (ratio 0.88) is liquidated with its ETH. A's BTC passes its own price (43,000 >
    # 42,500), but it is a cross leg of an account whose ratio stays 20: it falls only with A.
    assert down15.liquidated_positions == (PositionKey("B", "ETH/USDT:USDT"),)
    assert down15.liquidated_accounts == ("B",)
    assert rows[1].liquidated_positions == () and rows[1].liquidated_accounts == ()
    # The tail: no volatility history yet, so β = 1 and the book (net long) fears the fall.
    tail = rows[6]
    assert tail.name == "tail −20%β" and tail.shock == -0.20 and tail.pnl == pytest.approx(-7_000.0)


def test_tail_betas_push_correlation_toward_one_and_scale_by_volatility():
    betas = stress.tail_betas(np.array([0.5, 1.0, 1.0, np.nan, 10.0]), np.array([1.0, 0.5, np.nan, 0.5, 1.0]),
                              0.5, 0.8)
    # ρ_tail = ρ + 0.8·(1 − ρ): 1 → 1; 0.5 → 0.9. β = ρ_tail · σ / σ_m, clipped to [0.5, 3].
    assert betas == pytest.approx([1.0, 1.8, 2.0, 1.0, 3.0])
    scen = stress.standard_scenarios(betas[:2], 0.2)
    assert scen.shocks.shape == (8, 2)
    assert scen.shocks[6] == pytest.approx([-0.2, -0.36]) and scen.shocks[7] == pytest.approx([0.2, 0.36])


def _naive(shocks, signed, asset, acct, sign, liq_shock, cross, mm, iso_equity, equity, maint):
    n_s, n_p, n_a = shocks.shape[0], signed.size, equity.size
    pos_pnl = np.zeros((n_s, n_p))
    eq = np.tile(equity, (n_s, 1)).astype(float)
    mt = np.tile(maint, (n_s, 1)).astype(float)
    for s in range(n_s):
        for i in range(n_p):
            move = shocks[s, asset[i]]
            pos_pnl[s, i] = signed[i] * move
            if cross[i]:
                eq[s, acct[i]] += signed[i] * move
                mt[s, acct[i]] += np.nan_to_num(mm[i]) * move
    liq_acct = np.zeros((n_s, n_a), bool)
    holds = [any(cross[i] and acct[i] == a for i in range(n_p)) for a in range(n_a)]
    for s in range(n_s):
        for a in range(n_a):
            liq_acct[s, a] = eq[s, a] / mt[s, a] <= 1 if maint[a] > 0 else (holds[a] and eq[s, a] <= 0)
    liq_pos = np.zeros((n_s, n_p), bool)
    for s in range(n_s):
        for i in range(n_p):
            if cross[i]:
                liq_pos[s, i] = liq_acct[s, acct[i]]
                continue
            move = shocks[s, asset[i]]
            own = not np.isnan(liq_shock[i]) and sign[i] * move <= sign[i] * liq_shock[i]
            e = iso_equity[i]
            broke = not np.isnan(e) and e + signed[i] * move <= np.nan_to_num(mm[i]) * (1 + move)
            liq_pos[s, i] = own or broke
            if not np.isnan(e):
                pos_pnl[s, i] = -max(e, 0.0) if liq_pos[s, i] else max(pos_pnl[s, i], -max(e, 0.0))
    return pos_pnl, eq, liq_acct, liq_pos


def _random_book(seed, n_pos, n_acc):
    rng = np.random.default_rng(seed)
    sign = rng.choice([-1.0, 1.0], n_pos)
    signed = sign * rng.uniform(100, 10_000, n_pos)
    acct = rng.integers(0, n_acc, n_pos)
    liq_shock = np.where(rng.random(n_pos) < 0.5, -sign * rng.uniform(0.01, 0.3, n_pos), np.nan)
    cross = rng.random(n_pos) < 0.7
    equity = rng.uniform(500, 5_000, n_acc)
    maint = np.where(rng.random(n_acc) < 0.8, rng.uniform(100, 1_000, n_acc), np.nan)
    mm = liquidation.position_maintenance(maint, np.full(n_pos, np.nan), np.abs(signed), acct)
    margin = np.where(rng.random(n_pos) < 0.6, np.abs(signed) * rng.uniform(0.02, 0.5, n_pos), np.nan)
    iso_equity = liquidation.isolated_equity(cross, margin, rng.normal(0, 50, n_pos), mm, signed, liq_shock)
    return rng, sign, signed, acct, liq_shock, cross, mm, iso_equity, equity, maint


@settings(max_examples=200)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(1, 4), st.integers(1, 5))
def test_vectorized_stress_matches_a_plain_loop(seed, n_pos, n_acc, n_assets):
    rng, sign, signed, acct, liq_shock, cross, mm, iso_equity, equity, maint = _random_book(seed, n_pos, n_acc)
    asset = rng.integers(0, n_assets, n_pos)
    eq_c, mt_c = liquidation.cross_side(equity, maint, acct, cross, iso_equity, mm)
    shocks = rng.normal(0, 0.1, (6, n_assets))
    res = stress.run(shocks, signed, asset, acct, sign, liq_shock, cross, mm, iso_equity, eq_c, mt_c)
    pos_pnl, eq, liq_acct, liq_pos = _naive(shocks, signed, asset, acct, sign, liq_shock, cross, mm, iso_equity,
                                            eq_c, mt_c)
    every = np.arange(len(shocks))
    np.testing.assert_allclose(stress.position_pnl(shocks, signed, asset, res, every), pos_pnl, atol=1e-6)
    np.testing.assert_allclose(res.pnl, pos_pnl.sum(axis=1), atol=1e-6)
    np.testing.assert_allclose(res.equity_after, eq, atol=1e-6)
    assert (res.account_liquidated == liq_acct).all()
    assert (res.position_liquidated == liq_pos).all()


# -- issue 9, item 12: cross legs liquidate with their account; isolated losses stay isolated ----

def _hedged_binance():
    # One Binance cross account, MR 12,510 / 1,000: long 1 BTC on BTC/USDT against short 1 BTC on
    # BTC/USDC. Binance prices each cross leg's liquidation as if the other leg stood still: the
    # long at 90,500 (−9.5 %), the short at 109,500 (+9.5 %).
    long = position("bn", "binance", "BTC", "long", 1, 100_000, liq=90_500)
    short = replace(position("bn", "binance", "BTC", "short", 1, 100_000, liq=109_500),
                    symbol="BTC/USDC:USDC")
    return book(0.0, account("bn", "binance", [long, short], equity=12_510.0, maintenance=1_000.0))


def test_a_hedged_cross_pair_is_not_liquidated_while_its_account_stands():
    b = _hedged_binance()
    rows = RiskEngine().evaluate(b, instruments_for(b), 0.0).stress
    by_name = {r.name: r for r in rows}
    # The legs cancel: equity stays 12,510 and maintenance scales with the price.
    assert by_name["−10%"].min_margin_ratio == pytest.approx(12_510 / 900)  # 13.9
    assert by_name["+10%"].min_margin_ratio == pytest.approx(12_510 / 1_100)
    for r in rows:
        assert r.pnl == pytest.approx(0.0)
        assert r.liquidated_positions == () and r.liquidated_accounts == (), r.name


def _cross_and_isolated():
    # Bybit: wallet 22,000. Cross long 40 ETH at 2,500 (maintenance 1,000); isolated long 500 SOL
    # at 100 on 8,276 of isolated margin (maintenance 500, liquidation 84.29). The venue reports
    # equity 22,000 + 8,276 = 30,276 and maintenance 1,500 for the whole account.
    eth = replace(position("by", "bybit", "ETH", "long", 40, 2_500), maintenance_margin=1_000.0)
    sol = replace(position("by", "bybit", "SOL", "long", 500, 100, liq=84.29, isolated=True),
                  initial_margin=8_276.0, maintenance_margin=500.0)
    return book(0.0, account("by", "bybit", [eth, sol], equity=30_276.0, maintenance=1_500.0))


def test_an_isolated_loss_is_capped_at_its_margin_and_never_reaches_the_cross_equity():
    b = _cross_and_isolated()
    rows = {r.name: r for r in RiskEngine().evaluate(b, instruments_for(b), 0.0).stress}
    tail = rows["tail −20%β"]  # no volatility yet: β = 1, a uniform −20 %
    # Cross side: (22,000 − 20,000) / (1,000 × 0.8) = 2.50 (adding the isolated loss gave 0.23).
    assert tail.min_margin_ratio == pytest.approx(2.50)
    assert tail.liquidated_positions == (PositionKey("by", "SOL/USDT:USDT"),) and tail.liquidated_accounts == ()
    # The isolated SOL loses its 8,276 and no more (uncapped: 10,000).
    assert tail.pnl == pytest.approx(-20_000 - 8_276)
    # At −15 % SOL stands (8,276 − 7,500 = 776 > 425 of maintenance).
    down15 = rows["−15%"]
    assert down15.min_margin_ratio == pytest.approx(7_000 / 850)
    assert down15.liquidated_positions == () and down15.pnl == pytest.approx(-22_500)


@settings(max_examples=300)
@given(st.floats(1.0, 1e6), st.floats(1.0, 50.0), st.floats(100.0, 1e6), st.floats(-0.95, 3.0),
       st.floats(0.001, 0.5), st.floats(0.001, 0.5))
def test_a_hedged_cross_pair_never_liquidates_while_its_margin_ratio_stays_above_one(
        maint, ratio, notional, shock, long_liq, short_liq):
    # One cross account: long and short the same notional of one asset, each leg with a liquidation
    # price of its own (as a venue reports it) anywhere on its side of the mark.
    equity = maint * ratio
    signed = np.array([notional, -notional])
    sign = np.sign(signed)
    acct, asset, cross = np.zeros(2, np.intp), np.zeros(2, np.intp), np.ones(2, bool)
    mm = liquidation.position_maintenance(np.array([maint]), np.full(2, np.nan), np.abs(signed), acct)
    res = stress.run(np.array([[shock]]), signed, asset, acct, sign, np.array([-long_liq, short_liq]), cross,
                     mm, np.full(2, np.nan), np.array([equity]), np.array([maint]))
    after = res.ratio_after[0, 0]
    assert after == pytest.approx(equity / (maint * (1 + shock)))  # the legs' PnL cancels
    assert res.pnl[0] == pytest.approx(0.0, abs=1e-6 * notional)
    if after > 1:
        assert not res.position_liquidated.any() and not res.account_liquidated.any()
    else:
        assert res.position_liquidated.all()


@settings(max_examples=200)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(1, 4), st.integers(1, 5))
def test_isolated_losses_are_capped_and_never_reach_the_cross_equity(seed, n_pos, n_acc, n_assets):
    rng, sign, signed, acct, liq_shock, cross, mm, iso_equity, equity, maint = _random_book(seed, n_pos, n_acc)
    asset = rng.integers(0, n_assets, n_pos)
    shocks = rng.normal(0, 0.3, (8, n_assets))
    res = stress.run(shocks, signed, asset, acct, sign, liq_shock, cross, mm, iso_equity, equity, maint)
    pos_pnl = stress.position_pnl(shocks, signed, asset, res, np.arange(len(shocks)))
    iso = ~cross & ~np.isnan(iso_equity)
    # An isolated loss never exceeds what the position holds (its margin plus uPnL).
    assert (-pos_pnl[:, iso] <= np.maximum(iso_equity[iso], 0.0) + 1e-9).all()
    # Cross equity is the account's plus its cross legs' PnL alone: any isolated position, of any
    # size, changes nothing on the cross side.
    cross_pnl = np.stack([np.bincount(acct, np.where(cross, row, 0.0), n_acc) for row in pos_pnl])
    np.testing.assert_allclose(res.equity_after, equity + cross_pnl, atol=1e-6)
    bigger = np.where(cross, signed, signed * rng.uniform(1, 100, n_pos))
    other = stress.run(shocks, bigger, asset, acct, sign, liq_shock, cross, mm, iso_equity * 3, equity, maint)
    np.testing.assert_array_equal(other.equity_after, res.equity_after)
    np.testing.assert_array_equal(other.account_liquidated, res.account_liquidated)
    # Cross legs fall with their account and only then.
    np.testing.assert_array_equal(res.position_liquidated[:, cross], res.account_liquidated[:, acct[cross]])


async def test_the_stress_table_agrees_with_the_simulators_own_margin_engine():
    # The demo book (an isolated SOL long on Bybit 6.5 % from liquidation, hedges across accounts)
    # shocked in the simulator, whose margin check is what its venues liquidate by: the same
    # positions fall, and each account's cross margin ratio is within 3 % (maintenance tiers are
    # not quite proportional to notional).
    session = build_demo(seed=7, clock=lambda: 1_780_000_000.0)
    states, ins = [], {}
    for v in session.venues:
        await v.connect()
        states.append(AccountState(info=v.info, snapshot=await v.snapshot(), health=Health.LIVE, age=0.5))
        ins[v.info.name] = v.instruments()
    rows = RiskEngine().evaluate(Book(now=0.0, accounts=tuple(states)), ins, 0.0).stress
    ledger = session.world.ledger
    arr = ledger.rebuild()
    marks, _ = ledger.evaluate()
    names = [acc.name for acc in ledger.accounts]
    liquidated = set()
    for row in rows[:6]:
        truth = arr.check(marks * (1 + row.shock), ledger.wallet)
        keys = {PositionKey(names[arr.account[i]], arr.keys[i][1])
                for i in np.flatnonzero(truth.liquidate_positions | truth.liquidate_accounts[arr.account])}
        assert set(row.liquidated_positions) == keys, row.name
        liquidated |= keys
        ratios = dict(row.margin_ratios)
        for k, name in enumerate(names):
            assert ratios[name] == pytest.approx(truth.cross_equity[k] / truth.cross_maint[k], rel=0.03)
    assert liquidated == {PositionKey("bybit", "SOL/USDT:USDT")}  # the case this test is about did occur


def test_the_account_level_move_counts_the_cross_side_alone():
    b = _cross_and_isolated()
    a = RiskEngine().evaluate(b, instruments_for(b), 0.0)
    # x* = (22,000 − 1,000) / (1,000 − 100,000): the isolated SOL's margin does not hold up the
    # cross ETH (with it: (30,276 − 1,500) / (1,500 − 100,000) = −29 %).
    assert a.collateral[0].liq_move == pytest.approx(-21_000 / 99_000)
    eth = next(p for p in a.positions if p.asset == "ETH")
    assert (eth.liq_kind, eth.liq_distance) == ("account", pytest.approx(21_000 / 99_000))
