"""Pure mapping and error translation, without a server; and the import-time guarantee."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal as D

import pytest

from cockpit.model import OrderStatus, Side
from cockpit.model.errors import MalformedReply, RateLimited, Rejected, UnknownOutcome
from cockpit.venues.ccxt_errors import translate
from cockpit.venues.collateral import map_collateral
from cockpit.venues.mapping import (
    dec, interval_hours, map_order, map_position, positive, venue_client_id,
)


def test_importing_config_and_open_does_not_import_ccxt():
    code = ("import sys, cockpit.config, cockpit.venues.open, cockpit.redact, "
            "cockpit.accounts_cli; print(any(m == 'ccxt' or m.startswith('ccxt.') "
            "for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("value,hours", [("8h", 8), ("1h", 1), ("480m", 8), ("28800000", 8),
                                         (14400000, 4), (None, 8), ("", 8), ("weird", 8)])
def test_interval_hours(value, hours):
    assert interval_hours(value, 8.0) == hours


def test_numbers_are_exact_and_zero_is_not_a_price():
    assert dec(0.1) == D("0.1") and dec("1e-8") == D("1e-8") and dec("nan") is None
    assert positive("0") is None and positive("") is None and positive(0.0) is None


def test_position_without_essentials_is_malformed():
    with pytest.raises(MalformedReply):
        map_position("a", "binanceusdm", {"symbol": "BTC/USDT:USDT", "contracts": 1})
    assert map_position("a", "bybit", {"symbol": "X", "contracts": 0, "entryPrice": 1}) is None


def test_unknown_fields_stay_unknown():
    p = map_position("a", "paradex", {"symbol": "S/USD:USDC", "contracts": 2, "side": "short",
                                      "entryPrice": "10", "notional": "20"})
    assert (p.size, p.side, p.mark_price, p.leverage, p.unrealized_pnl) == (
        D(2), Side.SHORT, None, None, None)


@pytest.mark.parametrize("raw,status", [
    ({"status": "open", "amount": 1, "filled": 0}, OrderStatus.OPEN),
    ({"status": "open", "amount": 1, "filled": 0.5}, OrderStatus.PARTIAL),
    ({"status": "closed", "amount": 1, "filled": 1}, OrderStatus.FILLED),
    ({"status": "canceled", "amount": 1}, OrderStatus.CANCELED),
    ({"status": "expired", "amount": 1}, OrderStatus.CANCELED),
    ({"status": "rejected", "amount": 1}, OrderStatus.REJECTED),
    ({"status": None, "amount": 1, "filled": 1}, OrderStatus.FILLED),
])
def test_order_status(raw, status):
    assert map_order("a", {"side": "sell", **raw}, client_id="c").status is status


def test_order_amounts_in_base_units():
    o = map_order("a", {"amount": 3, "filled": 1, "side": "buy"}, client_id="c",
                  contract_size=D("0.1"))
    assert (o.amount, o.filled, o.side) == (D("0.3"), D("0.1"), Side.LONG)


@pytest.mark.parametrize("kind,pattern", [("hex128", r"0x[0-9a-f]{32}"), ("uint32", r"\d+"),
                                          ("alnum32", r"[0-9a-f]{32}"), ("ascii36", r"ck[0-9a-f]{34}")])
def test_client_ids_fit_each_venue(kind, pattern):
    import re

    long_id = "plan/7 step#3 attempt 1 — a long and odd id"
    vcid = venue_client_id(kind, long_id)
    assert re.fullmatch(pattern, vcid) and vcid == venue_client_id(kind, long_id)
    assert venue_client_id(kind, long_id + "x") != vcid
    if kind == "uint32":
        assert int(vcid) < 2**32
    assert venue_client_id("ascii36", "trim-1") == "trim-1"


def test_collateral_needs_its_figures():
    with pytest.raises(MalformedReply):
        map_collateral("hyperliquid", "a", "hyperliquid", "USDC", {"assetPositions": []})


def test_okx_single_currency_margin_uses_the_usdt_line():
    """Free is the venue's availEq (here less than equity - imr: restricted currencies are left
    out), never derived."""
    info = {"data": [{"totalEq": "100", "adjEq": "", "imr": "", "mmr": "", "availEq": "",
                      "details": [{"ccy": "USDT", "imr": "30", "mmr": "3", "availEq": "65"}]}]}
    c = map_collateral("okx", "a", "cex", "USD", info)
    assert (c.equity, c.used, c.free, c.maintenance) == (100.0, 30.0, 65.0, 3.0)
    del info["data"][0]["details"][0]["availEq"]
    with pytest.raises(MalformedReply):  # no available equity anywhere: not made up
        map_collateral("okx", "a", "cex", "USD", info)


def _ccxt_error(name, message):
    import ccxt

    return getattr(ccxt, name)(message)


@pytest.mark.parametrize("name", ["RateLimitExceeded", "DDoSProtection"])
def test_both_429_classes_are_rate_limited(name):
    exc = _ccxt_error(name, "binanceusdm 429")
    exc.retry_after = 4.0
    err = translate(exc, account="a", venue="binanceusdm")
    assert isinstance(err, RateLimited) and err.retry_after == 4.0
    assert isinstance(translate(exc, account="a", venue="v", order="c1"), UnknownOutcome)


def test_parse_bugs_in_ccxt_are_malformed_replies():
    assert isinstance(translate(AttributeError("'str' object has no attribute 'get'"),
                                account="a", venue="v"), MalformedReply)


def test_not_found_on_cancel_is_rejected_with_code():
    err = translate(_ccxt_error("OrderNotFound", 'binanceusdm {"code":-2011,"msg":"Unknown order'
                                                 ' sent."}'), account="a", venue="binanceusdm")
    assert isinstance(err, Rejected) and err.code == "not_found" and "-2011" in str(err)
