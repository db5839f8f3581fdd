"""The simulated trainer: real validation, then a job whose progress is a function of time.

Its own state per job is the list of the user's controls with their moments; progress is
replayed from that, the job's seed and the clock, so ``restore`` has nothing to resume.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

from tuiftune.server.catalog import BASE_MODELS, BaseModel, base_of, fine_tuned_name, resolve_base
from tuiftune.server.hyperparameters import resolve
from tuiftune.server.ids import stable_id
from tuiftune.server.records import Control, JobRecord, TrainingPlan
from tuiftune.server.trainers.base import Responder, TrainerHost, TrainingFile
from tuiftune.server.trainers.bm25 import RetrievalResponder
from tuiftune.server.trainers.curve import step_metrics
from tuiftune.server.trainers.progress import Checkpoint, JobProgress, StepMetrics
from tuiftune.server.trainers.sim_events import (
    EventRenderer,
    Schedule,
    SimulatedEventLog,
    build_slots,
    reached,
)
from tuiftune.server.trainers.timeline import Timeline
from tuiftune.server.validation import FileCheck, check_file

KEPT_CHECKPOINTS = 3


def model_short_id(job_id: str, step: int | None = None) -> str:
    """The 8-character tail of a fine-tuned model name (one per checkpoint, too)."""
    return stable_id("", job_id, "model" if step is None else step, length=8)


class SimulatedTrainer:
    """Validates files for real, then simulates training at ``step_seconds`` per step."""

    def __init__(self, step_seconds: float, org: str, seed: int = 0) -> None:
        self.step_seconds = step_seconds
        self.org = org
        self.seed = seed
        self._host: TrainerHost | None = None
        self._responder: RetrievalResponder | None = None

    @property
    def host(self) -> TrainerHost:
        """The server's clock and store, once attached."""
        if self._host is None:
            raise RuntimeError("the trainer is not attached to a server")
        return self._host

    def attach(self, host: TrainerHost) -> None:
        """Keep the server's clock (controls are stamped with it) and store."""
        self._host = host
        self._responder = RetrievalResponder(host.store, host.find_model, self.seed)

    def base_model(self, name: str) -> BaseModel | None:
        """A catalog model (OpenAI's names and aliases)."""
        return resolve_base(name)

    def base_models(self) -> Sequence[BaseModel]:
        """OpenAI's fine-tunable models."""
        return list(BASE_MODELS.values())

    def hyperparameter_extras(self) -> Collection[str]:
        """OpenAI's hyperparameters only."""
        return ()

    def responder(self) -> Responder:
        """Fine-tuned models answer from their training data (BM25); bases answer generically."""
        if self._responder is None:
            raise RuntimeError("the trainer is not attached to a server")
        return self._responder

    # -- hooks: a control is remembered with its moment, and the replay honours it ------------

    async def start(self, job: JobRecord) -> None:
        """Nothing runs: the schedule starts at the job's creation."""
        job.trainer_state.setdefault("controls", [])

    async def cancel(self, job: JobRecord) -> None:
        """Stop the replay at this moment."""
        self._control(job, "cancel")

    async def pause(self, job: JobRecord) -> None:
        """Freeze the replay at this moment."""
        self._control(job, "pause")

    async def resume(self, job: JobRecord) -> None:
        """Let the replay run again from where it froze."""
        self._control(job, "resume")

    async def restore(self, jobs: Sequence[JobRecord]) -> None:
        """Nothing to resume: each job's state is replayed from its record on every read."""

    async def close(self) -> None:
        """Nothing runs in the background."""

    def _control(self, job: JobRecord, action: str) -> None:
        controls = job.trainer_state.setdefault("controls", [])
        controls.append([action, self.host.clock()])

    async def plan(
        self, job: JobRecord, training: TrainingFile, validation: TrainingFile | None
    ) -> TrainingPlan:
        """Lint the files and resolve ``auto`` hyperparameters from the example count."""
        base = base_of(job.model)
        checked = await check_file(training, base, job.method, "training")
        if not isinstance(checked, FileCheck):
            return TrainingPlan(error=checked)
        if validation is not None:
            valid = await check_file(validation, base, job.method, "validation")
            if not isinstance(valid, FileCheck):
                return TrainingPlan(error=valid)
        epochs, batch, lr, beta = resolve(job.hyperparameters, checked.examples)
        return TrainingPlan(
            error=None,
            examples=checked.examples,
            tokens_per_epoch=checked.tokens,
            n_epochs=epochs,
            batch_size=batch,
            learning_rate_multiplier=lr,
            beta=beta,
            total_steps=math.ceil(checked.examples / batch) * epochs,
            has_validation=validation is not None,
            format=checked.format,
        )

    def model_name(self, job: JobRecord) -> str:
        """The name the job's model gets when it succeeds."""
        return fine_tuned_name(base_of(job.model), self.org, job.suffix, model_short_id(job.id))

    def checkpoint_name(self, job: JobRecord, step: int) -> str:
        """The model name of the checkpoint at ``step``."""
        short = model_short_id(job.id, step)
        name = fine_tuned_name(base_of(job.model), self.org, job.suffix, short)
        return f"{name}:ckpt-step-{step}"

    def progress(self, job: JobRecord, now: float) -> JobProgress:
        """Replay the job's schedule up to ``now``."""
        plan = job.plan if job.plan is not None else TrainingPlan(error=None)
        controls = job_controls(job)
        tl = Timeline.build(job.created_at, controls, now)
        eff = tl.effective(now)
        sched = Schedule.of(plan, self.step_seconds)
        renderer = EventRenderer(
            job,
            plan,
            tl,
            self.model_name(job),
            lambda step: self.checkpoint_name(job, step),
            controls,
        )
        events = SimulatedEventLog(
            lambda: build_slots(job, plan, sched, tl, eff, controls), renderer, job.id
        )
        validated = reached(eff, sched.validated)
        failed = plan.error is not None and validated
        done = plan.error is None and reached(eff, sched.end)
        status = _status(tl, failed, done, eff, sched)
        finished_at: int | None = None
        if status == "cancelled" and tl.cancelled_at is not None:
            finished_at = int(tl.cancelled_at)
        elif status == "failed":
            finished_at = int(tl.wall(sched.validated))
        elif status == "succeeded":
            finished_at = int(tl.wall(sched.end))
        return JobProgress(
            status=status,
            events=events,
            checkpoints=self._checkpoints(job, plan, sched, tl, eff),
            error=plan.error if failed else None,
            fine_tuned_model=self.model_name(job) if status == "succeeded" else None,
            finished_at=finished_at,
            estimated_finish=int(now + sched.end - eff) if status == "running" else None,
            trained_tokens=plan.tokens_per_epoch * plan.n_epochs if status == "succeeded" else None,
            hyperparameters_resolved=validated and plan.error is None,
        )

    def _checkpoints(
        self, job: JobRecord, plan: TrainingPlan, sched: Schedule, tl: Timeline, eff: float
    ) -> list[Checkpoint]:
        if plan.error is not None:
            return []
        done, every = sched.steps_done(eff), plan.steps_per_epoch
        # Epoch ends are the multiples of the epoch length: no scan over a long job's steps.
        epochs = done // every if every > 0 else 0
        first = max(1, epochs - KEPT_CHECKPOINTS + 1)
        steps = [k * every for k in range(first, epochs + 1)]
        return [
            Checkpoint(
                id=stable_id("ftckpt_", job.id, step),
                created_at=int(tl.wall(sched.step_time(step))),
                job_id=job.id,
                step=step,
                model=self.checkpoint_name(job, step),
                metrics=step_metrics(job.seed, plan, step),
            )
            for step in steps
        ]

    def result_metrics(self, job: JobRecord) -> Sequence[StepMetrics]:
        """Every step's metrics, recomputed from the seed."""
        plan = job.plan
        if plan is None or plan.error is not None:
            return []
        return [step_metrics(job.seed, plan, s) for s in range(1, plan.total_steps + 1)]

    def extra_results(self, job: JobRecord) -> Sequence[tuple[str, bytes]]:
        """None: the simulation has only its metrics."""
        return ()


def job_controls(job: JobRecord) -> list[Control]:
    """The controls the simulator recorded for ``job``, oldest first."""
    return [Control(str(action), float(at)) for action, at in job.trainer_state.get("controls", [])]


def _status(tl: Timeline, failed: bool, done: bool, eff: float, sched: Schedule) -> str:
    if tl.cancelled_at is not None:
        return "cancelled"
    if failed:
        return "failed"
    if done:
        return "succeeded"
    if not reached(eff, sched.validated):
        return "validating_files"
    if not reached(eff, sched.started):
        return "queued"
    return "paused" if tl.paused else "running"
