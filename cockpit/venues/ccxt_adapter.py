"""The `Venue` of one real account, spoken to through ccxt (``ccxt.async_support``).

Constructing it imports nothing heavy: ccxt (about 0.8 s and 100 MB) is imported in a thread by
`connect()`, after the first frame is drawn. One poll is one call per kind of data for the whole
account, never one call per symbol: positions and the account (balances, collateral) every time;
funding for every symbol at most once a minute (`FUNDING_TTL`: rates move over minutes and are paid
every 1-8 hours), except where that reply is also the venue's clock or the mark of a held position
(then every time); open orders every time while any rests there or after an order or cancel of
ours, else every `ORDERS_TTL` seconds (an order placed by hand on the venue's site shows within
that); on Binance, the funding intervals every 10 minutes. `refresh()` makes the next snapshot
read everything afresh, the intervals too (an unwind's start and verification). Every failure leaves as a cockpit
`VenueError` with a short, scrubbed message (see `ccxt_errors`); a reply that cannot be trusted is
an error, never an empty book.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from decimal import Decimal
from typing import Any, Awaitable, Callable, Mapping

from cockpit.model import (
    DeadMan, Instrument, Order, OrderStatus, OrderRequest, Position, Side, Transfer, TransferRequest, TransferStatus,
    VenueSnapshot,
)
from cockpit.model.deadman import CANCELS_ORDERS
from cockpit.model.errors import AuthError, MalformedReply, NotSupported, Rejected, VenueError
from cockpit.secrets import SecretStore, SecretsUnavailable
from cockpit.venues import replies
from cockpit.venues.account import VenueAccount
from cockpit.venues.ccxt_errors import is_duplicate_order, is_not_found, translate
from cockpit.venues.funding_history import map_payments, map_rate_history, since_ms
from cockpit.venues.collateral import map_collateral
from cockpit.venues.mapping import (
    dec, map_funding, map_order, map_position, rates_from_markets, venue_client_id,
)
from cockpit.venues.mapping import order_params as map_order_params
from cockpit.venues.profiles import profile_for

INTERVALS_TTL = 600.0  # Binance changes funding intervals rarely; re-read them every 10 minutes
FUNDING_TTL = 60.0  # funding rates (and the marks of symbols not held) are re-read every minute
ORDERS_TTL = 10.0  # with no order resting and none of ours since, open orders every 10 s


class CcxtVenue:
    """One account on one venue through ccxt. See `cockpit.venues.protocol.Venue`.

    Args:
        account: the account's configuration.
        secrets: where its credentials are read from (in `connect`, with a time limit).
        clock: wall-clock time in seconds (snapshots are stamped with it).
        timeout: seconds one HTTP request may take.
        options: extra ccxt options (tests use it for venue state they cannot fetch).
        rate_limit: keep ccxt's request spacing (off only against a local test server).
    """

    def __init__(self, account: VenueAccount, *, secrets: SecretStore,
                 clock: Callable[[], float] = time.time, timeout: float = 8.0,
                 options: Mapping[str, Any] | None = None, rate_limit: bool = True) -> None:
        self.info = account.info()
        self._account = account
        self._profile = profile_for(account.venue)
        self._secrets = secrets
        self._clock = clock
        self._timeout = timeout
        self._options = dict(options or {})
        self._rate_limit = rate_limit
        self._exchange: Any = None
        self._instruments: dict[str, Instrument] = {}
        self._marks: dict[str, float] = {}
        self._intervals: dict[str, Any] = {}
        self._intervals_at: float | None = None
        self._client_ids: dict[str, str] = {}  # venue's client id -> cockpit's
        self._reload_markets = False  # a position in a market we do not know: re-read the list
        # What an order reducing each held position must carry (OKX: tdMode, posSide).
        self._order_params: dict[tuple[str, Side], dict[str, Any]] = {}
        # Symbols with resting orders (last snapshot, and orders sent since), and those a
        # per-symbol dead-man's switch (Binance) is armed for.
        self._resting: set[str] = set()
        # Open orders of the last snapshot that are not ours (placed by hand or by another
        # program): their id as the snapshot shows it -> the venue's order id, to cancel them by.
        self._foreign: dict[str, str] = {}
        self._dead_man_symbols: set[str] = set()
        self._dead_man_window: float | None = None  # seconds, while armed
        self._top_ups: dict[str, str] = {}  # cockpit's top-up client id -> the venue's transfer id
        # The last funding and open-orders replies, when read (clock time), and whether the next
        # snapshot must read them again whatever their age (see the module's docstring).
        self._rates: Any = None
        self._rates_at = float("-inf")
        # Read with every snapshot: the venue's clock is in that reply, or its market orders are
        # limits around the mark it gives (a stale mark would price them wrong).
        self._rates_base = self._profile.clock_in_funding or self._profile.market_order_needs_price
        self._rates_always = self._rates_base
        self._rates_read = False  # the last snapshot read them (rather than reusing the last reply)
        self._held_marks: dict[str, float] = {}  # the marks of the last snapshot's positions
        self._raw_orders: Any = None
        self._orders_at = float("-inf")
        self._orders_due = True

    def __repr__(self) -> str:
        # Never the default dataclass-like dump: the ccxt client inside holds the keys.
        return f"CcxtVenue({self.info.name!r}, {self.info.venue!r})"

    # -- calls ----------------------------------------------------------------------------------

    async def _read(self, call: Awaitable[Any]) -> Any:
        """Await a ccxt read with an outer time limit; errors leave as cockpit errors."""
        try:
            return await asyncio.wait_for(call, self._timeout + 2.0)
        except Exception as exc:  # noqa: BLE001 - everything ccxt raises is translated
            error = translate(exc, account=self.info.name, venue=self.info.venue)
        # Raised outside the handler: the ccxt exception (its message holds the signed URL) is
        # not chained to ours, so no traceback or crash screen can print it.
        raise error

    async def _order(self, call: Awaitable[Any], client_id: str) -> Any:
        """Await a ccxt call that sends an order; an open outcome becomes UnknownOutcome."""
        try:
            return await call
        except Exception as exc:  # noqa: BLE001
            error = translate(exc, account=self.info.name, venue=self.info.venue, order=client_id)
        raise error

    def _refuse_if_readonly(self, what: str) -> None:
        """NotSupported, with the reason, when this account may not trade."""
        reason = self._profile.read_only_reason()
        if reason is not None:
            raise NotSupported(reason, account=self.info.name)
        if self._account.readonly:
            suffix = " (readonly = true in the config)" if what == "orders" else ""
            raise NotSupported(f"{self.info.name} is read-only{suffix}: no {what}",
                               account=self.info.name)

    def _ready(self) -> Any:
        if self._exchange is None:
            raise VenueError(f"{self.info.name}: not connected", account=self.info.name)
        return self._exchange

    # -- Venue ----------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Read the keys, import ccxt (in a thread), build the client and load the markets."""
        ccxt_async = await asyncio.to_thread(importlib.import_module, "ccxt.async_support")
        # After the import: a venue without a profile takes its fields from ccxt's class.
        fields = [c.name for c in self._profile.fields(self.info.readonly)]
        try:
            credentials = await self._secrets.credentials_async(
                self.info.venue, self.info.name, fields)
        except SecretsUnavailable as exc:
            raise AuthError(str(exc), account=self.info.name) from None
        from cockpit.venues.ccxt_build import build_exchange

        await self.close()
        self._exchange = build_exchange(
            ccxt_async, self._profile, credentials, readonly=self.info.readonly,
            sandbox=self._account.sandbox, api_url=self._account.api_url,
            timeout=self._timeout, options=self._options, rate_limit=self._rate_limit)
        del credentials
        missing = self._profile.missing_calls(self._exchange)
        if missing is not None:
            await self.close()
            raise NotSupported(missing, account=self.info.name)
        await self._load_markets()

    async def _load_markets(self, reload: bool = False) -> None:
        """Load (or re-load) the venue's market list and map its perpetuals."""
        markets = await self._read(self._exchange.load_markets(reload))
        if not isinstance(markets, dict) or not markets:
            raise MalformedReply(f"{self.info.venue}: no markets in the reply",
                                 account=self.info.name)
        self._instruments = self._map_instruments(markets)
        self._reload_markets = False

    def _map_instruments(self, markets: Mapping[str, Any]) -> dict[str, Instrument]:
        ex = self._exchange
        tick = getattr(ex, "precisionMode", None) == 4  # ccxt.base.decimal_to_precision.TICK_SIZE
        out = {}
        for symbol, m in markets.items():
            if not m.get("swap") or m.get("active") is False:
                continue
            inverse = m.get("inverse") is True
            if not (m.get("linear") or inverse):
                continue
            csize = dec(m.get("contractSize")) or Decimal(1)

            def step(p: Any) -> Decimal | None:
                d = dec(p)
                return None if d is None else (d if tick else Decimal(1).scaleb(-int(d)))

            amount_step = step(m["precision"].get("amount")) or Decimal("0.001")
            # Linear: sizes in base units (contracts × coins per contract). Inverse: in contracts,
            # the only exact unit (a contract's worth in coin moves with the price).
            unit = Decimal(1) if inverse else csize
            out[symbol] = Instrument(
                venue=self.info.venue, symbol=symbol, asset=m.get("base") or symbol,
                settle=m.get("settle") or self._profile.currency,
                amount_step=amount_step * unit,
                min_amount=(dec(m["limits"]["amount"].get("min")) or amount_step) * unit,
                price_step=step(m["precision"].get("price")) or Decimal("0.01"),
                contract_size=csize,
                taker_fee=float(m.get("taker") or 0.0005), maker_fee=float(m.get("maker") or 0.0002),
                inverse=inverse,
            )
        return out

    def instruments(self) -> Mapping[str, Instrument]:
        """Linear and inverse perpetuals by symbol (valid after `connect`)."""
        return dict(self._instruments)

    def _wanted(self, extra: set[str]) -> Callable[[str, str], bool]:
        chosen = set(self._account.symbols)
        if not chosen:
            return lambda symbol, asset: True
        return lambda symbol, asset: symbol in chosen or asset in chosen or symbol in extra

    async def _funding_rates(self, ex: Any) -> dict[str, Any]:
        if self._profile.funding_from_markets:
            return rates_from_markets(await self._read(ex.fetch_markets()), self._clock())
        return await self._read(ex.fetch_funding_rates())

    async def _funding_intervals(self, ex: Any) -> dict[str, Any]:
        """Binance's per-symbol intervals (only those not 8h are listed), re-read every 10 min."""
        if not ex.has.get("fetchFundingIntervals"):
            return {}
        now = self._clock()
        if self._intervals_at is None or now - self._intervals_at >= INTERVALS_TTL:
            reply = await self._read(ex.fetch_funding_intervals())
            self._intervals = {s: v.get("interval") for s, v in reply.items()
                               if isinstance(v, dict)}
            self._intervals_at = now
        return self._intervals

    def refresh(self) -> None:
        """Read everything afresh at the next snapshot (funding, its intervals and open orders
        included)."""
        self._rates_at = self._orders_at = float("-inf")
        self._intervals_at = None
        self._orders_due = True

    async def _fetch_all(self, ex: Any, captured: list[replies.Reply]) -> list[Any]:
        """The raw replies of one snapshot's calls, made together; the first failure raises.
        Funding and open orders are the last replies read while they are recent enough."""
        now = self._clock()
        rates_due = self._rates_always or self._rates is None or now - self._rates_at >= FUNDING_TTL
        orders_due = (self._orders_due or bool(self._resting) or self._raw_orders is None
                      or now - self._orders_at >= ORDERS_TTL)
        # Cleared as the request leaves: an order of ours sent meanwhile is read at the next one.
        self._orders_due = False
        token = replies.CAPTURED.set(captured)
        try:
            results = await asyncio.gather(
                self._read(ex.fetch_positions()), self._profile.account_info(ex, self._read),
                self._funding_rates(ex) if rates_due else _kept(self._rates), self._funding_intervals(ex),
                self._read(ex.fetch_open_orders()) if orders_due else _kept(self._raw_orders),
                return_exceptions=True)
        finally:
            replies.CAPTURED.reset(token)
        if orders_due and any(isinstance(r, BaseException) for r in results):
            self._orders_due = True  # not read after all: the next snapshot tries again
        for result in results:
            if isinstance(result, BaseException):
                raise result if isinstance(result, VenueError) else translate(
                    result, account=self.info.name, venue=self.info.venue)
        raw_positions, _, rates, _, raw_orders = results
        if not isinstance(raw_positions, list) or not isinstance(rates, dict) or not isinstance(
                raw_orders, list):
            raise MalformedReply(f"{self.info.venue}: a reply of the wrong shape",
                                 account=self.info.name)
        self._rates_read = rates_due
        if rates_due:
            self._rates, self._rates_at = rates, now
        if orders_due:
            self._raw_orders, self._orders_at = raw_orders, now
        return results

    def _map_positions(self, raw_positions: list[Any], markets: Mapping[str, Any],
                       marks: dict[str, float]) -> tuple[Position, ...]:
        """The held positions; remembers what an order reducing each must carry, and adds the
        marks the positions carry to `marks`."""
        name, venue = self.info.name, self.info.venue
        positions = []
        order_params: dict[tuple[str, Side], dict[str, Any]] = {}
        for raw in raw_positions:
            if not isinstance(raw, dict):
                raise MalformedReply(f"{venue}: a position that is not an object", account=name)
            pos = map_position(name, venue, raw, market=markets.get(raw.get("symbol")),
                               marks=marks)
            if pos is None:
                continue
            if pos.symbol not in markets:
                # ccxt names a market it does not know by the venue's raw id ("FOO-USDT-SWAP"):
                # with no contract size or base, its size would be a guess. Refuse the snapshot
                # (never drop the position) and read the market list again before the next one.
                self._reload_markets = True
                raise MalformedReply(f"{venue}: a position in {pos.symbol}, which is not in "
                                     "the venue's market list — re-reading it", account=name)
            positions.append(pos)
            order_params[(pos.symbol, pos.side)] = map_order_params(venue, raw)
            if pos.mark_price is not None:
                marks.setdefault(pos.symbol, float(pos.mark_price))
        self._order_params = order_params
        return tuple(positions)

    def _funding_marks(self, funding: tuple, rates: Mapping[str, Any], held: set) -> dict[str, float]:
        """The marks the funding reply gives, the held symbols' own where it has them. When that
        reply was kept from an earlier snapshot its marks are as old as it: a symbol held now
        takes its position's own mark (`_map_positions`), and a position just closed keeps the
        mark it last had."""
        marks = {q.symbol: q.mark_price for q in funding if q.mark_price is not None}
        if not self._rates_read:
            for symbol in held:
                marks.pop(symbol, None)
            marks.update({s: m for s, m in self._held_marks.items() if s not in held})
            return marks
        marks.update({s: float(r["markPrice"]) for s, r in rates.items()
                      if s in held and dec(r.get("markPrice"))})
        return marks

    async def snapshot(self) -> VenueSnapshot:
        """Positions, collateral, funding, marks and open orders of the account, whole or not at
        all: if one call fails, the snapshot raises that call's error."""
        ex = self._ready()
        started = self._clock()
        if self._reload_markets:
            await self._load_markets(reload=True)
        # The raw replies of this snapshot's calls (the tasks share this list): the venue's own
        # clock is read from them, and (Hyperliquid) the account from another call's reply.
        captured: list[replies.Reply] = []
        raw_positions, account_info, rates, intervals, raw_orders = await self._fetch_all(
            ex, captured)
        account_info = self._profile.account_from_replies(account_info, captured)
        name, venue = self.info.name, self.info.venue
        markets = ex.markets or {}
        held = {p.get("symbol") for p in raw_positions if isinstance(p, dict)}
        funding = map_funding(venue, rates, markets=markets, intervals=intervals,
                              default_hours=self._profile.funding_hours, wanted=self._wanted(held))
        marks = self._funding_marks(funding, rates, held)
        positions = self._map_positions(raw_positions, markets, marks)
        # A held position whose reply has no mark of its own takes it from the funding reply:
        # then that reply is read with every snapshot, and this one is taken again if it did not.
        own = {r.get("symbol") for r in raw_positions if isinstance(r, dict) and dec(r.get("markPrice"))}
        borrowed = any(p.symbol not in own for p in positions)
        if borrowed and not self._rates_read:
            self._rates_always = True
            return await self.snapshot()
        self._rates_always = self._rates_base or borrowed
        self._held_marks = {p.symbol: float(p.mark_price) for p in positions if p.mark_price is not None}
        self._marks.update(marks)
        collateral = map_collateral(venue, name, self.info.layer,
                                    self._profile.collateral_currency(account_info), account_info)
        orders = tuple(self._map_order(o) for o in raw_orders if isinstance(o, dict))
        self._resting = {o.symbol for o in orders}
        ours = set(self._client_ids.values())
        self._foreign = {o.client_id: o.venue_id for o in orders if o.venue_id and o.client_id not in ours}
        done = self._clock()
        return VenueSnapshot(
            account=self.info, fetched_at=done, positions=positions, collateral=collateral,
            funding=funding, marks=tuple(sorted(marks.items())), open_orders=orders,
            venue_time=replies.venue_time(venue, captured),
            venue_height=replies.venue_height(venue, captured), latency=done - started)

    def _map_order(self, raw: Mapping[str, Any], fallback: Mapping[str, Any] | None = None,
                   client_id: str | None = None) -> Order:
        venue_cid = str(raw.get("clientOrderId") or "")
        cid = client_id or self._client_ids.get(venue_cid) or venue_cid or str(raw.get("id"))
        instrument = self._instruments.get(raw.get("symbol") or (fallback or {}).get("symbol"))
        return map_order(self.info.name, raw, client_id=cid, fallback=fallback,
                         contract_size=_base_per_contract(instrument))

    def _venue_cid(self, client_id: str) -> str:
        vcid = venue_client_id(self._profile.client_id, client_id)
        self._client_ids[vcid] = client_id
        return vcid

    async def place_order(self, request: OrderRequest) -> Order:
        """Send `request` with its client id (reduce-only at the venue when it says so).

        The size (base units; contracts on an inverse swap) is converted to contracts and checked against the venue's precision exactly
        (Decimal, no float arithmetic); a size off the venue's step is rejected, not rounded.
        """
        self._refuse_if_readonly("orders")
        ex = self._ready()
        instrument = self._instruments.get(request.symbol)
        if instrument is None:
            raise Rejected(f"{request.symbol} is not a perpetual on {self.info.venue}",
                           account=self.info.name)
        contracts = request.amount / _base_per_contract(instrument)
        if request.amount <= 0 or request.amount % instrument.amount_step != 0:
            # Checked here first: ccxt raises its own error on a size below one step.
            raise Rejected(f"size {request.amount} is not a multiple of {instrument.amount_step} "
                           f"on {request.symbol}", account=self.info.name)
        amount = ex.amount_to_precision(request.symbol, format(contracts, "f"))
        if Decimal(amount) != contracts:  # ccxt's precision for the market is finer than ours
            raise Rejected(f"size {request.amount} is not a multiple of {instrument.amount_step} "
                           f"on {request.symbol}", account=self.info.name)
        needs_price = self._profile.market_order_needs_price
        price = request.price if request.price is not None else (
            dec(self._marks.get(request.symbol)) if needs_price else None)
        if needs_price and price is None:
            # Its market orders are IOC limits around a reference price.
            raise Rejected(f"no mark price for {request.symbol} yet", account=self.info.name)
        params: dict[str, Any] = {"clientOrderId": self._venue_cid(request.client_id)}
        self._orders_due = True  # the next snapshot reads the open orders, whatever comes of this
        if request.reduce_only:
            params["reduceOnly"] = True
            # The position this order reduces is on the other side (a sell reduces a long).
            params.update(self._order_params.get((request.symbol, request.side.opposite), {}))
        side = "buy" if request.side is Side.LONG else "sell"
        # float() of a precision string round-trips exactly (at most 15 significant digits).
        call = ex.create_order(request.symbol, request.type, side, float(amount),
                               float(ex.price_to_precision(request.symbol, format(price, "f")))
                               if price is not None else None, params)
        try:
            raw = await call
        except Exception as exc:  # noqa: BLE001
            duplicate = is_duplicate_order(exc, self._profile.duplicate_codes)
            error = translate(exc, account=self.info.name, venue=self.info.venue,
                              order=request.client_id)
        else:
            order = self._map_order(raw, client_id=request.client_id, fallback={
                "symbol": request.symbol, "side": side, "amount": request.amount,
                "type": request.type, "reduce_only": request.reduce_only})
            if order.status in (OrderStatus.OPEN, OrderStatus.PARTIAL):
                await self._cover(request.symbol)
            return order
        if duplicate:
            # The id is taken: an earlier attempt of this very order landed. Adopt it.
            found = await self.fetch_order(request.client_id, request.symbol)
            if found is not None:
                return found
        raise error

    async def fetch_order(self, client_id: str, symbol: str) -> Order | None:
        """The order with cockpit's `client_id`, or None when the venue never saw it."""
        ex = self._ready()
        vcid = self._venue_cid(client_id)
        try:
            raw = await asyncio.wait_for(self._profile.lookup_order(ex, vcid, symbol),
                                         self._timeout + 2.0)
        except Exception as exc:  # noqa: BLE001
            if is_not_found(exc):
                return None
            error = translate(exc, account=self.info.name, venue=self.info.venue)
        else:
            if not raw or raw.get("id") is None and raw.get("clientOrderId") is None:
                return None  # e.g. Hyperliquid answers {"status": "unknownOid"}
            return self._map_order(raw, client_id=client_id)
        raise error

    async def depth(self, symbol: str, side: Side, within: float, reference: float) -> float:
        """USD a taker order on `side` could take within `within` of `reference`: the venue's
        order book (`fetch_order_book`), the side the order consumes. A reply without that side (or
        with it empty: ccxt fills a missing side with []), or with levels that are not [price,
        amount] numbers, is a `MalformedReply`, never 0."""
        ex = self._ready()
        instrument = self._instruments.get(symbol)
        if instrument is None:
            raise NotSupported(f"{symbol} is not a market of {self.info.name}", account=self.info.name)
        book = await self._read(ex.fetch_order_book(symbol, 50))
        key = "bids" if side is Side.SHORT else "asks"  # a sell takes the bids
        raw = book.get(key) if isinstance(book, dict) else None
        if not isinstance(raw, list) or not raw:  # a perp's live book always has both sides
            raise MalformedReply(f"{self.info.venue}: order book of {symbol} has no {key}", account=self.info.name)
        levels = []
        for level in raw:
            if not (isinstance(level, (list, tuple)) and len(level) >= 2
                    and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in level[:2])):
                raise MalformedReply(f"{self.info.venue}: order book of {symbol}: bad level {level!r:.40}",
                                     account=self.info.name)
            # ccxt counts a derivative book in contracts; a linear order unit is the base asset.
            unit = 1 if instrument.inverse else float(instrument.contract_size)
            levels.append((level[0], level[1] * unit))
        return instrument.depth_within(levels, reference, within)

    async def cancel_order(self, client_id: str, symbol: str) -> None:
        """Cancel the open order with cockpit's `client_id`, or one of the last snapshot's open
        orders that is not ours by the id it showed (cancelled by the venue's order id: its
        client id, if it has one, was never sent in our venue format)."""
        self._refuse_if_readonly("cancels")
        ex = self._ready()
        venue_id = self._foreign.get(client_id)
        if venue_id is not None:
            await self._read(ex.cancel_order(venue_id, symbol))
            return
        params = {"clientOrderId": self._venue_cid(client_id)}
        self._orders_due = True
        await self._read(ex.cancel_order(None, symbol, params))

    async def arm_dead_man(self, seconds: float) -> DeadMan:
        """Arm (or refresh) the venue's cancel-all-after through its profile; unsupported (with
        the reason) where the profile has none. The deadline is the venue's when its reply says,
        else the local time the request left plus `seconds` (never later than the venue's)."""
        profile = self._profile
        if profile.dead_man_range is None:
            return DeadMan(supported=False, note=profile.dead_man_absent)
        self._refuse_if_readonly("dead-man's switch")
        low, high = profile.dead_man_range
        if not low <= seconds <= high:
            raise Rejected(f"dead-man's switch window {seconds:g} s is outside {low:g}..{high:g} s "
                           f"on {self.info.venue}", account=self.info.name)
        ex = self._ready()
        sent = self._clock()
        symbols = self._resting | self._dead_man_symbols
        until = await self._read(profile.arm_dead_man(ex, seconds, symbols))
        self._dead_man_symbols, self._dead_man_window = set(symbols), seconds
        scope = "all of the account's orders"
        if profile.dead_man_per_symbol:  # one timer per symbol: say which
            scope = f"orders on {', '.join(sorted(symbols))}" if symbols else "no resting orders yet"
        return DeadMan(supported=True, armed_until=float(until) if until else sent + seconds,
                       daily_limit=profile.dead_man_daily, note=f"{CANCELS_ORDERS}; {scope}")

    async def _cover(self, symbol: str) -> None:
        """Where the switch is armed per symbol (Binance), arm it for `symbol` as soon as an order
        rests there, not at the next refresh. Best effort: a failure leaves it to that refresh
        (which arms every symbol with resting orders), and never hides the order's outcome."""
        self._resting.add(symbol)
        window = self._dead_man_window
        if window is None or not self._profile.dead_man_per_symbol or symbol in self._dead_man_symbols:
            return
        try:
            await self._read(self._profile.arm_dead_man(self._ready(), window, {symbol}))
        except VenueError:
            return
        self._dead_man_symbols.add(symbol)

    async def disarm_dead_man(self) -> None:
        """Turn the venue's cancel-all-after off (nothing to do where there is none)."""
        if self._profile.dead_man_range is None or self._exchange is None:
            return
        symbols, self._dead_man_symbols, self._dead_man_window = self._dead_man_symbols, set(), None
        await self._read(self._profile.disarm_dead_man(self._exchange, symbols))

    # -- top-ups within the venue (`TopUpVenue`, through the profile) ---------------------------

    def _top_up_ready(self) -> Any:
        """The client, once this account may top up: NotSupported (with the reason) where the
        venue has no top-up cockpit can send, or the account may not trade."""
        profile = self._profile
        if not profile.top_up_route:
            raise NotSupported(f"{self.info.venue}: {profile.top_up_absent}", account=self.info.name)
        self._refuse_if_readonly("top-ups")
        return self._ready()

    def _transfer(self, venue_id: str, amount: Decimal, status: TransferStatus) -> Transfer:
        return Transfer(id=venue_id, account=self.info.name, from_layer=self.info.layer, to_layer=self.info.layer,
                        amount=amount, currency=self._profile.top_up_currency, started_at=self._clock(), eta=None,
                        status=status, route=self._profile.top_up_route)

    @property
    def top_up_route(self) -> str:
        """How a top-up moves at this venue, in its profile's words (`TopUpVenue`)."""
        return self._profile.top_up_route

    @property
    def top_up_keyed(self) -> bool:
        """The venue keeps cockpit's client id on a top-up (`TopUpVenue`; the profile's
        `top_up_client_id`)."""
        return self._profile.top_up_client_id

    @property
    def top_up_venue_id(self) -> bool:
        """The send's answer names the transfer by the venue's own id and its history finds it
        by it (`TopUpVenue`; the profile's `top_up_venue_id`)."""
        return self._profile.top_up_venue_id

    async def top_up_available(self) -> float:
        """What the account's spot or funding wallet can move into its perp margin now."""
        ex = self._top_up_ready()
        return float(await self._read(self._profile.top_up_available(ex)))

    async def top_up(self, amount: Decimal, client_id: str) -> Transfer:
        """Send the top-up (an open outcome is `UnknownOutcome`: look it up before any resend)."""
        ex = self._top_up_ready()
        venue_id, status = await self._order(self._profile.top_up(ex, amount, client_id), client_id)
        self._top_ups[client_id] = venue_id
        return self._transfer(venue_id, amount, status)

    async def top_up_status(self, client_id: str, amount: Decimal, since: float,
                            venue_id: str | None = None) -> Transfer | None:
        """The top-up under `client_id` as the venue has it; None when it has none. The venue's
        id of it is the one this process learnt, else `venue_id` (kept by the engine across a
        restart)."""
        ex = self._top_up_ready()
        claimed = [v for c, v in self._top_ups.items() if c != client_id]
        known = self._top_ups.get(client_id) or venue_id
        found = await self._read(self._profile.top_up_status(ex, client_id, amount, since, known, claimed))
        if found is None:
            return None
        self._top_ups[client_id] = found[0]
        return self._transfer(found[0], amount, found[1])

    async def funding_rate_history(self, symbol: str, since: float) -> tuple:
        """Settled funding rates of `symbol` from `since` (ccxt ``fetchFundingRateHistory``);
        `NotSupported` where ccxt has no such call for this venue."""
        ex = self._ready()
        if not ex.has.get("fetchFundingRateHistory"):
            raise NotSupported(f"{self.info.venue}: no funding-rate history in ccxt", account=self.info.name)
        raw = await self._read(ex.fetch_funding_rate_history(symbol, since_ms(since)))
        return map_rate_history(self.info.venue, raw, default_hours=self._profile.funding_hours)

    async def funding_payments(self, since: float) -> tuple:
        """This account's funding payments from `since` (ccxt ``fetchFundingHistory``), amounts
        exact and signed as received; `NotSupported` where ccxt has no such call."""
        ex = self._ready()
        if not ex.has.get("fetchFundingHistory"):
            raise NotSupported(f"{self.info.venue}: no funding history in ccxt", account=self.info.name)
        raw = await self._read(ex.fetch_funding_history(None, since_ms(since)))
        return map_payments(self.info.name, self.info.venue, raw, markets=ex.markets or {}, profile=self._profile)

    async def request_transfer(self, request: TransferRequest) -> Transfer:
        """Not offered: withdrawals and bridges are done on the venue, not from the cockpit."""
        raise NotSupported(f"{self.info.venue}: transfers are not sent from cockpit",
                           account=self.info.name)

    async def close(self) -> None:
        """Close the HTTP session."""
        exchange, self._exchange = self._exchange, None
        if exchange is not None:
            try:
                await exchange.close()
            except Exception:  # noqa: BLE001 - closing must never raise
                pass


def _base_per_contract(instrument: Instrument | None) -> Decimal:
    """What one contract counts for in cockpit's order amounts on `instrument`: its contract size
    in base units; 1 on an inverse swap, whose amounts are contracts already."""
    if instrument is None or instrument.inverse:
        return Decimal(1)
    return instrument.contract_size


async def _kept(reply: Any) -> Any:
    """A reply read by an earlier snapshot, in the place of this snapshot's call."""
    return reply
