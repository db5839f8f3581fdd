"""The simulated trainer's event log: computed from the job's schedule, rendered on access."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tuiftune.server.ids import decode_fixed, encode_fixed, stable_id, stable_int
from tuiftune.server.records import Control, JobRecord, TrainingPlan
from tuiftune.server.trainers.curve import step_metrics
from tuiftune.server.trainers.progress import JobEvent
from tuiftune.server.trainers.sim_slots import EPSILON, Slot, merge_controls, scheduled_slots
from tuiftune.server.trainers.timeline import Timeline

_EPSILON = EPSILON
_POS_CHARS = 8
_POS_SPACE = 62**_POS_CHARS
# Coprime with 62, so multiplying by it permutes the position space.
_POS_FACTOR = 1_000_003
_POS_INVERSE = pow(_POS_FACTOR, -1, _POS_SPACE)


def reached(eff: float, when: float) -> bool:
    """Whether running time ``eff`` has reached ``when`` (float sums drift a little)."""
    return eff + _EPSILON >= when


@dataclass(frozen=True)
class Schedule:
    """When each phase of a job begins, in effective (running) seconds since creation."""

    step_seconds: float
    validated: float
    started: float
    end: float
    total_steps: int

    @classmethod
    def of(cls, plan: TrainingPlan, step_seconds: float) -> Schedule:
        """Validation takes two steps' time, queueing one, finishing one."""
        validated = 2 * step_seconds
        started = validated + step_seconds
        end = started + (plan.total_steps + 1) * step_seconds
        return cls(step_seconds, validated, started, end, plan.total_steps)

    def steps_done(self, eff: float) -> int:
        """Steps completed after ``eff`` running seconds."""
        if not reached(eff, self.started):
            return 0
        if self.step_seconds <= 0:
            return self.total_steps
        done = math.floor((eff - self.started) / self.step_seconds + _EPSILON)
        return max(0, min(self.total_steps, done))

    def step_time(self, step: int) -> float:
        """When ``step`` completes."""
        return self.started + step * self.step_seconds


def build_slots(
    job: JobRecord,
    plan: TrainingPlan,
    sched: Schedule,
    tl: Timeline,
    eff: float,
    controls: Sequence[Control],
) -> Sequence[Slot]:
    """Every event that has happened by ``eff``, oldest first (computed on access)."""
    scheduled = scheduled_slots(
        plan,
        bool(job.validation_file),
        sched.validated,
        sched.started,
        sched.end,
        sched.steps_done(eff),
        sched.step_seconds,
        (reached(eff, sched.validated), reached(eff, sched.started), reached(eff, sched.end)),
    )
    effective: list[float] = []
    for control in controls:
        if tl.cancelled_at is not None and control.at > tl.cancelled_at:
            break
        # A control sorts after every scheduled event at or before its moment: those had
        # already been listed when it happened, and the log must only ever grow at its end.
        effective.append(tl.effective(control.at))
    return merge_controls(scheduled, controls, effective)


class SimulatedEventLog:
    """An ``EventLog`` built on first use, whose ids encode each event's position.

    Encoding the position means ``after`` cursors need no scan. The position is scrambled
    with a job-specific bijection so the ids do not look like a counter.
    """

    def __init__(
        self,
        build: Callable[[], Sequence[Slot]],
        render: Callable[[str, Slot], JobEvent],
        job_id: str,
    ) -> None:
        self._build = build
        self._slots: Sequence[Slot] | None = None
        self._render = render
        self._prefix = stable_id("ftevent-", job_id, length=24 - _POS_CHARS)
        self._offset = stable_int(job_id, "offset", bound=_POS_SPACE)

    @property
    def slots(self) -> Sequence[Slot]:
        """The schedule up to now, computed once."""
        if self._slots is None:
            self._slots = self._build()
        return self._slots

    def __len__(self) -> int:
        return len(self.slots)

    def __getitem__(self, index: int) -> JobEvent:
        if index < 0:
            index += len(self.slots)
        code = (index * _POS_FACTOR + self._offset) % _POS_SPACE
        return self._render(self._prefix + encode_fixed(code, _POS_CHARS), self.slots[index])

    def index_of(self, event_id: str) -> int | None:
        """Decode the position from the id."""
        if not event_id.startswith(self._prefix):
            return None
        code = decode_fixed(event_id[len(self._prefix) :])
        if code is None or code >= _POS_SPACE:
            return None
        index = (code - self._offset) * _POS_INVERSE % _POS_SPACE
        return index if index < len(self.slots) else None


@dataclass(frozen=True)
class EventRenderer:
    """Turns slots into events; holds what the messages mention."""

    job: JobRecord
    plan: TrainingPlan
    tl: Timeline
    model_name: str
    checkpoint_name: Callable[[int], str]
    controls: Sequence[Control]

    def __call__(self, event_id: str, slot: Slot) -> JobEvent:
        eff, kind, arg = slot
        job, plan = self.job, self.plan
        created = (
            int(self.controls[arg].at)
            if kind in ("pause", "resume", "cancel")
            else int(self.tl.wall(eff))
        )
        if kind == "step":
            metrics = step_metrics(job.seed, plan, arg)
            message = f"Step {arg}/{plan.total_steps}: training loss={metrics.train_loss:.2f}"
            if metrics.valid_loss is not None:
                message += f", validation loss={metrics.valid_loss:.2f}"
            if metrics.full_valid_loss is not None:
                message += f", full validation loss={metrics.full_valid_loss:.2f}"
            data = metrics.to_data(plan.total_steps)
            return JobEvent(event_id, created, message, type="metrics", data=data)
        if kind == "failed":
            assert plan.error is not None
            which = "validation" if plan.error.param == "validation_file" else "training"
            message = f"The job failed due to an invalid {which} file. {plan.error.message}"
            if plan.error.code == "internal_error":
                message = f"The job failed due to an internal error. {plan.error.message}"
            return JobEvent(event_id, created, message, level="error")
        return JobEvent(event_id, created, self._message(kind, arg))

    def _message(self, kind: str, arg: int) -> str:
        job = self.job
        messages = {
            "created": f"Created fine-tuning job: {job.id}",
            "validating": f"Validating training file: {job.training_file}",
            "validating_valid": f"Validating validation file: {job.validation_file}",
            "validated": "Files validated, moving job to queued state",
            "started": "Fine-tuning job started",
            "model": f"New fine-tuned model created: {self.model_name}",
            "policy": "Usage policy evaluations completed, model is now enabled for sampling",
            "done": "The job has successfully completed",
            "pause": "Fine-tuning job paused",
            "resume": "Fine-tuning job resumed",
            "cancel": "Fine-tuning job cancelled",
        }
        if kind == "checkpoint":
            return f"Checkpoint created at step {arg} with Snapshot ID: {self.checkpoint_name(arg)}"
        return messages[kind]
