"""Fine-tuning jobs: creation, reads through the trainer, controls and the job object."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from tuiftune.server.catalog import BaseModel, base_of
from tuiftune.server.clock import Clock
from tuiftune.server.errors import APIError, invalid, not_found
from tuiftune.server.ids import new_id, stable_int
from tuiftune.server.job_request import MAX_SEED, JobRequest
from tuiftune.server.records import FileRecord, JobRecord
from tuiftune.server.results import FILENAME, results_file_content
from tuiftune.server.store import Store
from tuiftune.server.trainers.base import TERMINAL, Trainer, TrainingFile
from tuiftune.server.trainers.progress import JobProgress


@dataclass(frozen=True)
class JobView:
    """A job together with its state at the moment it was read."""

    job: JobRecord
    progress: JobProgress


class JobService:
    """Owns the job records; every read asks the trainer for the job's progress now."""

    def __init__(self, store: Store, trainer: Trainer, clock: Clock, org: str, seed: int) -> None:
        self.store = store
        self.trainer = trainer
        self.clock = clock
        self.org = org
        self.seed = seed
        self._locks: dict[str, asyncio.Lock] = {}

    async def create(self, request: JobRequest) -> JobView:
        """Check the model and files, validate the files, and store the new job."""
        base, parent = self._base_model(request.model, request.method)
        training = await self._training_file(request.training_file, "training_file")
        validation = None
        if request.validation_file:
            validation = await self._training_file(request.validation_file, "validation_file")
        job_id = new_id("ftjob-")
        seed = request.seed
        if seed is None:
            seed = stable_int(self.seed, job_id, bound=MAX_SEED + 1)
        job = JobRecord(
            id=job_id,
            created_at=self.clock(),
            model=parent or base.id,
            training_file=request.training_file,
            validation_file=request.validation_file,
            suffix=request.suffix,
            seed=seed,
            method=request.method,
            hyperparameters=dict(request.hyperparameters),
            metadata=request.metadata,
            integrations=request.integrations,
            parent_model=parent,
            seq=self.store.next_seq(),
        )
        # Validation runs now, but its outcome is only revealed once the clock says the
        # validating phase is over, like the real service's asynchronous check.
        job.plan = await self.trainer.plan(job, training, validation)
        self.store.save_job(job)
        await self.trainer.start(job)
        self.store.save_job(job)
        return await self.view(job.id)

    def _base_model(self, name: str, method: str) -> tuple[BaseModel, str | None]:
        parent: str | None = None
        base = self.trainer.base_model(name)
        if base is None and name.startswith("ft:") and self.find_fine_tuned(name) is not None:
            base, parent = self.trainer.base_model(base_of(name)), name
        if base is None:
            raise invalid(
                f"Model {name} is not available for fine-tuning or does not exist.",
                param="model",
                code="model_not_available",
            )
        if method == "reinforcement":
            raise invalid(
                f"Reinforcement fine-tuning is not supported for {base.id}; "
                "it needs a reasoning model such as o4-mini.",
                param="model",
                code="model_not_available",
            )
        if method == "dpo" and not base.dpo:
            raise invalid(
                f"DPO fine-tuning is not supported for {base.id}.",
                param="model",
                code="model_not_available",
            )
        return base, parent

    async def _training_file(self, file_id: str, param: str) -> TrainingFile:
        record = self.store.files.get(file_id)
        if record is None:
            raise invalid(f"invalid {param}: {file_id} (no such file)", param=param)
        if record.purpose != "fine-tune":
            raise invalid(
                f"File {file_id} has purpose '{record.purpose}', but fine-tuning needs files "
                "uploaded with purpose 'fine-tune'.",
                param=param,
            )
        return TrainingFile(file_id, record.filename, await self.store.file_bytes(file_id))

    async def view(self, job_id: str) -> JobView:
        """The job at the current time; creates its results file the first time it succeeds."""
        job = self.store.jobs.get(job_id)
        if job is None:
            raise not_found(
                f"Fine-tuning job {job_id} not found.",
                param="fine_tuning_job_id",
                code="fine_tune_not_found",
            )
        progress = self.trainer.progress(job, self.clock())
        if progress.status == "succeeded" and job.result_file is None:
            await self._write_results(job, progress)
        return JobView(job, progress)

    async def _write_results(self, job: JobRecord, progress: JobProgress) -> None:
        lock = self._locks.setdefault(job.id, asyncio.Lock())
        async with lock:
            if job.result_file is not None:
                return
            metrics = await asyncio.to_thread(self.trainer.result_metrics, job)
            content = await asyncio.to_thread(results_file_content, metrics)
            record = FileRecord(
                id=new_id("file-", 22),
                bytes=len(content),
                created_at=progress.finished_at or int(self.clock()),
                filename=FILENAME,
                purpose="fine-tune-results",
                seq=self.store.next_seq(),
            )
            await self.store.add_file(record, content)
            for name, extra in await asyncio.to_thread(self.trainer.extra_results, job):
                more = FileRecord(
                    id=new_id("file-", 22),
                    bytes=len(extra),
                    created_at=record.created_at,
                    filename=name,
                    purpose="fine-tune-results",
                    seq=self.store.next_seq(),
                )
                await self.store.add_file(more, extra)
                job.extra_result_files.append(more.id)
            job.result_file = record.id
            self.store.save_job(job)

    async def views(self) -> list[JobView]:
        """Every job, oldest first."""
        return [await self.view(job_id) for job_id in list(self.store.jobs)]

    async def control(self, job_id: str, action: str) -> JobView:
        """Cancel, pause or resume a job, if its current status allows it: the trainer acts."""
        current = await self.view(job_id)
        status = current.progress.status
        allowed = {
            "cancel": status not in TERMINAL,
            "pause": status == "running",
            "resume": status == "paused",
        }[action]
        if not allowed:
            raise APIError(
                400,
                f"Cannot {action} job {job_id}: its status is {status}.",
                param="fine_tuning_job_id",
            )
        hook = {
            "cancel": self.trainer.cancel,
            "pause": self.trainer.pause,
            "resume": self.trainer.resume,
        }[action]
        await hook(current.job)
        self.store.save_job(current.job)
        return await self.view(job_id)

    def find_fine_tuned(self, name: str) -> JobView | None:
        """The job behind a fine-tuned model or checkpoint, unless the model was deleted."""
        if name in self.store.deleted_models:
            return None
        now = self.clock()
        for job in self.store.jobs.values():
            progress = self.trainer.progress(job, now)
            if progress.fine_tuned_model == name or any(
                c.model == name for c in progress.checkpoints
            ):
                return JobView(job, progress)
        return None

    def find_model(self, name: str) -> tuple[JobRecord, JobProgress] | None:
        """``find_fine_tuned`` as the pair a trainer's responder takes."""
        view = self.find_fine_tuned(name)
        return None if view is None else (view.job, view.progress)

    def render(self, view: JobView) -> dict[str, Any]:
        """The ``FineTuningJob`` object."""
        job, progress = view.job, view.progress
        hyper: dict[str, Any] = dict(job.hyperparameters)
        plan = job.plan
        if progress.hyperparameters_resolved and plan is not None:
            hyper = {
                "n_epochs": plan.n_epochs,
                "batch_size": plan.batch_size,
                "learning_rate_multiplier": plan.learning_rate_multiplier,
            }
            if job.method == "dpo":
                hyper["beta"] = plan.beta
            hyper.update(progress.hyperparameter_extras)
        return {
            "object": "fine_tuning.job",
            "id": job.id,
            "model": job.model,
            "created_at": int(job.created_at),
            "finished_at": progress.finished_at,
            "fine_tuned_model": progress.fine_tuned_model,
            "organization_id": f"org-{self.org}",
            "result_files": [job.result_file, *job.extra_result_files] if job.result_file else [],
            "status": progress.status,
            "validation_file": job.validation_file,
            "training_file": job.training_file,
            # The top-level field is deprecated and only filled for supervised jobs.
            "hyperparameters": hyper if job.method == "supervised" else None,
            "trained_tokens": progress.trained_tokens,
            "error": progress.error.to_api() if progress.error else None,
            "user_provided_suffix": job.suffix,
            "seed": job.seed,
            "estimated_finish": progress.estimated_finish,
            "integrations": job.integrations or [],
            "metadata": job.metadata,
            "method": {"type": job.method, job.method: {"hyperparameters": hyper}},
        }
