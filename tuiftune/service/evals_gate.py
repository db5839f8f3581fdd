"""The pace of an eval run: a shared pause after a 429, and request / token budgets per minute.

Every worker passes through one ``RateGate`` before each request. A 429 pauses the gate for the
server's ``Retry-After``, so all workers wait instead of each hammering the server on its own.
Budgets are spaced reservations (a virtual clock per budget, like GCRA): a request may start
once each budget's next free moment has come, and moves that moment on by its cost.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateGate:
    """Admission control shared by every worker of one run."""

    def __init__(
        self,
        *,
        rpm: float | None = None,
        tpm: float | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rpm is not None and rpm <= 0:
            raise ValueError("rpm must be positive")
        if tpm is not None and tpm <= 0:
            raise ValueError("tpm must be positive")
        self.rpm = rpm
        self.tpm = tpm
        self.clock = clock
        self.sleep = sleep
        self._paused_until = float("-inf")
        self._next_request = float("-inf")
        self._next_tokens = float("-inf")
        self.pauses = 0

    def paused_for(self) -> float:
        """Seconds left of the current shared pause (0 when not paused)."""
        return max(0.0, self._paused_until - self.clock())

    def pause(self, seconds: float) -> None:
        """Hold every worker for ``seconds`` from now (a longer pause already set wins)."""
        until = self.clock() + max(0.0, seconds)
        if until > self._paused_until:
            self._paused_until = until
            self.pauses += 1

    async def _wait_pause(self) -> None:
        while (left := self._paused_until - self.clock()) > 0:
            await self.sleep(left)

    async def acquire(self, tokens: int = 0) -> None:
        """Wait until a request costing about ``tokens`` tokens may start."""
        await self._wait_pause()
        now = self.clock()
        start = now
        # Reserve without awaiting in between, so two workers never take the same slot.
        if self.rpm is not None:
            start = max(start, self._next_request)
            self._next_request = start + 60.0 / self.rpm
        if self.tpm is not None and tokens > 0:
            start = max(start, self._next_tokens)
            self._next_tokens = start + tokens * 60.0 / self.tpm
        if start > now:
            await self.sleep(start - now)
        await self._wait_pause()

    def settle(self, estimated: int, actual: int | None) -> None:
        """Correct the token budget once the server reported what a request really used."""
        if self.tpm is None or actual is None:
            return
        self._next_tokens += (actual - estimated) * 60.0 / self.tpm


class Backoff:
    """Exponential backoff with jitter for transient errors without a ``Retry-After``."""

    def __init__(self, base: float = 0.5, cap: float = 30.0, seed: int | None = None) -> None:
        self.base = base
        self.cap = cap
        self._rng = random.Random(seed)

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        ceiling: float = min(self.cap, self.base * 2.0**attempt)
        # "Equal jitter": at least half the ceiling, so retries still spread out.
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)
