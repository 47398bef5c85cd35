"""What the engine calls on every frame and may fail (the risk evaluation, the open orders, the
funding history, the plot series, publishing): each run of failures is told once, at its first
failure, and its end once, when the source works again; never once a frame.

A frame goes out whatever fails here: the caller keeps what it had (the last assessment, the last
working orders) or goes without (new history, the plots). The texts are `cockpit.present.failures`'.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from cockpit.present.failures import failed_notice, failure_reason, recovered_notice
from cockpit.redact import clip

T = TypeVar("T")


class FailureNotices:
    """Tells each source's runs of failures once (see the module doc).

    Args:
        notice: says one line to everyone (`Engine.notice`: the frame, the journal, guard's log).
        log: logs a failure with its traceback (`Engine._log_once`: once per source and kind).
    """

    def __init__(self, notice: Callable[[str], object], log: Callable[[str, Exception], None]) -> None:
        self._notice = notice
        self._log = log
        self._failing: dict[str, str] = {}  # source -> the reason told at its run's first failure

    def failed(self, what: str, error: Exception, consequence: str) -> str:
        """`what` failed with `error`: logged, and noticed if it was working until now (a run of
        failures is told once, whatever each one says). Returns this failure's one-line reason."""
        self._log(what, error)
        detail = clip(" ".join(str(error).split()), 200)  # one line, scrubbed before the cut
        reason = failure_reason(what, type(error).__name__, detail)
        if what not in self._failing:
            self._failing[what] = reason
            self._notice(failed_notice(reason, consequence))
        return reason

    def worked(self, what: str) -> None:
        """`what` worked: if it was failing, say once that it recovered."""
        reason = self._failing.pop(what, None)
        if reason is not None:
            self._notice(recovered_notice(reason))

    def call(self, what: str, consequence: str, read: Callable[[], T], otherwise: Callable[[], T]) -> T:
        """`read()`, noted as worked; if it raises, noted as failed and `otherwise()` instead."""
        try:
            value = read()
        except Exception as error:
            self.failed(what, error, consequence)
            return otherwise()
        self.worked(what)
        return value

    def failing(self, what: str) -> bool:
        """Whether `what`'s last call failed."""
        return what in self._failing


__all__ = ["FailureNotices"]
