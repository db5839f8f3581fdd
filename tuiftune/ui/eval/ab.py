"""The A/B the editor's "train again with these edits" leaves for the Eval area: the old
job's model as A, the new job's as B (the paired test compares them), once both have one."""

from __future__ import annotations

from tuiftune.service.errors import ServiceError
from tuiftune.service.jobs import JobsService
from tuiftune.service.providers.base import Provider


async def retrain_models(pair: tuple[str, str], provider: Provider) -> tuple[list[str] | None, str]:
    """Models A and B of the (old job, new job) pair and a line saying so, or (None, why not
    yet) while a job has no model."""
    service = JobsService(provider.jobs)
    try:
        old, new = [await service.retrieve(job_id) for job_id in pair]
    except ServiceError as exc:
        return None, f"cannot look up the retrained job: {exc.message}"
    for job in (old, new):
        if not job.fine_tuned_model:
            return None, f"{job.id} is {job.status}: A/B is set when it has a model"
    a, b = old.fine_tuned_model or "", new.fine_tuned_model or ""
    return [a, b], f"A {a} ({old.id}) vs B {b} ({new.id}, the edited file): r runs both"
