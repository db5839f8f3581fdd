"""The trainer seam: the simulated trainer driven only through its hooks, and the app's lifespan."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import httpx2
import openai
import pytest

from tuiftune.server import SANDBOX_BASE_URL, ManualClock, ServerOptions, create_app
from tuiftune.server.background import Background
from tuiftune.server.records import JobRecord
from tuiftune.server.sandbox import AppTransport
from tuiftune.server.store import Store
from tuiftune.server.trainers.base import TrainerHost, TrainingFile
from tuiftune.server.trainers.simulated import SimulatedTrainer

from .helpers import chat_rows, jsonl

pytestmark = pytest.mark.usefixtures("dataset_core")


def _host(clock: ManualClock, store: Store) -> TrainerHost:
    return TrainerHost(clock, store, Background(), lambda name: None)


def _steps(trainer: SimulatedTrainer, job: JobRecord, now: float) -> int:
    events = trainer.progress(job, now).events
    return sum(1 for i in range(len(events)) if events[i].type == "metrics")


async def test_the_simulated_trainer_obeys_its_hooks(clock: ManualClock) -> None:
    store = Store()
    trainer = SimulatedTrainer(step_seconds=1.0, org="acme", seed=1)
    trainer.attach(_host(clock, store))
    job = JobRecord(
        id="ftjob-hooks",
        created_at=clock(),
        model="gpt-4o-mini-2024-07-18",
        training_file="file-1",
        validation_file=None,
        suffix="hk",
        seed=5,
        method="supervised",
        hyperparameters={"n_epochs": 2, "batch_size": 1, "learning_rate_multiplier": "auto"},
    )
    job.plan = await trainer.plan(job, TrainingFile("file-1", "t.jsonl", jsonl(chat_rows())), None)
    assert job.plan.error is None and job.plan.total_steps == 24
    await trainer.start(job)

    clock.advance(10)
    assert trainer.progress(job, clock()).status == "running"
    running_steps = _steps(trainer, job, clock())
    assert running_steps == 7  # 3 s of validation and queueing, then a step a second

    await trainer.pause(job)
    clock.advance(50)
    assert trainer.progress(job, clock()).status == "paused"
    assert _steps(trainer, job, clock()) == running_steps

    # A restart: a new trainer on the record as it was saved picks up exactly where it was.
    saved = JobRecord.from_dict(job.to_dict())
    fresh = SimulatedTrainer(step_seconds=1.0, org="acme", seed=1)
    fresh.attach(_host(clock, store))
    await fresh.restore([saved])
    assert fresh.progress(saved, clock()).status == "paused"
    assert _steps(fresh, saved, clock()) == running_steps

    await fresh.resume(saved)
    clock.advance(5)
    assert fresh.progress(saved, clock()).status == "running"
    assert _steps(fresh, saved, clock()) == running_steps + 5

    await fresh.cancel(saved)
    clock.advance(100)
    done = fresh.progress(saved, clock())
    assert done.status == "cancelled" and done.fine_tuned_model is None
    assert _steps(fresh, saved, clock()) == running_steps + 5
    messages = [done.events[i].message for i in range(len(done.events))]
    assert [m for m in messages if m.startswith("Fine-tuning job ") and "started" not in m] == [
        "Fine-tuning job paused",
        "Fine-tuning job resumed",
        "Fine-tuning job cancelled",
    ]


async def test_a_job_saved_before_the_seam_keeps_its_controls(clock: ManualClock) -> None:
    old = {
        "id": "ftjob-old",
        "created_at": 100.0,
        "model": "gpt-4o-mini-2024-07-18",
        "training_file": "file-1",
        "validation_file": None,
        "suffix": None,
        "seed": 1,
        "method": "supervised",
        "hyperparameters": {},
        "plan": {"error": None, "examples": 12, "n_epochs": 3, "batch_size": 1, "total_steps": 36},
        "controls": [{"action": "pause", "at": 110.0}],
    }
    job = JobRecord.from_dict(old)
    assert job.trainer_state == {"controls": [["pause", 110.0]]}
    trainer = SimulatedTrainer(step_seconds=1.0, org="acme")
    trainer.attach(_host(clock, Store()))
    assert trainer.progress(job, 500.0).status == "paused"


class _Spy(SimulatedTrainer):
    """The simulated trainer, counting its lifespan hooks."""

    def __init__(self) -> None:
        super().__init__(step_seconds=1.0, org="sandbox")
        self.restored: list[list[str]] = []
        self.closed = 0

    async def restore(self, jobs: Sequence[JobRecord]) -> None:
        self.restored.append([j.id for j in jobs])

    async def close(self) -> None:
        self.closed += 1


def _client(transport: httpx2.AsyncBaseTransport) -> openai.AsyncOpenAI:
    http = httpx2.AsyncClient(transport=transport, base_url="http://sandbox.invalid")
    return openai.AsyncOpenAI(
        api_key="test", base_url=SANDBOX_BASE_URL, http_client=http, max_retries=0
    )


async def test_one_app_and_one_lifespan_serve_the_whole_client_life(
    clock: ManualClock, tmp_path: Path
) -> None:
    spy = _Spy()
    options = ServerOptions(clock=clock, state_dir=tmp_path, step_seconds=1.0)
    built: list[object] = []

    def build() -> object:
        app = create_app(options, trainer=spy)
        built.append(app)
        return app

    client = _client(AppTransport(build))  # type: ignore[arg-type]
    assert spy.restored == []  # nothing starts before the first request
    file = await client.files.create(file=("t.jsonl", jsonl(chat_rows())), purpose="fine-tune")
    job = await client.fine_tuning.jobs.create(training_file=file.id, model="gpt-4o-mini")
    for _ in range(3):
        await client.fine_tuning.jobs.retrieve(job.id)
    assert len(built) == 1 and spy.restored == [[]] and spy.closed == 0
    await client.close()
    assert spy.closed == 1


async def test_processes_sharing_a_state_folder_see_each_others_changes(
    clock: ManualClock, tmp_path: Path
) -> None:
    options = ServerOptions(clock=clock, state_dir=tmp_path, step_seconds=1.0, reload_state=True)
    first = _client(AppTransport(lambda: create_app(options)))
    second = _client(AppTransport(lambda: create_app(options)))
    try:
        file = await first.files.create(file=("t.jsonl", jsonl(chat_rows())), purpose="fine-tune")
        job = await first.fine_tuning.jobs.create(training_file=file.id, model="gpt-4o-mini")
        clock.advance(6)
        assert (await second.fine_tuning.jobs.retrieve(job.id)).status == "running"
        await second.fine_tuning.jobs.pause(job.id)
        assert (await first.fine_tuning.jobs.retrieve(job.id)).status == "paused"  # type: ignore[comparison-overlap]
        await first.fine_tuning.jobs.resume(job.id)
        await second.fine_tuning.jobs.cancel(job.id)
        seen = await first.fine_tuning.jobs.retrieve(job.id)
        assert seen.status == "cancelled"
        await first.files.delete(file.id)
        assert file.id not in [f.id async for f in await second.files.list()]
    finally:
        await first.close()
        await second.close()
