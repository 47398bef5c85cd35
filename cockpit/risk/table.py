"""The book flattened into numpy arrays: one row per position, per account, per funding quote.

Every rule in `cockpit.risk` works on these arrays. Unknown numbers are NaN here (None in the
model), so they propagate instead of pretending to be 0.

Building is incremental: each snapshot is converted once, when it arrives. Its rows (named,
read-only columns: `PositionColumns`, `QuoteColumns`) are kept under its `VenueSnapshot.seq`
and a copy of its instruments, and rebuilt only when a new snapshot of that account arrives or
its instruments change; being read-only, a kept column can be shared, never edited. Even then, what depends only on which positions and quotes the snapshot lists (its
`Layout`) and its unchanged sizes and entry prices are taken from the account's previous rows:
when every poller delivers at once, the rows of every account are rebuilt, and this is most of
an evaluation's cost. Asset and asset × venue indices are stable for the life of a
`TableBuilder`, which lets the volatility and funding histories live in arrays indexed the same
way.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from itertools import chain, repeat
from operator import attrgetter, eq
from types import MappingProxyType
from typing import Mapping, NamedTuple

import numpy as np

from cockpit.model import AccountState, Book, FundingQuote, Health, Instrument, Position, PositionKey, Side
from cockpit.model import MarginMode, TransferStatus, VenueSnapshot
from cockpit.model.funding import annualized
from cockpit.risk.arrays import fill_nan

NAN = float("nan")
_DONE = (TransferStatus.DONE, TransferStatus.FAILED)
_NO_INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType({})  # an account without instruments
_SIGN = {Side.LONG: 1.0, Side.SHORT: -1.0}
_CROSS = {MarginMode.CROSS: True, MarginMode.ISOLATED: False}


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


def _cross(values: tuple) -> list[bool]:
    return list(map(_CROSS.__getitem__, values))


def _exact(values: tuple) -> list[float]:
    return list(map(float, values))


# Each reported position column: the `Position` attribute it is read from, and how it becomes
# numbers for numpy. `PositionColumns` has these names, then the funding APR.
_REPORTED = {
    "sign": ("side", _signs),
    "size": ("size", _exact),
    "mark": ("mark_price", _floats),
    "entry": ("entry_price", _exact),
    "liq": ("liquidation_price", _floats),
    "mm": ("maintenance_margin", _nan_if_none),
    "lev": ("leverage", _nan_if_none),
    "cross": ("margin_mode", _cross),
    "upnl": ("unrealized_pnl", _nan_if_none),
    "im": ("initial_margin", _nan_if_none),
}
# One C-level pass per snapshot reads every field the rules need (far cheaper than one
# comprehension per field).
_POSITION_FIELDS = attrgetter(*(attr for attr, _ in _REPORTED.values()), "asset", "symbol", "account", "venue")
_QUOTE_FIELDS = attrgetter("asset", "symbol", "rate", "interval_hours", "open_interest", "mark_price")


def _apr(rate: tuple, hours: tuple) -> np.ndarray:
    """`FundingQuote.apr` of every quote at once, read-only: the same `annualized` on the same
    floats, NaN where the interval is unknown."""
    interval = np.asarray(hours, float)  # None becomes NaN
    if not interval.all():  # an interval of 0: the property's own error, as quote by quote
        return _frozen([None if h is None else annualized(r, h) for r, h in zip(rate, hours)])
    out = annualized(np.asarray(rate, float), interval)
    out.setflags(write=False)
    return out


def _frozen(values, dtype=float) -> np.ndarray:
    """A read-only array: kept columns are shared between evaluations, so none may be edited."""
    out = np.asarray(values, dtype)
    out.setflags(write=False)
    return out


class PositionColumns(NamedTuple):
    """Positions as arrays, one per named column (NaN = unknown); an account's are read-only."""

    sign: np.ndarray  # +1 long, −1 short
    size: np.ndarray
    mark: np.ndarray  # the position's mark, else the snapshot's marks table, else the quote's
    entry: np.ndarray
    liq: np.ndarray
    mm: np.ndarray
    lev: np.ndarray
    cross: np.ndarray  # bool: cross margin (else isolated)
    upnl: np.ndarray
    im: np.ndarray  # initial margin; of an isolated position, the collateral set aside for it
    apr: np.ndarray  # the funding APR of the account's own quote of the symbol


class QuoteColumns(NamedTuple):
    """Funding quotes as arrays (NaN = unknown); an account's are read-only."""

    apr: np.ndarray
    oi: np.ndarray  # open interest, in contracts
    mark: np.ndarray


class PositionText(NamedTuple):
    """The per-position Python values the output rows carry, one list per name."""

    keys: list[PositionKey]
    account: list[str]
    venue: list[str]
    symbol: list[str]
    asset: list[str]
    side: list[Side]
    size: list[Decimal]
    instrument: list[Instrument]


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a snapshot's rows go: everything that follows from *which* positions and quotes it
    lists (their symbols, assets and accounts) and from the instruments, not from their numbers.

    Successive polls of an account nearly always list the same ones, so a new snapshot reuses the
    layout of the account's last one when its `names` are equal and its instruments are equal to
    the copy kept here (a few hundred comparisons instead of registry lookups, tuple building and
    instrument searches).
    """

    names: tuple  # the venue; symbols, assets, accounts; quote symbols, quote assets
    instruments: dict[str, Instrument]  # a copy: a table edited in place still compares unequal
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
        names=names, instruments=dict(instruments), keys=[p.key for p in snap.positions],
        instrument=instrument, stand_in=[i for i, x in enumerate(instrument) if x is None],
        at=np.maximum(at, 0), unquoted=np.flatnonzero(at < 0),
        p_asset=p_asset, p_cell=np.array(cells.indices([(a, venue) for a in asset]), np.intp),
        q_asset=q_asset_index, q_cell=np.where(first, np.array(q_cell, np.intp), -1))


@dataclass(frozen=True, slots=True)
class AccountRows:
    """One snapshot as arrays (converted once, kept under `seq`), plus the per-position Python
    values the rows show."""

    seq: int  # `VenueSnapshot.seq` of the snapshot these rows are
    positions: tuple[Position, ...]
    text: PositionText
    p_asset: np.ndarray
    p_cell: np.ndarray
    p: PositionColumns
    quotes: tuple[FundingQuote, ...]
    q_cell: np.ndarray
    q: QuoteColumns
    m_asset: np.ndarray
    m_price: np.ndarray
    layout: Layout | None = None
    raw: dict = field(default_factory=dict)  # each reported column as the venue sent it


def _empty_rows() -> AccountRows:
    none = _frozen(())
    return AccountRows(0, (), PositionText(*([],) * 8), np.zeros(0, np.intp), np.zeros(0, np.intp),
                       PositionColumns(*(none,) * 7, _frozen((), bool), none, none, none), (),
                       np.zeros(0, np.intp), QuoteColumns(none, none, none), np.zeros(0, np.intp), none)


_EMPTY = _empty_rows()


def _reported(raw: dict[str, tuple], mark: list[float], last: AccountRows | None) -> dict[str, np.ndarray]:
    """Each reported column as a read-only array: the marks always (with their fallbacks), the
    others taken from `last` when the venue reported exactly the same values."""
    out = {}
    for name, (_, convert) in _REPORTED.items():
        if name == "mark":
            out[name] = np.array(mark, float)
        elif last is not None and last.raw.get(name) == raw[name]:
            out[name] = getattr(last.p, name)
        else:
            out[name] = _frozen(convert(raw[name]), bool if name == "cross" else float)
    return out


def _snapshot_marks(snap: VenueSnapshot, mark: tuple, symbol: tuple, q_mark: tuple,
                    q_symbol: tuple) -> tuple[list[float], list[float] | tuple]:
    """Marks of the positions and of the quotes, from the snapshot's marks table where they
    came without one (for venues that leave the mark off the position or the quote)."""
    mark_f = _floats(mark)
    if not snap.marks:
        return mark_f, q_mark
    marks = dict(snap.marks)
    for i in [i for i, m in enumerate(mark) if m is None]:
        m = marks.get(symbol[i])
        mark_f[i] = NAN if m is None else float(m)
    return mark_f, _floats(marks.get(s) if m is None else m for m, s in zip(q_mark, q_symbol))


def _quoted(cols: dict[str, np.ndarray], q: QuoteColumns, lay: Layout) -> None:
    """The APR of each position's own quote, and the quote's mark where the position has none."""
    nq = q.apr.shape[0]
    apr = q.apr[lay.at] if nq else np.full(lay.at.shape[0], NAN)
    if lay.unquoted.size and nq:
        apr[lay.unquoted] = NAN
    cols["apr"] = apr
    gap = np.isnan(cols["mark"])
    if nq and gap.any():  # no mark of its own or in the marks table: the quote's
        quoted = q.mark[lay.at]
        quoted[lay.unquoted] = NAN
        cols["mark"] = np.where(gap, quoted, cols["mark"])


def _mark_feed(snap: VenueSnapshot, lay: Layout, q_mark: np.ndarray, p_mark: np.ndarray,
               instruments: Mapping[str, Instrument], assets: Registry) -> tuple[np.ndarray, np.ndarray]:
    """Every mark the snapshot carries (its marks table, the quotes', the positions'), by asset:
    they feed the asset's mark for volatility."""
    q_gap, p_gap = np.isnan(q_mark), np.isnan(p_mark)
    if q_gap.any() or p_gap.any():
        m_asset, m_price = [lay.q_asset[~q_gap], lay.p_asset[~p_gap]], [q_mark[~q_gap], p_mark[~p_gap]]
    else:
        m_asset, m_price = [lay.q_asset, lay.p_asset], [q_mark, p_mark]
    if snap.marks:
        _, symbol, asset, _, q_symbol, q_asset = lay.names
        asset_of = dict(zip(symbol, asset))
        asset_of.update(zip(q_symbol, q_asset))
        m_pairs = [(asset_of.get(s) or getattr(instruments.get(s), "asset", None), float(price))
                   for s, price in snap.marks]
        m_pairs = [(a, price) for a, price in m_pairs if a is not None]
        m_asset = [np.array(assets.indices([a for a, _ in m_pairs]), np.intp)] + m_asset
        m_price = [np.array([p for _, p in m_pairs], float)] + m_price
    return np.concatenate(m_asset), np.concatenate(m_price)


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
    values = tuple(zip(*map(_POSITION_FIELDS, ps))) if ps else ((),) * (len(_REPORTED) + 4)
    raw = dict(zip(_REPORTED, values))
    asset, symbol, account, venues = values[len(_REPORTED):]
    q_asset, q_symbol, q_rate, q_hours, q_oi, q_mark = zip(*map(_QUOTE_FIELDS, qs)) if qs else ((),) * 6
    names = (snap.account.venue, symbol, asset, account, q_symbol, q_asset)
    lay = last.layout if last is not None else None
    if lay is None or lay.names != names or lay.instruments != instruments:
        lay = layout(snap, names, instruments, assets, cells, cell_symbol)
    mark_f, q_mark = _snapshot_marks(snap, raw["mark"], symbol, q_mark, q_symbol)
    q = QuoteColumns(_apr(q_rate, q_hours), _frozen(q_oi), _frozen(q_mark))  # None becomes NaN
    cols = _reported(raw, mark_f, last)
    _quoted(cols, q, lay)
    p = PositionColumns(**{name: _frozen(column, column.dtype) for name, column in cols.items()})
    ins = lay.instrument
    if lay.stand_in:  # a stand-in follows each snapshot's size
        ins = list(ins)
        for i in lay.stand_in:
            ins[i] = instrument_for(instruments, ps[i])
    m_asset, m_price = _mark_feed(snap, lay, q.mark, p.mark, instruments, assets)
    return AccountRows(
        seq=snap.seq, positions=ps,
        text=PositionText(lay.keys, account, venues, symbol, asset, raw["sign"], raw["size"], ins),
        p_asset=lay.p_asset, p_cell=lay.p_cell, p=p, quotes=qs, q_cell=lay.q_cell, q=q,
        m_asset=m_asset, m_price=m_price, layout=lay, raw=raw,
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
        """Every account has reported (an account never heard from, as after a restart while its
        venue is down, leaves its equity out of the total), and none that holds positions is
        STALE or DOWN: book-wide numbers are current."""
        return all(a.snapshot is not None for a in self.accounts) and bool(np.all(self.a_live | ~self.a_risk))


_TABLE_FIELDS = tuple(f.name for f in fields(BookTable))


def _read_only(table: BookTable) -> BookTable:
    """`table` with every array read-only: the stages read the table, never edit it."""
    for value in (getattr(table, f) for f in _TABLE_FIELDS):
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return table


def _joined(parts: list) -> list:
    return list(chain.from_iterable(parts))


class AccountColumns(NamedTuple):
    """Per account: its collateral figures (NaN unknown) and whether it is LIVE and holds risk."""

    live: np.ndarray
    risk: np.ndarray  # the account's last snapshot holds positions
    equity: np.ndarray
    free: np.ndarray
    maint: np.ndarray
    in_flight: np.ndarray
    age: np.ndarray
    in_flight_total: float  # book-wide, each transfer counted once


def account_columns(accounts: tuple[AccountState, ...]) -> AccountColumns:
    """The accounts' figures as arrays; a transfer both ends list counts once book-wide."""
    rows = []  # per account: equity, free, maintenance, in flight, age (one array at the end)
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
                seen[t.id] = float(t.amount)
        rows.append((c.equity, c.free, NAN if c.maintenance is None else c.maintenance, flying, age))
    num = np.array(rows, float).reshape(len(accounts), 5)
    filled = fill_nan(num)
    return AccountColumns(
        live=np.array([a.health is Health.LIVE for a in accounts], bool),
        risk=np.array([a.snapshot is not None and bool(a.snapshot.positions) for a in accounts], bool),
        equity=filled[:, 0], free=filled[:, 1], maint=num[:, 2], in_flight=filled[:, 3], age=num[:, 4],
        in_flight_total=sum(seen.values()))


def _borrowed_apr(apr: np.ndarray, positions: tuple[Position, ...], quotes: tuple[FundingQuote, ...]) -> np.ndarray:
    """A position whose own account does not quote its symbol takes the venue's quote from
    another account on the same venue (`apr` is filled in place: it is the book's own copy)."""
    if np.isnan(apr).any():
        by_symbol = {(q.venue, q.symbol): q for q in quotes}
        for i in np.flatnonzero(np.isnan(apr)).tolist():
            q = by_symbol.get((positions[i].venue, positions[i].symbol))
            if q is not None:
                apr[i] = q.apr
    return apr


def _per_row(live: np.ndarray, counts: list[int]) -> np.ndarray:
    """Each account's `live` repeated over its `counts` rows (none when the book has no accounts)."""
    return np.repeat(live, counts) if live.size else np.zeros(0, bool)


class TableBuilder:
    """Turns books into `BookTable`s, converting each snapshot once: an account's rows are kept
    under its snapshot's `seq` (and a copy of its instruments) until a new snapshot arrives."""

    def __init__(self) -> None:
        self.assets = Registry()
        self.cells = Registry()  # (asset, venue)
        self.cell_symbol: dict[int, str] = {}
        self._cache: dict[str, AccountRows] = {}
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
        """The rows of one account, converted when its snapshot (by `seq`) or its instruments
        (by value) change."""
        snap = state.snapshot
        if snap is None:
            return _EMPTY
        ins = instruments.get(state.info.name, _NO_INSTRUMENTS)
        hit = self._cache.get(state.info.name)
        if hit is not None and hit.seq == snap.seq and hit.layout.instruments == ins:
            return hit
        rows = self._cache[state.info.name] = account_rows(snap, ins, self.assets, self.cells, self.cell_symbol, hit)
        return rows

    def build(self, book: Book, instruments: Mapping[str, Mapping[str, Instrument]]) -> BookTable:
        """Flatten `book`; positions keep the order of accounts, then of each snapshot."""
        accounts = book.accounts
        per = [self.rows(a, instruments) for a in accounts] or [_EMPTY]
        a = account_columns(accounts)
        acct = np.repeat(np.arange(len(per)), [len(r.positions) for r in per])
        p = PositionColumns(*(np.concatenate(column) for column in zip(*(r.p for r in per))))
        q = QuoteColumns(*(np.concatenate(column) for column in zip(*(r.q for r in per))))
        positions = tuple(chain.from_iterable(r.positions for r in per))
        quotes = tuple(chain.from_iterable(r.quotes for r in per))
        text = PositionText(*(_joined(column) for column in zip(*(r.text for r in per))))
        notional = p.size * p.mark
        table = BookTable(
            accounts=accounts, a_live=a.live, a_risk=a.risk, a_equity=a.equity, a_free=a.free, a_maint=a.maint,
            a_in_flight=a.in_flight, a_age=a.age,
            positions=positions, keys=text.keys, account=text.account, venue=text.venue, symbol=text.symbol,
            asset_name=text.asset, side=text.side, size_exact=text.size, instrument=text.instrument,
            acct=acct, asset=np.concatenate([r.p_asset for r in per]),
            cell=np.concatenate([r.p_cell for r in per]),
            sign=p.sign, size=p.size, mark=p.mark, entry=p.entry, liq=p.liq, mm=p.mm,
            lev=p.lev, cross=p.cross, upnl=p.upnl, im=p.im, apr=_borrowed_apr(p.apr, positions, quotes),
            live=_per_row(a.live, [len(r.positions) for r in per]),
            notional=notional, signed=fill_nan(p.sign * notional),
            quotes=quotes, q_cell=np.concatenate([r.q_cell for r in per]),
            q_apr=q.apr, q_oi=q.oi, q_mark=q.mark,
            q_live=_per_row(a.live, [len(r.quotes) for r in per]),
            m_asset=np.concatenate([r.m_asset for r in per]),
            m_price=np.concatenate([r.m_price for r in per]),
            m_live=_per_row(a.live, [len(r.m_asset) for r in per]),
            n_assets=len(self.assets),
            n_cells=len(self.cells),
            in_flight_total=a.in_flight_total,
        )
        return _read_only(table)
