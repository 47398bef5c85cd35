"""The open-orders view in words: every order open at a venue and every order of ours in flight,
across accounts, with where each came from and where it stands.

Two sources, joined by (account, client id): the venues' own open orders in each account's last
snapshot (ours, and those placed by hand or by another program), and our orders the engine has
not seen done yet (`Frame.working`: on their way, resting, or with an unknown outcome). An order
of ours that the venue does not list (a market order on its way, an unknown outcome) is shown
too: it may still change a position.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cockpit.model import Frame, Health, Order, OrderStatus, Side, WorkingOrder
from cockpit.model.unwind import StepStatus
from cockpit.present import format as fmt

NOT_OURS = "venue/manual"
"""The origin of an order the cockpit did not send (placed on the venue's site, or another program)."""

LEGEND = ("RO reduce-only (never flips a position) · origin: trim, close, kill cut, unwind #n (its step n; rk: "
          f"ladder rung k), hedge #n, {NOT_OURS} = not ours · state: in full on the line above · age: since "
          "journaled or placed")
"""What the view's columns and words mean."""

EMPTY = ("No open orders. Orders show here while they rest at a venue (a limit, an unwind ladder's rungs, one "
         "placed on the venue's own site) or while one of ours is on its way or its outcome is being looked up. "
         "Market orders (trims, kill-switch cuts) are usually done within a second.")
"""What the view says when there is nothing to show."""


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One open order as the view shows it.

    Attributes:
        ours: the cockpit sent it (it is in the journal).
        at_venue: the venue lists it among the account's open orders.
        age: seconds since it was journaled (ours) or placed (the venue's); None when unknown.
        state: where it stands, in a word or two ("resting", "sending", "unknown: looking up").
        run_step: the unwind step that is sending it now (the run manages it), if any.
        detail: what the journal last noted about it ("" for the venue's).
    """

    account: str
    venue: str
    symbol: str
    asset: str
    side: Side
    reduce_only: bool
    type: str
    price: Decimal | None
    amount: Decimal
    filled: Decimal
    age: float | None
    client_id: str
    origin: str
    state: str
    ours: bool
    at_venue: bool
    run_step: int | None = None
    detail: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """The line's identity: (account, client id)."""
        return self.account, self.client_id


def order_lines(frame: Frame) -> list[OrderLine]:
    """Every open order of `frame`, per account in the book's order: ours first (oldest first),
    then the venue's others (oldest first)."""
    working: dict[tuple[str, str], WorkingOrder] = {(w.account, w.client_id): w for w in frame.working}
    venue_now = frame.sim_time if frame.sim_time is not None else frame.now
    lines: list[OrderLine] = []
    for acc in frame.book.accounts:
        snap = acc.snapshot
        at_venue = {o.client_id: o for o in snap.open_orders} if snap is not None else {}
        assets = _assets(snap)
        ours = [w for w in frame.working if w.account == acc.name]
        for w in ours:
            lines.append(_ours(frame, w, at_venue.get(w.client_id), acc.info.venue, assets))
        theirs = [o for cid, o in at_venue.items() if (acc.name, cid) not in working]
        for o in sorted(theirs, key=lambda o: o.timestamp or 0.0):
            age = venue_now - o.timestamp if o.timestamp else None
            lines.append(OrderLine(
                account=acc.name, venue=acc.info.venue, symbol=o.symbol, asset=assets.get(o.symbol, o.symbol),
                side=o.side, reduce_only=o.reduce_only, type=o.type, price=o.price, amount=o.amount,
                filled=o.filled, age=age, client_id=o.client_id, origin=NOT_OURS, state=_venue_state(o),
                ours=False, at_venue=True))
    return lines


def _assets(snap) -> dict[str, str]:
    """Each symbol's base asset, from what the snapshot says of it (positions, funding quotes)."""
    if snap is None:
        return {}
    found = {q.symbol: q.asset for q in snap.funding}
    found.update({p.symbol: p.asset for p in snap.positions})
    return found


def _ours(frame: Frame, w: WorkingOrder, order: Order | None, venue: str, assets: dict[str, str]) -> OrderLine:
    """Our order, with what the venue says of it where it lists it (its fill is the newer)."""
    step = _run_step(frame, w.intent_id)
    filled = max(w.filled, order.filled) if order is not None else w.filled
    return OrderLine(
        account=w.account, venue=venue, symbol=w.symbol, asset=assets.get(w.symbol, w.symbol), side=w.side,
        reduce_only=w.reduce_only, type=w.type, price=w.price, amount=w.amount, filled=filled,
        age=frame.now - w.created, client_id=w.client_id, origin=origin(w), state=_our_state(w, order, filled),
        ours=True, at_venue=order is not None, run_step=step, detail=w.detail)


def origin(w: WorkingOrder) -> str:
    """Who sent our order, from its intent id: "trim 25%", "close", "kill cut", "unwind #3" (its
    step 3; "unwind #3 r2" for a ladder's second rung), "hedge #3" (a blind-venue hedge)."""
    kind, _, rest = w.intent_id.partition(":")
    if kind == "trim":
        return w.reason.removeprefix("hotkey ") or "trim"
    if kind == "kill":
        return "kill cut"
    if kind == "unwind":
        parts = rest.split(":")  # <run>:<step>:<attempt>:<slice>
        if len(parts) == 4 and parts[1].isdigit():
            if not w.reduce_only:
                return f"hedge #{parts[1]}"
            if w.type == "limit" and parts[3].isdigit():
                return f"unwind #{parts[1]} r{int(parts[3]) + 1}"
            return f"unwind #{parts[1]}"
        return "unwind"
    return w.reason or w.source.value


def _run_step(frame: Frame, intent_id: str) -> int | None:
    """The step of the run in progress that is sending this order now, if any (the engine
    refuses to cancel it under the run: `cockpit.engine.cancel`)."""
    run = frame.run
    if run is None or run.state.over or not intent_id.startswith(f"unwind:{run.id}:"):
        return None
    seq = intent_id.split(":")[2]
    step = run.step(int(seq)) if seq.isdigit() else None
    return step.seq if step is not None and step.status is StepStatus.SENDING else None


STATES = {
    "resting": "resting at the venue",
    "part-fill": "resting at the venue, partly filled",
    "sending": "journaled, on its way to the venue",
    "unknown": "sent, outcome unknown: the engine looks it up by its client id until it knows (never re-sends a new id)",
    "acked": "acknowledged by the venue, not in its last list of open orders yet",
}
"""Each state word of the table, in full (the selected order's line says it)."""


def _our_state(w: WorkingOrder, order: Order | None, filled: Decimal) -> str:
    if w.status is OrderStatus.UNKNOWN:
        return "unknown"
    if w.status is OrderStatus.INTENDED:
        return "sending"
    if order is None:
        return "acked"
    return "part-fill" if filled > 0 else "resting"


def _venue_state(order: Order) -> str:
    return "part-fill" if order.filled > 0 else "resting"


# -- cells and lines ------------------------------------------------------------------------


def cells(line: OrderLine) -> tuple[str, ...]:
    """The table's cells, in `cockpit.ui.screens.orders.COLUMNS` order."""
    return (
        line.account, line.venue, line.asset, "buy" if line.side is Side.LONG else "sell",
        "RO" if line.reduce_only else "", line.type, fmt.price(line.price) if line.price is not None else "market",
        fmt.size(line.amount), fmt.size(line.filled), fmt.age(line.age), line.client_id, line.origin, line.state,
    )


def header(lines: list[OrderLine]) -> str:
    """One line: how many orders, at venues and in flight, ours and not."""
    if not lines:
        return "Open orders: none"
    ours = sum(1 for x in lines if x.ours)
    away = sum(1 for x in lines if x.ours and not x.at_venue)
    accounts = len({x.account for x in lines})
    mine = f"{ours} ours" + (f" ({away} not at a venue yet)" if away else "")
    return (f"{len(lines)} open order{'s' if len(lines) != 1 else ''} on {accounts} "
            f"account{'s' if accounts != 1 else ''}: {mine}, {len(lines) - ours} not ours")


def detail(line: OrderLine | None, frame: Frame | None) -> str:
    """The selected order in full: symbol, client id, venue, what the journal noted, and what a
    cancel would do (or why it is not offered)."""
    if line is None:
        return ""
    price = f"@ {fmt.price(line.price)}" if line.price is not None else "at market"
    what = (f"{line.account} ({line.venue}) {line.symbol}: {'buy' if line.side is Side.LONG else 'sell'} "
            f"{fmt.size(line.amount)} {price}{' reduce-only' if line.reduce_only else ''}, "
            f"{fmt.size(line.filled)} filled · {STATES.get(line.state, line.state)} · id {line.client_id}")
    if line.detail:
        what += f" · {line.detail}"
    stale = account_note(frame, line.account) if frame is not None else ""
    return f"{what} · {cancel_note(line, frame)}" + (f" · {stale}" if stale else "")


def cancel_note(line: OrderLine, frame: Frame | None) -> str:
    """What cancelling this order does, or why the engine would not (read-only, a run's step)."""
    if frame is not None and frame.readonly:
        return "read-only: orders cannot be cancelled from here"
    if line.run_step is not None:
        return f"unwind step {line.run_step} is sending it: abort the run to cancel its resting orders"
    if line.ours and not line.at_venue and line.state != "acked":
        return "not at the venue yet: a cancel finds nothing there; it is looked up until known"
    if not line.ours:
        return "not ours: cancelled at the venue by its id"
    return "cancel: the venue's cancel, then a look-up (a fill that raced it is kept)"


def account_note(frame: Frame, account: str) -> str:
    """A word on the account's data when it is not LIVE (its open orders may be out of date)."""
    acc = frame.book.account(account)
    if acc is None or acc.health is Health.LIVE:
        return ""
    return f"{account} is {acc.health.value}: its venue orders are as of {fmt.age(acc.age)} ago"


def confirm_title(line: OrderLine) -> str:
    """The title of a cancel's confirmation."""
    return f"Cancel this {line.type} order on {line.account}?"


def confirm_lines(line: OrderLine) -> list[str]:
    """The frozen values a cancel's confirmation shows."""
    side = "buy" if line.side is Side.LONG else "sell"
    price = f"@ {fmt.price(line.price)}" if line.price is not None else "at market"
    lines = [
        f"{line.symbol}: {side} {fmt.size(line.amount)} {price}{', reduce-only' if line.reduce_only else ''}",
        f"filled {fmt.size(line.filled)} of {fmt.size(line.amount)} · {line.state} · {fmt.age(line.age)} old",
        f"origin: {line.origin} · client id {line.client_id}",
    ]
    if line.origin == "kill cut":
        lines.append("The kill switch does not send this cut again in its episode.")
    elif not line.ours:
        lines.append("Not the cockpit's order: placed on the venue's site or by another program.")
    lines.append("What filled before the cancel stays filled.")
    return lines


def confirm_all_title(account: str, count: int) -> str:
    """The title of a cancel-all's confirmation."""
    return f"Cancel all {count} open order{'s' if count != 1 else ''} on {account}?"


def confirm_all_lines(lines: list[OrderLine]) -> list[str]:
    """The orders a cancel-all would cancel (at most 8, then how many more), and what it leaves."""
    shown = [f"  {x.asset:<6} {'buy' if x.side is Side.LONG else 'sell':<4} {fmt.size(x.amount):>8} "
             f"{fmt.price(x.price) if x.price is not None else 'market':>9}  {x.origin}" for x in lines[:8]]
    if len(lines) > 8:
        shown.append(f"  … and {len(lines) - 8} more")
    left = [x for x in lines if x.run_step is not None]
    if left:
        shown.append(f"{len(left)} of them belong to an unwind step being sent: left to the run.")
    shown.append("What filled before the cancel stays filled.")
    return shown

