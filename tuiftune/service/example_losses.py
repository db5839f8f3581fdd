"""A job's per-example training losses, where its trainer wrote them as a results file (the
local trainer's ``example_losses.jsonl``, after the metrics CSV), and the training file they
are of (so an edited file's rows can be matched by content)."""

from __future__ import annotations

import asyncio

from tuiftune.evaluation.example_losses import FILENAME, ExampleLoss, parse_example_losses
from tuiftune.service.errors import ServiceError
from tuiftune.service.providers.base import Provider
from tuiftune.service.types import Job


async def job_example_losses(provider: Provider, job: Job) -> dict[int, ExampleLoss] | None:
    """The final model's loss on each training row, by 1-based line; None when the job has no
    such results file (other trainers and providers) or it cannot be fetched."""
    for file_id in job.result_files[1:]:
        try:
            ref = await provider.files.retrieve(file_id)
            if ref.filename != FILENAME:
                continue
            data = await provider.jobs.file_content(file_id)
        except ServiceError:
            return None
        return await asyncio.to_thread(parse_example_losses, data)
    return None


async def job_training_bytes(provider: Provider, job: Job) -> bytes | None:
    """The bytes of the job's training file; None when it cannot be fetched (deleted, or a
    provider that does not serve file contents): the losses are then matched by line."""
    if not job.training_file:
        return None
    try:
        return await provider.files.content(job.training_file)
    except ServiceError:
        return None
