"""The unwind restart drill in CI: `cockpit guard --unwind flat` on the paper venue (the simulator
in its own process, the fault mix on: 429s, connection resets, accepted-then-503, truncated JSON),
SIGKILLed at random points of the run and restarted on the same journal.

Two seeds of two kills, side by side (they mostly wait); `python -m bench unwind-restart` runs
thirty of thirty (see bench/bench_unwind_restart.py for the kill points and the invariants). Every
invariant must hold on every seed: no duplicate order, no orphan, no row left UNKNOWN, every
position exactly where the plan leaves it (flat: closed, none flipped), one run, DONE.

The negative controls: the same drill with the guard monkeypatched (in its own process) to send each
order before journaling it must see orphans or duplicates; and with a guard that forgets its run at
a restart and plans a new one (fresh ids) on a gross -30% target, more than one run and positions
cut past the plan. Or the drill could not tell the rules from their absence."""

from __future__ import annotations

from bench.bench_unwind_restart import SECOND_RUN, drill
from bench.crashdrill import SEND_BEFORE_JOURNAL


def test_sigkill_during_an_unwind_run_resumes_it_and_ends_exactly_flat():
    results = drill(2, 2, jobs=2, report=lambda line: None)
    for r in results:
        assert r.kills == 2, r.seed
        assert r.problems == [], (r.seed, r.problems, r.refused)  # refused: what the venue said no to
        assert (r.duplicates, r.orphans, r.unknown, r.off_plan) == (0, 0, 0, 0)
        assert r.runs == 1 and r.state == "done"
        assert r.steps >= 20 and r.positions == 21  # the demo book: 21 positions on 6 venues


def test_the_unwind_drill_fails_when_orders_are_sent_before_they_are_journaled():
    results = drill(2, 3, first_seed=11, jobs=2, report=lambda line: None, fault=SEND_BEFORE_JOURNAL)
    assert all(r.kills == 3 for r in results)
    assert sum(r.duplicates + r.orphans for r in results) > 0, [r.problems for r in results]
    assert not all(r.ok for r in results)


def test_the_unwind_drill_fails_when_a_restart_plans_a_second_run():
    results = drill(1, 3, first_seed=101, jobs=1, report=lambda line: None, fault=SECOND_RUN, target="gross:30")
    assert results[0].runs > 1 and not results[0].ok, results[0].problems
