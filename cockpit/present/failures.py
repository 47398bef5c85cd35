"""The words of a source that fails on every frame and then works again (`cockpit.engine.failures`):
the reason, the notice at the first failure of a run, and the one when it works again."""

from __future__ import annotations


def failure_reason(what: str, kind: str, detail: str = "") -> str:
    """One line naming what failed and how: "reading the plot series failed: OSError: disk I/O error"."""
    return f"{what}: {kind}" + (f": {detail}" if detail else "")


def failed_notice(reason: str, consequence: str) -> str:
    """The notice of a run of failures, told at its first: the reason and what it means for the
    person ("... — the plots are not updating")."""
    return f"{reason} — {consequence}"


def recovered_notice(reason: str) -> str:
    """The notice that a source works again, naming the failure it recovered from."""
    return f"recovered from {reason}"


__all__ = ["failed_notice", "failure_reason", "recovered_notice"]
