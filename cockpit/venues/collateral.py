"""An account reply as account-level `Collateral`.

ccxt's unified balance is per currency and leaves the account's margin picture in ``info``
(Binance's total maintenance margin, Hyperliquid's withdrawable, dYdX's free collateral), so each
venue's profile reads its raw account reply (`VenueProfile.collateral`). A reply without equity,
used and free margin is malformed, never an empty account.
"""

from __future__ import annotations

from typing import Any

from cockpit.model import Collateral, Layer
from cockpit.model.errors import MalformedReply
from cockpit.venues.profiles import profile_for


def map_collateral(venue: str, account: str, layer: Layer, currency: str,
                   info: Any) -> Collateral:
    """The account's collateral from its raw account reply (ccxt's balance ``info``)."""
    equity, used, free, withdrawable, maintenance = profile_for(venue).collateral(info)
    if equity is None or used is None or free is None:
        raise MalformedReply(f"{venue}: the account reply has no equity or margin figures",
                             account=account)
    return Collateral(account=account, layer=layer, currency=currency, equity=equity, used=used,
                      free=free, withdrawable=withdrawable, maintenance=maintenance)
