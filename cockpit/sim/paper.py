"""The paper venue: the simulator served as its own process on a Unix socket.

A restart of the cockpit meets the same market, positions and orders, because they live here and
not in the cockpit: fire drills and crash tests run against it (`cockpit paper --socket PATH`).
`cockpit.venues.paper` is the client.

Protocol: newline-delimited JSON (`cockpit.model.wire`), one request, one reply, in order, per
connection. A request is ``{"id": n, "op": ..., "account": ..., "args": {...}}``; a reply is
``{"id": n, "t": sim_time, "ok": value}`` or ``{"id": n, "t": sim_time, "error": {...}}``. Ops:
``hello`` (accounts, scenario, speed), ``connect``, ``instruments``, ``snapshot``, ``place_order``,
``cancel_order``, ``fetch_order``, ``request_transfer``, ``arm_dead_man``, ``disarm_dead_man``,
``depth``, ``top_up_available``, ``top_up``, ``top_up_status`` (the venue protocol and its capabilities) and ``received``
(every order the venue ever received, for audits and the restart test).

What a venue does that a crash test depends on:

* a request is carried out even when its sender died before the answer came back: an order that
  left the cockpit lands (the answer is what is lost);
* `order_delay` holds each order that long before it is executed and `reply_delay` before it is
  answered, so a crash can fall between journaling and landing, or between landing and the answer;
* like a real venue's receive window, an order stamped ``sent_at`` more than `recv_window` seconds
  before it is executed is refused: an order the venue does not know after that can never land;
* every order received is logged with its client id and whether it was accepted (`received`), to
  an optional JSON-lines file as well, flushed per order;
* a connection reset drawn from the fault plan (`reset`) closes the connection without an answer
  (nothing was done), so the client meets it on the wire as it would a real one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from cockpit.model import OrderRequest, Rejected, Side, TransferRequest, VenueError
from cockpit.model.wire import decode, dumps, encode, encode_error, loads
from cockpit.sim.faults import RESET_CODE
from cockpit.sim.session import SimSession

PROTOCOL = 1

log = logging.getLogger("cockpit.paper")


class PaperServer:
    """Serves one `SimSession`'s accounts on a Unix socket (module doc).

    Args:
        session: the simulated world and its venues.
        recv_window: seconds after `sent_at` past which an order is refused.
        order_delay / reply_delay: (low, high) seconds, drawn uniformly per order.
        orders_log: a JSON-lines file that gets one line per order received.
        seed: of the delays.
    """

    def __init__(self, session: SimSession, *, recv_window: float = 5.0,
                 order_delay: tuple[float, float] = (0.0, 0.0), reply_delay: tuple[float, float] = (0.0, 0.0),
                 orders_log: Path | None = None, seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.session = session
        self.venues = {v.info.name: v for v in session.venues}
        self.recv_window = recv_window
        self.order_delay = order_delay
        self.reply_delay = reply_delay
        self.clock = clock
        self.received: list[dict[str, Any]] = []
        self._log = open(orders_log, "a", encoding="utf-8") if orders_log else None  # noqa: SIM115
        self._rng = random.Random(seed)
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, path: Path) -> None:
        """Listen on `path` (a Unix socket, mode 0600; a stale socket file is replaced)."""
        path = Path(path)
        if path.exists():
            path.unlink()
        self._server = await asyncio.start_unix_server(self._serve, path=str(path))
        os.chmod(path, 0o600)

    async def close(self) -> None:
        """Stop listening, hang up on every client and close the orders log."""
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
        if self._log is not None:
            self._log.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                line = await reader.readline()
                if not line.endswith(b"\n"):  # EOF, or a request cut off by its sender's death
                    break
                reply = await self.handle(line)
                if (reply.get("error") or {}).get("code") == RESET_CODE:
                    break  # a connection reset (a fault): hang up, unanswered
                try:
                    writer.write(dumps(reply))
                    await writer.drain()
                except (ConnectionError, OSError):
                    pass  # the sender is gone: what it asked for is done all the same
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def handle(self, line: bytes) -> dict:
        """Answer one request line (module doc)."""
        try:
            request = loads(line)
        except VenueError as error:
            return {"id": None, "error": encode_error(error)}
        rid = request.get("id")
        try:
            value = await self._dispatch(str(request.get("op")), str(request.get("account") or ""),
                                         request.get("args") or {})
        except VenueError as error:
            return {"id": rid, "t": self.session.world.t, "error": encode_error(error)}
        except Exception as error:  # a server bug is an answer, not a dropped connection
            log.exception("paper venue: %s failed", request.get("op"))
            failure = VenueError(f"paper venue: internal error ({type(error).__name__})")
            return {"id": rid, "t": self.session.world.t, "error": encode_error(failure)}
        return {"id": rid, "t": self.session.world.t, "ok": value}

    async def _dispatch(self, op: str, account: str, args: dict) -> Any:
        if op == "hello":
            self.session.advance()
            return {"protocol": PROTOCOL, "accounts": encode([v.info for v in self.venues.values()]),
                    "scenario": self.session.scenario_name, "speed": self.session.speed}
        if op == "received":
            return encode(self.received)
        venue = self.venues.get(account)
        if venue is None:
            raise Rejected(f"paper venue: no account named {account!r}", account=account)
        if op == "connect":
            await venue.connect()
            return None
        if op == "instruments":
            return encode(list(venue.instruments().values()))
        if op == "snapshot":
            return encode(await venue.snapshot())
        if op == "place_order":
            return encode(await self._place(venue, decode(args.get("request")), args.get("sent_at")))
        if op == "cancel_order":
            await venue.cancel_order(str(args.get("client_id")), str(args.get("symbol")))
            return None
        if op == "fetch_order":
            return encode(await venue.fetch_order(str(args.get("client_id")), str(args.get("symbol"))))
        if op == "arm_dead_man":
            seconds = args.get("seconds")
            if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
                raise Rejected("paper venue: arm_dead_man needs seconds", account=account)
            return encode(await venue.arm_dead_man(float(seconds)))
        if op == "depth":
            return await self._depth(venue, account, args)
        if op == "disarm_dead_man":
            await venue.disarm_dead_man()
            return None
        if op in ("top_up_available", "top_up", "top_up_status"):
            return await self._top_up(venue, op, account, args)
        if op == "request_transfer":
            request = decode(args.get("request"))
            if not isinstance(request, TransferRequest):
                raise Rejected("paper venue: request_transfer needs a TransferRequest", account=account)
            return encode(await venue.request_transfer(request))
        raise Rejected(f"paper venue: unknown operation {op!r}", account=account)

    @staticmethod
    async def _depth(venue, account: str, args: dict) -> float:
        within, reference, side = args.get("within"), args.get("reference"), args.get("side")
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (within, reference)) \
                or side not in {s.value for s in Side}:
            raise Rejected("paper venue: depth needs side, within and reference", account=account)
        return await venue.depth(str(args.get("symbol")), Side(side), float(within), float(reference))

    @staticmethod
    async def _top_up(venue, op: str, account: str, args: dict) -> Any:
        if op == "top_up_available":
            return await venue.top_up_available()
        amount, client_id = decode(args.get("amount")), args.get("client_id")
        if not isinstance(amount, Decimal) or not isinstance(client_id, str) or not client_id:
            raise Rejected(f"paper venue: {op} needs an amount (exact) and a client id", account=account)
        if op == "top_up":
            return encode(await venue.top_up(amount, client_id))
        since = args.get("since")
        if not isinstance(since, (int, float)) or isinstance(since, bool):
            raise Rejected("paper venue: top_up_status needs since", account=account)
        return encode(await venue.top_up_status(client_id, amount, float(since)))

    async def _place(self, venue, request: Any, sent_at: Any):
        if not isinstance(request, OrderRequest):
            raise Rejected("paper venue: place_order needs an OrderRequest", account=venue.info.name)
        await asyncio.sleep(self._rng.uniform(*self.order_delay))
        entry = {"client_id": request.client_id, "account": venue.info.name, "symbol": request.symbol,
                 "side": request.side.value, "amount": str(request.amount), "wall": self.clock(),
                 "t": self.session.world.t}
        orders = self.session.world.exchange.orders
        key = (venue.info.name, request.client_id)
        known = key in orders
        try:
            if not isinstance(sent_at, (int, float)) or self.clock() - sent_at > self.recv_window:
                raise Rejected(f"{venue.info.venue}: request outside the receive window of "
                               f"{self.recv_window:g} s", account=venue.info.name)
            order = await venue.place_order(request)
        except VenueError as error:
            # A fault can land the order and lose the answer: the log says what the venue holds.
            landed = not known and key in orders
            self._note(entry, accepted=landed, detail=error.reason,
                       filled=str(orders[key].filled) if landed else "0")
            raise
        self._note(entry, accepted=True, detail=order.status.value, filled=str(order.filled))
        await asyncio.sleep(self._rng.uniform(*self.reply_delay))
        return order

    def _note(self, entry: dict, **more: Any) -> None:
        entry.update(more)
        self.received.append(entry)
        if self._log is not None:
            self._log.write(json.dumps(entry) + "\n")
            self._log.flush()


async def serve(session: SimSession, path: Path, *, duration: float | None = None,
                ready: Callable[[], None] | None = None, **options: Any) -> None:
    """Serve `session` on `path` until cancelled (or for `duration` seconds)."""
    server = PaperServer(session, **options)
    await server.start(path)
    if ready is not None:
        ready()
    try:
        await asyncio.sleep(duration if duration else float("inf"))
    finally:
        await server.close()
