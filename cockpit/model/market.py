"""What a venue tells us about one account: instruments, positions, collateral, funding.

Quantities that end up in orders (sizes, prices) are `Decimal`, so no float rounding ever reaches a
venue. Rates and derived analytics are `float`: they feed numpy and are never sent anywhere.
Times are POSIX seconds (`float`), as the clock that produced them says; the model has no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from itertools import count

from cockpit.model.enums import Health, Layer, MarginMode, Side, TransferStatus
from cockpit.model.funding import annualized
from cockpit.model.ids import PositionKey
from cockpit.model.orders import Order


@dataclass(frozen=True, slots=True)
class Instrument:
    """A perpetual market on one venue, with the precision its orders must respect.

    Attributes:
        symbol: ccxt unified symbol, e.g. ``"BTC/USDT:USDT"``.
        asset: the base asset, e.g. ``"BTC"``; positions in the same asset are hedged legs.
        amount_step: the smallest size increment in base units; order sizes round down to it.
        min_amount: the smallest order size in base units.
        price_step: the price tick.
        contract_size: base units per contract (1 where sizes are in base units).
        taker_fee / maker_fee: fee rates as fractions of notional.
        inverse: a coin-margined swap (OKX BTC-USD-SWAP). A contract is then worth
            `contract_size` in USD, not coins, so a position's size in coin moves with the mark:
            its orders are counted in whole contracts instead (the order unit: `amount_step`,
            `min_amount`, order amounts and fills on it are contracts; see `Position.contracts`).
    """

    venue: str
    symbol: str
    asset: str
    settle: str = "USDT"
    amount_step: Decimal = Decimal("0.001")
    min_amount: Decimal = Decimal("0.001")
    price_step: Decimal = Decimal("0.01")
    contract_size: Decimal = Decimal("1")
    taker_fee: float = 0.0005
    maker_fee: float = 0.0002
    inverse: bool = False

    def unit_value(self, mark: float) -> float:
        """The USD value of one order unit at `mark`: a contract's face value when inverse."""
        return float(self.contract_size) if self.inverse else mark

    def depth_within(self, levels, reference: float, within: float) -> float:
        """USD a taker order could take from `levels` (the side it consumes, best first, as
        (price, amount in the order unit)) at prices within `within` (a fraction) of `reference`
        (the mark): the book's depth inside a slippage bound. 0 for an empty book."""
        low, high = reference * (1 - within), reference * (1 + within)
        total = 0.0
        for price, amount in levels:
            p = float(price)
            if not low <= p <= high:
                break  # best first: the rest are further away
            total += float(amount) * self.unit_value(p)
        return total


@dataclass(frozen=True, slots=True)
class FundingQuote:
    """The current funding of one symbol on one venue.

    `rate` is per interval, positive when longs pay shorts. `interval_hours` is the symbol's own
    current interval (venues use 1h, 4h and 8h and change them), so `apr` is always comparable;
    None when the venue's reply does not tell it (OKX without ``nextFundingTime``): the quote is
    still shown, but its APR is unknown rather than annualised over a guessed interval.
    """

    venue: str
    symbol: str
    asset: str
    rate: float
    interval_hours: float | None
    next_time: float | None = None
    predicted_rate: float | None = None
    mark_price: float | None = None
    open_interest: float | None = None

    @property
    def apr(self) -> float | None:
        """Annualized rate: rate × (24 / interval_hours) × 365; None when the interval is unknown."""
        if self.interval_hours is None:
            return None
        return annualized(self.rate, self.interval_hours)


@dataclass(frozen=True, slots=True)
class Position:
    """One open position as the venue reports it.

    `size` is unsigned base units; `side` carries the direction. Fields a venue may not report are
    `None` (unknown), never 0: a cross-margin position often has no liquidation price of its own.
    """

    account: str
    venue: str
    symbol: str
    asset: str
    side: Side
    size: Decimal
    entry_price: Decimal
    mark_price: Decimal | None = None
    liquidation_price: Decimal | None = None
    leverage: float | None = None
    margin_mode: MarginMode = MarginMode.CROSS
    unrealized_pnl: float | None = None
    initial_margin: float | None = None
    maintenance_margin: float | None = None
    contracts: Decimal | None = None  # inverse swaps only: the size in contracts (order unit)

    @property
    def key(self) -> PositionKey:
        """A stable identity for the position across snapshots: account and symbol."""
        return PositionKey(self.account, self.symbol)

    @property
    def signed_size(self) -> Decimal:
        """Size with its sign: positive long, negative short."""
        return self.size if self.side is Side.LONG else -self.size

    @property
    def notional(self) -> float | None:
        """Absolute notional at mark, in the settle currency; None when mark is unknown."""
        if self.mark_price is None:
            return None
        return float(self.size * self.mark_price)

    @property
    def order_size(self) -> Decimal:
        """The size in its instrument's order unit: contracts for an inverse swap (whose size in
        coin moves with the mark), else `size`. Reduce-only amounts are checked against it."""
        return self.size if self.contracts is None else self.contracts

    def base_amount(self, amount: Decimal) -> Decimal:
        """An amount in the order unit as base units (coin) at this position's mark."""
        if self.contracts is None or self.contracts == 0:
            return amount
        return amount * self.size / self.contracts


@dataclass(frozen=True, slots=True)
class Transfer:
    """Collateral on its way between layers (a withdrawal, a bridge, an internal transfer)."""

    id: str
    account: str
    from_layer: Layer
    to_layer: Layer
    amount: Decimal
    currency: str
    started_at: float
    eta: float | None
    status: TransferStatus = TransferStatus.IN_FLIGHT
    route: str = ""
    fee: Decimal = Decimal("0")


@dataclass(frozen=True, slots=True)
class Collateral:
    """One account's collateral in its settle currency.

    Attributes:
        equity: wallet balance plus unrealized PnL.
        used: margin held by positions and orders.
        free: equity minus used.
        withdrawable: what can leave the account now (None when the venue does not say).
        maintenance: maintenance margin of the account (None when unknown).
        in_flight: transfers out of or into this account that have not landed.
    """

    account: str
    layer: Layer
    currency: str
    equity: float
    used: float
    free: float
    withdrawable: float | None = None
    maintenance: float | None = None
    in_flight: tuple[Transfer, ...] = ()

    @property
    def margin_ratio(self) -> float | None:
        """Equity over maintenance margin: below 1 the account is liquidated; None when unknown."""
        if self.maintenance is None or self.maintenance <= 0:
            return None
        return self.equity / self.maintenance


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """One set of credentials on one venue, as the user configured it (no secrets here).

    `readonly_reason` says why an account is read-only when the config is not why (a venue
    cockpit has no profile for); empty otherwise.
    """

    name: str
    venue: str
    layer: Layer
    readonly: bool = False
    label: str = ""
    readonly_reason: str = ""

    @property
    def title(self) -> str:
        """What panes show for the account."""
        return self.label or self.name


@dataclass(frozen=True, slots=True)
class LiquidationReport:
    """A position the venue says it liquidated: what, how much, at which price, what it cost.

    `time` is the venue's clock; `loss` is None when the venue does not say.
    """

    account: str
    symbol: str
    side: Side
    size: Decimal
    price: float
    time: float
    loss: float | None = None


_SNAPSHOTS = count(1)  # `VenueSnapshot.seq`; next() on a count is atomic under the GIL


@dataclass(frozen=True, slots=True)
class VenueSnapshot:
    """Everything one poll of one account returned, frozen at `fetched_at`.

    `venue_time` is the venue's own clock in its replies (None where they carry none);
    `venue_height` a counter the venue advances as its data moves on where it has no clock
    (dYdX: the block height its indexer has processed). Either one that stops means the venue
    serves frozen data: the account ages as if it were silent.

    `liquidations` are the venue's own reports of liquidations on the account (recent ones; a
    venue or adapter that cannot tell leaves it empty and the engine infers them instead).

    `seq` numbers the snapshot when it is made, one number per snapshot in this process (a copy
    or an unpickled one gets its own): risk converts each snapshot to arrays once and keeps them
    under this number. It is not part of the value: not compared, not sent over the wire.
    """

    account: AccountInfo
    fetched_at: float
    positions: tuple[Position, ...]
    collateral: Collateral
    funding: tuple[FundingQuote, ...]
    marks: tuple[tuple[str, float], ...] = ()
    open_orders: tuple[Order, ...] = ()
    venue_time: float | None = None
    latency: float | None = None
    venue_height: int | None = None
    liquidations: tuple[LiquidationReport, ...] = ()
    seq: int = field(default=0, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "seq", next(_SNAPSHOTS))

    def __setstate__(self, state: list) -> None:
        """Unpickle (or copy) with a number of its own: another process numbered it apart."""
        for f, value in zip(fields(self), state):
            object.__setattr__(self, f.name, value)
        object.__setattr__(self, "seq", next(_SNAPSHOTS))

    def mark(self, symbol: str) -> float | None:
        """The mark price of `symbol` in this snapshot, if reported."""
        for sym, price in self.marks:
            if sym == symbol:
                return price
        return None


__all__ = [
    "Instrument", "FundingQuote", "Position", "Transfer", "Collateral", "AccountInfo", "LiquidationReport",
    "VenueSnapshot",
]
