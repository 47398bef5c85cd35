"""The book flattened into numpy arrays: one row per position, per account, per funding quote.

Every rule in `cockpit.risk` works on these arrays. Unknown numbers are NaN here (None in the
model), so they propagate instead of pretending to be 0.

Building is incremental: snapshots are frozen, so the rows of an account are cached against the
snapshot object (and its instruments) and rebuilt only when a new snapshot of that account
arrives. Even then, what depends only on which positions and quotes the snapshot lists (its
`Layout`) and its unchanged sizes and entry prices are taken from the account's previous rows:
when every poller delivers at once, the rows of every account are rebuilt, and this is most of
an evaluation's cost. Asset and asset × venue indices are stable for the life of a
`TableBuilder`, which lets the volatility and funding histories live in arrays indexed the same
way.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, repeat
from operator import attrgetter, eq
from types import MappingProxyType
from typing import Mapping

import numpy as np

from cockpit.model import AccountState, Book, FundingQuote, Health, Instrument, Position, PositionKey, Side
from cockpit.model.market import MarginMode, TransferStatus, VenueSnapshot
from cockpit.risk.arrays import fill_nan

NAN = float("nan")
_DONE = (TransferStatus.DONE, TransferStatus.FAILED)
_NO_INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType({})  # one object, so the cache can hit
_SIGN = {Side.LONG: 1.0, Side.SHORT: -1.0}
_CROSS = {MarginMode.CROSS: 1.0, MarginMode.ISOLATED: 0.0}
# One C-level pass per snapshot reads every field the rules need (far cheaper than one
# comprehension per field).
_POSITION_FIELDS = attrgetter("side", "size", "entry_price", "mark_price", "liquidation_price",
                              "maintenance_margin", "leverage", "margin_mode", "unrealized_pnl",
                              "initial_margin", "asset", "symbol", "account", "venue")
_QUOTE_FIELDS = attrgetter("asset", "symbol", "apr", "open_interest", "mark_price")


class Registry:
    """Names to stable indices; it only grows, so an index once given never changes meaning."""

    def __init__(self) -> None:
        self.index: dict = {}
        self.names: list = []

    def get(self, name) -> int:
        """The index of `name`, registering it on first sight."""
        i = self.index.get(name)
        if i is None:
            i = self.index[name] = len(self.names)
            self.names.append(name)
        return i

    def indices(self, names) -> list[int]:
        """The index of each of `names`, registering new ones."""
        out = list(map(self.index.get, names))
        if None in out:  # rare after the first snapshot: register the new names
            out = [self.get(n) for n in names]
        return out

    def __len__(self) -> int:
        return len(self.names)


def instrument_for(instruments: Mapping[str, Instrument], p: Position) -> Instrument:
    """The position's instrument, or a stand-in whose step (and minimum) is the precision the
    venue reported the size in: an order of that precision is one the venue can represent."""
    ins = instruments.get(p.symbol)
    if ins is not None:
        return ins
    exponent = p.size.as_tuple().exponent
    step = Decimal(1).scaleb(exponent) if isinstance(exponent, int) and exponent < 0 else Decimal(1)
    return Instrument(venue=p.venue, symbol=p.symbol, asset=p.asset, amount_step=step, min_amount=step)


def _floats(values) -> list[float]:
    """Optional numbers (Decimal or float) as floats, NaN for None."""
    return [NAN if v is None else float(v) for v in values]


def _nan_if_none(values: tuple) -> tuple:
    """Optional floats for numpy, which turns None into NaN itself, but slowly: a column the
    venue leaves out altogether is handed over as NaN outright."""
    n = len(values)
    return values if values.count(None) < n else (NAN,) * n


def _signs(values: tuple) -> list[float]:
    return list(map(_SIGN.__getitem__, values))


def _cross(values: tuple) -> list[float]:
    return list(map(_CROSS.__getitem__, values))


def _exact(values: tuple) -> list[float]:
    return list(map(float, values))


# How each reported position column becomes numbers for numpy, in p_num's order: sign, size,
# mark, entry, liquidation, maintenance, leverage, cross, uPnL, initial (isolated) margin.
_CONVERT = (_signs, _exact, _floats, _exact, _floats, _nan_if_none, _nan_if_none, _cross, _nan_if_none,
            _nan_if_none)
_RAW = len(_CONVERT)  # p_num's reported columns; the funding APR follows them


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a snapshot's rows go: everything that follows from *which* positions and quotes it
    lists (their symbols, assets and accounts) and from the instruments, not from their numbers.

    Successive polls of an account nearly always list the same ones, so a new snapshot reuses the
    layout of the account's last one when its `names` are equal and its instruments are the same
    mapping (a few hundred string comparisons instead of registry lookups, tuple building and
    instrument searches). Instruments are compared by identity, as the rows cache does: a venue's
    table is replaced when it changes, never edited in place.
    """

    names: tuple  # the venue; symbols, assets, accounts; quote symbols, quote assets
    instruments: Mapping[str, Instrument]
    keys: list[PositionKey]  # `Position.key`: account and symbol, both in `names`
    instrument: list[Instrument | None]  # None where the venue has none: see `stand_in`
    stand_in: list[int]  # positions whose instrument is made up per snapshot (from its size)
    at: np.ndarray  # each position's row among the quotes (any row where `unquoted`)
    unquoted: np.ndarray  # positions whose symbol the account does not quote
    p_asset: np.ndarray
    p_cell: np.ndarray
    q_asset: np.ndarray
    q_cell: np.ndarray  # -1 where another symbol was quoted first in the cell


def layout(snap: VenueSnapshot, names: tuple, instruments: Mapping[str, Instrument], assets: Registry,
           cells: Registry, cell_symbol: dict) -> Layout:
    """The layout of `snap`, whose `names` are given, registering new assets and cells."""
    venue, symbol, asset, _, q_symbol, q_asset = names
    nq = len(q_symbol)
    quote_at = dict(zip(q_symbol, range(nq)))
    q_asset_index = np.array(assets.indices(q_asset), np.intp)
    q_cell = cells.indices([(a, venue) for a in q_asset])
    # One symbol per asset × venue cell: the first one ever quoted there.
    first = np.fromiter(map(eq, map(cell_symbol.setdefault, q_cell, q_symbol), q_symbol), bool, nq)
    # Registered in this order (quoted assets, held ones, their cells, then the marks table's) so
    # that indices, and with them the order of cells and of ties, stay what they always were.
    p_asset = np.array(assets.indices(asset), np.intp)
    instrument = list(map(instruments.get, symbol))
    at = np.fromiter(map(quote_at.get, symbol, repeat(-1)), np.intp, len(symbol))
    return Layout(
        names=names, instruments=instruments, keys=[p.key for p in snap.positions],
        instrument=instrument, stand_in=[i for i, x in enumerate(instrument) if x is None],
        at=np.maximum(at, 0), unquoted=np.flatnonzero(at < 0),
        p_asset=p_asset, p_cell=np.array(cells.indices([(a, venue) for a in asset]), np.intp),
        q_asset=q_asset_index, q_cell=np.where(first, np.array(q_cell, np.intp), -1))


@dataclass(frozen=True, slots=True)
class AccountRows:
    """One account's snapshot as arrays, plus the per-position Python values the rows show."""

    positions: tuple[Position, ...]
    text: tuple[list, ...]  # per position: key, account, venue, symbol, asset, side, size, instrument
    p_asset: np.ndarray
    p_cell: np.ndarray
    p_num: np.ndarray  # columns: sign, size, mark, entry, liq, mm, lev, cross, upnl, im, apr
    quotes: tuple[FundingQuote, ...]
    q_cell: np.ndarray
    q_num: np.ndarray  # columns: apr, open interest, mark
    m_asset: np.ndarray
    m_price: np.ndarray
    layout: Layout | None = None
    raw: tuple = ()  # p_num's columns 0-9 as reported (compared with the next snapshot's)


_EMPTY = AccountRows((), ([],) * 8, np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros((0, _RAW + 1)), (),
                     np.zeros(0, np.intp), np.zeros((0, 3)), np.zeros(0, np.intp), np.zeros(0))


def account_rows(snap: VenueSnapshot, instruments: Mapping[str, Instrument], assets: Registry,
                 cells: Registry, cell_symbol: dict, last: AccountRows | None = None) -> AccountRows:
    """Flatten one snapshot. Marks come from the position, else the snapshot's marks, else the
    funding quote; the funding of a position is its own account's quote of the same symbol.
    `last` are the rows of the account's previous snapshot: their layout is reused when it still
    fits, and so is each numeric column whose reported values are all equal (sizes, entries,
    sides... change far less often than marks, and Decimal to float is the costliest conversion
    here).

    Every new snapshot of every account passes through here, so the per-row work is done by C
    loops (`map`, `zip`, numpy's conversion of float-or-None columns, None becoming NaN) and
    Python loops run only over the exceptions (a missing mark, an unknown instrument).
    """
    ps, qs = snap.positions, snap.funding
    n, nq = len(ps), len(qs)
    (side, size, entry, mark, liq, mm, lev, mode, upnl, im, asset, symbol, account,
     venues) = zip(*map(_POSITION_FIELDS, ps)) if ps else ((),) * 14
    q_asset, q_symbol, q_apr, q_oi, q_mark = zip(*map(_QUOTE_FIELDS, qs)) if qs else ((),) * 5
    names = (snap.account.venue, symbol, asset, account, q_symbol, q_asset)
    lay = last.layout if last is not None else None
    if lay is None or lay.instruments is not instruments or lay.names != names:
        lay = layout(snap, names, instruments, assets, cells, cell_symbol)
    q_num = np.array([q_apr, q_oi, q_mark], float).T.reshape(nq, 3)  # None becomes NaN
    mark_f = _floats(mark)
    if snap.marks:  # for venues that leave the mark off the position or the quote
        marks = dict(snap.marks)
        for i in [i for i, m in enumerate(mark) if m is None]:
            m = marks.get(symbol[i])
            mark_f[i] = NAN if m is None else float(m)
        q_num[:, 2] = _floats(marks.get(s) if m is None else m for m, s in zip(q_mark, q_symbol))
    raw = (side, size, mark, entry, liq, mm, lev, mode, upnl, im)
    if last is None or len(last.raw) != _RAW or len(last.raw[0]) != n:
        p_num = np.array([mark_f if k == 2 else _CONVERT[k](c) for k, c in enumerate(raw)] + [np.zeros(n)],
                         float).T
    else:  # the marks always (with their fallbacks), the other columns only where they changed
        p_num = last.p_num.copy()
        p_num[:, 2] = mark_f
        for k, (c, old) in enumerate(zip(raw, last.raw)):
            if k != 2 and c != old:
                p_num[:, k] = _CONVERT[k](c)
    # The common case (every position quoted, every mark known) takes the fewest numpy calls:
    # each is a few microseconds, paid for every account on every new snapshot.
    p_num[:, _RAW] = q_num[lay.at, 0] if nq else NAN
    if lay.unquoted.size and nq:
        p_num[lay.unquoted, _RAW] = NAN
    p_gap = np.isnan(p_num[:, 2])
    if nq and p_gap.any():  # no mark of its own or in the marks table: the quote's
        quoted = q_num[lay.at, 2]
        quoted[lay.unquoted] = NAN
        p_num[:, 2] = np.where(p_gap, quoted, p_num[:, 2])
        p_gap = np.isnan(p_num[:, 2])
    ins = lay.instrument
    if lay.stand_in:  # a stand-in follows each snapshot's size
        ins = list(ins)
        for i in lay.stand_in:
            ins[i] = instrument_for(instruments, ps[i])
    # Every mark the snapshot carries (its marks table, the quotes', the positions') feeds the
    # asset's mark for volatility.
    q_gap = np.isnan(q_num[:, 2])
    if q_gap.any() or p_gap.any():
        m_asset, m_price = [lay.q_asset[~q_gap], lay.p_asset[~p_gap]], [q_num[~q_gap, 2], p_num[~p_gap, 2]]
    else:
        m_asset, m_price = [lay.q_asset, lay.p_asset], [q_num[:, 2], p_num[:, 2]]
    if snap.marks:
        asset_of = dict(zip(symbol, asset))
        asset_of.update(zip(q_symbol, q_asset))
        m_pairs = [(asset_of.get(s) or getattr(instruments.get(s), "asset", None), float(price))
                   for s, price in snap.marks]
        m_pairs = [(a, price) for a, price in m_pairs if a is not None]
        m_asset = [np.array(assets.indices([a for a, _ in m_pairs]), np.intp)] + m_asset
        m_price = [np.array([p for _, p in m_pairs], float)] + m_price
    return AccountRows(
        positions=ps,
        text=(lay.keys, account, venues, symbol, asset, side, size, ins),
        p_asset=lay.p_asset,
        p_cell=lay.p_cell,
        p_num=p_num,
        quotes=qs,
        q_cell=lay.q_cell,
        q_num=q_num,
        m_asset=np.concatenate(m_asset),
        m_price=np.concatenate(m_price),
        layout=lay,
        raw=raw,
    )


@dataclass(frozen=True, slots=True)
class BookTable:
    """The whole book as arrays. P positions, A accounts, Q quotes, M marks.

    Position columns are float arrays of length P (NaN = unknown); `acct`/`asset`/`cell` are
    indices. `live` is True where the position's account is LIVE; rules act only on those rows.
    `keys` … `instrument` are the per-position Python values the output rows carry.
    """

    accounts: tuple[AccountState, ...]
    a_live: np.ndarray
    a_risk: np.ndarray  # the account's last snapshot holds positions
    a_equity: np.ndarray
    a_free: np.ndarray
    a_maint: np.ndarray
    a_in_flight: np.ndarray
    a_age: np.ndarray
    positions: tuple[Position, ...]
    keys: list[PositionKey]
    account: list[str]
    venue: list[str]
    symbol: list[str]
    asset_name: list[str]
    side: list[Side]
    size_exact: list[Decimal]
    instrument: list[Instrument]
    acct: np.ndarray
    asset: np.ndarray
    cell: np.ndarray
    sign: np.ndarray
    size: np.ndarray
    mark: np.ndarray
    entry: np.ndarray
    liq: np.ndarray
    mm: np.ndarray
    lev: np.ndarray
    cross: np.ndarray
    upnl: np.ndarray
    im: np.ndarray  # initial margin; of an isolated position, the collateral set aside for it
    apr: np.ndarray
    live: np.ndarray
    notional: np.ndarray  # |size| × mark, NaN when the mark is unknown
    signed: np.ndarray  # notional with the position's sign, 0 when unknown
    quotes: tuple[FundingQuote, ...]
    q_cell: np.ndarray
    q_apr: np.ndarray
    q_oi: np.ndarray
    q_mark: np.ndarray
    q_live: np.ndarray
    m_asset: np.ndarray
    m_price: np.ndarray
    m_live: np.ndarray
    n_assets: int
    n_cells: int
    in_flight_total: float

    @property
    def unrealized(self) -> np.ndarray:
        """Each position's unrealized PnL as the venue reports it, else from entry and mark."""
        return np.where(np.isnan(self.upnl), self.sign * self.size * (self.mark - self.entry), self.upnl)

    @property
    def live_equity(self) -> bool:
        """No account that holds positions is STALE or DOWN: book-wide numbers are current."""
        return bool(np.all(self.a_live | ~self.a_risk))


def _joined(parts: list) -> list:
    return list(chain.from_iterable(parts))


class TableBuilder:
    """Turns books into `BookTable`s, caching each account's rows against its snapshot."""

    def __init__(self) -> None:
        self.assets = Registry()
        self.cells = Registry()  # (asset, venue)
        self.cell_symbol: dict[int, str] = {}
        self._cache: dict[str, tuple[VenueSnapshot, object, AccountRows]] = {}
        self._cell_asset = np.zeros(0, np.intp)
        self._rank = np.zeros(0, np.intp)
        self._cell_venue: list[str] = []

    def name_rank(self) -> np.ndarray:
        """Each asset index's place in the alphabetical order of the asset names."""
        if self._rank.shape[0] != len(self.assets):
            order = sorted(range(len(self.assets)), key=self.assets.names.__getitem__)
            self._rank = np.empty(len(order), np.intp)
            self._rank[order] = np.arange(len(order))
        return self._rank

    def cell_venues(self) -> list[str]:
        """The venue of every asset × venue cell, in cell order."""
        if len(self._cell_venue) != len(self.cells):
            self._cell_venue = [v for _, v in self.cells.names]
        return self._cell_venue

    def cell_assets(self) -> np.ndarray:
        """The asset index of every asset × venue cell, in cell order."""
        if self._cell_asset.shape[0] != len(self.cells):
            self._cell_asset = np.array([self.assets.index[a] for a, _ in self.cells.names], np.intp)
        return self._cell_asset

    def rows(self, state: AccountState, instruments: Mapping[str, Mapping[str, Instrument]]) -> AccountRows:
        """The cached rows of one account (rebuilt when its snapshot object changes)."""
        snap = state.snapshot
        if snap is None:
            return _EMPTY
        ins = instruments.get(state.info.name, _NO_INSTRUMENTS)
        hit = self._cache.get(state.info.name)
        if hit is not None and hit[0] is snap and hit[1] is ins:
            return hit[2]
        rows = account_rows(snap, ins, self.assets, self.cells, self.cell_symbol,
                            hit[2] if hit is not None else None)
        self._cache[state.info.name] = (snap, ins, rows)
        return rows

    def build(self, book: Book, instruments: Mapping[str, Mapping[str, Instrument]]) -> BookTable:
        """Flatten `book`; positions keep the order of accounts, then of each snapshot."""
        accounts = book.accounts
        per = [self.rows(a, instruments) for a in accounts] or [_EMPTY]
        n_acc = len(accounts)
        rows = []  # per account: equity, free, maintenance, in flight, age (one array at the end)
        a_live = np.array([a.health is Health.LIVE for a in accounts], bool)
        a_risk = np.array([a.snapshot is not None and bool(a.snapshot.positions) for a in accounts], bool)
        seen: dict[str, float] = {}
        for a in accounts:
            age = NAN if a.age is None else a.age
            if a.snapshot is None:
                rows.append((NAN, NAN, NAN, NAN, age))
                continue
            c = a.snapshot.collateral
            flying = 0.0
            for t in c.in_flight:
                if t.status not in _DONE:
                    flying += float(t.amount)
                    seen[t.id] = float(t.amount)  # both ends may list it: count it once book-wide
            rows.append((c.equity, c.free, NAN if c.maintenance is None else c.maintenance, flying, age))
        a_num = np.array(rows, float).reshape(n_acc, 5)
        a_filled = fill_nan(a_num)
        acct = np.repeat(np.arange(len(per)), [len(r.positions) for r in per])
        p_num = np.concatenate([r.p_num for r in per])
        live = a_live[acct] if n_acc else np.zeros(0, bool)
        sign, size, mark = p_num[:, 0], p_num[:, 1], p_num[:, 2]
        notional = size * mark
        q_acct = np.repeat(np.arange(len(per)), [len(r.quotes) for r in per])
        q_num = np.concatenate([r.q_num for r in per])
        positions = tuple(chain.from_iterable(r.positions for r in per))
        quotes = tuple(chain.from_iterable(r.quotes for r in per))
        apr = p_num[:, _RAW].copy()
        if np.isnan(apr).any():
            # A position whose own account does not quote its symbol takes the venue's quote
            # from another account on the same venue.
            by_symbol = {(q.venue, q.symbol): q for q in quotes}
            for i in np.flatnonzero(np.isnan(apr)).tolist():
                q = by_symbol.get((positions[i].venue, positions[i].symbol))
                if q is not None:
                    apr[i] = q.apr
        text = [_joined([r.text[k] for r in per]) for k in range(8)]
        return BookTable(
            accounts=accounts, a_live=a_live, a_risk=a_risk,
            a_equity=a_filled[:, 0], a_free=a_filled[:, 1], a_maint=a_num[:, 2],
            a_in_flight=a_filled[:, 3], a_age=a_num[:, 4],
            positions=positions, keys=text[0], account=text[1], venue=text[2], symbol=text[3],
            asset_name=text[4], side=text[5], size_exact=text[6], instrument=text[7],
            acct=acct, asset=np.concatenate([r.p_asset for r in per]),
            cell=np.concatenate([r.p_cell for r in per]),
            sign=sign, size=size, mark=mark, entry=p_num[:, 3], liq=p_num[:, 4], mm=p_num[:, 5],
            lev=p_num[:, 6], cross=p_num[:, 7] > 0, upnl=p_num[:, 8], im=p_num[:, 9], apr=apr, live=live,
            notional=notional, signed=fill_nan(sign * notional),
            quotes=quotes, q_cell=np.concatenate([r.q_cell for r in per]),
            q_apr=q_num[:, 0], q_oi=q_num[:, 1], q_mark=q_num[:, 2],
            q_live=a_live[q_acct] if n_acc else np.zeros(0, bool),
            m_asset=np.concatenate([r.m_asset for r in per]),
            m_price=np.concatenate([r.m_price for r in per]),
            m_live=np.repeat(a_live, [len(r.m_asset) for r in per]) if n_acc else np.zeros(0, bool),
            n_assets=len(self.assets),
            n_cells=len(self.cells),
            in_flight_total=sum(seen.values()),
        )
