"""The book as arrays: a new snapshot of an account reuses its last one's layout only when it fits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cockpit.model import Instrument, MarginMode
from cockpit.risk.table import TableBuilder

from .factory import D, account, book, position, quote


def _snapshot(name: str, venue: str, sizes: dict[str, str], marks: dict[str, float | None], rate: float = 1e-4):
    ps = [position(name, venue, a, "long", size, marks.get(a), entry=100) for a, size in sizes.items()]
    return account(name, venue, ps, funding=[quote(venue, a, rate, mark=90.0) for a in ("BTC", "ETH", "SOL")])


COLUMNS = ("acct", "asset", "cell", "sign", "size", "mark", "entry", "liq", "mm", "lev", "cross", "upnl", "apr",
           "q_cell", "q_apr", "q_mark", "m_asset", "m_price")


def _columns(t):
    return {f: getattr(t, f).tolist() for f in COLUMNS}


def _same(a, b):
    ca, cb = _columns(a), _columns(b)
    assert ca.keys() == cb.keys()
    for k in ca:
        np.testing.assert_array_equal(np.array(ca[k], float), np.array(cb[k], float), err_msg=k)
    assert (a.keys, a.symbol, a.asset_name, a.size_exact, a.instrument) == (
        b.keys, b.symbol, b.asset_name, b.size_exact, b.instrument)


def test_a_new_poll_of_the_same_positions_reuses_the_layout_and_reads_its_own_numbers():
    warm = TableBuilder()
    first = _snapshot("bn", "binance", {"BTC": "1", "ETH": "2"}, {"BTC": 60_000.0, "ETH": 3_000.0})
    warm.build(book(0.0, first), {})
    again = _snapshot("bn", "binance", {"BTC": "1.5", "ETH": "2"}, {"BTC": 61_000.0, "ETH": None}, rate=2e-4)
    t = warm.build(book(1.0, again), {})
    assert warm.rows(again, {}).layout is warm.rows(first, {}).layout  # same positions, same layout
    _same(t, TableBuilder().build(book(1.0, again), {}))
    assert t.size.tolist() == [1.5, 2.0] and t.mark.tolist() == [61_000.0, 90.0]  # ETH: the quote's mark
    assert t.apr.tolist() == [2e-4 * 3 * 365] * 2


def test_a_changed_position_set_or_instruments_rebuild_the_layout():
    warm = TableBuilder()
    warm.build(book(0.0, _snapshot("bn", "binance", {"BTC": "1", "ETH": "2"}, {"BTC": 1.0, "ETH": 1.0})), {})
    for sizes in ({"BTC": "1"}, {"SOL": "3", "BTC": "1"}, {"ETH": "2", "BTC": "1"}):
        snap = _snapshot("bn", "binance", sizes, {"BTC": 1.0, "ETH": 2.0, "SOL": 3.0})
        t = warm.build(book(1.0, snap), {})
        _same(t, TableBuilder().build(book(1.0, snap), {}))
        assert t.symbol == [f"{a}/USDT:USDT" for a in sizes]
    snap = _snapshot("bn", "binance", {"ETH": "2", "BTC": "1"}, {"BTC": 1.0, "ETH": 2.0})
    ins = {"bn": {"BTC/USDT:USDT": Instrument(venue="binance", symbol="BTC/USDT:USDT", asset="BTC",
                                                amount_step=D("0.5"))}}
    t = warm.build(book(2.0, snap), ins)
    assert t.instrument[1].amount_step == D("0.5")


def test_stand_in_instruments_follow_each_snapshots_size_precision():
    warm = TableBuilder()
    warm.build(book(0.0, _snapshot("bn", "binance", {"BTC": "1.5"}, {"BTC": 1.0})), {})
    snap = _snapshot("bn", "binance", {"BTC": "1.25"}, {"BTC": 1.0})
    (ins,) = warm.build(book(1.0, snap), {}).instrument
    assert ins.amount_step == D("0.01") and ins.min_amount == D("0.01")


def test_position_keys_stay_the_models_keys():
    warm = TableBuilder()
    snap = _snapshot("bn", "binance", {"BTC": "1", "ETH": "2"}, {"BTC": 1.0, "ETH": 1.0})
    warm.build(book(0.0, snap), {})
    state = dataclasses.replace(snap, snapshot=dataclasses.replace(snap.snapshot, fetched_at=1.0))
    t = warm.build(book(1.0, state), {})
    assert t.keys == [p.key for p in state.snapshot.positions]


def test_every_changed_column_is_read_again_and_the_unchanged_ones_kept():
    warm = TableBuilder()
    first = account("bn", "binance", [position("bn", "binance", "BTC", "long", 1, 100, entry=90, liq=50, mm=2.0),
                                      position("bn", "binance", "ETH", "short", 2, 10, entry=11)],
                    funding=[quote("binance", "BTC", 1e-4), quote("binance", "ETH", 1e-4)])
    warm.build(book(0.0, first), {})
    ps = first.snapshot.positions
    moved = (dataclasses.replace(ps[0], mark_price=D(101), liquidation_price=None, maintenance_margin=None),
             dataclasses.replace(ps[1], side=ps[1].side.opposite, entry_price=D(12), leverage=4.0,
                                 unrealized_pnl=-3.0, margin_mode=MarginMode.ISOLATED))
    again = dataclasses.replace(first, snapshot=dataclasses.replace(first.snapshot, positions=moved))
    t = warm.build(book(1.0, again), {})
    _same(t, TableBuilder().build(book(1.0, again), {}))
    assert t.sign.tolist() == [1.0, 1.0] and t.entry.tolist() == [90.0, 12.0] and t.mark.tolist() == [101.0, 10.0]
    assert np.isnan(t.liq).all() and np.isnan(t.mm).all() and t.cross.tolist() == [True, False]
    assert np.isnan(t.lev[0]) and t.lev[1] == 4.0 and np.isnan(t.upnl[0]) and t.upnl[1] == -3.0


def test_a_snapshot_is_converted_once_and_kept_under_its_seq_in_read_only_columns():
    warm = TableBuilder()
    first = _snapshot("bn", "binance", {"BTC": "1", "ETH": "2"}, {"BTC": 60_000.0, "ETH": 3_000.0})
    rows = warm.rows(first, {})
    assert warm.rows(first, {}) is rows  # the same snapshot: not converted again
    for column in (*rows.p, *rows.q):
        with pytest.raises(ValueError):  # kept columns are shared: "never edit in place" is enforced
            column[:1] = 0.0
    copy = dataclasses.replace(first, snapshot=dataclasses.replace(first.snapshot))
    assert copy.snapshot == first.snapshot and copy.snapshot.seq != first.snapshot.seq
    assert warm.rows(copy, {}) is not rows  # a new snapshot (a new seq) is converted, even if equal
    assert warm.rows(copy, {}).p.size is rows.p.size  # its unchanged columns are shared, read-only


def test_instruments_edited_in_place_are_seen():
    warm = TableBuilder()
    snap = _snapshot("bn", "binance", {"BTC": "1"}, {"BTC": 60_000.0})
    table = {"BTC/USDT:USDT": Instrument(venue="binance", symbol="BTC/USDT:USDT", asset="BTC", amount_step=D("0.1"))}
    ins = {"bn": table}
    assert warm.build(book(0.0, snap), ins).instrument[0].amount_step == D("0.1")
    table["BTC/USDT:USDT"] = Instrument(venue="binance", symbol="BTC/USDT:USDT", asset="BTC", amount_step=D("0.5"))
    assert warm.build(book(1.0, snap), ins).instrument[0].amount_step == D("0.5")


def test_the_book_table_is_read_only_for_the_stages():
    t = TableBuilder().build(book(0.0, _snapshot("bn", "binance", {"BTC": "1"}, {"BTC": 60_000.0})), {})
    for column in (t.mark, t.apr, t.signed, t.a_equity, t.q_apr, t.live):
        with pytest.raises(ValueError):
            column[:1] = 0
