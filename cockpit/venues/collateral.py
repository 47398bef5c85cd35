"""Per-venue mapping of a balance reply to account-level `Collateral`.

ccxt's unified balance is per currency and leaves the account's margin picture in ``info``
(Binance's total maintenance margin, Hyperliquid's withdrawable, dYdX's free collateral), so each
venue's raw account reply is read here. Each extractor names the fields that must be present; a
reply without them is malformed, never an empty account.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from cockpit.model import Collateral, Layer
from cockpit.model.errors import MalformedReply
from cockpit.venues.mapping import dig, num

# Each extractor returns (equity, used, free, withdrawable, maintenance) from the raw reply.
Numbers = tuple[float | None, float | None, float | None, float | None, float | None]


def _binance(info: Any) -> Numbers:
    # totalMarginBalance = wallet + unrealized PnL; availableBalance is what new margin can use.
    return (num(dig(info, "totalMarginBalance")), num(dig(info, "totalInitialMargin")),
            num(dig(info, "availableBalance")), num(dig(info, "maxWithdrawAmount")),
            num(dig(info, "totalMaintMargin")))


def _bybit(info: Any) -> Numbers:
    # Unified account, in USD: margin balance minus initial margin is exactly the available.
    acc = dig(info, "result", "list", 0)
    return (num(dig(acc, "totalMarginBalance")), num(dig(acc, "totalInitialMargin")),
            num(dig(acc, "totalAvailableBalance")), None, num(dig(acc, "totalMaintenanceMargin")))


def _okx(info: Any) -> Numbers:
    acc = dig(info, "data", 0)
    equity = num(dig(acc, "adjEq")) or num(dig(acc, "totalEq"))
    # availEq is the venue's own available equity (it leaves out currencies restricted by the
    # borrowing limit, so it is not adjEq - imr).
    used, mmr, free = num(dig(acc, "imr")), num(dig(acc, "mmr")), num(dig(acc, "availEq"))
    usdt = next((d for d in dig(acc, "details") or [] if d.get("ccy") == "USDT"), {})
    if used is None:
        # Single-currency margin: the account-level figures are empty; use the USDT line.
        used, mmr = num(usdt.get("imr")) or num(usdt.get("frozenBal")), num(usdt.get("mmr"))
    if free is None:
        free = num(usdt.get("availEq"))
    return equity, used, free, None, mmr


def _hyperliquid(info: Any) -> Numbers:
    equity = num(dig(info, "marginSummary", "accountValue"))
    used = num(dig(info, "marginSummary", "totalMarginUsed"))
    free = equity - used if equity is not None and used is not None else None
    return (equity, used, free, num(dig(info, "withdrawable")),
            num(dig(info, "crossMaintenanceMarginUsed")))


def _dydx(info: Any) -> Numbers:
    # ccxt keeps the subaccount object itself as info; free collateral is also what can leave.
    sub = info.get("subaccount", info) if isinstance(info, dict) else None
    equity, free = num(dig(sub, "equity")), num(dig(sub, "freeCollateral"))
    used = equity - free if equity is not None and free is not None else None
    return equity, used, free, free, None


def _paradex(info: Any) -> Numbers:
    # GET /v1/account (the balance call gives only the cash balance, not the margin picture).
    return (num(dig(info, "account_value")), num(dig(info, "initial_margin_requirement")),
            num(dig(info, "free_collateral")), None,
            num(dig(info, "maintenance_margin_requirement")))


EXTRACTORS: Mapping[str, Callable[[Any], Numbers]] = {
    "binanceusdm": _binance, "bybit": _bybit, "okx": _okx, "hyperliquid": _hyperliquid,
    "dydx": _dydx, "paradex": _paradex,
}


def map_collateral(venue: str, account: str, layer: Layer, currency: str,
                   info: Any) -> Collateral:
    """The account's collateral from its raw account reply (ccxt's balance ``info``)."""
    equity, used, free, withdrawable, maintenance = EXTRACTORS[venue](info)
    if equity is None or used is None or free is None:
        raise MalformedReply(f"{venue}: the account reply has no equity or margin figures",
                             account=account)
    return Collateral(account=account, layer=layer, currency=currency, equity=equity, used=used,
                      free=free, withdrawable=withdrawable, maintenance=maintenance)
