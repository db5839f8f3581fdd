"""A local job paused before commit 0980383 (hyperparameters.gradient_checkpointing): its job
store and its saved state lack the key. After the server is upgraded (stopped, started again)
the job resumes and finishes, as a job paused today does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import torch

from .helpers import chat_rows, eventually, method, upload
from .real import serving

TIMEOUT = 120
HYPER = method(n_epochs=10, batch_size=2, learning_rate_multiplier=10)  # 60 steps


def _client(url: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key="local", base_url=url, max_retries=0, timeout=60)


async def _messages(client: openai.AsyncOpenAI, job_id: str) -> list[str]:
    page = await client.fine_tuning.jobs.list_events(job_id, limit=10_000)
    return [e.message for e in page.data]


async def _stored(state_dir: Path, job_id: str) -> dict[str, Any]:
    record = state_dir / "jobs" / f"{job_id}.json"
    trainer_state: dict[str, Any] = json.loads(record.read_text())["trainer_state"]
    return trainer_state


def _old_shape(state_dir: Path, job_id: str) -> Path:
    """Drop gradient_checkpointing from the stored job and from its saved state; the state."""
    record = state_dir / "jobs" / f"{job_id}.json"
    job: dict[str, Any] = json.loads(record.read_text())
    trainer_state = job["trainer_state"]
    trainer_state["resolved"].pop("gradient_checkpointing", None)
    record.write_text(json.dumps(job))
    state = Path(trainer_state["resume_from"])
    payload = torch.load(state / "state.pt", weights_only=False)
    del payload["resolved"]["gradient_checkpointing"]
    torch.save(payload, state / "state.pt")
    return state


async def test_a_job_paused_before_gradient_checkpointing_resumes(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    state_dir = tmp_path / "state"
    with serving(tiny_model_dir, state_dir) as served:
        async with _client(served.url) as client:
            file_id = await upload(client, chat_rows(12))
            job = await client.fine_tuning.jobs.create(
                training_file=file_id, model=tiny_model_dir.name, method=HYPER, seed=3
            )
            await eventually(
                lambda: _messages(client, job.id),
                lambda ms: any(m.startswith("Step 1/") for m in ms),
                TIMEOUT,
            )
            await client.fine_tuning.jobs.pause(job.id)
            await eventually(
                lambda: _messages(client, job.id),
                lambda ms: any("paused at step" in m for m in ms),
                TIMEOUT,
            )
            # The engine has exited and the server has stored where its state is.
            await eventually(lambda: _stored(state_dir, job.id), lambda st: "resume_from" in st)
    state = _old_shape(state_dir, job.id)  # the server is stopped: as the old one left it

    with serving(tiny_model_dir, state_dir) as served:
        async with _client(served.url) as client:
            paused = await client.fine_tuning.jobs.retrieve(job.id)
            assert paused.status == "paused"  # type: ignore[comparison-overlap]
            await client.fine_tuning.jobs.resume(job.id)
            done = await eventually(
                lambda: client.fine_tuning.jobs.retrieve(job.id),
                lambda j: j.status in ("succeeded", "failed", "cancelled"),
                TIMEOUT,
            )
            assert done.status == "succeeded", done.error
            said = await _messages(client, job.id)
    assert any(m == f"Fine-tuning job started again from {state}" for m in said), said
