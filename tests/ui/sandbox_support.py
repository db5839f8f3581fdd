"""A sandbox server shared by the playground and eval screen tests: trained fast, frozen clock."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openai
import pytest
from textual.pilot import Pilot

from tests.conftest import SAMPLES
from tuiftune.server import ManualClock, ServerOptions
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.eval.screen import EvalScreen
from tuiftune.ui.screens.modals import AskScreen
from tuiftune.wiring import build_sandbox_client

BASE = "gpt-4o-mini-2024-07-18"


@dataclass
class Sandbox:
    """Server options (state on disk, manual clock) and the fine-tuned model's name."""

    options: ServerOptions
    tuned: str

    def client(self) -> openai.AsyncOpenAI:
        """A fresh client on the same server state (the app closes the clients it asks for)."""
        return build_sandbox_client(self.options)

    def app(self, path: Path | None = None) -> TuiftuneApp:
        """The app wired to this sandbox for both jobs and inference."""
        services = Services(
            "SANDBOX", jobs_client_factory=self.client, inference_client_factory=self.client
        )
        return TuiftuneApp(services, path)


def freeze_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Object ids from a counter, so model names (and snapshots) are the same every run."""
    counter = itertools.count()

    def new_id(prefix: str, length: int = 24) -> str:
        return prefix + f"{next(counter):0{length}d}"

    import tuiftune.server.jobs as jobs

    monkeypatch.setattr(jobs, "new_id", new_id)


async def make_sandbox(tmp_path: Path) -> Sandbox:
    """Fine-tune the ticket-triage model (instantly: the clock jumps) and return the sandbox."""
    clock = ManualClock()
    options = ServerOptions(state_dir=tmp_path / "sandbox", clock=clock, step_seconds=1.0, seed=7)
    async with build_sandbox_client(options) as client:
        file = await client.files.create(
            file=SAMPLES / "ticket-triage-chat.jsonl", purpose="fine-tune"
        )
        job = await client.fine_tuning.jobs.create(training_file=file.id, model=BASE)
        clock.advance(1_000_000)
        job = await client.fine_tuning.jobs.retrieve(job.id)
    assert job.status == "succeeded" and job.fine_tuned_model
    return Sandbox(options, job.fine_tuned_model)


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Wait for a condition, processing messages; fail after a generous bound."""
    for _ in range(1000):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def settled(pilot: Pilot[None], rounds: int = 3) -> None:
    """Wait until the screen draws the same for ``rounds`` pauses in a row (a column sized, a
    scrollbar shown, a message handled: each can land a frame late under load); bounded."""
    last, same = "", 0
    for _ in range(500):
        await pilot.pause(0.02)
        shot = pilot.app.export_screenshot()
        same = same + 1 if shot == last else 0
        if same >= rounds:
            return
        last = shot
    raise AssertionError("timed out waiting for the screen to settle")


async def run_to_the_end(pilot: Pilot[None], screen: EvalScreen) -> None:
    """Run the Eval screen's models (r, the default results file) and wait for the summary."""
    await pilot.press("r")
    await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen), "the results path")
    await pilot.press("enter")
    await until(pilot, lambda: not screen.running and screen.summary is not None, "the run")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
