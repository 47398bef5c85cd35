"""The executor: turns an accepted intent into one reduce-only order, journaled before it is sent.

Safety rules it enforces (DESIGN.md):
- every order reduces risk: reduce-only at the venue *and* checked here against the position minus
  what is already in flight, with the size rounded down to the venue's step: it never flips;
- the client order id is derived from the intent id, so retrying an intent never makes a second
  order, and the journal row is committed before the request leaves the process;
- a timeout, 5xx or 429 on an order is an unknown outcome, resolved by looking the order up by its
  client id (the engine keeps looking, with backoff, until it is known), and re-sent only under the
  same id, once, after the venue has not known it for a grace period; an order the venue does not
  know is declared "never reached the venue" only after that grace, and corrected if it lands late;
- read-only (global or per account) refuses every order with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterator, Mapping

from cockpit.engine.journal import ABSENT, Journal, JournalRow
from cockpit.model.commands import TrimPreview
from cockpit.model import (
    TERMINAL,
    AuthError,
    Book,
    Health,
    Instrument,
    Intent,
    IntentSource,
    MalformedReply,
    MarginMode,
    NotSupported,
    Order,
    OrderRequest,
    OrderStatus,
    Position,
    PositionKey,
    RateLimited,
    Rejected,
    Side,
    Unavailable,
    UnknownOutcome,
    VenueError,
    VenueSnapshot,
)
from cockpit.risk.orders import estimate_cost, reduce_only_amount, round_down
from cockpit.venues.protocol import Venue

#: The detail of a row the venue did not know at its first look-up: pending a second one.
PENDING = "not at the venue yet: looking again"


def trim_mark(position: Position, snapshot: VenueSnapshot | None) -> float | None:
    """The mark a trim of `position` is priced at: its own, else the one its account's snapshot
    carries for the symbol (its marks table, then its funding quote). Venues may leave the mark
    off the position (the model allows it: dYdX's indexer reports size, side, entry and uPnL
    only; the simulator's dYdX does the same); the rest of the snapshot usually has it."""
    if position.mark_price is not None:
        return float(position.mark_price)
    if snapshot is None:
        return None
    mark = snapshot.mark(position.symbol)
    if mark is None:
        mark = next((q.mark_price for q in snapshot.funding
                     if q.symbol == position.symbol and q.mark_price is not None), None)
    return mark if mark is not None and mark > 0 else None


class ExecutionError(Exception):
    """An intent the executor refuses, with a one-line reason for the user."""


def client_order_id(intent_id: str) -> str:
    """The deterministic client order id of an intent: 'ck' + 24 hex digits.

    Letters and digits only, 26 characters: valid as-is on Binance, Bybit and OKX; adapters whose
    venue wants another shape (a 128-bit hex cloid, a uint32) derive it from this one.
    """
    return "ck" + hashlib.sha256(intent_id.encode()).hexdigest()[:24]


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
        resolve_delays: waits between the look-ups `submit` makes itself after an unknown outcome.
        absent_grace: an order the venue does not know is declared absent only when a second
            look-up at least this many seconds after the first finds nothing either.
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
        absent_grace: float = 10.0,
    ) -> None:
        self.venues = dict(venues)
        self.journal = journal
        self.clock = clock
        self.readonly = readonly
        self.request_timeout = request_timeout
        self.resolve_delays = resolve_delays
        self.absent_grace = absent_grace
        self.reconciled: set[str] = set()
        self._busy: set[str] = set()  # client ids a submit is sending or looking up now
        self._sent_here: set[str] = set()  # sent by this process: may be re-sent once if absent
        self._resent: set[str] = set()
        self._absent_since: dict[str, float] = {}  # first look-up that did not find it

    # -- planning -------------------------------------------------------------------------

    def readonly_reason(self, account: str | None = None) -> str | None:
        """Why orders are disabled (everywhere, or on `account`), or None when they are allowed."""
        if self.readonly:
            return "read-only mode (--readonly): orders are disabled"
        venue = self.venues.get(account) if account is not None else None
        if venue is not None and venue.info.readonly:
            return venue.info.readonly_reason or f"account '{account}' is read-only in the config"
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
        position = book.position(intent.key)
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
            position.order_size,  # contracts on an inverse swap, like the journal's amounts
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
            type="market" if intent.limit is None else "limit",
            price=intent.limit,
        )

    def preview(self, intent: Intent, book: Book, *, mark: float | None = None) -> TrimPreview:
        """The frozen values of a confirmation: size to cut, estimated price and cost, after.

        The trim is priced at the position's mark, else at the one the account's snapshot
        carries for the symbol (`trim_mark`), else at `mark` (the risk engine's, which also reads
        the funding quotes). With no price at all the price, notional and cost are None
        (unknown), never 0.
        """
        position, instrument = self._position(intent, book)
        request = self._order(intent, position, instrument)
        state = book.account(intent.account)
        price_at = trim_mark(position, state.snapshot if state is not None else None)
        if price_at is None:
            price_at = mark
        notional = None if price_at is None else float(request.amount) * instrument.unit_value(price_at)
        price, cost = estimate_cost(request.amount, price_at, instrument, position.side.opposite)
        return TrimPreview(
            intent=intent,
            account=intent.account,
            venue=position.venue,
            symbol=intent.symbol,
            side=position.side,
            size=position.order_size,
            cut=request.amount,
            order_side=request.side,
            est_price=price,
            est_cost=cost,
            after=position.order_size - request.amount,
            notional=notional,
            unit="contracts" if position.contracts is not None else "",
            asset=instrument.asset,
            mark=price_at,
            cross=position.margin_mode is MarginMode.CROSS,
        )

    # -- sending --------------------------------------------------------------------------

    def hedge_order(self, intent: Intent, side: Side, book: Book) -> OrderRequest:
        """The blind-venue hedge `intent` as an order: `intent.amount` on `side`, NOT reduce-only
        (the one order that may open a position). The caller (the unwind run) has capped the
        amount at the blind position's size; here the account must be LIVE and reconciled and the
        amount on the venue's step."""
        reason = self.readonly_reason(intent.account)
        if reason is not None:
            raise ExecutionError(reason)
        state = book.account(intent.account)
        if state is None or state.health is not Health.LIVE:
            raise ExecutionError(f"{intent.account} is not LIVE: a hedge goes only to a live venue")
        if intent.account not in self.reconciled:
            raise ExecutionError(f"{intent.account} is not reconciled yet: waiting for its open orders")
        instrument = self.venues[intent.account].instruments().get(intent.symbol)
        if instrument is None:
            raise ExecutionError(f"{intent.symbol} is not a market of {intent.account}")
        amount = round_down(intent.amount or Decimal(0), instrument.amount_step)
        if amount <= 0 or amount < instrument.min_amount:
            raise ExecutionError(f"{intent.symbol}: the hedge is below the venue minimum of {instrument.min_amount}")
        return OrderRequest(client_id=client_order_id(intent.id), account=intent.account, symbol=intent.symbol,
                            side=side, amount=amount, reduce_only=False)

    async def submit(self, intent: Intent, book: Book, *, cap: Decimal | None = None,
                     hedge: Side | None = None) -> Outcome:
        """Send the order for `intent`; `cap` bounds it to what the user confirmed. With `hedge`,
        the order is the blind-venue hedge on that side (`hedge_order`), the one that opens.

        An intent already journaled is that order, under its id (looked up, or resumed), never
        sized again: its own row, in flight, must not count against it (a step resumed after a
        restart would be refused as "already being closed" by itself)."""
        journaled = self.journal.get(client_order_id(intent.id))
        if hedge is not None:
            request = self.hedge_order(intent, hedge, book)
        elif journaled is not None:
            self._position(intent, book)  # the same refusals (read-only, not LIVE, not reconciled)
            request = journaled.request()
        else:
            request = self._order(intent, *self._position(intent, book))
        if cap is not None and request.amount > cap and journaled is None:
            # The confirmed size bounds the order, on the venue's step like every size we send
            # (a cap from a terminal is not trusted to be on it).
            instrument = self.venues[intent.account].instruments()[intent.symbol]
            capped = round_down(cap, instrument.amount_step)
            if capped <= 0 or capped < instrument.min_amount:
                raise ExecutionError(f"{intent.symbol}: the confirmed size {cap} is below the venue "
                                     f"minimum of {instrument.min_amount}")
            request = dataclasses.replace(request, amount=capped)
        now = self.clock()
        fresh = self.journal.record(
            request, intent_id=intent.id, source=intent.source, reason=intent.reason, now=now
        )
        resumed = False
        if not fresh:
            row = self.journal.get(request.client_id)
            assert row is not None
            if row.status is OrderStatus.CANCELED and row.detail == ABSENT and row.reduce_only:
                # A restart cut it off before it left (two look-ups a grace apart, past the
                # venue's receive window, found nothing): the resumed intent sends it now, under
                # the same id, if it still only reduces the position.
                fits = self._fits(row, book)
                if fits is None:
                    raise ExecutionError(f"{row.account} has no live data: {row.symbol} is not re-sent "
                                         f"until its position can be checked")
                if not fits:
                    return Outcome(row.client_id, row.status, row.filled,
                                   f"{ABSENT}; not re-sent: the position is smaller than the order now")
                self.journal.set_status(row.client_id, OrderStatus.INTENDED, now=now, detail="resumed")
                resumed = True
            elif row.status in TERMINAL:
                return Outcome(row.client_id, row.status, row.filled, "already done")
            request = row.request()  # the same order, under the same id
        if request.client_id in self._busy:
            return Outcome(request.client_id, OrderStatus.UNKNOWN, Decimal(0), "already being sent")
        with self.holding(request.client_id):
            if fresh or resumed:
                outcome = await self._send(request)
            else:
                # Journaled before (an earlier attempt): look it up first; it is re-sent only
                # when the venue has not known it for the grace period (see `check`).
                outcome = await self.check(self.journal.get(request.client_id), book)  # type: ignore[arg-type]
            return outcome if outcome is not None else await self.resolve(request, book)

    @contextlib.contextmanager
    def holding(self, client_id: str) -> Iterator[None]:
        """Mark `client_id` as being sent or looked up (see `busy`) for the `with` block: every
        path that may send an order holds it, so no two paths ever send the same id at once."""
        self._busy.add(client_id)
        try:
            yield
        finally:
            self._busy.discard(client_id)

    async def _send(self, request: OrderRequest) -> Outcome | None:
        """Place `request`; its outcome, or None when unknown (the row is then UNKNOWN)."""
        venue = self.venues[request.account]
        self._sent_here.add(request.client_id)
        try:
            order = await asyncio.wait_for(venue.place_order(request), self.request_timeout)
        except Rejected as error:
            return self._finish(request, OrderStatus.REJECTED, Decimal(0), f"rejected: {error}")
        except (AuthError, NotSupported) as error:
            return self._finish(request, OrderStatus.REJECTED, Decimal(0), error.reason)
        except (UnknownOutcome, Unavailable, RateLimited, MalformedReply, asyncio.TimeoutError) as error:
            reason = error.reason if isinstance(error, VenueError) else "timeout"
            self.journal.set_status(request.client_id, OrderStatus.UNKNOWN, now=self.clock(), detail=reason)
            return None
        return self._record(request, order)

    async def resolve(self, request: OrderRequest, book: Book | None = None) -> Outcome:
        """Look up an order whose outcome is unknown a few times now (`resolve_delays`).

        What is still unknown afterwards is left to `Engine`'s resolver, which keeps looking with
        backoff; the row counts as in flight until then.
        """
        for delay in self.resolve_delays:
            await asyncio.sleep(delay)
            row = self.journal.get(request.client_id)
            if row is None or row.status in TERMINAL:
                break
            outcome = await self.check(row, book)
            if outcome is not None:
                return outcome
        row = self.journal.get(request.client_id)
        if row is not None and row.status in TERMINAL:
            return Outcome(row.client_id, row.status, row.filled, f"{row.status.value}: {row.detail}")
        return Outcome(request.client_id, OrderStatus.UNKNOWN, Decimal(0),
                       "outcome unknown: still looking it up (counted as in flight until then)")

    async def check(self, row: JournalRow, book: Book | None = None, *, strict: bool = False) -> Outcome | None:
        """One look-up of a journaled order that is not terminal: its outcome, or None if unknown.

        An order the venue does not know is not declared absent at once (it may still be on its
        way): only a second look-up at least `absent_grace` seconds after the first that also finds
        nothing counts, or, for a row last written more than `absent_grace` ago (found after a
        restart), a second look-up made at once. Then an order this process sent is re-sent once under the same client id
        (venues dedupe it) if it still fits the position in `book` (see `_fits`); anything else (a
        row from before a restart, one already re-sent, one that no longer fits) is CANCELED as
        "never reached the venue", and watched for a late landing (`check_late`).
        A failed look-up is None, or with `strict` an ExecutionError.
        """
        request = row.request()
        cid = row.client_id
        try:
            order = await self._lookup(row)
        except (VenueError, asyncio.TimeoutError) as error:
            if strict:
                reason = error.reason if isinstance(error, VenueError) else "timeout"
                raise ExecutionError(f"{row.account}: cannot look up {cid}: {reason}") from None
            return None
        now = self.clock()
        if order is not None:
            self._absent_since.pop(cid, None)
            return self._record(request, order)
        first = self._absent_since.get(cid)
        if first is None and now - row.updated >= self.absent_grace:
            # Last sent longer ago than the grace (a restart after a long stop): it can no longer
            # arrive, since the venue refuses it past its receive window. A second look-up now,
            # not a grace from now, decides.
            first = self._absent_since[cid] = now - self.absent_grace
            try:
                order = await self._lookup(row)
            except (VenueError, asyncio.TimeoutError):
                return None
            if order is not None:
                self._absent_since.pop(cid, None)
                return self._record(request, order)
        if first is None or now - first < self.absent_grace:
            if first is None:
                self._absent_since[cid] = now
            if row.status is not OrderStatus.UNKNOWN or row.detail != PENDING:
                self.journal.set_status(cid, OrderStatus.UNKNOWN, now=now, detail=PENDING)
            return None
        if cid in self._sent_here and cid not in self._resent:
            fits = self._fits(row, book)
            if fits is None:
                return None  # no live data to check it against: decide on the next look-up
            del self._absent_since[cid]
            if fits:
                self._resent.add(cid)
                return await self._send(request)
            return self._finish(request, OrderStatus.CANCELED, Decimal(0),
                                f"{ABSENT}; not re-sent: the position is smaller than the order now")
        del self._absent_since[cid]
        return self._finish(request, OrderStatus.CANCELED, Decimal(0), ABSENT)

    def _fits(self, row: JournalRow, book: Book | None) -> bool | None:
        """Whether re-sending `row` still reduces only: the position it closes, minus what else is
        in flight on it, covers its amount. None when `book` has no live data for the account."""
        state = book.account(row.account) if book is not None else None
        if state is None or state.health is not Health.LIVE:
            return None
        position = book.position(PositionKey(row.account, row.symbol))  # type: ignore[union-attr]
        if position is None or position.side.opposite is not row.side:
            return False
        # in_flight counts this row too while it is open (unknown); a row declared absent is not.
        own = row.remaining if row.status.in_flight else Decimal(0)
        others = self.journal.in_flight(row.account, row.symbol) - own
        return position.order_size - others >= row.amount

    async def check_late(self, row: JournalRow) -> Outcome | None:
        """Look up a row declared absent: if the order landed after all, correct the journal."""
        try:
            order = await self._lookup(row)
        except (VenueError, asyncio.TimeoutError):
            return None
        if order is None:
            return None
        return self._record(row.request(), order, "landed late, journal corrected: ")

    async def _lookup(self, row: JournalRow) -> Order | None:
        venue = self.venues[row.account]
        return await asyncio.wait_for(venue.fetch_order(row.client_id, row.symbol), self.request_timeout)

    def forget(self, watched: set[str]) -> None:
        """Forget what this process sent of every order not in `watched` (the rows not terminal
        and those declared absent that are still watched): such a row is never re-sent by
        `check`, and a row resumed later is sent (and remembered) again. Call it with no await
        between reading the journal and this call, so no row changes in between."""
        self._sent_here = {cid for cid in self._sent_here if cid in watched or cid in self._busy}
        self._resent = {cid for cid in self._resent if cid in watched or cid in self._busy}

    async def cancel(self, row: JournalRow) -> Outcome | None:
        """Cancel a resting order of ours, then look it up: its final state as the venue has it
        (a fill that raced the cancel included), or None when the look-up failed. A refused
        cancel (already filled or gone) is not an error: the look-up tells."""
        try:
            await asyncio.wait_for(self.venues[row.account].cancel_order(row.client_id, row.symbol),
                                   self.request_timeout)
        except (VenueError, asyncio.TimeoutError):
            pass
        return await self.check(row)

    def busy(self, client_id: str) -> bool:
        """Whether a submit is sending or looking up this order right now (leave it alone)."""
        return client_id in self._busy

    def _record(self, request: OrderRequest, order: Order, prefix: str = "") -> Outcome:
        message = f"{prefix}{order.status.value}: {order.filled} of {request.amount} {request.symbol}"
        return self._finish(request, order.status, order.filled, message, order.average, order.fee)

    def _finish(self, request: OrderRequest, status: OrderStatus, filled: Decimal, message: str,
                average: Decimal | None = None, fee: float | None = None) -> Outcome:
        self.journal.set_status(request.client_id, status, now=self.clock(), filled=filled, detail=message,
                                average=average, fee=fee or None)
        return Outcome(request.client_id, status, filled, message)

    async def reconcile(self, account: str) -> list[Outcome]:
        """Look up every journaled order of `account` that is not terminal; then allow orders.

        A look-up that fails refuses the account (ExecutionError): it stays unreconciled. An order
        the venue does not know yet stays UNKNOWN (in flight) until `check` declares it absent.
        """
        outcomes = []
        for row in self.journal.open_orders(account):
            outcome = await self.check(row, strict=True)
            if outcome is not None:
                outcomes.append(outcome)
        self.reconciled.add(account)
        return outcomes
