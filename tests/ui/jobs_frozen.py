"""Frozen jobs data for snapshots: a fixed backend (no server, no randomness) and a fixed clock."""

from __future__ import annotations

import asyncio
from typing import Any

from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint

from tuiftune.service.providers.base import JobsProvider
from tuiftune.service.providers.openai_convert import (
    checkpoint_from_openai,
    event_from_openai,
    job_from_openai,
)
from tuiftune.service.types import Checkpoint, Job, JobEvent, JobSpec, Page

NOW = 1_750_003_600.0
T0 = 1_750_000_000


def _job(n: int, status: str, **extra: Any) -> Job:
    data: dict[str, Any] = {
        "id": f"ftjob-frozen{n:02d}",
        "object": "fine_tuning.job",
        "created_at": T0 + n * 600,
        "model": "gpt-4o-mini-2024-07-18",
        "organization_id": "org-sandbox",
        "status": status,
        "training_file": f"file-train{n:02d}",
        "validation_file": "file-valid01" if n == 3 else None,
        "result_files": [],
        "seed": 42 + n,
        "hyperparameters": {"n_epochs": 3, "batch_size": 1, "learning_rate_multiplier": 2.0},
        "method": {
            "type": "supervised",
            "supervised": {
                "hyperparameters": {"n_epochs": 3, "batch_size": 1, "learning_rate_multiplier": 2}
            },
        },
        "metadata": {"team": "support"},
        "error": None,
        "fine_tuned_model": None,
        "finished_at": None,
        "trained_tokens": None,
        "estimated_finish": None,
    }
    data.update(extra)
    # Built as the SDK builds responses (no validation), so ``paused`` passes as it does live;
    # then through the OpenAI provider's edge, as a live job comes.
    return job_from_openai(FineTuningJob.construct(**data))


RUNNING_STEPS = 24
TOTAL_STEPS = 36


def _metrics(step: int) -> dict[str, Any]:
    # train loss falls throughout; valid loss turns up after the first epoch (overfitting)
    train = 1.6 / (1 + step * 0.15)
    valid = 0.9 - step * 0.02 if step <= 12 else 0.66 + (step - 12) * 0.03
    data: dict[str, Any] = {
        "step": step,
        "total_steps": TOTAL_STEPS,
        "train_loss": round(train + (0.05 if step % 3 == 0 else 0), 4),
        "train_mean_token_accuracy": round(0.5 + step / 80, 3),
        "valid_loss": round(valid, 4),
    }
    if step in (12, 24):
        data["full_valid_loss"] = round(valid - 0.02, 4)
    return data


def _events(job_id: str) -> list[JobEvent]:
    base = T0 + 3 * 600
    rows: list[dict[str, Any]] = [
        {"level": "info", "message": "Validating training file: file-train03", "type": "message"},
        {"level": "info", "message": "Files validated, moving job to queued state"},
        {"level": "info", "message": "Fine-tuning job started"},
        {"level": "warn", "message": "[bold]markup[/bold] stays literal in the log"},
    ]
    for step in range(1, RUNNING_STEPS + 1):
        rows.append(
            {
                "level": "info",
                "message": f"Step {step}/{TOTAL_STEPS}",
                "type": "metrics",
                "data": _metrics(step),
            }
        )
        if step == 12:
            rows.append({"level": "info", "message": "Checkpoint created at step 12"})
    events = []
    for i, row in enumerate(rows):
        row.setdefault("type", "message")
        row.setdefault("data", None)
        sdk = FineTuningJobEvent.model_validate(
            {
                "id": f"ftevent-{i:04d}",
                "object": "fine_tuning.job.event",
                "created_at": base + 60 + i * 20,
                **row,
            }
        )
        events.append(event_from_openai(sdk))
    return events[::-1]  # the API lists newest first


JOBS = [
    _job(
        1,
        "succeeded",
        fine_tuned_model="ft:gpt-4o-mini-2024-07-18:sandbox:triage:AbCd1234",
        finished_at=T0 + 1500,
        trained_tokens=123_456,
        result_files=["file-result01"],
    ),
    _job(
        2,
        "failed",
        finished_at=T0 + 1300,
        error={
            "code": "invalid_training_file",
            "message": "line 4: missing messages",
            "param": "training_file",
        },
    ),
    _job(3, "running", user_provided_suffix="vault"),
    _job(4, "paused"),
]

CKPT_MODEL = "ft:gpt-4o-mini-2024-07-18:sandbox:vault:Ck12:ckpt-step-12"
CHECKPOINT: Checkpoint = checkpoint_from_openai(
    FineTuningJobCheckpoint.model_validate(
        {
            "id": "ftckpt-frozen12",
            "object": "fine_tuning.job.checkpoint",
            "created_at": T0 + 2400,
            "fine_tuned_model_checkpoint": CKPT_MODEL,
            "fine_tuning_job_id": "ftjob-frozen03",
            "step_number": 12,
            "metrics": {
                "step": 12,
                "train_loss": 0.57,
                "valid_loss": 0.66,
                "full_valid_loss": 0.64,
                "train_mean_token_accuracy": 0.65,
            },
        }
    )
)


class FrozenBackend(JobsProvider):
    """A ``JobsProvider`` over the data above; it never changes."""

    async def create(self, spec: JobSpec) -> Job:
        raise NotImplementedError

    async def list(
        self, *, after: str | None = None, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> Page[Job]:
        return Page(list(JOBS), False)

    async def retrieve(self, job_id: str) -> Job:
        return next(j for j in JOBS if j.id == job_id)

    async def cancel(self, job_id: str) -> Job:
        raise NotImplementedError

    pause = resume = cancel

    async def list_events(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> Page[JobEvent]:
        events = _events(job_id) if job_id == "ftjob-frozen03" else []
        if after is not None:
            events = events[[e.id for e in events].index(after) + 1 :]
        return Page(events[:limit], len(events) > limit)

    async def list_checkpoints(
        self, job_id: str, *, after: str | None = None, limit: int = 10
    ) -> Page[Checkpoint]:
        return Page([CHECKPOINT] if job_id == "ftjob-frozen03" and after is None else [], False)

    async def file_content(self, file_id: str) -> bytes:
        return b""


async def never(seconds: float) -> None:
    """A sleep that does not end: the watcher shows its first poll and then waits."""
    await asyncio.Event().wait()
