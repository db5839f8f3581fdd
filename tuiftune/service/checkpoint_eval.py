"""The checkpoint matrix: a job's base model, every checkpoint and final model through the
eval runner in one run (concurrent, appended as results arrive, resumable), then ranked."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tuiftune.evaluation.checkpoint_matrix import (
    CheckpointMatrix,
    MatrixEntry,
    build_matrix,
    ranking_metric,
)
from tuiftune.evaluation.examples import TestSet
from tuiftune.evaluation.metrics import score_keys
from tuiftune.service.evals import EvalOptions, EvalRun, ProgressCallback, run_eval
from tuiftune.service.evals_io import ResultsFileError, check_writable
from tuiftune.service.jobs import JobsService
from tuiftune.service.providers.base import JobsProvider, Provider
from tuiftune.service.types import Checkpoint, Job

LOSS_KEYS = ("train_loss", "valid_loss", "full_valid_loss")


class NothingToEvaluateError(Exception):
    """The job has no model that answers yet (no checkpoint, not finished)."""


@dataclass(frozen=True)
class MatrixRun:
    """The job, the models it was scored on, the eval run and the ranked matrix."""

    job: Job
    entries: tuple[MatrixEntry, ...]
    run: EvalRun
    matrix: CheckpointMatrix

    @property
    def models(self) -> tuple[str, ...]:
        """Model names in training order."""
        return tuple(e.model for e in self.entries)


@dataclass(frozen=True)
class ResultsPlace:
    """Where a job's matrix on a test file keeps its results, and why there."""

    path: Path
    refused: str | None = None
    """Why not next to the test file (its folder cannot be written); None when it is there."""
    chosen: bool = False
    """True when the user named the file (``--out``): no default was picked."""

    @property
    def beside_test(self) -> bool:
        """True when the default put the results next to the test file (the usual place)."""
        return self.refused is None and not self.chosen

    def describe(self) -> str:
        """One phrase for the output naming which of the two places, so a rerun finds it."""
        if self.chosen:
            return f"results in {self.path}"
        if self.refused is None:
            return f"results in {self.path} (next to the test file)"
        return f"results in {self.path} (current directory: {self.refused})"


def _results_place(test_file: Path, job_id: str) -> ResultsPlace:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", job_id)
    name = f"{test_file.stem}.{safe}.results.jsonl"
    beside = test_file.with_name(name)
    try:
        check_writable(beside)
    except ResultsFileError as exc:
        return ResultsPlace(Path.cwd() / name, refused=str(exc))
    return ResultsPlace(beside)


async def matrix_results_place(test_file: Path, job_id: str) -> ResultsPlace:
    """The one default results file of ``job_id``'s matrix on ``test_file``, shared by
    ``tuiftune eval --job`` and the Jobs area so that each resumes the other's run: next to the
    test file, or in the current directory when that folder cannot be written."""
    return await asyncio.to_thread(_results_place, test_file, job_id)


def _losses(checkpoint: Checkpoint) -> dict[str, float]:
    return {k: v for k in LOSS_KEYS if (v := checkpoint.metrics.get(k)) is not None}


def matrix_entries(job: Job, checkpoints: Sequence[Checkpoint]) -> tuple[MatrixEntry, ...]:
    """Base, checkpoints by step and final model of ``job`` (a name given twice once)."""
    entries = [MatrixEntry("base", job.model)]
    by_step = sorted(checkpoints, key=lambda c: c.step_number)
    entries += [
        MatrixEntry("checkpoint", c.fine_tuned_model_checkpoint, c.step_number, _losses(c))
        for c in by_step
    ]
    if job.fine_tuned_model:
        last = by_step[-1] if by_step else None
        losses = _losses(last) if last else {}
        entries.append(
            MatrixEntry("final", job.fine_tuned_model, last.step_number if last else None, losses)
        )
    unique: dict[str, MatrixEntry] = {}
    for entry in entries:
        unique.setdefault(entry.model, entry)
    return tuple(unique.values())


async def job_entries(jobs: JobsProvider, job_id: str) -> tuple[Job, tuple[MatrixEntry, ...]]:
    """The job and the models of its matrix; ``NothingToEvaluateError`` when only the base
    model would answer."""
    service = JobsService(jobs)
    job = await service.retrieve(job_id)
    checkpoints = await service.checkpoints(job_id)
    entries = matrix_entries(job, checkpoints)
    if len(entries) < 2:
        raise NothingToEvaluateError(
            f"{job_id} has no checkpoint or fine-tuned model yet (status {job.status})"
        )
    return job, entries


async def run_checkpoint_matrix(
    provider: Provider,
    test_set: TestSet,
    job_id: str,
    out: str | Path,
    *,
    options: EvalOptions | None = None,
    resume: bool = False,
    progress: ProgressCallback | None = None,
    poll_interval: float = 10.0,
    prepared: tuple[Job, tuple[MatrixEntry, ...]] | None = None,
) -> MatrixRun:
    """Score every model of the job's matrix on ``test_set`` through ``run_eval``; raises what
    it raises, and ``NothingToEvaluateError``. ``prepared``: ``job_entries``' answer, if the
    caller already asked."""
    options = options or EvalOptions()
    job, entries = prepared or await job_entries(provider.jobs, job_id)
    run = await run_eval(
        provider,
        test_set,
        [e.model for e in entries],
        out,
        options=options,
        resume=resume,
        progress=progress,
        poll_interval=poll_interval,
    )
    keys = list(score_keys(options.metrics))
    matrix = build_matrix(entries, run.results, ranking_metric(keys))
    return MatrixRun(job, entries, run, matrix)
