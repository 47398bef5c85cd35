"""The executor: turns an accepted intent into one reduce-only order, journaled before it is sent.

Safety rules it enforces (DESIGN.md):
- every order reduces risk: reduce-only at the venue *and* checked here against the position minus
  what is already in flight, with the size rounded down to the venue's step: it never flips;
- the client order id is derived from the intent id, so retrying an intent never makes a second
  order, and the journal row is committed before the request leaves the process;
- a timeout, 5xx or 429 on an order is an unknown outcome, resolved by looking the order up by its
  client id, and re-sent only under the same id;
- read-only (global or per account) refuses every order with the reason.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Mapping

from cockpit.engine.journal import Journal
from cockpit.model import (
    AuthError,
    Book,
    Health,
    Instrument,
    Intent,
    IntentSource,
    MalformedReply,
    NotSupported,
    Order,
    OrderRequest,
    OrderStatus,
    Position,
    RateLimited,
    Rejected,
    Side,
    Unavailable,
    UnknownOutcome,
    VenueError,
)
from cockpit.risk.orders import estimate_cost, reduce_only_amount
from cockpit.venues.protocol import Venue

#: Order states after which nothing more will happen.
TERMINAL = (OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED)
#: The detail of a row that reconciliation found the venue never received.
NEVER_REACHED = "never reached the venue"


class ExecutionError(Exception):
    """An intent the executor refuses, with a one-line reason for the user."""


def client_order_id(intent_id: str) -> str:
    """The deterministic client order id of an intent: 'ck' + 24 hex digits.

    Letters and digits only, 26 characters: valid as-is on Binance, Bybit and OKX; adapters whose
    venue wants another shape (a 128-bit hex cloid, a uint32) derive it from this one.
    """
    return "ck" + hashlib.sha256(intent_id.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class TrimPreview:
    """The frozen values a confirmation shows: what will be sent if the user confirms."""

    intent: Intent
    account: str
    venue: str
    symbol: str
    side: Side
    size: Decimal
    cut: Decimal
    order_side: Side
    est_price: float | None
    est_cost: float
    after: Decimal
    notional: float | None


@dataclass(frozen=True)
class Outcome:
    """What became of a submitted intent."""

    client_id: str
    status: OrderStatus
    filled: Decimal
    message: str


class Executor:
    """Sends reduce-only orders for intents, journaling each first.

    Args:
        venues: the venue of each account, by account name.
        journal: where orders are written before they are sent.
        clock: wall time, for journal stamps.
        readonly: refuse every order (the global `--readonly`).
        request_timeout: seconds before an order request is an unknown outcome.
        resolve_delays: waits between look-ups of an order whose outcome is unknown.
        grace: seconds after an order was last sent during which the venue may still receive
            it (its receive window, plus margin): reconciliation waits that long before it
            declares an order it cannot find never sent.
    """

    def __init__(
        self,
        venues: Mapping[str, Venue],
        journal: Journal,
        *,
        clock: Callable[[], float],
        readonly: bool = False,
        request_timeout: float = 5.0,
        resolve_delays: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0),
        grace: float = 0.0,
    ) -> None:
        self.venues = dict(venues)
        self.journal = journal
        self.clock = clock
        self.readonly = readonly
        self.request_timeout = request_timeout
        self.resolve_delays = resolve_delays
        self.grace = grace
        self.reconciled: set[str] = set()

    # -- planning -------------------------------------------------------------------------

    def readonly_reason(self, account: str | None = None) -> str | None:
        """Why orders are disabled (everywhere, or on `account`), or None when they are allowed."""
        if self.readonly:
            return "read-only mode (--readonly): orders are disabled"
        venue = self.venues.get(account) if account is not None else None
        if venue is not None and venue.info.readonly:
            return f"account '{account}' is read-only in the config"
        return None

    def _position(self, intent: Intent, book: Book) -> tuple[Position, Instrument]:
        reason = self.readonly_reason(intent.account)
        if reason is not None:
            raise ExecutionError(reason)
        state = book.account(intent.account)
        if state is None:
            raise ExecutionError(f"no account named '{intent.account}'")
        if state.health is Health.DOWN:
            raise ExecutionError(f"{intent.account} is DOWN ({state.error or 'no data'}): cannot send")
        if intent.source is not IntentSource.HOTKEY and state.health is not Health.LIVE:
            raise ExecutionError(f"{intent.account} is {state.health.value}: rules never act on stale data")
        if intent.account not in self.reconciled:
            raise ExecutionError(f"{intent.account} is not reconciled yet: waiting for its open orders")
        position = book.position(f"{intent.account}|{intent.symbol}")
        if position is None:
            raise ExecutionError(f"no open position in {intent.symbol} on {intent.account}")
        instrument = self.venues[intent.account].instruments().get(intent.symbol)
        if instrument is None:
            raise ExecutionError(f"{intent.symbol} is not a market of {intent.account}")
        return position, instrument

    def plan(self, intent: Intent, book: Book) -> OrderRequest:
        """The exact order an intent becomes now, or ExecutionError with the reason."""
        return self._order(intent, *self._position(intent, book))

    def _order(self, intent: Intent, position: Position, instrument: Instrument) -> OrderRequest:
        in_flight = self.journal.in_flight(intent.account, intent.symbol)
        cut = reduce_only_amount(
            position.size,
            in_flight=in_flight,
            fraction=intent.fraction,
            amount=intent.amount,
            step=instrument.amount_step,
            min_amount=instrument.min_amount,
        )
        if cut <= 0:
            if in_flight > 0:
                raise ExecutionError(f"{intent.symbol}: {in_flight} is already being closed")
            raise ExecutionError(
                f"{intent.symbol}: the cut is below the venue minimum of {instrument.min_amount}"
            )
        return OrderRequest(
            client_id=client_order_id(intent.id),
            account=intent.account,
            symbol=intent.symbol,
            side=position.side.opposite,
            amount=cut,
            reduce_only=True,
        )

    def preview(self, intent: Intent, book: Book) -> TrimPreview:
        """The frozen values of a confirmation: size to cut, estimated price and cost, after."""
        position, instrument = self._position(intent, book)
        request = self._order(intent, position, instrument)
        mark = float(position.mark_price) if position.mark_price is not None else None
        notional = None if mark is None else float(request.amount) * mark
        price, cost = estimate_cost(request.amount, mark, instrument, position.side.opposite)
        return TrimPreview(
            intent=intent,
            account=intent.account,
            venue=position.venue,
            symbol=intent.symbol,
            side=position.side,
            size=position.size,
            cut=request.amount,
            order_side=request.side,
            est_price=price,
            est_cost=cost,
            after=position.size - request.amount,
            notional=notional,
        )

    # -- sending --------------------------------------------------------------------------

    async def submit(self, intent: Intent, book: Book, *, cap: Decimal | None = None) -> Outcome:
        """Send the order for `intent`; `cap` bounds it to what the user confirmed."""
        request = self.plan(intent, book)
        if cap is not None and request.amount > cap:
            request = dataclasses.replace(request, amount=cap)
        now = self.clock()
        if not self.journal.record(
            request, intent_id=intent.id, source=intent.source.value, reason=intent.reason, now=now
        ):
            row = self.journal.get(request.client_id)
            assert row is not None
            if row.status is OrderStatus.CANCELED and row.detail == NEVER_REACHED:
                # A restart cut it off before it left: the resumed intent sends it now, under
                # the same id (the venue has confirmed it never saw that id).
                self.journal.set_status(row.client_id, OrderStatus.INTENDED, now=now, detail="resumed")
                return await self._send(row.request())
            if row.status in TERMINAL:
                return Outcome(row.client_id, row.status, row.filled, "already done")
            request = row.request()  # the same order, under the same id
        return await self._send(request)

    async def _send(self, request: OrderRequest) -> Outcome:
        venue = self.venues[request.account]
        try:
            order = await asyncio.wait_for(venue.place_order(request), self.request_timeout)
        except Rejected as error:
            return self._finish(request, OrderStatus.REJECTED, Decimal(0), f"rejected: {error}")
        except (AuthError, NotSupported) as error:
            return self._finish(request, OrderStatus.REJECTED, Decimal(0), error.reason)
        except (UnknownOutcome, Unavailable, RateLimited, MalformedReply, asyncio.TimeoutError) as error:
            reason = error.reason if isinstance(error, VenueError) else "timeout"
            self.journal.set_status(request.client_id, OrderStatus.UNKNOWN, now=self.clock(), detail=reason)
            return await self.resolve(request)
        return self._record(request, order)

    async def resolve(self, request: OrderRequest) -> Outcome:
        """Find out what became of an order whose outcome is unknown: look up, then resend same id."""
        venue = self.venues[request.account]
        resent = False
        for delay in self.resolve_delays:
            await asyncio.sleep(delay)
            try:
                order = await asyncio.wait_for(
                    venue.fetch_order(request.client_id, request.symbol), self.request_timeout
                )
            except (VenueError, asyncio.TimeoutError):
                continue
            if order is not None:
                return self._record(request, order)
            if not resent:
                # The venue never saw it: sending again under the *same* id is safe.
                resent = True
                try:
                    order = await asyncio.wait_for(venue.place_order(request), self.request_timeout)
                except Rejected as error:
                    return self._finish(request, OrderStatus.REJECTED, Decimal(0), f"rejected: {error}")
                except (VenueError, asyncio.TimeoutError):
                    continue
                return self._record(request, order)
        return Outcome(request.client_id, OrderStatus.UNKNOWN, Decimal(0),
                       "outcome unknown: will be resolved at the next reconciliation")

    def _record(self, request: OrderRequest, order: Order) -> Outcome:
        message = f"{order.status.value}: {order.filled} of {request.amount} {request.symbol}"
        return self._finish(request, order.status, order.filled, message)

    def _finish(self, request: OrderRequest, status: OrderStatus, filled: Decimal, message: str) -> Outcome:
        self.journal.set_status(request.client_id, status, now=self.clock(), filled=filled, detail=message)
        return Outcome(request.client_id, status, filled, message)

    async def reconcile(self, account: str) -> list[Outcome]:
        """Resolve every journaled order of `account` that is not terminal; then allow orders.

        An order the venue does not know may still be on its way (sent just before a crash):
        it is declared never sent only once `grace` seconds have passed since it was last sent,
        after which the venue's receive window refuses it.
        """
        outcomes = []
        for row in self.journal.open_orders(account):
            order = await self._lookup(row)
            wait = self.grace - (self.clock() - row.updated)
            if order is None and wait > 0:
                await asyncio.sleep(wait)
                order = await self._lookup(row)
            if order is None:
                # Never reached the venue: the intent was not carried out.
                outcomes.append(self._finish(row.request(), OrderStatus.CANCELED, Decimal(0), NEVER_REACHED))
            else:
                outcomes.append(self._record(row.request(), order))
        self.reconciled.add(account)
        return outcomes

    async def _lookup(self, row) -> Order | None:
        try:
            return await asyncio.wait_for(self.venues[row.account].fetch_order(row.client_id, row.symbol),
                                          self.request_timeout)
        except (VenueError, asyncio.TimeoutError) as error:
            reason = error.reason if isinstance(error, VenueError) else "timeout"
            raise ExecutionError(f"{row.account}: cannot reconcile {row.client_id}: {reason}") from None
