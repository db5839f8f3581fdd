"""The simulated event slots by index arithmetic agree with a plain list built step by step."""

from __future__ import annotations

import itertools

import pytest

from tuiftune.server.records import Control, JobError, JobRecord, TrainingPlan
from tuiftune.server.trainers.sim_events import Schedule, build_slots, reached
from tuiftune.server.trainers.sim_slots import Slot
from tuiftune.server.trainers.timeline import Timeline


def _reference(
    job: JobRecord,
    plan: TrainingPlan,
    sched: Schedule,
    tl: Timeline,
    eff: float,
    controls: list[Control],
) -> list[Slot]:
    """The original list construction: every slot appended in order, controls merged after."""
    slots: list[Slot] = [(0.0, "created", 0), (0.0, "validating", 0)]
    if job.validation_file:
        slots.append((0.0, "validating_valid", 0))
    if reached(eff, sched.validated):
        slots.append((sched.validated, "failed" if plan.error else "validated", 0))
    if plan.error is None and reached(eff, sched.started):
        slots.append((sched.started, "started", 0))
        for step in range(1, sched.steps_done(eff) + 1):
            slots.append((sched.step_time(step), "step", step))
            if plan.steps_per_epoch and step % plan.steps_per_epoch == 0:
                slots.append((sched.step_time(step), "checkpoint", step))
        if reached(eff, sched.end):
            slots += [(sched.end, "model", 0), (sched.end, "policy", 0), (sched.end, "done", 0)]
    merged: list[Slot] = []
    i = 0
    for index, control in enumerate(controls):
        if tl.cancelled_at is not None and control.at > tl.cancelled_at:
            break
        at = tl.effective(control.at)
        while i < len(slots) and slots[i][0] <= at + 1e-9:
            merged.append(slots[i])
            i += 1
        merged.append((at, control.action, index))
    return merged + slots[i:]


def _job(validation: bool) -> JobRecord:
    return JobRecord(
        id="ftjob-x",
        created_at=1000.0,
        model="gpt-4o-mini-2024-07-18",
        training_file="file-t",
        validation_file="file-v" if validation else None,
        suffix=None,
        seed=1,
        method="supervised",
        hyperparameters={},
    )


CONTROLS = [
    [],
    [Control("pause", 1007.0), Control("resume", 1020.0)],
    [Control("pause", 1002.0), Control("resume", 1004.5), Control("cancel", 1015.0)],
    [Control("pause", 1011.0), Control("resume", 1030.0), Control("pause", 1031.0)],
]


@pytest.mark.parametrize(
    ("steps", "epochs", "validation", "failed", "controls"),
    list(itertools.product([0, 7, 12], [1, 3], [False, True], [False, True], CONTROLS)),
)
def test_slots_match_the_list_at_every_moment(
    steps: int, epochs: int, validation: bool, failed: bool, controls: list[Control]
) -> None:
    error = JobError("invalid_training_file", "bad", "training_file") if failed else None
    plan = TrainingPlan(error=error, n_epochs=epochs, total_steps=steps * epochs)
    job = _job(validation)
    sched = Schedule.of(plan, 1.0)
    for now in [1000.0 + t / 2 for t in range(0, 100)]:
        tl = Timeline.build(job.created_at, controls, now)
        eff = tl.effective(now)
        live = [c for c in controls if c.at <= now]
        got = build_slots(job, plan, sched, tl, eff, live)
        want = _reference(job, plan, sched, tl, eff, live)
        assert len(got) == len(want)
        assert [got[i] for i in range(len(got))] == want
        if want:
            assert got[-1] == want[-1]


def test_a_200k_step_job_is_read_from_its_end() -> None:
    job = _job(validation=True)
    plan = TrainingPlan(error=None, n_epochs=4, total_steps=200_000)
    sched = Schedule.of(plan, 1.0)
    controls = [Control("pause", 1500.0), Control("resume", 1600.0)]
    now = 1000.0 + 200_000 + 110  # past the end
    tl = Timeline.build(job.created_at, controls, now)
    slots = build_slots(job, plan, sched, tl, tl.effective(now), controls)
    assert len(slots) == 3 + 1 + 1 + 200_000 + 4 + 3 + 2
    newest = [slots[i][1:] for i in range(len(slots) - 1, len(slots) - 7, -1)]
    assert newest == [
        ("done", 0),
        ("policy", 0),
        ("model", 0),
        ("checkpoint", 200_000),
        ("step", 200_000),
        ("step", 199_999),
    ]
    # The pause, 500 s in, lands after step 497 (3 s of validation and queueing, then 1 s a
    # step; the step done at the pause's moment comes first).
    assert [slots[i][1:] for i in range(501, 505)] == [
        ("step", 497),
        ("pause", 0),
        ("resume", 1),
        ("step", 498),
    ]
