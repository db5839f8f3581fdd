"""Shared set-up of the Jobs mode tests: an in-process sandbox on a manual clock, an app whose
Jobs screen sleeps by moving that clock, and waits on conditions (never on a guess)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import openai
from textual.pilot import Pilot

from tests.server.helpers import tcp_server
from tuiftune.server import ManualClock, ServerOptions, create_app
from tuiftune.server.sandbox import SANDBOX_BASE_URL, sandbox_http_client
from tuiftune.service.services import Services
from tuiftune.service.watch import PollPolicy
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.jobs.screen import JobsScreen

MODEL = "gpt-4o-mini-2024-07-18"
FAST = PollPolicy(settle=0.5)


class StepSleep:
    """The watcher's sleep: moves the manual clock, and may be held back by a test."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.running = asyncio.Event()
        self.running.set()
        self.hold_when: Callable[[], bool] = lambda: False
        """Checked before each step: when true, the clock stops until ``running`` is set."""

    async def __call__(self, seconds: float) -> None:
        if self.hold_when():
            self.hold_when = lambda: False
            self.running.clear()
        await self.running.wait()
        self.clock.advance(seconds)
        await asyncio.sleep(0.005)


@dataclass
class Sandbox:
    """The server, a factory for clients to it, and its clock."""

    clock: ManualClock
    factory: Callable[[], openai.AsyncOpenAI]

    def client(self) -> openai.AsyncOpenAI:
        """A setup client with patient retries."""
        return self.factory()


def in_process(clock: ManualClock | None = None, **options: Any) -> Sandbox:
    """A private in-memory sandbox; every client built from it sees the same state."""
    clock = clock or ManualClock()
    server = create_app(ServerOptions(clock=clock, step_seconds=1.0, seed=5, **options))

    def factory() -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            api_key="sandbox", base_url=SANDBOX_BASE_URL, http_client=sandbox_http_client(server)
        )

    return Sandbox(clock, factory)


def make_app(
    factory: Callable[[], openai.AsyncOpenAI], clock: ManualClock, sleep: StepSleep, **kw: Any
) -> TuiftuneApp:
    """The app on the sandbox; its Jobs screen uses the manual clock and the stepping sleep."""
    app = TuiftuneApp(Services(backend_label="SANDBOX", jobs_client_factory=factory))
    kw.setdefault("list_interval", 0.05)
    kw.setdefault("policy", FAST)
    # The public way to swap a mode's screen before the app runs.
    app.remove_mode("jobs")
    app.add_mode("jobs", lambda: JobsScreen(clock=clock, sleep=sleep, **kw))
    return app


async def wait_for(
    pilot: Pilot[None], cond: Callable[[], bool], what: str, limit: float = 10
) -> None:
    """Let the app run until ``cond()`` holds (fails after ``limit`` seconds of real time)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.01)


async def open_jobs(pilot: Pilot[None]) -> JobsScreen:
    """Switch to the Jobs mode and return its screen."""
    await pilot.press("f3")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, JobsScreen), "the Jobs screen")
    screen = pilot.app.screen
    assert isinstance(screen, JobsScreen)
    return screen


async def start_job(sandbox: Sandbox, data: bytes, **kwargs: Any) -> str:
    """Upload ``data`` and create a job directly (set-up, not under test)."""
    client = sandbox.client()
    try:
        file = await client.files.create(file=("t.jsonl", data), purpose="fine-tune")
        kwargs.setdefault("model", MODEL)
        job = await client.fine_tuning.jobs.create(training_file=file.id, **kwargs)
        return job.id
    finally:
        await client.close()


def serve(app: Any, port: int = 0) -> Iterator[str]:
    """``tests.server.helpers.tcp_server``: a test restarts the server on the same port."""
    return tcp_server(app, port)
