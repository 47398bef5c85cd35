"""Stress: the standing table worked by hand, the correlated tail, and the vectorized kernel."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.risk import RiskEngine
from cockpit.risk import liquidation, stress

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
    # At −15 % BTC (43,000 > 42,500) hits its own price and B (ratio 0.88) is liquidated with its ETH.
    assert down15.liquidated_positions == ("A|BTC/USDT:USDT", "B|ETH/USDT:USDT")
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


def _naive(shocks, signed, asset, acct, sign, liq_shock, cross, mm, equity, maint, holds):
    n_s, n_p, n_a = shocks.shape[0], signed.size, equity.size
    pnl = np.zeros(n_s)
    eq = np.tile(equity, (n_s, 1)).astype(float)
    mt = np.tile(maint, (n_s, 1)).astype(float)
    for s in range(n_s):
        for i in range(n_p):
            move = shocks[s, asset[i]]
            pnl[s] += signed[i] * move
            eq[s, acct[i]] += signed[i] * move
            mt[s, acct[i]] += np.nan_to_num(mm[i]) * move
    liq_acct = np.zeros((n_s, n_a), bool)
    for s in range(n_s):
        for a in range(n_a):
            liq_acct[s, a] = eq[s, a] / mt[s, a] <= 1 if maint[a] > 0 else (holds[a] and eq[s, a] <= 0)
    liq_pos = np.zeros((n_s, n_p), bool)
    for s in range(n_s):
        for i in range(n_p):
            own = not np.isnan(liq_shock[i]) and sign[i] * shocks[s, asset[i]] <= sign[i] * liq_shock[i]
            liq_pos[s, i] = own or (cross[i] and liq_acct[s, acct[i]])
    return pnl, eq, liq_acct, liq_pos


@settings(max_examples=200)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(1, 4), st.integers(1, 5))
def test_vectorized_stress_matches_a_plain_loop(seed, n_pos, n_acc, n_assets):
    rng = np.random.default_rng(seed)
    sign = rng.choice([-1.0, 1.0], n_pos)
    signed = sign * rng.uniform(100, 10_000, n_pos)
    asset, acct = rng.integers(0, n_assets, n_pos), rng.integers(0, n_acc, n_pos)
    liq_shock = np.where(rng.random(n_pos) < 0.5, -sign * rng.uniform(0.01, 0.3, n_pos), np.nan)
    cross = rng.random(n_pos) < 0.7
    equity = rng.uniform(500, 5_000, n_acc)
    maint = np.where(rng.random(n_acc) < 0.8, rng.uniform(100, 1_000, n_acc), np.nan)
    mm = liquidation.maintenance_share(maint, np.abs(signed), acct)
    holds = np.bincount(acct, minlength=n_acc) > 0
    shocks = rng.normal(0, 0.1, (6, n_assets))
    res = stress.run(shocks, signed, asset, acct, sign, liq_shock, cross, mm, equity, maint, holds)
    pnl, eq, liq_acct, liq_pos = _naive(shocks, signed, asset, acct, sign, liq_shock, cross, mm, equity,
                                        maint, holds)
    np.testing.assert_allclose(res.pnl, pnl, atol=1e-6)
    np.testing.assert_allclose(res.equity_after, eq, atol=1e-6)
    assert (res.account_liquidated == liq_acct).all()
    assert (res.position_liquidated == liq_pos).all()
    worst = stress.position_pnl(shocks, signed, asset).min(axis=0)
    assert (worst <= 1e-9 + np.maximum(0, signed * shocks[:, asset]).min(axis=0)).all()
