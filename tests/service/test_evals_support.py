"""Shared pieces of the eval runner tests (no tests here): sandboxes, training, virtual time."""

from __future__ import annotations

import asyncio
import heapq
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import openai

from tuiftune.server import ManualClock, ServerOptions, create_app
from tuiftune.server.sandbox import SANDBOX_BASE_URL, StreamingASGITransport

SAMPLES = Path(__file__).parents[2] / "sample_data"
BASE = "gpt-4o-mini-2024-07-18"
OTHER_BASE = "gpt-3.5-turbo-0125"


@dataclass
class Env:
    """An in-process sandbox, its clock, and a count of the completions it answered."""

    client: openai.AsyncOpenAI
    clock: ManualClock
    answered: list[str] = field(default_factory=list)

    async def train(self, path: Path, model: str = BASE) -> str:
        """Fine-tune on ``path`` and return the fine-tuned model's name."""
        file = await self.client.files.create(file=path, purpose="fine-tune")
        job = await self.client.fine_tuning.jobs.create(training_file=file.id, model=model)
        self.clock.advance(1_000_000)
        job = await self.client.fine_tuning.jobs.retrieve(job.id)
        assert job.status == "succeeded" and job.fine_tuned_model, job.error
        return job.fine_tuned_model


def make_env(**overrides: Any) -> Env:
    """A sandbox with a manual clock; keyword arguments become ``ServerOptions``."""
    clock = ManualClock()
    fields: dict[str, Any] = {"clock": clock, "step_seconds": 1.0, "seed": 7, **overrides}
    app = create_app(ServerOptions(**fields))
    answered: list[str] = []

    async def count(response: httpx2.Response) -> None:
        path = response.request.url.path
        if response.status_code == 200 and path.endswith("completions"):
            answered.append(path)

    http = httpx2.AsyncClient(
        transport=StreamingASGITransport(app),
        base_url="http://sandbox.invalid",
        event_hooks={"response": [count]},
    )
    client = openai.AsyncOpenAI(
        api_key="test", base_url=SANDBOX_BASE_URL, http_client=http, max_retries=0
    )
    return Env(client, clock, answered)


class JumpSleep:
    """A sleep that moves the manual clock to the sleeper's deadline (never past it twice)."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.calls = 0

    async def __call__(self, seconds: float) -> None:
        self.calls += 1
        target = self.clock() + max(0.0, seconds)
        if target > self.clock():
            self.clock.set(target)
        await asyncio.sleep(0)


class VirtualTime:
    """Simulated time for code under test: ``sleep`` waits until ``drive`` reaches its deadline.

    ``drive`` (run as a task) lets every ready task run, then wakes the earliest sleeper, so
    concurrent sleepers see time pass in order, as they would in real time.
    """

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (self.now + seconds, self._seq, future))
        self._seq += 1
        await future

    async def drive(self) -> None:
        while True:
            for _ in range(20):
                await asyncio.sleep(0)
            while self._heap and self._heap[0][2].cancelled():
                heapq.heappop(self._heap)
            if self._heap:
                when, _, future = heapq.heappop(self._heap)
                self.now = max(self.now, when)
                future.set_result(None)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def legacy_test_rows() -> list[dict[str, Any]]:
    """The chat test set as legacy prompt/completion rows (same format as the legacy sample)."""
    rows = []
    for line in (SAMPLES / "ticket-triage-test.jsonl").read_text().splitlines():
        messages = json.loads(line)["messages"]
        rows.append(
            {
                "prompt": f"Ticket: {messages[1]['content']}\n\n###\n\n",
                "completion": f" {messages[2]['content']}\n",
            }
        )
    return rows
