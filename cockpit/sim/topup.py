"""Top-ups within a venue: a spot (or funding) wallet's stablecoin moved into the perp margin.

Each CEX account and each Hyperliquid account (spot ↔ perp, its ``usdClassTransfer``) keeps a
spot wallet beside its perp margin (`Ledger.spot`, in the settle currency). A top-up takes from it
at once and lands in the margin wallet as an internal transfer does: a few simulated seconds
(`cockpit.sim.transfers.LATENCY`). The other layers' venues (dYdX, Paradex) have none here, as
cockpit has none to send there: they answer `NotSupported`.

Idempotent by client id, as the venues that take one are: a repeated id returns the transfer
already started (landed or not), never a second one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from cockpit.model import NotSupported, Rejected, Transfer
from cockpit.model.layers import INTERNAL_SECONDS, Route
from cockpit.sim.universe import TOP_UP_LAYERS  # which layers' accounts have one: the universe's facts

if TYPE_CHECKING:
    from cockpit.sim.world import World

ROUTE_LABEL = "internal transfer"


def _account(world: World, name: str):
    acc = world.account(name)
    if acc.info.layer not in TOP_UP_LAYERS:
        raise NotSupported(f"{acc.spec.id}: no spot or funding wallet to top up from within the venue",
                           account=name)
    return acc


def available(world: World, name: str) -> float:
    """What account `name`'s spot wallet can move into its perp margin now."""
    acc = _account(world, name)
    return max(float(world.ledger.spot[acc.index]), 0.0)


def top_up(world: World, name: str, amount: Decimal, client_id: str) -> Transfer:
    """Move `amount` from account `name`'s spot wallet into its perp margin (module doc).

    Raises `Rejected` (one line) for an amount that is not positive or above the spot wallet.
    """
    acc = _account(world, name)
    if not client_id:
        raise Rejected(f"{acc.spec.id}: a top-up needs a client id", account=name)
    done = world.transfers.by_client.get((name, client_id))
    if done is not None:
        return done.to_transfer()
    if amount <= 0:
        raise Rejected(f"{acc.spec.id}: top-up amount must be positive", account=name)
    spot = float(world.ledger.spot[acc.index])
    if float(amount) > spot + 1e-9:
        raise Rejected(f"{acc.spec.id}: top-up of {float(amount):,.2f} is more than the spot wallet's "
                       f"{spot:,.2f}", account=name)
    world.ledger.spot[acc.index] = spot - float(amount)
    route = Route(acc.info.layer, acc.info.layer, ROUTE_LABEL, INTERNAL_SECONDS, internal=True)
    t = world.transfers.start(client_id=client_id, account=name, chain=(route,), amount=amount,
                              currency=acc.spec.settle, now=world.t, inbound=True)
    world.version += 1
    world.log.add(world.t, "transfer", f"{name}: top-up {t.id} {float(amount):,.2f} {acc.spec.settle} "
                  f"spot -> perp margin, eta {t.arrive_at - world.t:,.0f} s", name)
    return t.to_transfer()


def status(world: World, name: str, client_id: str) -> Transfer | None:
    """The top-up sent under `client_id` as it is now (landed: DONE); None when never received."""
    _account(world, name)
    found = world.transfers.by_client.get((name, client_id))
    return None if found is None else found.to_transfer()
