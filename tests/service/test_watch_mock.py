"""The job watcher against a scripted API on ``httpx2.MockTransport``: the event tail, adaptive
polling, backoff and connection states, with a fake clock (no real sleeping)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx2
import openai
import pytest

from tests.service.sdk import sdk
from tuiftune.service.errors import AuthError
from tuiftune.service.watch import JobSnapshot, LinkStatus, PollPolicy, watch

MockClient = Callable[[Any], openai.AsyncOpenAI]
JOB = "ftjob-1"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class FakeAPI:
    """Events newest first with ``after``/``limit``; each job read runs one step of a script."""

    def __init__(self, script: list[tuple[str, int]], *, page_ignores_after: bool = False) -> None:
        self.script = deque(script)  # (status, events to add) per job read
        self.status = "validating_files"
        self.events: list[dict[str, Any]] = []  # oldest first
        self.faults: deque[str] = deque()
        self.in_flight = 0
        self.max_in_flight = 0
        self.requests = 0
        self.insert_during_paging = False
        self.page_ignores_after = page_ignores_after
        self.fail_every: int | None = None

    def add_events(self, n: int) -> None:
        for _ in range(n):
            i = len(self.events)
            metrics = i % 3 == 2
            self.events.append(
                {
                    "object": "fine_tuning.job.event",
                    "id": f"ftevent-{i:04d}",
                    "created_at": 1_750_000_000 + i,
                    "level": "info",
                    "message": f"event {i}",
                    "type": "metrics" if metrics else "message",
                    "data": {"step": i, "total_steps": 100, "train_loss": 1.0 / (i + 1)}
                    if metrics
                    else {},
                }
            )

    def job(self) -> dict[str, Any]:
        return {"id": JOB, "object": "fine_tuning.job", "status": self.status, "model": "m"}

    async def handler(self, request: httpx2.Request) -> httpx2.Response:
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)
            return self._route(request)
        finally:
            self.in_flight -= 1

    def _route(self, request: httpx2.Request) -> httpx2.Response:
        if self.fail_every and self.requests % self.fail_every == 0:
            self.faults.append("503")
        if self.faults:
            fault = self.faults.popleft()
            err = {"error": {"message": fault, "type": "server_error"}}
            if fault == "503":
                return httpx2.Response(503, json=err)
            if fault == "429":
                return httpx2.Response(429, json=err, headers={"retry-after": "3"})
            if fault == "401":
                return httpx2.Response(401, json=err)
            if fault == "timeout":
                raise httpx2.ReadTimeout("timed out", request=request)
            if fault == "reset":
                raise httpx2.RemoteProtocolError("connection reset", request=request)
        path = request.url.path
        if path == f"/v1/fine_tuning/jobs/{JOB}":
            if self.script:
                self.status, n = self.script.popleft()
                self.add_events(n)
            return httpx2.Response(200, json=self.job())
        if path == f"/v1/fine_tuning/jobs/{JOB}/events":
            return self._events(request)
        return httpx2.Response(404, json={"error": {"message": "no route"}})

    def _events(self, request: httpx2.Request) -> httpx2.Response:
        limit = int(request.url.params.get("limit", "20"))
        after = request.url.params.get("after")
        newest_first = list(reversed(self.events))
        start = 0
        if after and not self.page_ignores_after:
            ids = [e["id"] for e in newest_first]
            start = ids.index(after) + 1
            if self.insert_during_paging:
                self.add_events(1)  # arrives while the client pages older: next poll gets it
        page = newest_first[start : start + limit]
        more = start + limit < len(newest_first)
        return httpx2.Response(200, json={"object": "list", "data": page, "has_more": more})


async def collect(api: FakeAPI, mock_client: MockClient, **kw: Any) -> list[JobSnapshot]:
    clock = FakeClock()
    policy = kw.pop("policy", PollPolicy(page_limit=3))
    snaps = [
        s
        async for s in watch(
            sdk(mock_client(api.handler)).jobs,
            JOB,
            policy=policy,
            sleep=clock.sleep,
            clock=clock,
            rand=lambda: 0.5,
            **kw,
        )
    ]
    api.clock = clock  # type: ignore[attr-defined]
    return snaps


def event_ids(snaps: list[JobSnapshot]) -> list[str]:
    return [e.id for s in snaps for e in s.events]


async def test_tail_yields_every_event_once_oldest_first(mock_client: MockClient) -> None:
    script = [("validating_files", 2), ("queued", 0), ("running", 7), ("running", 1)]
    script += [("running", 10), ("running", 0), ("paused", 2), ("running", 4), ("succeeded", 3)]
    api = FakeAPI(script)
    api.insert_during_paging = True
    snaps = await collect(api, mock_client)
    ids = event_ids(snaps)
    assert ids == [e["id"] for e in api.events]  # all, once, in order
    assert len(ids) == len(set(ids))
    assert snaps[-1].finished and snaps[-1].job is not None
    assert snaps[-1].job.status == "succeeded"
    statuses = [s.job.status for s in snaps if s.job]
    assert "paused" in statuses  # shown and not treated as the end
    metric_steps = [p.step for s in snaps for p in s.metrics]
    assert metric_steps == [int(e["data"]["step"]) for e in api.events if e["type"] == "metrics"]
    assert all(s.connection.status is LinkStatus.LIVE for s in snaps)
    assert api.max_in_flight == 1


async def test_adaptive_intervals(mock_client: MockClient) -> None:
    api = FakeAPI(
        [("validating_files", 0), ("queued", 0), ("running", 0), ("paused", 0), ("failed", 0)]
    )
    policy = PollPolicy(running=1.0, starting=4.0, idle=9.0, settle=0.5)
    snaps = await collect(api, mock_client, policy=policy)
    # validating_files does not stop the watch; one settle poll follows the terminal state.
    assert api.clock.sleeps == [4.0, 4.0, 1.0, 9.0, 0.5]  # type: ignore[attr-defined]
    assert len(snaps) == 5 and snaps[-1].finished
    api = FakeAPI([("running", 0), ("cancelled", 0)])
    await collect(api, mock_client, policy=PollPolicy(running=1.0, settle=None))
    assert api.clock.sleeps == [1.0]  # type: ignore[attr-defined]


async def test_faults_become_states_not_exceptions(mock_client: MockClient) -> None:
    script = [("running", 5)] * 6 + [("succeeded", 2)]
    api = FakeAPI(script)
    api.faults.extend(["503", "429", "timeout", "reset", "503"])
    policy = PollPolicy(page_limit=2, backoff_base=1.0, jitter=0.2, offline_after=1000)
    snaps = await collect(api, mock_client, policy=policy)
    ids = event_ids(snaps)
    assert ids == [e["id"] for e in api.events]
    down = [s.connection for s in snaps if s.connection.status is not LinkStatus.LIVE]
    assert [c.attempt for c in down] == [1, 2, 3, 4, 5]
    assert down[1].retry_in == 3.0  # Retry-After honoured exactly
    assert down[0].retry_in == 1.0 and down[2].retry_in == 4.0 and down[3].retry_in == 8.0
    assert "reconnecting" in down[0].describe() and "503" in (down[0].reason or "")
    assert snaps[-1].finished


async def test_offline_after_long_outage_then_recovers(mock_client: MockClient) -> None:
    api = FakeAPI([("running", 1), ("succeeded", 1)])
    api.faults.extend(["503"] * 8)
    policy = PollPolicy(backoff_base=2.0, backoff_max=10.0, jitter=0.0, offline_after=20.0)
    snaps = await collect(api, mock_client, policy=policy)
    states = [s.connection for s in snaps]
    offline = [c for c in states if c.status is LinkStatus.OFFLINE]
    assert offline and "offline since" in offline[0].describe()
    assert max(c.retry_in or 0 for c in states) == 10.0  # capped
    assert offline[0].since == 1_750_000_000.0
    assert states[-1].status is LinkStatus.LIVE and snaps[-1].finished
    assert event_ids(snaps) == [e["id"] for e in api.events]


async def test_auth_error_is_raised(mock_client: MockClient) -> None:
    api = FakeAPI([("running", 1)])
    api.faults.append("401")
    with pytest.raises(AuthError):
        await collect(api, mock_client)


async def test_server_ignoring_after_does_not_loop_forever(mock_client: MockClient) -> None:
    api = FakeAPI([("running", 5), ("succeeded", 0)], page_ignores_after=True)
    snaps = await collect(api, mock_client)
    ids = event_ids(snaps)
    assert len(ids) == len(set(ids))
    assert api.requests < 20


async def test_long_backlog_gets_through_a_flaky_link(mock_client: MockClient) -> None:
    # 40 events in pages of 3 need 14 pages; every 3rd request fails. Restarting the tail from
    # the newest page after each failure would never finish; resuming from the cursor does.
    api = FakeAPI([("running", 40), ("running", 0), ("succeeded", 2)])
    api.fail_every = 3
    policy = PollPolicy(page_limit=3, jitter=0.0, settle=None)
    snaps = await collect(api, mock_client, policy=policy)
    assert event_ids(snaps) == [e["id"] for e in api.events]
    assert snaps[-1].finished
    assert max(s.connection.attempt for s in snaps) <= 2
