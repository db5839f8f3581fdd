"""The local trainer: the seam's hooks over engine subprocesses, one job per device at a time.

A job is ``queued`` until a device is free, ``running`` while its engine process lives,
``paused`` once the engine saved a state and exited, and ends ``succeeded``, ``failed`` or
``cancelled``. Everything a restarted server needs is in the job's trainer_state and its run
folder (config.json, progress.jsonl, events.jsonl, states and adapters).
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
from collections.abc import Collection, Sequence
from pathlib import Path

from tuiftune.server.catalog import BaseModel, base_of
from tuiftune.server.errors import invalid
from tuiftune.server.ids import stable_id
from tuiftune.server.records import JobRecord, TrainingPlan
from tuiftune.server.trainers.base import Responder, TrainerHost, TrainingFile
from tuiftune.server.trainers.local import runs
from tuiftune.server.trainers.local.journal import RunJournal
from tuiftune.server.trainers.local.models import base_model_info
from tuiftune.server.trainers.local.options import LocalOptions
from tuiftune.server.trainers.local.planning import plan_job
from tuiftune.server.trainers.local.process import EngineProcess
from tuiftune.server.trainers.local.runs import Names
from tuiftune.server.trainers.local.supervisor import Supervisor
from tuiftune.server.trainers.local_engine.hyperparams import EXTRA_KEYS
from tuiftune.server.trainers.progress import Checkpoint, JobProgress, StepMetrics

# local_engine.example_losses.FILENAME, named here: that module imports torch.
EXAMPLE_LOSSES = "example_losses.jsonl"


class LocalTrainer:
    """Trains for real: validates at POST, queues per device, supervises, restores."""

    def __init__(self, options: LocalOptions) -> None:
        self.options = options
        self.bases: dict[str, BaseModel] = {
            name: base_model_info(name, Path(folder))
            for name, folder in options.base_models.items()
        }
        self.journals: dict[str, RunJournal] = {}
        self.processes: dict[str, EngineProcess] = {}
        self._host: TrainerHost | None = None
        self._root: Path | None = None
        self._temporary = False
        self._responder: Responder | None = None
        self._queue_seq = itertools.count(1)
        self.supervisor = Supervisor(self)

    # -- wiring ----------------------------------------------------------------------------

    @property
    def host(self) -> TrainerHost:
        """The server's clock, store and background tasks."""
        if self._host is None:
            raise RuntimeError("the trainer is not attached to a server")
        return self._host

    def attach(self, host: TrainerHost) -> None:
        """Runs live under STATE_DIR/runs (or a temporary folder when state is in memory)."""
        self._host = host
        if host.state_dir is not None:
            self._root = host.state_dir / "runs"
        else:
            self._root = Path(tempfile.mkdtemp(prefix="tuiftune-runs-"))
            self._temporary = True  # nothing survives this server: removed in close()
        self._responder = self._make_responder(host)

    def _make_responder(self, host: TrainerHost) -> Responder:
        """In-process generation, or forwarding to vLLM when ``--inference-url`` is given."""
        if self.options.inference_url:
            from tuiftune.server.trainers.local.vllm import VLLMResponder

            return VLLMResponder(self, host, self.options.inference_url)
        from tuiftune.server.trainers.local.responder import GeneratorResponder

        return GeneratorResponder(self, host)

    def base_model(self, name: str) -> BaseModel | None:
        """A base model given with ``--base-model``, by its folder name."""
        return self.bases.get(name)

    def base_models(self) -> Sequence[BaseModel]:
        """The ``--base-model`` folders."""
        return list(self.bases.values())

    def hyperparameter_extras(self) -> Collection[str]:
        """LoRA rank, alpha, dropout and target modules, maximum length, eval interval."""
        return EXTRA_KEYS

    def responder(self) -> Responder:
        """Answers from the trained adapters (or forwards to vLLM)."""
        if self._responder is None:
            raise RuntimeError("the trainer is not attached to a server")
        return self._responder

    def journal(self, job: JobRecord) -> RunJournal:
        """The job's journal (an empty one for a job this process has not seen)."""
        journal = self.journals.get(job.id)
        if journal is None:
            folder = runs.run_dir(job) if "run_dir" in job.trainer_state else self._run_dir(job)
            journal = RunJournal(job.id, folder, Names.of(job).checkpoint)
            self.journals[job.id] = journal
        return journal

    def _run_dir(self, job: JobRecord) -> Path:
        assert self._root is not None
        return self._root / job.id

    def base_folder(self, job: JobRecord) -> Path:
        """The folder of the job's base model."""
        return Path(self.options.base_models[base_of(job.model)])

    # -- hooks -----------------------------------------------------------------------------

    async def plan(
        self, job: JobRecord, training: TrainingFile, validation: TrainingFile | None
    ) -> TrainingPlan:
        """Check hyperparameters (a 400) and files (a failed job); keep the files for the run."""
        st = runs.state(job)
        folder = self._run_dir(job)
        st["run_dir"] = str(folder)
        if job.parent_model:
            st["from_adapter"] = self._parent_adapter(job.parent_model)
        local = await plan_job(job, training, validation, self.base_folder(job))
        if local.plan.error is not None:
            error = local.plan.error
            st.update(phase=runs.FAILED, finished_at=int(self.host.clock()), error=error.to_api())
            return local.plan
        st["resolved"] = local.resolved
        await asyncio.to_thread(
            runs.write_inputs, folder, training.data, validation.data if validation else None
        )
        return local.plan

    def _parent_adapter(self, parent: str) -> str:
        found = self.host.find_model(parent)
        adapter = self.adapter_for(found[0], parent) if found else None
        if adapter is None:
            raise invalid(f"Model {parent} has no adapter to start from.", param="model")
        return adapter

    async def start(self, job: JobRecord) -> None:
        """Log the job's first events, then queue it (it starts at once if a device is free)."""
        journal = self.journal(job)
        now = self.host.clock()
        journal.note(now, f"Created fine-tuning job: {job.id}")
        journal.note(now, f"Validating training file: {job.training_file}")
        if job.validation_file:
            journal.note(now, f"Validating validation file: {job.validation_file}")
        error = runs.job_error(job)
        if error is not None:
            journal.note(now, f"The job failed due to an invalid file. {error.message}", "error")
        else:
            journal.note(now, "Files validated, moving job to queued state")
            self.enqueue(job)
            self.supervisor.pump()
            self._announce_position(job)
        await journal.flush()

    def enqueue(self, job: JobRecord) -> None:
        """Put the job at the end of the queue."""
        job.trainer_state.update(phase=runs.QUEUED, queued_seq=next(self._queue_seq))

    def _announce_position(self, job: JobRecord) -> None:
        if runs.phase(job) != runs.QUEUED:
            return
        queued = self.supervisor.queued()
        position = next((i for i, j in enumerate(queued, 1) if j.id == job.id), len(queued))
        self.journal(job).note(
            self.host.clock(),
            f"Job queued: position {position} of {len(queued)}, waiting for a free device",
        )

    async def cancel(self, job: JobRecord) -> None:
        """Stop for good: SIGTERM to the engine, SIGKILL to its group after the grace period."""
        now = self.host.clock()
        job.trainer_state.update(phase=runs.CANCELLED, finished_at=int(now))
        self.journal(job).note(now, "Fine-tuning job cancelled")
        process = self.processes.get(job.id)
        if process is not None:
            self.host.background.spawn(
                process.stop(self.options.cancel_grace_seconds), f"stop {job.id}"
            )
        await self.journal(job).flush()

    async def pause(self, job: JobRecord) -> None:
        """Ask the engine to save a state and exit after its current step."""
        job.trainer_state.update(phase=runs.PAUSED, pause_requested=True)
        await asyncio.to_thread(runs.request_pause, runs.run_dir(job), True)

    async def resume(self, job: JobRecord) -> None:
        """Queue the job again; its new engine process starts from the saved state."""
        st = job.trainer_state
        st["pause_requested"] = False
        await asyncio.to_thread(runs.request_pause, runs.run_dir(job), False)
        self.journal(job).note(self.host.clock(), "Fine-tuning job resumed")
        self.enqueue(job)
        self.supervisor.pump()
        self._announce_position(job)
        await self.journal(job).flush()

    async def restore(self, jobs: Sequence[JobRecord]) -> None:
        """Load every journal; resume or fail each job that was running when the server died."""
        ours = [job for job in jobs if "run_dir" in job.trainer_state]
        for job in sorted(ours, key=lambda j: j.trainer_state.get("queued_seq", 0)):
            folder = runs.run_dir(job)
            self.journals[job.id] = await asyncio.to_thread(
                RunJournal.load, job.id, folder, Names.of(job).checkpoint
            )
            seq = int(job.trainer_state.get("queued_seq", 0))
            self._queue_seq = itertools.count(max(seq + 1, next(self._queue_seq)))
            if runs.phase(job) in runs.UNFINISHED:
                await self.supervisor.recover(job)
        self.supervisor.pump()

    async def close(self) -> None:
        """Server stopping: ask running engines to save a state, then stop them; restore resumes.
        Without a state folder the runs (adapters, states) went to a temporary one: removed."""
        await self.supervisor.shutdown()
        if self._temporary and self._root is not None:
            await asyncio.to_thread(shutil.rmtree, self._root, True)

    # -- reading ---------------------------------------------------------------------------

    def progress(self, job: JobRecord, now: float) -> JobProgress:
        """The job as its trainer_state and journal say; no file is read here."""
        st = job.trainer_state
        status = runs.phase(job) or runs.FAILED
        journal = self.journal(job)
        estimated: int | None = None
        rate = journal.steps_per_second()
        if status == runs.RUNNING and rate and journal.total_steps:
            estimated = int(now + max(0, journal.total_steps - journal.last_step) / rate)
        checkpoints = [
            Checkpoint(
                stable_id("ftckpt_", job.id, saved.step),
                saved.created_at,
                job.id,
                saved.step,
                saved.model,
                saved.metrics,
            )
            for saved in sorted(journal.adapters.values(), key=lambda s: s.step)
        ]
        return JobProgress(
            status=status,
            events=journal,
            checkpoints=checkpoints,
            error=runs.job_error(job) if status == runs.FAILED else None,
            fine_tuned_model=st.get("fine_tuned_model") if status == runs.SUCCEEDED else None,
            finished_at=st.get("finished_at") if status not in runs.UNFINISHED else None,
            estimated_finish=estimated,
            trained_tokens=journal.trained_tokens,
            hyperparameters_resolved=job.plan is not None and job.plan.error is None,
            hyperparameter_extras={
                k: v for k, v in st.get("resolved", {}).items() if k in EXTRA_KEYS
            },
        )

    def result_metrics(self, job: JobRecord) -> Sequence[StepMetrics]:
        """Every step's metrics as the engine measured them (a resumed step counts once)."""
        journal = self.journal(job)
        return [journal.metrics[step] for step in sorted(journal.metrics)]

    def extra_results(self, job: JobRecord) -> Sequence[tuple[str, bytes]]:
        """The final model's loss on each training row (``example_losses.jsonl``), if written."""
        if "run_dir" not in job.trainer_state:
            return ()
        path = runs.run_dir(job) / EXAMPLE_LOSSES
        try:
            return ((EXAMPLE_LOSSES, path.read_bytes()),)
        except OSError:
            return ()

    def adapter_for(self, job: JobRecord, name: str) -> str | None:
        """The adapter folder behind a fine-tuned model or checkpoint name of ``job``."""
        st = job.trainer_state
        if name == st.get("fine_tuned_model") and runs.phase(job) == runs.SUCCEEDED:
            adapter = st.get("adapter")
            return str(adapter) if adapter else None
        for saved in self.journal(job).adapters.values():
            if saved.model == name:
                return saved.path
        return None
