"""`python -m bench [--quick] [ui|plots|bytes|sim|risk|wire|unwind|service|drills|restart|unwind-restart|memory|guard ...]`:
print every benchmark figure (medians).

Some suites run only when named. The drills are not timings: `drills` (kill-switch fire drills over
many seeds and hours of simulated time) takes a few minutes on 2 cores; `restart` (the SIGKILL
restart drill, 30 seeds x 30 kills) about half an hour; `unwind-restart` (the same drill on a
guided unwind run with the fault mix on, 30 seeds x 30 kills) 36 minutes on a loaded 2-core machine; `memory` (48 simulated hours, memory sampled every
hour) 15 to 40 minutes. `service` (a trim's round trip through a guard's socket, and an attached
terminal idling for a minute) takes about three minutes, and `guard` (the resident memory and idle
CPU of two guard processes) as long.
"""

from __future__ import annotations

import importlib
import platform
import sys

SUITES = ("risk", "sim", "ui", "plots", "bytes", "wire", "unwind", "service", "drills", "restart", "unwind-restart",
          "memory", "guard")
OPT_IN = ("service", "drills", "restart", "unwind-restart", "memory", "guard")  # long runs: only when named


def main(argv: list[str]) -> int:
    """Run the chosen suites (all by default) and print one line per figure."""
    quick = "--quick" in argv
    chosen = [a for a in argv if not a.startswith("-")] or [s for s in SUITES if s not in OPT_IN]
    unknown = [c for c in chosen if c not in SUITES]
    if unknown:
        print(f"bench: unknown suite {unknown[0]!r} (choose from {', '.join(SUITES)})", file=sys.stderr)
        return 2
    print(f"# cockpit benchmarks — Python {platform.python_version()}, {platform.machine()}, "
          f"{__import__('os').cpu_count()} cores{' (quick)' if quick else ''}")
    for name in chosen:
        module = importlib.import_module(f"bench.bench_{name.replace('-', '_')}")
        print(f"## {name}")
        for figure in module.run(quick=quick):
            print(figure.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
