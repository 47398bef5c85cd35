"""The paper venue's client: the accounts of a simulator served in its own process.

`open_paper(path)` says hello to the server on the Unix socket `path` (see `cockpit.sim.paper`)
and returns a `PaperSession` whose `venues` speak the venue protocol, one connection each. Since
the market, positions and orders live in the server, a cockpit that crashes and restarts meets
them as it left them, as it would a real venue.

Errors are the venue protocol's: a server that cannot be reached is `Unavailable`; an order whose
request may have left before the connection broke is `UnknownOutcome` (look it up by client id);
a reply that does not decode is `MalformedReply`.
"""

from __future__ import annotations

import asyncio
import socket
import time
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from cockpit.model import (
    AccountInfo, DeadMan, Instrument, MalformedReply, Order, OrderRequest, Side, Transfer, TransferRequest, Unavailable,
    UnknownOutcome, VenueSnapshot,
)
from cockpit.model.wire import decode, decode_error, dumps, encode, loads
from cockpit.model.layers import SIM_TOP_UP_ROUTE

PROTOCOL = 1


class PaperSession:
    """The served simulator as the engine sees it: its venues, and its clock for the frame.

    Attributes:
        venues: one `PaperVenue` per account the server holds.
        speed / scenario_name: as the server reported them at hello.
    """

    def __init__(self, path: str | Path, hello: dict) -> None:
        self.path = str(path)
        if not isinstance(hello, dict):
            raise MalformedReply(f"paper venue at {self.path}: unexpected hello {str(hello)[:80]}")
        accounts = decode(hello.get("accounts"))
        if hello.get("protocol") != PROTOCOL or not isinstance(accounts, tuple) or not all(
                isinstance(a, AccountInfo) for a in accounts):
            raise MalformedReply(f"paper venue at {self.path}: unexpected hello {str(hello)[:80]}")
        self.speed = float(hello.get("speed") or 1.0)
        self.scenario_name = str(hello.get("scenario") or "paper")
        self._t = 0.0
        self.venues = [PaperVenue(self, info) for info in accounts]

    def sim_time(self) -> float:
        """The server's sim clock as of its latest answer (it only moves forward)."""
        return self._t

    def seen(self, t: Any) -> None:
        """Note the sim time an answer carried."""
        if isinstance(t, (int, float)) and t > self._t:
            self._t = float(t)


def open_paper(path: str | Path, *, timeout: float = 5.0) -> PaperSession:
    """Connect to the paper venue at `path` and learn its accounts (blocking, once, at start).

    Raises `Unavailable` (one line, naming the path) when nothing answers there.
    """
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(dumps({"id": 0, "op": "hello"}))
            line = sock.makefile("rb").readline()
    except OSError as error:
        raise Unavailable(f"no paper venue answers at {path} ({error.strerror or error})") from None
    reply = loads(line)
    if "ok" not in reply:
        raise MalformedReply(f"paper venue at {path}: hello refused: {str(reply)[:80]}")
    session = PaperSession(path, reply["ok"])
    session.seen(reply.get("t"))
    return session


class PaperVenue:
    """One account of the paper venue, satisfying `cockpit.venues.protocol.Venue`."""

    # Top-ups (`TopUpVenue`): the served simulator keeps each under its client id (a repeated id
    # is the same transfer).
    top_up_route = SIM_TOP_UP_ROUTE
    top_up_keyed = True
    top_up_venue_id = False  # found by the client id: no id of its own to keep

    def __init__(self, session: PaperSession, info: AccountInfo) -> None:
        self._session = session
        self.info = info
        self._instruments: Mapping[str, Instrument] = MappingProxyType({})
        self._stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._lock = asyncio.Lock()
        self._ids = 0

    def __repr__(self) -> str:
        return f"PaperVenue({self.info.name!r}, {self._session.path!r})"

    def _drop(self) -> None:
        # After a broken or abandoned exchange the stream may still carry a late answer: a new
        # connection guarantees the next reply belongs to the next request.
        if self._stream is not None:
            self._stream[1].close()
            self._stream = None

    async def _call(self, op: str, args: dict | None = None, *, order: bool = False) -> Any:
        async with self._lock:
            self._ids += 1
            rid = self._ids
            written = False
            try:
                if self._stream is None:
                    self._stream = await asyncio.open_unix_connection(self._session.path)
                reader, writer = self._stream
                written = True
                if order:  # stamped as it leaves (not while it queued): the venue's window checks it
                    args = {**(args or {}), "sent_at": time.time()}
                writer.write(dumps({"id": rid, "op": op, "account": self.info.name, "args": args or {}}))
                await writer.drain()
                line = await reader.readline()
                if not line.endswith(b"\n"):
                    raise ConnectionResetError("connection closed")
            except OSError as error:
                self._drop()
                why = f"paper venue: {type(error).__name__}: {error.strerror or error}"
                if order and written:
                    raise UnknownOutcome(why, account=self.info.name,
                                         client_id=args["request"]["client_id"] if args else "") from None
                raise Unavailable(why, account=self.info.name) from None
            except BaseException:  # cancelled (a timeout) mid-exchange
                self._drop()
                raise
            reply = loads(line)
            if reply.get("id") != rid:
                self._drop()
                raise MalformedReply(f"paper venue: answer {reply.get('id')} to request {rid}",
                                     account=self.info.name)
        self._session.seen(reply.get("t"))
        if "error" in reply:
            raise decode_error(reply["error"])
        if "ok" not in reply:
            raise MalformedReply("paper venue: an answer without a value", account=self.info.name)
        return decode(reply["ok"])

    def _expect(self, value: Any, kind: type, what: str) -> Any:
        if not isinstance(value, kind):
            raise MalformedReply(f"paper venue: {what} is a {type(value).__name__}", account=self.info.name)
        return value

    async def connect(self) -> None:
        """Check the account answers and load its instruments."""
        await self._call("connect")
        found = self._expect(await self._call("instruments"), tuple, "the instrument list")
        if not all(isinstance(i, Instrument) for i in found):
            raise MalformedReply("paper venue: an instrument that is not one", account=self.info.name)
        self._instruments = MappingProxyType({i.symbol: i for i in found})

    def instruments(self) -> Mapping[str, Instrument]:
        """Instruments by symbol (valid after `connect`)."""
        return self._instruments

    async def snapshot(self) -> VenueSnapshot:
        """Positions, collateral, funding, marks and open orders, stamped with our own clock."""
        snap = self._expect(await self._call("snapshot"), VenueSnapshot, "the snapshot")
        if snap.account.name != self.info.name:
            raise MalformedReply(f"paper venue: a snapshot of {snap.account.name!r}", account=self.info.name)
        return snap

    async def place_order(self, request: OrderRequest) -> Order:
        """Send an order; stamped with the time it left, which the venue's receive window checks."""
        return self._expect(await self._call("place_order", {"request": encode(request)}, order=True), Order,
                            "the order")

    async def cancel_order(self, client_id: str, symbol: str) -> None:
        """Cancel a resting order by client id."""
        await self._call("cancel_order", {"client_id": client_id, "symbol": symbol})

    async def fetch_order(self, client_id: str, symbol: str) -> Order | None:
        """Look an order up by client id; None when the venue never saw it."""
        found = await self._call("fetch_order", {"client_id": client_id, "symbol": symbol})
        return None if found is None else self._expect(found, Order, "the order")

    async def request_transfer(self, request: TransferRequest) -> Transfer:
        """Start a withdrawal or bridge."""
        return self._expect(await self._call("request_transfer", {"request": encode(request)}), Transfer,
                            "the transfer")

    async def arm_dead_man(self, seconds: float) -> DeadMan:
        """Arm (or refresh) the served simulator's cancel-all-after for this account."""
        return self._expect(await self._call("arm_dead_man", {"seconds": seconds}), DeadMan,
                            "the dead-man's switch")

    async def depth(self, symbol: str, side: Side, within: float, reference: float) -> float:
        """The served simulator's book depth within a bound (`DepthVenue`)."""
        value = await self._call("depth", {"symbol": symbol, "side": side.value, "within": within,
                                           "reference": reference})
        return float(self._expect(value, (int, float), "the book's depth"))

    async def top_up_available(self) -> float:
        """What the served account's spot wallet can move into its perp margin (`TopUpVenue`)."""
        value = await self._call("top_up_available")
        return float(self._expect(value, (int, float), "the top-up available"))

    async def top_up(self, amount: Decimal, client_id: str) -> Transfer:
        """Move `amount` into the perp margin under `client_id` (the server dedupes the id). A
        request that may have left before the connection broke is `UnknownOutcome`: look it up."""
        try:
            found = await self._call("top_up", {"amount": encode(amount), "client_id": client_id})
        except Unavailable as error:
            # `_call` cannot tell a written request from one never sent for non-orders: say unknown.
            raise UnknownOutcome(f"{error}; top-up status unknown, look it up", account=self.info.name,
                                 client_id=client_id) from None
        return self._expect(found, Transfer, "the top-up")

    async def top_up_status(self, client_id: str, amount: Decimal, since: float,
                            venue_id: str | None = None) -> Transfer | None:
        """The top-up sent under `client_id` as the server has it; None when it never arrived
        (found by the client id: `venue_id` is not needed, and not sent)."""
        found = await self._call("top_up_status", {"amount": encode(amount), "client_id": client_id,
                                                   "since": since})
        return None if found is None else self._expect(found, Transfer, "the top-up")

    async def disarm_dead_man(self) -> None:
        """Turn it off."""
        await self._call("disarm_dead_man")

    async def close(self) -> None:
        """Close the connection."""
        self._drop()

    async def received(self) -> tuple[dict, ...]:
        """Every order the venue has received (the audit log of `cockpit.sim.paper`)."""
        return self._expect(await self._call("received"), tuple, "the order log")
