"""An unwind run's TOPUP step on a scripted venue with the real risk engine and journal: offered for
a near-liquidation account with a spot balance, sent once after its own confirmation, done when it
arrived; a restart mid-transfer looks it up and never sends it again; a refusal fails the step."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal

from cockpit.engine.handling import send
from cockpit.engine.journal import Journal
from cockpit.engine.topup import top_up_id
from cockpit.model import (
    Layer, NotSupported, Rejected, Side, Transfer, TransferStatus, UnknownOutcome, VenueTimeout,
)
from cockpit.model.commands import ConfirmStep, ResumeRun, StartUnwind
from cockpit.model.commands import SkipStep
from cockpit.model.unwind import RunMode, RunState, StepKind, StepStatus, TargetKind, UnwindTarget, Why
from tests.engine.fakes import Clock, FakeVenue, account, position
from tests.engine.test_unwind import NOW, _engine, _over, until

SOL = "SOL/USDT:USDT"


@dataclass
class SpotVenue(FakeVenue):
    """A fake venue with a spot wallet: top-ups land when the test says (`land`). Keyed (by
    default) it keeps each under its client id, as Bybit and OKX do; not keyed, its history is
    searched by amount and time and may lag (`lag`: a top-up that left is not in it yet)."""

    spot: float = 50_000.0
    land: bool = True
    lag: bool = False
    top_up_keyed: bool = True
    top_up_route: str = "funding account → trading account (test transfer)"
    top_ups: list[str] = field(default_factory=list)  # client ids sent, in order
    transfers: dict[str, Transfer] = field(default_factory=dict)
    top_up_errors: list[Exception] = field(default_factory=list)
    supported: bool = True

    async def top_up_available(self) -> float:
        if not self.supported:
            raise NotSupported("no spot wallet", account=self.info.name)
        return self.spot

    async def top_up(self, amount: Decimal, client_id: str) -> Transfer:
        self.top_ups.append(client_id)
        if self.top_up_errors:
            error = self.top_up_errors.pop(0)
            if isinstance(error, (UnknownOutcome, VenueTimeout)):  # it left: the venue has it, the answer is lost
                self.transfers[client_id] = self._transfer(client_id, amount)
            raise error
        self.transfers.setdefault(client_id, self._transfer(client_id, amount))
        return self.transfers[client_id]

    async def top_up_status(self, client_id: str, amount: Decimal, since: float,
                            venue_id: str | None = None) -> Transfer | None:
        if self.lag:
            return None
        found = self.transfers.get(client_id)
        if found is not None and self.land:
            found = self.transfers[client_id] = dataclasses.replace(found, status=TransferStatus.DONE)
        return found

    def _transfer(self, client_id: str, amount: Decimal) -> Transfer:
        return Transfer(id=f"t-{client_id}", account=self.info.name, from_layer=Layer.CEX, to_layer=Layer.CEX,
                        amount=amount, currency="USDT", started_at=self.clock(), eta=self.clock() + 8,
                        status=TransferStatus.IN_FLIGHT, route="internal transfer")


@dataclass
class TranIdVenue(SpotVenue):
    """Binance's universal transfer at the venue edge: it keeps no client id; the send answers
    with the venue's own id (``T1``, ``T2``…: its tranId), and its history (`history`) is matched
    by that id when the caller has it, else only by amount. It remembers nothing of cockpit's ids
    (`looked_up_by`: the venue id of each look-up, None for a search by amount)."""

    top_up_keyed: bool = False
    top_up_venue_id: bool = True
    history: list[Transfer] = field(default_factory=list)
    looked_up_by: list[str | None] = field(default_factory=list)

    async def top_up(self, amount: Decimal, client_id: str) -> Transfer:
        self.top_ups.append(client_id)
        sent = dataclasses.replace(self._transfer(client_id, amount), id=f"T{len(self.top_ups)}")
        self.history.append(sent)
        return sent

    async def top_up_status(self, client_id: str, amount: Decimal, since: float,
                            venue_id: str | None = None) -> Transfer | None:
        self.looked_up_by.append(venue_id)
        k = next((k for k, t in enumerate(self.history) if (t.id == venue_id if venue_id else t.amount == amount)),
                 None)
        if k is None:
            return None
        if self.land:
            self.history[k] = dataclasses.replace(self.history[k], status=TransferStatus.DONE)
        return self.history[k]


def _near(clock, kind=SpotVenue, **kw) -> SpotVenue:
    """One account, alone (no rescue from another layer), SOL 5% from its liquidation price."""
    v = kind(account("a"), clock, **kw)
    v.positions[SOL] = dataclasses.replace(position("a", SOL, Side.LONG, "30"), liquidation_price=Decimal("95"))
    return v


async def _planned(engine, mode=RunMode.STEP):
    assert (await send(engine, StartUnwind(UnwindTarget(TargetKind.FLAT), id="r1", mode=mode))).ok
    run = engine.unwind.run
    top = next(s for s in run.steps if s.kind is StepKind.TOPUP)
    return run, top


async def test_a_top_up_is_offered_before_the_cut_and_sent_once_after_its_own_confirmation():
    clock = Clock(NOW)
    venue = _near(clock)
    engine = await _engine([venue], clock)
    engine.unwind.top_up_wait = 5.0
    try:
        run, top = await _planned(engine)
        cut = next(s for s in run.steps if s.kind is StepKind.CUT)
        assert top.seq < cut.seq and top.status is StepStatus.OFFERED and Why.TOPUP_FASTER in top.why
        assert 0 < top.amount <= Decimal("50000") and not venue.top_ups
        assert (await send(engine, ConfirmStep("r1", top.seq))).ok
        await until(lambda: engine.unwind.run.step(top.seq).status is StepStatus.DONE)
        assert venue.top_ups == [top_up_id("r1", top.seq)] and not venue.sent  # the cut was not confirmed
        done = engine.unwind.run.step(top.seq)
        assert done.filled == top.amount and "arrived" in done.detail
        assert not (await send(engine, ConfirmStep("r1", top.seq))).ok  # never twice
        assert (await send(engine, ResumeRun("r1"))).ok
        run = await _over(engine)
        assert venue.top_ups == [top_up_id("r1", top.seq)] and not venue.positions
        assert run.step(top.seq).filled == top.amount  # the verify keeps what the transfer moved
    finally:
        await engine.stop()


async def test_a_running_run_does_not_wait_for_an_unconfirmed_top_up_and_skips_it_once_cut():
    clock = Clock(NOW)
    venue = _near(clock)
    engine = await _engine([venue], clock)
    try:
        _, top = await _planned(engine, mode=RunMode.RUNNING)
        assert (await send(engine, ResumeRun("r1"))).ok
        run = await _over(engine)
        assert not venue.positions and not venue.top_ups
        assert run.step(top.seq).status is StepStatus.SKIPPED
    finally:
        await engine.stop()


async def test_a_restart_mid_transfer_looks_it_up_and_never_sends_it_again(tmp_path):
    clock = Clock(NOW)
    venue = _near(clock, land=False)
    path = tmp_path / "journal.sqlite"
    engine = await _engine([venue], clock, journal=Journal(path))
    try:
        _, top = await _planned(engine)
        await send(engine, ConfirmStep("r1", top.seq))
        await until(lambda: venue.top_ups)
        assert engine.unwind.run.step(top.seq).status is StepStatus.SENDING
    finally:
        await engine.stop()  # a crash mid-transfer: the journal has the step SENDING
        engine.journal.close()
    venue.land = True
    again = await _engine([venue], clock, journal=Journal(path))
    try:
        await until(lambda: again.unwind.run.step(top.seq).status is StepStatus.DONE)
        assert venue.top_ups == [top_up_id("r1", top.seq)]  # looked up, not sent again
    finally:
        await again.stop()


async def test_a_lost_answer_is_looked_up_before_any_resend_and_a_refusal_fails_the_step():
    clock = Clock(NOW)
    venue = _near(clock, top_up_errors=[UnknownOutcome("answer lost", account="a")])
    engine = await _engine([venue], clock)
    try:
        _, top = await _planned(engine)
        await send(engine, ConfirmStep("r1", top.seq))
        await until(lambda: engine.unwind.run.step(top.seq).status is StepStatus.DONE)
        assert len(venue.top_ups) == 1
    finally:
        await engine.stop()
    venue = _near(clock, top_up_errors=[Rejected("insufficient balance", account="a")])
    engine = await _engine([venue], clock)
    try:
        _, top = await _planned(engine)
        await send(engine, ConfirmStep("r1", top.seq))
        await until(lambda: engine.unwind.run.step(top.seq).status is StepStatus.FAILED)
        assert "insufficient balance" in engine.unwind.run.step(top.seq).detail and len(venue.top_ups) == 1
    finally:
        await engine.stop()


async def test_no_top_up_where_the_venue_has_none_or_the_wallet_is_empty():
    for kw in ({"supported": False}, {"spot": 0.0}):
        clock = Clock(NOW)
        venue = _near(clock, **kw)
        engine = await _engine([venue], clock)
        try:
            assert (await send(engine, StartUnwind(UnwindTarget(TargetKind.FLAT), id="r1"))).ok
            assert [s.kind for s in engine.unwind.run.steps] == [StepKind.CUT]
        finally:
            await engine.stop()


async def test_a_top_up_carries_its_venues_route_and_whether_the_venue_keeps_its_id():
    for keyed in (True, False):
        clock = Clock(NOW)
        venue = _near(clock, top_up_keyed=keyed)
        engine = await _engine([venue], clock)
        try:
            _, top = await _planned(engine)
            assert (top.route, top.keyed) == ("funding account → trading account (test transfer)", keyed)
        finally:
            await engine.stop()


async def test_a_timeout_on_a_keyed_venue_is_looked_up_by_its_id_and_done_once():
    clock = Clock(NOW)
    venue = _near(clock, top_up_errors=[VenueTimeout("no answer in time", account="a")])
    engine = await _engine([venue], clock)
    try:
        _, top = await _planned(engine)
        await send(engine, ConfirmStep("r1", top.seq))
        await until(lambda: engine.unwind.run.step(top.seq).status is StepStatus.DONE)
        assert venue.top_ups == [top_up_id("r1", top.seq)]  # found by its id: never sent twice
        assert engine.unwind.run.step(top.seq).filled == top.amount
    finally:
        await engine.stop()


async def test_a_timeout_on_a_venue_without_client_ids_is_never_sent_again_even_after_a_restart(tmp_path):
    """Binance's and Hyperliquid's transfers carry no client id: the send times out (it left), the
    history lags (nothing found): the step ends UNKNOWN, the run pauses, the journal keeps both,
    and neither the run nor a restart ever sends it again; a person marks it."""
    clock = Clock(NOW)
    venue = _near(clock, top_up_keyed=False, lag=True,
                  top_up_errors=[VenueTimeout("no answer in time", account="a")])
    path = tmp_path / "journal.sqlite"
    engine = await _engine([venue], clock, journal=Journal(path))
    try:
        _, top = await _planned(engine)
        await send(engine, ConfirmStep("r1", top.seq))
        await until(lambda: engine.unwind.run.step(top.seq).status is StepStatus.UNKNOWN)
        run = engine.unwind.run
        step = run.step(top.seq)
        assert venue.top_ups == [top_up_id("r1", top.seq)] and step.filled == 0
        assert "never sent again" in step.detail and "nothing of that amount" in step.detail
        assert run.state is RunState.PAUSED and "outcome is unknown" in run.note
        journaled = engine.journal.last_run()
        assert journaled.state is RunState.PAUSED and journaled.step(top.seq).status is StepStatus.UNKNOWN
        assert not (await send(engine, SkipStep("r1", top.seq + 99))).ok
        await asyncio.sleep(1.5)  # the driver goes round: nothing is sent
        assert venue.top_ups == [top_up_id("r1", top.seq)]
    finally:
        await engine.stop()
        engine.journal.close()
    venue.lag = False  # the history caught up: still never sent again, nor marked by a guess
    again = await _engine([venue], clock, journal=Journal(path))
    try:
        await asyncio.sleep(1.5)
        run = again.unwind.run
        assert run.step(top.seq).status is StepStatus.UNKNOWN and run.state is RunState.PAUSED
        assert venue.top_ups == [top_up_id("r1", top.seq)]
        assert (await send(again, ConfirmStep("r1", top.seq))).ok  # a person found it at the venue
        done = again.unwind.run.step(top.seq)
        assert done.status is StepStatus.DONE and done.filled == top.amount and "by a person" in done.detail
        assert "marked arrived" in again.unwind.run.note  # the pause's reason is no longer "unknown"
        assert venue.top_ups == [top_up_id("r1", top.seq)]
    finally:
        await again.stop()


async def test_a_restart_that_finds_a_top_up_sent_on_a_venue_without_client_ids_never_resends_it(tmp_path):
    clock = Clock(NOW)
    venue = _near(clock, land=False, top_up_keyed=False)
    path = tmp_path / "journal.sqlite"
    engine = await _engine([venue], clock, journal=Journal(path))
    try:
        _, top = await _planned(engine)
        await send(engine, ConfirmStep("r1", top.seq))
        await until(lambda: venue.top_ups)
    finally:
        await engine.stop()  # a crash mid-transfer: the journal has the step SENDING
        engine.journal.close()
    venue.lag = True  # its history does not show it yet
    again = await _engine([venue], clock, journal=Journal(path))
    try:
        await until(lambda: again.unwind.run.step(top.seq).status is StepStatus.UNKNOWN)
        assert venue.top_ups == [top_up_id("r1", top.seq)]
        assert again.unwind.run.state is RunState.PAUSED
        assert (await send(again, SkipStep("r1", top.seq))).ok  # a person found it never arrived
        assert again.unwind.run.step(top.seq).status is StepStatus.SKIPPED
        assert "never sent again" in again.unwind.run.step(top.seq).detail
        assert "marked not arrived" in again.unwind.run.note
        assert venue.top_ups == [top_up_id("r1", top.seq)]
    finally:
        await again.stop()


async def test_a_candidate_found_by_amount_on_a_venue_without_client_ids_is_named_not_taken_as_proof():
    clock = Clock(NOW)
    venue = _near(clock, top_up_keyed=False, top_up_errors=[UnknownOutcome("answer lost", account="a")])
    engine = await _engine([venue], clock)
    try:
        _, top = await _planned(engine)
        await send(engine, ConfirmStep("r1", top.seq))
        await until(lambda: engine.unwind.run.step(top.seq).status is StepStatus.UNKNOWN)
        step = engine.unwind.run.step(top.seq)
        assert f"t-{top_up_id('r1', top.seq)}" in step.detail and "may be this one" in step.detail
        assert len(venue.top_ups) == 1 and step.filled == 0
    finally:
        await engine.stop()


async def test_a_run_journaled_before_top_ups_carried_their_venues_terms_is_still_restored(tmp_path):
    """A journal written by the cockpit before `UnwindStep.route`, `keyed` and `transfer_id`: its
    run decodes with them at their defaults (no route said, no client id: never resent; no venue
    id: a restart leaves a top-up it finds sent UNKNOWN), it does not stop the engine."""
    import json
    import sqlite3

    path = tmp_path / "journal.sqlite"
    clock = Clock(NOW)
    venue = _near(clock)
    engine = await _engine([venue], clock, journal=Journal(path))
    try:
        _, top = await _planned(engine)
    finally:
        await engine.stop()
        engine.journal.close()
    db = sqlite3.connect(path)
    (body,) = db.execute("SELECT body FROM runs").fetchone()
    old = json.loads(body)
    for step in old["steps"]:
        del step["route"], step["keyed"], step["transfer_id"]
    db.execute("UPDATE runs SET body=?", (json.dumps(old),))
    db.commit()
    db.close()
    journal = Journal(path)
    try:
        run = journal.last_run()
        step = run.step(top.seq)
        assert run.id == "r1" and (step.route, step.keyed, step.transfer_id) == ("", False, "")
    finally:
        journal.close()


async def test_stopping_the_engine_ends_the_runs_driver_and_the_step_it_has_out():
    """The run's driver is one of the engine's tasks (`Engine.spawn`): a stop mid-transfer leaves
    no task of the run behind, and nothing is written for the step after it (the journal keeps it
    SENDING, for the next start to look up)."""
    clock = Clock(NOW)
    venue = _near(clock, land=False)
    before = asyncio.all_tasks()
    engine = await _engine([venue], clock)
    engine.unwind.top_up_wait = 60.0
    try:
        _, top = await _planned(engine)
        await send(engine, ConfirmStep("r1", top.seq))
        await until(lambda: venue.top_ups)
        assert engine.unwind.run.step(top.seq).status is StepStatus.SENDING
    finally:
        await engine.stop()
    assert not {t for t in asyncio.all_tasks() - before if t is not asyncio.current_task() and not t.done()}
    await asyncio.sleep(1.0)
    assert engine.journal.last_run().step(top.seq).status is StepStatus.SENDING and len(venue.top_ups) == 1


async def _sent_then_restarted(tmp_path, venue: TranIdVenue, *, keep: bool):
    """Send `venue`'s top-up (answered ``T1``, not landed) and stop the engine before it lands
    (the journal on disk has the step SENDING); let it land, put another transfer of the same
    amount (``T0``) first in the history and keep ``T1`` there or not; start again on the journal."""
    clock = venue.clock
    path = tmp_path / "journal.sqlite"
    engine = await _engine([venue], clock, journal=Journal(path))
    try:
        _, top = await _planned(engine)
        await send(engine, ConfirmStep("r1", top.seq))
        await until(lambda: engine.journal.last_run().step(top.seq).transfer_id == "T1")
        assert engine.unwind.run.step(top.seq).status is StepStatus.SENDING
    finally:
        await engine.stop()
        engine.journal.close()
    venue.land = True
    decoy = dataclasses.replace(venue._transfer("by hand", top.amount), id="T0", status=TransferStatus.DONE)
    venue.history = [decoy] + (venue.history if keep else [])
    venue.looked_up_by.clear()
    return top, await _engine([venue], clock, journal=Journal(path))


async def test_a_restart_finds_a_top_up_on_a_venue_without_client_ids_by_the_venues_own_id(tmp_path):
    """Binance: the send answered with its tranId, journaled on the step; the engine restarts
    before the top-up landed: it is looked up by that id (never by amount, which would take the
    other transfer of the same amount) and done, sent once."""
    venue = _near(Clock(NOW), TranIdVenue, land=False)
    top, again = await _sent_then_restarted(tmp_path, venue, keep=True)
    try:
        await until(lambda: again.unwind.run.step(top.seq).status is StepStatus.DONE)
        step = again.unwind.run.step(top.seq)
        assert venue.top_ups == [top_up_id("r1", top.seq)] and step.filled == top.amount
        assert step.transfer_id == "T1" and set(venue.looked_up_by) == {"T1"}
    finally:
        await again.stop()


async def test_a_restart_that_cannot_find_the_venues_own_id_leaves_the_top_up_unknown_never_resent(tmp_path):
    """The history does not show the tranId the send answered (only another transfer of the same
    amount): the step is UNKNOWN, naming the id to look for, the run paused; never sent again."""
    venue = _near(Clock(NOW), TranIdVenue, land=False)
    top, again = await _sent_then_restarted(tmp_path, venue, keep=False)
    try:
        await until(lambda: again.unwind.run.step(top.seq).status is StepStatus.UNKNOWN)
        run = again.unwind.run
        step = run.step(top.seq)
        assert "T1" in step.detail and "never sent again" in step.detail and "T0" not in step.detail
        assert step.filled == 0 and run.state is RunState.PAUSED and set(venue.looked_up_by) == {"T1"}
        await asyncio.sleep(1.5)  # the driver goes round: nothing is sent
        assert venue.top_ups == [top_up_id("r1", top.seq)]
        assert again.journal.last_run().step(top.seq).status is StepStatus.UNKNOWN
    finally:
        await again.stop()


async def test_a_resend_refused_on_a_keyed_venue_whose_history_lags_is_unknown_not_failed():
    """The first send's answer was lost and the history shows nothing yet: sent again under the
    same id, the venue refuses (it has a transfer under that id). That refusal is no proof that
    nothing moved: the step is UNKNOWN (check the venue), never FAILED."""
    clock = Clock(NOW)
    venue = _near(clock, lag=True, top_up_errors=[UnknownOutcome("answer lost", account="a"),
                                                  Rejected("duplicate transferId", account="a")])
    engine = await _engine([venue], clock)
    try:
        _, top = await _planned(engine)
        await send(engine, ConfirmStep("r1", top.seq))
        await until(lambda: engine.unwind.run.step(top.seq).status is StepStatus.UNKNOWN)
        step = engine.unwind.run.step(top.seq)
        assert "duplicate transferId" in step.detail and len(venue.top_ups) == 2
        assert venue.transfers  # the first did move the money
    finally:
        await engine.stop()
