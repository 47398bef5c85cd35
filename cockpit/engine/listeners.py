"""Callbacks told of each new frame or event, each one isolated from the others.

Standard library only: the remote port uses it in a terminal that never loads the engine.
"""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class Listeners(Generic[T]):
    """Callbacks called in turn with each value.

    One that raises is reported to `failed(callback, error)` and skipped: a broken listener (a
    closed pipe under `cockpit guard`, a terminal gone) never silences the others or stops the
    engine.
    """

    def __init__(self, failed: Callable[[Callable[[T], None], Exception], None]) -> None:
        self._callbacks: list[Callable[[T], None]] = []
        self._failed = failed

    def add(self, callback: Callable[[T], None]) -> Callable[[], None]:
        """Call `callback(value)` from now on; returns a function that stops it."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback) if callback in self._callbacks else None

    def call(self, value: T) -> None:
        """Hand `value` to every callback (a copy of the list: one may unsubscribe meanwhile)."""
        for callback in list(self._callbacks):
            try:
                callback(value)
            except Exception as error:
                self._failed(callback, error)
