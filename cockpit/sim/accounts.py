"""The ledger: accounts, their positions and wallets, fills, funding payments and liquidations.

Sizes and entry prices are exact (`Decimal`), as a venue keeps them; wallets are floats in the
settle currency. Positions are also mirrored into `PositionArrays` so the per-step margin check
is one vectorized pass over every position of every account.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

import numpy as np

from cockpit.model import AccountInfo, Instrument, Side
from cockpit.sim.margin import MarginCheck, PositionArrays, bracket_table
from cockpit.sim.universe import AssetSpec, VenueSpec


PAYMENTS_KEPT = 4096  # funding payments an account's history lists (a week of 1 h payments on 24 symbols)


@dataclass(slots=True)
class PositionState:
    """One open position as the venue keeps it.

    Attributes:
        size: signed size in the instrument's units (positive long).
        margin: the isolated margin (0 for cross positions).
        funding: funding received (+) or paid (-) since the position opened.
    """

    symbol: str
    asset: int
    size: Decimal
    entry: Decimal
    leverage: float
    isolated: bool = False
    margin: float = 0.0
    funding: float = 0.0

    @property
    def side(self) -> Side:
        """LONG or SHORT."""
        return Side.LONG if self.size > 0 else Side.SHORT


@dataclass(frozen=True, slots=True)
class AccountFigures:
    """An account's collateral at the current marks.

    Attributes:
        withdrawable: free collateral minus unrealized profit (profit cannot leave until realized).
        cross_slack: cross equity minus cross maintenance (what cross positions can still lose).
    """

    equity: float
    used: float
    free: float
    withdrawable: float
    maintenance: float
    cross_slack: float


@dataclass(frozen=True, slots=True)
class Liquidation:
    """One position the venue closed: at which mark, at which margin ratio, what it cost."""

    account: Account
    position: PositionState
    mark: float
    ratio: float
    loss: float


@dataclass(slots=True)
class Account:
    """One simulated account: who it is, where it trades, what it holds."""

    info: AccountInfo
    spec: VenueSpec
    index: int
    venue: int
    instruments: dict[str, Instrument]
    assets: dict[str, int]  # symbol -> asset index
    leverage: float = 10.0
    positions: dict[str, PositionState] = field(default_factory=dict)
    fees_paid: float = 0.0
    funding_paid: float = 0.0
    # Each funding payment booked, as a venue's funding history lists them: (time, symbol,
    # amount received (+) or paid (-), rate, notional). The newest PAYMENTS_KEPT only.
    payments: deque = field(default_factory=lambda: deque(maxlen=PAYMENTS_KEPT))

    @property
    def name(self) -> str:
        """The account's name."""
        return self.info.name


def _entry(old: PositionState | None, add: Decimal, price: Decimal, step: Decimal) -> Decimal:
    """Volume-weighted entry after adding `add` (unsigned) at `price` to the same side."""
    if old is None or old.size == 0:
        return price
    held = abs(old.size)
    return ((held * old.entry + add * price) / (held + add)).quantize(step.scaleb(-3))


class Ledger:
    """Every account's wallet and positions, with fills, funding and liquidation."""

    def __init__(self, accounts: list[Account], assets: list[AssetSpec], scale: np.ndarray,
                 marks: Callable[[PositionArrays], np.ndarray]):
        self.accounts = accounts
        self.marks = marks  # the current mark of each position in the arrays
        self.by_name = {a.name: a for a in accounts}
        self.assets = assets
        self.scale = scale  # venue x asset: the venue's index per unit of the global index
        self.wallet = np.zeros(len(accounts))
        # Each account's spot (or funding) wallet beside its perp margin: what a top-up within the
        # venue can move in (`cockpit.sim.topup`); not collateral until it is moved.
        self.spot = np.zeros(len(accounts))
        self.arrays = PositionArrays(len(accounts))
        self.dirty = True

    # --- positions -----------------------------------------------------------------------------

    def rebuild(self) -> PositionArrays:
        """The position arrays, rebuilt if any position changed since the last call."""
        if not self.dirty:
            return self.arrays
        arr = PositionArrays(len(self.accounts))
        rows = [(acc, p) for acc in self.accounts for p in acc.positions.values()]
        arr.keys = [(acc.index, p.symbol) for acc, p in rows]
        arr.account = np.array([acc.index for acc, _ in rows], dtype=np.int64)
        arr.venue = np.array([acc.venue for acc, _ in rows], dtype=np.int64)
        arr.asset = np.array([p.asset for _, p in rows], dtype=np.int64)
        arr.size = np.array([float(p.size) for _, p in rows])
        arr.entry = np.array([float(p.entry) for _, p in rows])
        arr.scale = self.scale[arr.venue, arr.asset] if rows else np.zeros(0)
        arr.isolated = np.array([p.isolated for _, p in rows], dtype=bool)
        arr.margin = np.array([p.margin for _, p in rows])
        arr.leverage = np.array([p.leverage for _, p in rows])
        tables = [bracket_table(self.assets[p.asset].tier, acc.spec.maint_scale) for acc, p in rows]
        width = 5
        arr.floors = np.array([t[0] for t in tables]).reshape(-1, width)
        arr.rates = np.array([t[1] for t in tables]).reshape(-1, width)
        arr.amounts = np.array([t[2] for t in tables]).reshape(-1, width)
        self.arrays = arr
        self.dirty = False
        return arr

    def open(self, acc: Account, symbol: str, size: Decimal, entry: Decimal, *,
             leverage: float | None = None, isolated: bool = False, margin: float = 0.0) -> None:
        """Seed a position directly (the demo's starting book), without a trade."""
        acc.positions[symbol] = PositionState(symbol, acc.assets[symbol], size, entry,
                                              leverage or acc.leverage, isolated, margin)
        self.wallet[acc.index] -= margin
        self.dirty = True

    def fill(self, acc: Account, symbol: str, side: Side, amount: Decimal, price: Decimal,
             fee: float) -> float:
        """Apply one execution to the account; returns the realized PnL (before the fee)."""
        inst = acc.instruments[symbol]
        pos = acc.positions.get(symbol)
        delta = amount if side is Side.LONG else -amount
        realized = 0.0
        if pos is None or pos.size == 0 or (pos.size > 0) == (delta > 0):
            entry = _entry(pos, amount, price, inst.price_step)
            if pos is None:
                pos = PositionState(symbol, acc.assets[symbol], Decimal(0), entry, acc.leverage)
                acc.positions[symbol] = pos
            if pos.isolated:
                add = float(amount * price) / pos.leverage
                pos.margin += add
                self.wallet[acc.index] -= add
            pos.entry = entry
            pos.size += delta
        else:
            closing = min(amount, abs(pos.size))
            realized = float(closing * (price - pos.entry)) * (1 if pos.size > 0 else -1)
            if pos.isolated:
                released = pos.margin * float(closing / abs(pos.size))
                pos.margin -= released
                self.wallet[acc.index] += released
            pos.size += delta if amount <= abs(pos.size) else -pos.size
            self.wallet[acc.index] += realized
            rest = amount - closing
            if pos.size == 0:
                del acc.positions[symbol]
            if rest > 0:  # a flip: the rest opens the other side at the fill price
                acc.positions[symbol] = PositionState(symbol, acc.assets[symbol], delta / amount * rest,
                                                      price, acc.leverage)
        self.wallet[acc.index] -= fee
        acc.fees_paid += fee
        self.dirty = True
        return realized

    def position_size(self, acc: Account, symbol: str) -> Decimal:
        """The signed size held in `symbol` (0 when flat)."""
        pos = acc.positions.get(symbol)
        return pos.size if pos else Decimal(0)

    # --- funding -------------------------------------------------------------------------------

    def pay_funding(self, due: np.ndarray, rates: np.ndarray, marks: np.ndarray, now: float = 0.0
                    ) -> dict[int, tuple[float, int]]:
        """Pay or receive funding on every position whose cell is due.

        Returns, per account index, (amount received, positive or negative; positions paid).
        Isolated positions pay out of their own margin, cross ones out of the wallet.
        """
        arr = self.rebuild()
        if not len(arr):
            return {}
        hit = due[arr.venue, arr.asset]
        if not hit.any():
            return {}
        pay = -arr.size * marks * rates[arr.venue, arr.asset]
        out: dict[int, tuple[float, int]] = {}
        for i in np.nonzero(hit)[0]:
            acc_i, symbol = arr.keys[i]
            acc = self.accounts[acc_i]
            pos = acc.positions[symbol]
            amount = float(pay[i])
            pos.funding += amount
            acc.funding_paid -= amount
            notional = float(abs(arr.size[i]) * marks[i])
            acc.payments.append((now, symbol, amount, float(rates[arr.venue[i], arr.asset[i]]), notional))
            if pos.isolated:
                pos.margin += amount
                arr.margin[i] = pos.margin
            else:
                self.wallet[acc_i] += amount
            total, count = out.get(acc_i, (0.0, 0))
            out[acc_i] = (total + amount, count + 1)
        return out

    # --- margin --------------------------------------------------------------------------------

    def evaluate(self) -> tuple[np.ndarray, MarginCheck]:
        """(marks, margin check) of every position at the current marks."""
        arr = self.rebuild()
        marks = self.marks(arr)
        return marks, arr.check(marks, self.wallet)

    def figures(self, acc: Account) -> AccountFigures:
        """The account's collateral figures at the current marks."""
        arr = self.rebuild()
        _, chk = self.evaluate()
        mine = arr.account == acc.index
        cross = mine & ~arr.isolated
        upnl = float(chk.upnl[mine].sum())
        iso_margin = float(arr.margin[mine & arr.isolated].sum())
        equity = float(self.wallet[acc.index]) + iso_margin + upnl
        used = float((chk.notional[cross] / arr.leverage[cross]).sum()) + iso_margin
        free = equity - used
        return AccountFigures(
            equity=equity, used=used, free=free,
            withdrawable=max(0.0, min(free, free - upnl)),
            maintenance=float(chk.maint[mine].sum()),
            cross_slack=float(chk.cross_equity[acc.index] - chk.cross_maint[acc.index]),
        )

    def free(self, acc: Account) -> float:
        """Collateral not held as margin."""
        return self.figures(acc).free

    def liquidate(self, chk: MarginCheck, marks: np.ndarray) -> list[Liquidation]:
        """Close what the check flagged, paying the venue's liquidation fee.

        Isolated positions go alone; a cross account loses its positions largest maintenance
        first until its equity covers its maintenance again.
        """
        arr = self.arrays
        closed: list[Liquidation] = []
        for i in np.nonzero(chk.liquidate_positions)[0]:
            acc_i, symbol = arr.keys[i]
            acc = self.accounts[acc_i]
            pos = acc.positions.pop(symbol)
            fee = min(acc.spec.liq_fee * chk.notional[i], max(chk.iso_equity[i], 0.0))
            returned = max(chk.iso_equity[i] - fee, 0.0)
            self.wallet[acc_i] += returned
            ratio = chk.iso_equity[i] / chk.maint[i]
            closed.append(Liquidation(acc, pos, float(marks[i]), float(ratio), pos.margin - returned))
        for acc_i in np.nonzero(chk.liquidate_accounts)[0]:
            acc = self.accounts[acc_i]
            rows = [i for i in np.nonzero(arr.account == acc_i)[0] if not arr.isolated[i]]
            rows.sort(key=lambda i: -chk.maint[i])
            equity, maint = float(chk.cross_equity[acc_i]), float(chk.cross_maint[acc_i])
            ratio = equity / maint
            for i in rows:
                if equity >= maint:
                    break
                pos = acc.positions.pop(arr.keys[i][1])
                fee = acc.spec.liq_fee * chk.notional[i]
                self.wallet[acc_i] += chk.upnl[i] - fee
                equity -= fee  # the PnL moved into the wallet; only the fee leaves the equity
                maint -= chk.maint[i]
                closed.append(Liquidation(acc, pos, float(marks[i]), ratio, float(fee - chk.upnl[i])))
            # The insurance fund absorbs a negative balance: the account cannot owe the venue.
            self.wallet[acc_i] = max(self.wallet[acc_i], 0.0)
        self.dirty = True
        return closed
