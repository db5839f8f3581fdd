"""Fine-tuning jobs: checked creation requests, listing, actions, checkpoints and result metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint

from tuiftune.service.backends import JobsBackend, Page
from tuiftune.service.errors import ServiceError, translated
from tuiftune.service.metrics import MetricPoint, parse_result_csv

Auto = Literal["auto"]
TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})
MAX_SEED = 2_147_483_647


class InvalidJobRequestError(ServiceError):
    """The job request breaks a documented limit; nothing was sent. ``problems`` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Invalid fine-tuning request: " + "; ".join(problems))


@dataclass(frozen=True)
class Hyperparameters:
    """Method hyperparameters; None means "leave it to the server" (``auto``)."""

    n_epochs: int | Auto | None = None
    batch_size: int | Auto | None = None
    learning_rate_multiplier: float | Auto | None = None
    beta: float | Auto | None = None
    """DPO only."""


@dataclass(frozen=True)
class JobRequest:
    """Everything needed to create a fine-tuning job."""

    model: str
    training_file: str
    method: Literal["supervised", "dpo"] = "supervised"
    hyperparameters: Hyperparameters = field(default_factory=Hyperparameters)
    validation_file: str | None = None
    suffix: str | None = None
    seed: int | None = None
    metadata: dict[str, str] | None = None
    integrations: list[dict[str, Any]] | None = None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_int(name: str, value: object, low: int, high: int, problems: list[str]) -> None:
    if value is None or value == "auto":
        return
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        problems.append(f"{name} must be 'auto' or an integer from {low} to {high} (got {value!r})")


def check_job_request(req: JobRequest) -> list[str]:
    """Every range problem in the request (empty when it may be sent)."""
    problems: list[str] = []
    hp = req.hyperparameters
    if not req.model:
        problems.append("model is required")
    if not req.training_file:
        problems.append("training_file is required")
    if req.method not in ("supervised", "dpo"):
        problems.append(f"method must be 'supervised' or 'dpo' (got {req.method!r})")
    _check_int("n_epochs", hp.n_epochs, 1, 50, problems)
    _check_int("batch_size", hp.batch_size, 1, 256, problems)
    lr = hp.learning_rate_multiplier
    if lr is not None and lr != "auto" and not (_is_number(lr) and float(lr) > 0):
        problems.append(f"learning_rate_multiplier must be 'auto' or > 0 (got {lr!r})")
    if hp.beta is not None:
        if req.method != "dpo":
            problems.append("beta applies only to the dpo method")
        elif hp.beta != "auto" and not (_is_number(hp.beta) and 0 < float(hp.beta) <= 2):
            problems.append(f"beta must be 'auto' or in (0, 2] (got {hp.beta!r})")
    if req.suffix is not None and not 1 <= len(req.suffix) <= 64:
        problems.append(f"suffix must be 1 to 64 characters (got {len(req.suffix)})")
    _check_int("seed", req.seed, 0, MAX_SEED, problems)
    if req.metadata is not None:
        if len(req.metadata) > 16:
            problems.append(f"metadata may have at most 16 pairs (got {len(req.metadata)})")
        for key, value in req.metadata.items():
            if not isinstance(key, str) or not 1 <= len(key) <= 64:
                problems.append(f"metadata key {key!r} must be 1 to 64 characters")
            if not isinstance(value, str) or len(value) > 512:
                problems.append(f"metadata value for {key!r} must be a string of <= 512 chars")
    for integration in req.integrations or []:
        if integration.get("type") == "wandb" and not (integration.get("wandb") or {}).get(
            "project"
        ):
            problems.append("a wandb integration needs wandb.project")
    return problems


def build_create_body(req: JobRequest) -> dict[str, Any]:
    """The JSON body of ``POST /fine_tuning/jobs``; raises ``InvalidJobRequestError`` first."""
    problems = check_job_request(req)
    if problems:
        raise InvalidJobRequestError(problems)
    hp = req.hyperparameters
    params: dict[str, Any] = {
        "n_epochs": hp.n_epochs,
        "batch_size": hp.batch_size,
        "learning_rate_multiplier": hp.learning_rate_multiplier,
    }
    if req.method == "dpo":
        params["beta"] = hp.beta
    params = {k: v for k, v in params.items() if v is not None}
    body: dict[str, Any] = {
        "model": req.model,
        "training_file": req.training_file,
        "method": {"type": req.method, req.method: {"hyperparameters": params}},
    }
    optional = {
        "validation_file": req.validation_file,
        "suffix": req.suffix,
        "seed": req.seed,
        "metadata": req.metadata,
        "integrations": req.integrations,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    return body


def is_terminal(status: str | None) -> bool:
    """True for succeeded, failed and cancelled; unknown statuses (e.g. paused) are not terminal."""
    return status in TERMINAL_STATUSES


def failure_message(job: FineTuningJob) -> str | None:
    """Why a failed job failed (dataset validation errors surface here), or None."""
    error = job.error
    # Some servers send ``"error": {}`` on healthy jobs: read fields defensively.
    code = getattr(error, "code", None) if error is not None else None
    message = getattr(error, "message", None) if error is not None else None
    param = getattr(error, "param", None) if error is not None else None
    if job.status != "failed" and not (code or message):
        return None
    if not (code or message):
        return "The job failed without saying why."
    where = f" (parameter {param})" if param else ""
    prefix = f"{code}: " if code else ""
    return f"{prefix}{message or ''}{where}".strip()


class JobsService:
    """Job operations over a ``JobsBackend``, raising ``ServiceError``s."""

    def __init__(self, backend: JobsBackend) -> None:
        self.backend = backend

    async def create(self, req: JobRequest) -> FineTuningJob:
        """Check the request's ranges, then create the job."""
        body = build_create_body(req)
        async with translated(fine_tuning=True):
            return await self.backend.create(body)

    async def list_page(
        self, *, after: str | None = None, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> Page[FineTuningJob]:
        """One page of jobs, newest first."""
        async with translated():
            return await self.backend.list(after=after, limit=limit, metadata=metadata)

    async def iter_jobs(
        self, *, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> AsyncIterator[FineTuningJob]:
        """Every job, page by page."""
        after: str | None = None
        while True:
            page = await self.list_page(after=after, limit=limit, metadata=metadata)
            for job in page.data:
                yield job
            after = page.next_after
            if after is None:
                return

    async def retrieve(self, job_id: str) -> FineTuningJob:
        """One job."""
        async with translated():
            return await self.backend.retrieve(job_id)

    async def cancel(self, job_id: str) -> FineTuningJob:
        """Cancel a job."""
        async with translated(fine_tuning=True):
            return await self.backend.cancel(job_id)

    async def pause(self, job_id: str) -> FineTuningJob:
        """Pause a running job (status becomes ``paused``)."""
        async with translated(fine_tuning=True):
            return await self.backend.pause(job_id)

    async def resume(self, job_id: str) -> FineTuningJob:
        """Resume a paused job."""
        async with translated(fine_tuning=True):
            return await self.backend.resume(job_id)

    async def events_page(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> Page[FineTuningJobEvent]:
        """One page of events, newest first."""
        async with translated():
            return await self.backend.list_events(job_id, after=after, limit=limit)

    async def checkpoints(self, job_id: str) -> list[FineTuningJobCheckpoint]:
        """All of a job's checkpoints (the API keeps the last 3)."""
        out: list[FineTuningJobCheckpoint] = []
        after: str | None = None
        async with translated():
            while True:
                page = await self.backend.list_checkpoints(job_id, after=after, limit=10)
                out.extend(page.data)
                after = page.next_after
                if after is None:
                    return out

    async def result_metrics(self, job: FineTuningJob | str) -> list[MetricPoint]:
        """Metric rows of the job's result file (empty when the job has none yet)."""
        if isinstance(job, str):
            job = await self.retrieve(job)
        if not job.result_files:
            return []
        async with translated():
            content = await self.backend.file_content(job.result_files[0])
        return parse_result_csv(content)
