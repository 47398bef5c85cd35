"""What each scenario event does to the world when its time comes.

One function per event kind (see `cockpit.sim.scenario.EVENT_FIELDS` for their fields). Events
with a duration schedule their own end with `World.later`. Each event writes one line to the log,
its own `text` when the scenario gives one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Callable

import numpy as np

from cockpit.model import Layer, TransferRequest, VenueError
from cockpit.sim.faults import Fault, FaultWindow
from cockpit.sim.scenario import ScenarioEvent

if TYPE_CHECKING:
    from cockpit.sim.world import World


def span(seconds: float) -> str:
    """A duration for the log: "20 s", "15 min", "2 h"."""
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 7200:
        return f"{seconds / 60:g} min"
    return f"{seconds / 3600:g} h"


def _asset_mask(world: World, names: tuple[str, ...]) -> np.ndarray:
    """Assets named (all of the world's when `names` is empty)."""
    if not names:
        return np.ones(len(world.assets), dtype=bool)
    return np.array([a.name in names for a in world.assets])


def _venue_rows(world: World, accounts: tuple[str, ...]) -> list[int]:
    if not accounts:
        return list(range(len(world.venues)))
    return sorted({world.account(n).venue for n in accounts if n in world.ledger.by_name})


def _weights(world: World, names: tuple[str, ...]) -> np.ndarray:
    """How much of a market move each asset takes: its beta for a market-wide move."""
    if not names:
        return world.prices.beta.copy()
    return _asset_mask(world, names).astype(float)


def _note(world: World, ev: ScenarioEvent) -> str:
    return ev.get("text")


def _funding_regime(world: World, ev: ScenarioEvent) -> str:
    mask = _asset_mask(world, ev.get("assets"))
    candidates = np.nonzero(mask)[0]
    count = int(round(ev.get("share") * len(candidates)))
    chosen = world.rng_scenario.permutation(candidates)[:count]
    hit = np.zeros(len(world.assets), dtype=bool)
    hit[chosen] = True
    world.funding.set_regime(ev.get("regime"), hit, ev.get("strength"))
    return f"funding regime -> {ev.get('regime')} on {count} of {len(candidates)} assets"


def _vol_regime(world: World, ev: ScenarioEvent) -> str:
    world.prices.set_vol_regime(ev.get("level"))
    return f"volatility regime -> {ev.get('level')}"


def _schedule_move(world: World, ev: ScenarioEvent) -> None:
    """The move of a `price_move` or `flash_crash` event: its assets, size, pace and recovery."""
    world.prices.schedule(_weights(world, ev.get("assets")), ev.get("move"), ev.get("over"),
                          ev.get("recover"), ev.get("recover_over"))


def _price_move(world: World, ev: ScenarioEvent) -> str:
    _schedule_move(world, ev)
    return f"prices move {ev.get('move') * 100:+.1f}% over {span(ev.get('over'))}"


def _flash_crash(world: World, ev: ScenarioEvent) -> str:
    _schedule_move(world, ev)
    world.prices.set_vol_regime("panic")
    _set_liquidity(world, [], ev.get("thin"), ev.get("thin_for"))
    world.later(ev.get("thin_for"), lambda: world.prices.set_vol_regime("stressed"))
    world.later(ev.get("over") + ev.get("recover_over"), lambda: world.prices.set_vol_regime("calm"))
    return (f"FLASH CRASH: {ev.get('move') * 100:+.1f}% over {span(ev.get('over'))}, "
            f"books thin to {ev.get('thin') * 100:.0f}%")


def _jump(world: World, ev: ScenarioEvent) -> str:
    index = next(i for i, a in enumerate(world.assets) if a.name == ev.get("asset"))
    world.prices.shock(index, ev.get("move"))
    return f"{ev.get('asset')} jumps {ev.get('move') * 100:+.1f}%"


def _set_liquidity(world: World, rows: list[int], factor: float, duration: float) -> None:
    rows = rows or list(range(len(world.venues)))
    world.liquidity[rows] = factor
    if duration > 0:
        def restore() -> None:
            world.liquidity[rows] = 1.0
            world.log.add(world.t, "scenario", "order books back to normal depth")
        world.later(duration, restore)


def _liquidity(world: World, ev: ScenarioEvent) -> str:
    _set_liquidity(world, _venue_rows(world, ev.get("accounts")), ev.get("factor"), ev.get("duration"))
    return f"order book depth x{ev.get('factor'):g}"


def _fault(world: World, ev: ScenarioEvent) -> str:
    account, kind, duration = ev.get("account"), ev.get("fault"), ev.get("duration")
    fault = Fault(kind, delay=ev.get("delay") if kind in ("latency", "timeout") else 0.0,
                  retry_after=ev.get("retry_after"))
    world.faults.add(FaultWindow(account, fault, world.t, world.t + duration))
    world.later(duration, lambda: world.log.add(world.t, "fault", f"{account}: {kind} over", account))
    return f"{account}: {kind} for {span(duration)}"


def _bridge_congestion(world: World, ev: ScenarioEvent) -> str:
    layer = Layer(ev.get("layer"))
    world.transfers.congest(layer, ev.get("factor"), world.t)
    if ev.get("duration") > 0:
        def clear() -> None:
            world.transfers.congest(layer, 1.0, world.t)
            world.log.add(world.t, "transfer", f"{layer.value} congestion cleared")
        world.later(ev.get("duration"), clear)
    return f"{layer.value} withdrawals and bridges congested x{ev.get('factor'):g}"


def _stuck(world: World, ev: ScenarioEvent) -> str:
    account = ev.get("account")
    hit = world.transfers.stick(account, world.t + ev.get("duration"), world.t)
    return (f"{account}: withdrawals stuck for {span(ev.get('duration'))} "
            f"({len(hit)} in flight)")


def _transfer_request(world: World, ev: ScenarioEvent, to: Layer, route: str = "") -> TransferRequest:
    """The request a scenario's transfer makes: a fresh client id, the amount to the cent."""
    amount = Decimal(repr(round(ev.get("amount"), 2)))
    return TransferRequest(f"scn{len(world.log)}", ev.get("account"), to, amount, route=route)


def _withdraw(world: World, ev: ScenarioEvent) -> str:
    request = _transfer_request(world, ev, Layer(ev.get("to")), ev.get("route"))
    world.request_transfer(ev.get("account"), request)
    return f"{ev.get('account')}: withdrawal of ${ev.get('amount'):,.0f} to {ev.get('to')} requested"


def _deposit(world: World, ev: ScenarioEvent) -> str:
    request = _transfer_request(world, ev, world.account(ev.get("account")).info.layer)
    world.request_transfer(ev.get("account"), request, inbound_from=Layer(ev.get("from")))
    return f"{ev.get('account')}: deposit of ${ev.get('amount'):,.0f} from {ev.get('from')} on its way"


HANDLERS: dict[str, Callable[[World, ScenarioEvent], str]] = {
    "note": _note, "funding_regime": _funding_regime, "vol_regime": _vol_regime,
    "price_move": _price_move, "flash_crash": _flash_crash, "jump": _jump,
    "liquidity": _liquidity, "fault": _fault, "bridge_congestion": _bridge_congestion,
    "stuck_withdrawal": _stuck, "withdraw": _withdraw, "deposit": _deposit,
}


def apply_event(world: World, ev: ScenarioEvent) -> None:
    """Do what `ev` says and log it (a refused scenario transfer is logged, not raised)."""
    try:
        summary = HANDLERS[ev.kind](world, ev)
    except VenueError as exc:
        summary = f"{ev.kind} refused: {exc}"
    kind = "fault" if ev.kind == "fault" else "scenario"
    world.log.add(world.t, kind, ev.get("text") or summary, ev.get("account", ""))
