"""Clocks: the server reads time only through a ``Clock`` so tests can move it at will."""

from __future__ import annotations

import threading
from collections.abc import Callable

Clock = Callable[[], float]


class ManualClock:
    """A clock that stands still until told to move; pass it as ``ServerOptions.clock``."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self._now = start
        # Tests advance it from the test thread while uvicorn reads it from its own thread.
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, when: float) -> None:
        """Jump to an absolute time, which must not be in the past."""
        with self._lock:
            if when < self._now:
                raise ValueError("a clock only moves forward")
            self._now = when
