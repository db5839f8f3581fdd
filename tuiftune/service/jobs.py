"""Fine-tuning jobs: checked creation requests, listing, actions, checkpoints and result metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator

from tuiftune.service.errors import ServiceError
from tuiftune.service.metrics import parse_result_csv
from tuiftune.service.providers.base import JobsProvider
from tuiftune.service.types import (
    Checkpoint,
    Hyperparameters,
    Job,
    JobEvent,
    JobSpec,
    MetricPoint,
    Page,
)

__all__ = [
    "MAX_SEED",
    "TERMINAL_STATUSES",
    "Hyperparameters",
    "InvalidJobRequestError",
    "JobRequest",
    "JobSpec",
    "JobsService",
    "check_job_request",
    "failure_message",
    "is_terminal",
]
TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})
MAX_SEED = 2_147_483_647


class InvalidJobRequestError(ServiceError):
    """The job request breaks a documented limit; nothing was sent. ``problems`` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Invalid fine-tuning request: " + "; ".join(problems))


JobRequest = JobSpec
"""The neutral job spec (the older name, kept for call sites)."""


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
    from tuiftune.service.lora import LoraOptions, check_lora

    problems.extend(check_lora(req.extra(LoraOptions)))
    return problems


def is_terminal(status: str | None) -> bool:
    """True for succeeded, failed and cancelled; unknown statuses (e.g. paused) are not terminal."""
    return status in TERMINAL_STATUSES


def failure_message(job: Job) -> str | None:
    """Why a failed job failed (dataset validation errors surface here), or None."""
    error = job.error
    code = error.code if error is not None else None
    message = error.message if error is not None else None
    param = error.param if error is not None else None
    if job.status != "failed" and not (code or message):
        return None
    if not (code or message):
        return "The job failed without saying why."
    where = f" (parameter {param})" if param else ""
    prefix = f"{code}: " if code else ""
    return f"{prefix}{message or ''}{where}".strip()


class JobsService:
    """Job operations over any provider's ``JobsProvider``; raises ``ServiceError``s only."""

    def __init__(self, backend: JobsProvider) -> None:
        self.backend = backend

    async def create(self, req: JobSpec) -> Job:
        """Check the request's ranges, then create the job."""
        problems = check_job_request(req)
        if problems:
            raise InvalidJobRequestError(problems)
        return await self.backend.create(req)

    async def list_page(
        self, *, after: str | None = None, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> Page[Job]:
        """One page of jobs, newest first."""
        return await self.backend.list(after=after, limit=limit, metadata=metadata)

    async def iter_jobs(
        self, *, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> AsyncIterator[Job]:
        """Every job, page by page."""
        after: str | None = None
        while True:
            page = await self.list_page(after=after, limit=limit, metadata=metadata)
            for job in page.data:
                yield job
            after = page.next_after
            if after is None:
                return

    async def retrieve(self, job_id: str) -> Job:
        """One job."""
        return await self.backend.retrieve(job_id)

    async def cancel(self, job_id: str) -> Job:
        """Cancel a job."""
        return await self.backend.cancel(job_id)

    async def pause(self, job_id: str) -> Job:
        """Pause a running job (status becomes ``paused``)."""
        return await self.backend.pause(job_id)

    async def resume(self, job_id: str) -> Job:
        """Resume a paused job."""
        return await self.backend.resume(job_id)

    async def events_page(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> Page[JobEvent]:
        """One page of events, newest first."""
        return await self.backend.list_events(job_id, after=after, limit=limit)

    async def checkpoints(self, job_id: str) -> list[Checkpoint]:
        """All of a job's checkpoints (the API keeps the last 3)."""
        out: list[Checkpoint] = []
        after: str | None = None
        while True:
            page = await self.backend.list_checkpoints(job_id, after=after, limit=10)
            out.extend(page.data)
            after = page.next_after
            if after is None:
                return out

    async def file_content(self, file_id: str) -> bytes:
        """Bytes of a file the job names (its result or training file)."""
        return await self.backend.file_content(file_id)

    async def result_metrics(self, job: Job | str) -> list[MetricPoint]:
        """Metric rows of the job's result file (empty when the job has none yet)."""
        if isinstance(job, str):
            job = await self.retrieve(job)
        if not job.result_files:
            return []
        return parse_result_csv(await self.backend.file_content(job.result_files[0]))
