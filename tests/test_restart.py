"""The restart drill in CI: `cockpit guard --auto` on the paper venue (the simulator in its own
process), SIGKILLed at random points of a kill-switch cut and restarted on the same journal.

Three seeds of five kills, run side by side (they mostly wait); `python -m bench restart` runs
thirty of thirty (see bench/bench_restart.py for the kill points and the invariants). Every
invariant must hold on every seed: no duplicate order, no orphan, one episode whose cut is exactly
its plan (30% of the starting gross, not more), no row left UNKNOWN, and the switch HALTED, also
after two more restarts.

The negative control: the same drill with the guard monkeypatched (in its own process) to send each
order before journaling it must see duplicates or orphans, or the drill could not tell the rule
from its absence."""

from __future__ import annotations

from bench.bench_restart import SEND_BEFORE_JOURNAL, drill


def test_sigkill_during_an_auto_cut_never_cuts_twice():
    results = drill(3, 5, jobs=3, report=lambda line: None)
    for r in results:
        assert r.kills == 5, r.seed
        assert r.problems == [], (r.seed, r.problems, r.refused)  # refused: why a cut fell short
        assert (r.duplicates, r.orphans, r.unknown) == (0, 0, 0)
        assert r.episodes == 1 and r.status == "HALTED" and r.exact
        assert 0.30 - 0.002 <= r.planned <= 0.30 + 0.005
        assert r.executed == r.planned
        assert r.orders == r.intents > 0  # one order per planned intent, no more


def test_the_drill_fails_when_orders_are_sent_before_they_are_journaled():
    results = drill(2, 3, jobs=2, report=lambda line: None, fault=SEND_BEFORE_JOURNAL)
    assert all(r.kills == 3 for r in results)
    assert sum(r.duplicates + r.orphans for r in results) > 0, [r.problems for r in results]
    assert not all(r.ok for r in results)
