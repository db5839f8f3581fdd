"""Live-watch a fine-tuning job by polling: snapshots of the job, its new events and metrics.

The API has no event stream and lists events newest first, so each poll reads the newest page,
keeps the ids it has not seen and pages toward older events only until it meets a seen id.
Transient failures (429, 5xx, timeouts, dropped connections) never raise: the watcher yields a
snapshot saying it is reconnecting and when, then tries again. Calls never overlap.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from tuiftune.service.errors import NetworkError, RateLimitedError, ServiceError
from tuiftune.service.jobs import is_terminal
from tuiftune.service.metrics import points_from_events
from tuiftune.service.providers.base import JobsProvider
from tuiftune.service.types import Job, JobEvent, MetricPoint

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class LinkStatus(StrEnum):
    """How the watcher's connection to the API is doing."""

    LIVE = "live"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"


@dataclass(frozen=True)
class ConnectionState:
    """The link state shown next to a job: live, reconnecting in N s, or offline since T."""

    status: LinkStatus = LinkStatus.LIVE
    retry_in: float | None = None
    attempt: int = 0
    reason: str | None = None
    since: float | None = None
    """Wall-clock time (epoch seconds) of the first failure in the current outage."""

    def describe(self) -> str:
        """One short line for a status bar."""
        if self.status is LinkStatus.LIVE:
            return "live"
        retry = f"retrying in {self.retry_in:.0f} s" if self.retry_in is not None else "retrying"
        why = f": {self.reason}" if self.reason else ""
        if self.status is LinkStatus.OFFLINE and self.since is not None:
            at = datetime.fromtimestamp(self.since).strftime("%H:%M:%S")
            return f"offline since {at} ({retry}, attempt {self.attempt}{why})"
        return f"reconnecting ({retry}, attempt {self.attempt}{why})"


@dataclass(frozen=True)
class JobSnapshot:
    """What one poll learned: the job, events new since the last snapshot (oldest first), the
    metric points among them, and the connection state."""

    job: Job | None
    events: list[JobEvent] = field(default_factory=list)
    metrics: list[MetricPoint] = field(default_factory=list)
    connection: ConnectionState = field(default_factory=ConnectionState)

    @property
    def finished(self) -> bool:
        """True once the job reached succeeded, failed or cancelled."""
        return self.job is not None and is_terminal(self.job.status)


@dataclass(frozen=True)
class PollPolicy:
    """Polling intervals and backoff, in seconds."""

    running: float = 2.0
    starting: float = 5.0
    """validating_files and queued."""
    idle: float = 10.0
    """paused and statuses we do not know."""
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    jitter: float = 0.2
    """Each backoff is scaled by a random factor in [1 - jitter, 1 + jitter]."""
    offline_after: float = 60.0
    """After failing this long, the state says "offline since" instead of "reconnecting"."""
    page_limit: int = 100
    request_timeout: float = 20.0
    settle: float | None = 1.0
    """After the job ends, poll once more this much later for events written just after the
    status changed; None stops at once."""
    settle_retries: int = 3
    """Failures in a row, once the job is known to have ended, before the watch ends anyway
    (each retried after at most ``running`` seconds: the outcome is known, only the last
    events are missing)."""

    def interval(self, status: str | None) -> float:
        """How long to wait before the next poll of a job in ``status``."""
        if status == "running":
            return self.running
        if status in ("validating_files", "queued"):
            return self.starting
        return self.idle

    def backoff(self, attempt: int, rand: float) -> float:
        """Exponential backoff for the ``attempt``-th failure in a row, with jitter."""
        exponent = min(max(0, attempt - 1), 32)  # no float overflow however long the outage
        raw = min(self.backoff_max, self.backoff_base * 2.0**exponent)
        return max(0.0, raw * (1 - self.jitter + 2 * self.jitter * rand))


def _transient(exc: BaseException) -> ServiceError | None:
    """The exception as a transient ``ServiceError``, or None when it should propagate."""
    if isinstance(exc, ServiceError):
        return exc if exc.transient else None
    if isinstance(exc, json.JSONDecodeError):
        return NetworkError("malformed response (the connection may have dropped)")
    return None


class JobWatcher:
    """Polls one job; iterate it (``async for snap in watcher``) to get ``JobSnapshot``s."""

    def __init__(
        self,
        backend: JobsProvider,
        job_id: str,
        *,
        policy: PollPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.time,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.backend = backend
        self.job_id = job_id
        self.policy = policy or PollPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rand = rand
        self.seen: set[str] = set()
        self.job: Job | None = None
        # The tail in progress (newest first), kept across failed rounds.
        self._pending: list[JobEvent] = []
        self._pending_ids: set[str] = set()
        self._cursor: str | None = None
        self._tail_round: int | None = None
        self._round = 0
        # Committed events not yet handed out.
        self._ready: list[JobEvent] = []
        self._attempt = 0
        self._down_since: float | None = None
        self._progressed = False

    async def _continue_tail(self) -> None:
        """Page from the saved cursor toward older events until a seen id or the end.

        Progress is kept after every page, so a flaky link still gets through a long backlog.
        """
        while True:
            page = await self.backend.list_events(
                self.job_id, after=self._cursor, limit=self.policy.page_limit
            )
            reached_seen = False
            progressed = False
            for event in page.data:  # newest first
                if event.id in self.seen:
                    reached_seen = True
                    break
                if event.id not in self._pending_ids:
                    self._pending_ids.add(event.id)
                    self._pending.append(event)
                    progressed = True
            # Stop at the known part of the history, at its end, or if the server ignores `after`.
            if reached_seen or not progressed or page.next_after is None:
                return
            self._cursor = page.next_after
            self._progressed = True

    def _commit_tail(self) -> None:
        self.seen.update(self._pending_ids)
        self._ready.extend(reversed(self._pending))
        self._pending, self._pending_ids, self._cursor = [], set(), None
        self._tail_round = None

    async def poll(self) -> tuple[Job, list[JobEvent], bool]:
        """One round: the job, then its new events (oldest first), and whether the event read
        began after the job read (so a terminal job's final events are surely included)."""
        self._round += 1
        self._progressed = False
        if self.job is not None and is_terminal(self.job.status):
            job = self.job  # an ended job does not change: only its last events are read
        else:
            job = await self.backend.retrieve(self.job_id)
        self._progressed = True
        if self._tail_round is None:
            self._tail_round = self._round
        fresh = self._tail_round == self._round
        await self._continue_tail()
        self._commit_tail()
        self.job = job
        events, self._ready = self._ready, []
        return job, events, fresh

    def __aiter__(self) -> AsyncIterator[JobSnapshot]:
        return self.snapshots()

    def _outage(self, error: ServiceError) -> ConnectionState:
        """Count one more failure in a row and say when the next try comes."""
        if self._progressed:
            # Part of the round got through: the link works, so do not let the backoff grow.
            self._attempt, self._down_since = 0, None
        self._attempt += 1
        now = self._clock()
        self._down_since = now if self._down_since is None else self._down_since
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            delay = error.retry_after
        else:
            delay = self.policy.backoff(self._attempt, self._rand())
        offline = now - self._down_since >= self.policy.offline_after
        return ConnectionState(
            status=LinkStatus.OFFLINE if offline else LinkStatus.RECONNECTING,
            retry_in=delay,
            attempt=self._attempt,
            reason=error.message,
            since=self._down_since,
        )

    async def snapshots(self) -> AsyncIterator[JobSnapshot]:
        """Yield a snapshot per poll until the job has ended and its last events are read;
        transient failures become connection states, other errors raise."""
        settling = False
        ended_failures = 0
        while True:
            try:
                job, events, fresh = await self.poll()
            except Exception as exc:
                error = _transient(exc)
                if error is None:
                    raise
                state = self._outage(error)
                if self.job is not None and is_terminal(self.job.status):
                    # The outcome is known: retry the last read briefly, then end without it.
                    ended_failures += 1
                    if ended_failures > self.policy.settle_retries:
                        return
                    state = replace(state, retry_in=min(state.retry_in or 0.0, self.policy.running))
                yield JobSnapshot(self.job, [], [], state)
                await self._sleep(state.retry_in or 0.0)
                continue
            self._attempt, self._down_since = 0, None
            if events or not settling:
                yield JobSnapshot(job, events, points_from_events(events), ConnectionState())
            if not is_terminal(job.status):
                settling = False
                await self._sleep(self.policy.interval(job.status))
            elif not fresh:
                # This tail began before the job ended: read once more from the newest event.
                await self._sleep(self.policy.running)
            elif settling or self.policy.settle is None:
                return
            else:
                settling = True
                await self._sleep(self.policy.settle)


def watch(
    source: JobsProvider,
    job_id: str,
    *,
    policy: PollPolicy | None = None,
    sleep: Sleep = asyncio.sleep,
    clock: Clock = time.time,
    rand: Callable[[], float] = random.random,
) -> AsyncIterator[JobSnapshot]:
    """Snapshots of ``job_id`` until it ends. The provider's own retries are turned off
    (``for_watching``) so that every failure shows up in the connection state."""
    policy = policy or PollPolicy()
    backend = source.for_watching(policy.request_timeout)
    watcher = JobWatcher(backend, job_id, policy=policy, sleep=sleep, clock=clock, rand=rand)
    return watcher.snapshots()
