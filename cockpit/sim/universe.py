"""What the simulated market is made of: the assets, the venues and their per-market rules.

Everything here is static data. The numbers are plausible for early 2026 (BTC about 85k, ETH
about 3.2k) and the venue rules mirror the real ones in shape: symbols as ccxt spells them, fee
rates, funding intervals and caps, the error codes a venue answers with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from cockpit.model import Instrument, Layer

# Sectors of the factor model: assets of one sector move together beyond the market factor.
MAJORS, L1, L2, DEFI, MEME, AI = range(6)
SECTORS = ("majors", "layer-1", "layer-2", "defi", "meme", "ai")


@dataclass(frozen=True, slots=True)
class AssetSpec:
    """One asset of the simulated market.

    Attributes:
        price: the starting index price in USD.
        vol: annualized volatility in calm markets.
        beta: loading on the market factor (BTC = 1).
        tier: liquidity tier, 1 (deepest books) to 4 (thinnest).
        funding_beta: how strongly funding regimes move this asset's premium (memes overreact).
    """

    name: str
    price: float
    vol: float
    beta: float
    sector: int
    tier: int
    funding_beta: float


def _a(name: str, price: float, vol: float, beta: float, sector: int, tier: int,
       fbeta: float) -> AssetSpec:
    return AssetSpec(name, price, vol, beta, sector, tier, fbeta)


# Ordered by importance: a demo with N assets takes the first N.
ASSETS: tuple[AssetSpec, ...] = (
    _a("BTC", 85_000.0, 0.50, 1.00, MAJORS, 1, 0.6),
    _a("ETH", 3_200.0, 0.65, 1.15, MAJORS, 1, 0.7),
    _a("SOL", 140.0, 0.85, 1.30, L1, 2, 1.0),
    _a("XRP", 2.20, 0.80, 1.10, L1, 2, 0.9),
    _a("DOGE", 0.17, 0.95, 1.35, MEME, 2, 1.6),
    _a("AVAX", 22.0, 0.95, 1.35, L1, 3, 1.0),
    _a("LINK", 15.0, 0.90, 1.25, DEFI, 3, 1.0),
    _a("ARB", 0.45, 1.05, 1.40, L2, 3, 1.2),
    _a("OP", 0.80, 1.05, 1.40, L2, 3, 1.2),
    _a("SUI", 2.90, 1.10, 1.45, L1, 3, 1.3),
    _a("WIF", 0.65, 1.40, 1.70, MEME, 4, 2.5),
    _a("PEPE", 0.0000095, 1.30, 1.65, MEME, 3, 2.4),
    _a("BNB", 600.0, 0.55, 0.85, L1, 2, 0.6),
    _a("ADA", 0.70, 0.85, 1.20, L1, 3, 0.9),
    _a("TON", 3.40, 0.80, 0.90, L1, 3, 0.9),
    _a("DOT", 4.20, 0.90, 1.20, L1, 3, 0.9),
    _a("LTC", 95.0, 0.75, 1.05, L1, 3, 0.8),
    _a("BCH", 340.0, 0.80, 1.10, L1, 3, 0.8),
    _a("NEAR", 2.80, 1.00, 1.35, L1, 3, 1.1),
    _a("APT", 5.50, 1.00, 1.35, L1, 3, 1.1),
    _a("ATOM", 4.60, 0.90, 1.15, L1, 3, 0.9),
    _a("UNI", 7.50, 0.95, 1.25, DEFI, 3, 1.0),
    _a("AAVE", 210.0, 0.95, 1.25, DEFI, 3, 1.0),
    _a("INJ", 12.0, 1.10, 1.45, L1, 4, 1.3),
    _a("TIA", 3.30, 1.20, 1.50, L1, 4, 1.4),
    _a("SEI", 0.22, 1.20, 1.50, L1, 4, 1.4),
    _a("FIL", 2.90, 0.95, 1.20, AI, 4, 1.0),
    _a("ETC", 18.0, 0.85, 1.10, L1, 3, 0.8),
    _a("HBAR", 0.19, 1.00, 1.25, L1, 4, 1.1),
    _a("TRX", 0.24, 0.55, 0.60, L1, 3, 0.6),
    _a("XLM", 0.28, 0.85, 1.05, L1, 4, 0.9),
    _a("LDO", 1.10, 1.05, 1.30, DEFI, 4, 1.1),
    _a("JUP", 0.55, 1.15, 1.45, DEFI, 4, 1.4),
    _a("ENA", 0.40, 1.25, 1.55, DEFI, 4, 1.6),
    _a("ONDO", 0.95, 1.15, 1.40, DEFI, 4, 1.3),
    _a("TAO", 330.0, 1.15, 1.45, AI, 4, 1.5),
    _a("RENDER", 4.10, 1.15, 1.45, AI, 4, 1.4),
    _a("FET", 0.60, 1.20, 1.50, AI, 4, 1.5),
    _a("BONK", 0.000016, 1.35, 1.65, MEME, 4, 2.5),
    _a("POL", 0.23, 1.05, 1.30, L2, 4, 1.1),
)

ASSET_NAMES: tuple[str, ...] = tuple(a.name for a in ASSETS)

# Venues quote these tiny-priced assets per 1000 tokens ("1000PEPE", "kPEPE"), as the real ones do.
THOUSANDS = frozenset({"PEPE", "BONK"})


@dataclass(frozen=True, slots=True)
class VenueSpec:
    """One simulated venue: how it names markets, what it charges, how its funding works.

    Attributes:
        id: the ccxt id (``binanceusdm``, ``hyperliquid`` ...).
        quote / settle: the symbol's quote and settle currency, as ccxt spells them.
        thousands_prefix: how the venue names a per-1000-tokens market ("1000", "k").
        ladder: funding intervals in hours from the longest to the shortest it switches to
            under extreme premiums; a one-element ladder never changes.
        short_base: assets whose normal interval is shorter than `ladder[0]`, with that interval.
        cap: the funding rate cap per interval (fraction).
        depth: how deep its books are relative to Binance; spread: relative half-spread.
        step_scale: its size step relative to the Binance-like step (DEXs are finer).
        min_steps: the minimum order size in steps.
        maint_scale: its maintenance rates relative to the Binance-like tiers.
        liq_fee: the liquidation fee as a fraction of the liquidated notional.
        listed: how many of the universe's assets it lists (the first N, minus `unlisted`).
        errors: venue-style (code, message) per rejection reason.
        position_fields: which optional position fields it reports (others are None).
    """

    id: str
    layer: Layer
    quote: str
    settle: str
    taker: float
    maker: float
    ladder: tuple[float, ...]
    cap: float
    depth: float
    spread: float
    step_scale: float = 1.0
    min_steps: int = 1
    maint_scale: float = 1.0
    liq_fee: float = 0.0125
    thousands_prefix: str = "1000"
    short_base: dict[str, float] = field(default_factory=dict)
    listed: int = 40
    unlisted: frozenset[str] = frozenset()
    errors: dict[str, tuple[str, str]] = field(default_factory=dict)
    position_fields: frozenset[str] = frozenset(
        {"mark", "liquidation", "leverage", "initial", "maintenance"})

    def symbol(self, asset: str) -> str:
        """The ccxt unified symbol of `asset` on this venue."""
        base = f"{self.thousands_prefix}{asset}" if asset in THOUSANDS else asset
        return f"{base}/{self.quote}:{self.settle}"

    def unit(self, asset: str) -> float:
        """Tokens per quoted unit: 1000 for per-1000 markets, else 1."""
        return 1000.0 if asset in THOUSANDS else 1.0

    def lists(self, index: int, asset: str) -> bool:
        """Whether the venue lists the asset at `index` of the universe."""
        return index < self.listed and asset not in self.unlisted

    def base_interval(self, asset: str) -> float:
        """The asset's funding interval in calm markets."""
        return self.short_base.get(asset, self.ladder[0])

    def error(self, reason: str) -> tuple[str, str]:
        """(code, message) of a rejection reason, as this venue says it."""
        return self.errors.get(reason, ("", "Request refused."))

    def say(self, reason: str, detail: str = "") -> tuple[str, str | None]:
        """(one-line message, code or None) of a refusal: 'binanceusdm -2022: ReduceOnly ...'."""
        code, message = self.error(reason)
        head = f"{self.id} {code}" if code else self.id
        extra = f" ({detail})" if detail else ""
        return f"{head}: {message}{extra}", code or None


_BINANCE_ERRORS = {
    "precision": ("-1111", "Precision is over the maximum defined for this asset."),
    "min_size": ("-4003", "Quantity less than minimum quantity (Filter failure: LOT_SIZE)."),
    "tick": ("-4014", "Price not increased by tick size."),
    "reduce_only": ("-2022", "ReduceOnly Order is rejected."),
    "margin": ("-2019", "Margin is insufficient."),
    "symbol": ("-1121", "Invalid symbol."),
    "duplicate": ("-4116", "ClientOrderId is duplicated."),
    "unknown_order": ("-2011", "Unknown order sent."),
    "client_id": ("-4015", "Client order id is not valid."),
    "overloaded": ("-1008", "Server is currently overloaded with other requests."),
    "rate_limit": ("-1003", "Too many requests; current limit is 2400 requests per minute."),
    "auth": ("-2015", "Invalid API-key, IP, or permissions for action."),
    "withdraw": ("-4026", "Insufficient withdrawable balance."),
}
_BYBIT_ERRORS = {
    "precision": ("170137", "Order quantity has too many decimals."),
    "min_size": ("170136", "Order quantity is lower than the minimum order quantity."),
    "tick": ("170134", "Order price has too many decimals."),
    "reduce_only": ("110017", "Reduce-only order qty exceeds the current position."),
    "margin": ("110007", "Available balance is not enough."),
    "symbol": ("10001", "params error: symbol invalid."),
    "duplicate": ("110072", "OrderLinkedID is duplicate."),
    "unknown_order": ("110001", "Order does not exist."),
    "client_id": ("10001", "params error: orderLinkId invalid."),
    "overloaded": ("10016", "Internal server error; service is overloaded."),
    "rate_limit": ("10006", "Too many visits!"),
    "auth": ("10003", "API key is invalid."),
    "withdraw": ("131001", "Insufficient withdrawable balance."),
}
_OKX_ERRORS = {
    "precision": ("51121", "Order quantity must be a multiple of the lot size."),
    "min_size": ("51020", "Order amount should be greater than the min available amount."),
    "tick": ("51155", "Order price is not a multiple of the tick size."),
    "reduce_only": ("51169", "You don't have any positions in this direction to reduce or close."),
    "margin": ("51008", "Order failed. Insufficient USDT margin in account."),
    "symbol": ("51001", "Instrument ID does not exist."),
    "duplicate": ("51016", "Duplicated clOrdId."),
    "unknown_order": ("51603", "Order does not exist."),
    "client_id": ("51000", "Parameter clOrdId error."),
    "overloaded": ("50001", "Service temporarily unavailable. Try again later."),
    "rate_limit": ("50011", "Rate limit reached."),
    "auth": ("50113", "Invalid sign."),
    "withdraw": ("58350", "Insufficient balance."),
}
_HL_ERRORS = {
    "precision": ("", "Order has invalid size."),
    "min_size": ("", "Order must have minimum size."),
    "tick": ("", "Order has invalid price."),
    "reduce_only": ("", "Reduce only order would increase position."),
    "margin": ("", "Insufficient margin to place order."),
    "symbol": ("", "Unknown asset."),
    "duplicate": ("", "Duplicate cloid."),
    "unknown_order": ("", "Order was never placed, already canceled, or filled."),
    "client_id": ("", "Invalid cloid."),
    "overloaded": ("", "Exchange is overloaded, try again."),
    "rate_limit": ("429", "Too Many Requests."),
    "auth": ("", "User or API wallet does not exist."),
    "withdraw": ("", "Insufficient withdrawable balance."),
}
_DYDX_ERRORS = {
    "precision": ("", "Order quantums must be a multiple of StepBaseQuantums."),
    "min_size": ("", "Order quantums below MinOrderBaseQuantums."),
    "tick": ("", "Order subticks must be a multiple of SubticksPerTick."),
    "reduce_only": ("2008", "ReduceOnly: order would increase position size."),
    "margin": ("3007", "Subaccount would be undercollateralized."),
    "symbol": ("", "Perpetual does not exist."),
    "duplicate": ("", "Order with this client id already exists."),
    "unknown_order": ("", "Order not found."),
    "client_id": ("", "Invalid client id."),
    "overloaded": ("", "Validator mempool is full."),
    "rate_limit": ("429", "Too Many Requests."),
    "auth": ("", "Signature verification failed."),
    "withdraw": ("", "Insufficient free collateral."),
}
_PARADEX_ERRORS = {
    "precision": ("INVALID_ORDER_SIZE", "Order size is not a multiple of the step size."),
    "min_size": ("ORDER_SIZE_BELOW_MIN", "Order size is below the minimum."),
    "tick": ("INVALID_PRICE_PRECISION", "Price is not a multiple of the tick size."),
    "reduce_only": ("REDUCE_ONLY_WOULD_INCREASE", "Reduce-only order would increase position."),
    "margin": ("NOT_ENOUGH_MARGIN", "Account margin is insufficient."),
    "symbol": ("MARKET_NOT_FOUND", "Market not found."),
    "duplicate": ("CLIENT_ID_DUPLICATE", "Client order id already in use."),
    "unknown_order": ("ORDER_NOT_FOUND", "Order not found."),
    "client_id": ("VALIDATION_ERROR", "Invalid client id."),
    "overloaded": ("SERVICE_UNAVAILABLE", "Service is overloaded."),
    "rate_limit": ("429", "Rate limit exceeded."),
    "auth": ("INVALID_TOKEN", "JWT is invalid or expired."),
    "withdraw": ("INSUFFICIENT_BALANCE", "Insufficient withdrawable balance."),
}

VENUES: tuple[VenueSpec, ...] = (
    VenueSpec(
        "binanceusdm", Layer.CEX, "USDT", "USDT", taker=0.0005, maker=0.0002,
        ladder=(8.0, 4.0, 1.0), cap=0.0075, depth=1.0, spread=1.0, liq_fee=0.0125,
        short_base={"WIF": 4.0, "SUI": 4.0, "ENA": 4.0, "TIA": 4.0, "JUP": 4.0},
        errors=_BINANCE_ERRORS,
        # binance's v3 positionRisk dropped leverage; ccxt reports it as None.
        position_fields=frozenset({"mark", "liquidation", "initial", "maintenance"}),
    ),
    VenueSpec(
        "bybit", Layer.CEX, "USDT", "USDT", taker=0.00055, maker=0.0002,
        ladder=(8.0, 4.0, 1.0), cap=0.0075, depth=0.7, spread=1.2, liq_fee=0.01,
        short_base={"WIF": 1.0, "PEPE": 4.0, "BONK": 1.0, "ENA": 1.0, "SEI": 4.0},
        errors=_BYBIT_ERRORS,
    ),
    VenueSpec(
        "okx", Layer.CEX, "USDT", "USDT", taker=0.0005, maker=0.0002,
        ladder=(8.0, 4.0, 1.0), cap=0.0075, depth=0.6, spread=1.3, liq_fee=0.01,
        listed=38, errors=_OKX_ERRORS,
    ),
    VenueSpec(
        "hyperliquid", Layer.HYPERLIQUID, "USDC", "USDC", taker=0.00045, maker=0.00015,
        ladder=(1.0,), cap=0.04, depth=0.45, spread=1.6, step_scale=0.1, maint_scale=1.2,
        liq_fee=0.0, thousands_prefix="k", errors=_HL_ERRORS,
        # clearinghouseState has no per-position maintenance margin.
        position_fields=frozenset({"mark", "liquidation", "leverage", "initial"}),
    ),
    VenueSpec(
        "dydx", Layer.DYDX, "USD", "USDC", taker=0.0005, maker=0.0001,
        ladder=(1.0,), cap=0.01, depth=0.3, spread=2.0, step_scale=0.1, min_steps=10,
        maint_scale=1.5, liq_fee=0.015, listed=36, unlisted=frozenset({"TON", "BNB"}),
        errors=_DYDX_ERRORS,
        # The indexer reports size, side, entry and uPnL only.
        position_fields=frozenset(),
    ),
    VenueSpec(
        "paradex", Layer.STARKNET, "USD", "USDC", taker=0.0002, maker=0.0,
        ladder=(8.0,), cap=0.01, depth=0.2, spread=2.5, min_steps=10, maint_scale=1.5,
        liq_fee=0.01, listed=28, unlisted=frozenset({"TON", "BNB", "XLM", "HBAR"}),
        errors=_PARADEX_ERRORS,
        position_fields=frozenset({"mark", "initial"}),
    ),
)

VENUE_IDS: tuple[str, ...] = tuple(v.id for v in VENUES)


def _pow10_floor(x: float) -> Decimal:
    """The largest power of ten not above `x`, exactly, written plainly ("100", "0.001")."""
    return Decimal(10) ** math.floor(math.log10(x))


def instrument(venue: VenueSpec, asset: AssetSpec) -> Instrument:
    """The market rules of `asset` on `venue`: steps from the price, fees from the venue.

    A size step is worth about $2-$20 on a CEX (finer on DEXs); a price tick gives about
    six significant digits of the starting price, as most venues quote.
    """
    price = asset.price * venue.unit(asset.name)
    step = _pow10_floor(20.0 / price * venue.step_scale)
    tick = _pow10_floor(price / 1e5)
    return Instrument(
        venue=venue.id, symbol=venue.symbol(asset.name), asset=asset.name,
        settle=venue.settle, amount_step=step, min_amount=step * venue.min_steps,
        price_step=tick, taker_fee=venue.taker, maker_fee=venue.maker,
    )


#: Layers whose simulated accounts have a spot (or funding) wallet to top up from (`cockpit.sim.topup`).
TOP_UP_LAYERS = (Layer.CEX, Layer.HYPERLIQUID)

# The demo's accounts: (account name, venue id, label). Scenarios name accounts by these names.
ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("binance", "binanceusdm", "Binance main"),
    ("bybit", "bybit", "Bybit alts"),
    ("okx", "okx", "OKX hedge"),
    ("hyperliquid", "hyperliquid", "Hyperliquid"),
    ("dydx", "dydx", "dYdX v4"),
    ("paradex", "paradex", "Paradex"),
)
ACCOUNT_NAMES: tuple[str, ...] = tuple(a[0] for a in ACCOUNTS)
