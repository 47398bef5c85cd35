"""The restart drill in CI: `cockpit guard --auto` on the paper venue (the simulator in its own
process), SIGKILLed at random points of a kill-switch cut and restarted on the same journal.

Three seeds of five kills, run side by side (they mostly wait); `python -m bench restart` runs
twenty of twenty (see bench/bench_restart.py for the kill points and the invariants). Every
invariant must hold on every seed: no duplicate order, no orphan, one episode whose cut is exactly
its plan (30% of the starting gross, not more), no row left UNKNOWN, and the switch HALTED, also
after two more restarts."""

from __future__ import annotations

from bench.bench_restart import drill


def test_sigkill_during_an_auto_cut_never_cuts_twice():
    results = drill(3, 5, jobs=3, report=lambda line: None)
    for r in results:
        assert r.kills == 5, r.seed
        assert r.problems == [], (r.seed, r.problems)
        assert (r.duplicates, r.orphans, r.unknown) == (0, 0, 0)
        assert r.episodes == 1 and r.status == "HALTED" and r.exact
        assert 0.30 - 0.002 <= r.planned <= 0.30 + 0.005
        assert r.executed == r.planned
        assert r.orders == r.intents > 0  # one order per planned intent, no more
