"""Following a job's checkpoint matrix: the base model at once, then each checkpoint and the
final model scored on the test set as it lands, through the same runner and results file as
the one-shot matrix (``checkpoint_eval``), so that a stopped follow resumes without paying twice.

The job is watched with ``service.watch`` (its backoff through 429s, 5xx and dropped links);
while a model is scored the watch waits, and the checkpoints that landed meanwhile are scored
next. When the job has ended, every model goes through the runner once more with ``resume``:
nothing is asked twice, and a request given up on while following gets its second try there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tuiftune.evaluation.checkpoint_matrix import (
    CheckpointMatrix,
    MatrixEntry,
    MatrixRow,
    build_matrix,
    ranking_metric,
)
from tuiftune.evaluation.examples import TestSet
from tuiftune.evaluation.metrics import score_keys
from tuiftune.evaluation.results import EvalResult
from tuiftune.service.checkpoint_eval import MatrixRun, matrix_entries, run_checkpoint_matrix
from tuiftune.service.errors import ServiceError
from tuiftune.service.evals import EvalOptions, ProgressCallback, run_eval
from tuiftune.service.held_out import TEST_FILE_KEY, named_test_file
from tuiftune.service.jobs import JobsService, is_terminal
from tuiftune.service.providers.base import Provider
from tuiftune.service.types import Checkpoint, Job
from tuiftune.service.watch import PollPolicy, Sleep, watch

__all__ = ["TEST_FILE_KEY", "Scored", "follow_checkpoint_matrix", "job_test_file"]


def job_test_file(job: Job) -> Path | None:
    """The test set recorded in the job's metadata at creation (``jobs create --test-file``,
    ``held_out``), if any."""
    return named_test_file(job.metadata)


@dataclass(frozen=True)
class Scored:
    """One model just scored while following, with the matrix of every model scored so far."""

    job: Job
    entry: MatrixEntry
    matrix: CheckpointMatrix

    @property
    def row(self) -> MatrixRow:
        """This model's row of the matrix."""
        return next(r for r in self.matrix.rows if r.entry.model == self.entry.model)


ScoredCallback = Callable[[Scored], None]


class _Follow:
    def __init__(
        self,
        provider: Provider,
        test_set: TestSet,
        out: Path,
        options: EvalOptions,
        progress: ProgressCallback | None,
        on_scored: ScoredCallback | None,
    ) -> None:
        self.provider = provider
        self.test_set = test_set
        self.out = out
        self.options = options
        self.progress = progress
        self.on_scored = on_scored
        self.metric = ranking_metric(list(score_keys(options.metrics)))
        self.results: list[EvalResult] = []
        self.scored: set[str] = set()
        self.new = self.rate_limited = self.retries = 0

    async def score(self, job: Job, entries: tuple[MatrixEntry, ...]) -> None:
        """Score the entries not scored yet, all in one run (concurrently), then report each."""
        fresh = [e for e in entries if e.model not in self.scored]
        if not fresh:
            return
        run = await run_eval(
            self.provider,
            self.test_set,
            [e.model for e in fresh],
            self.out,
            options=self.options,
            resume=True,
            progress=self.progress,
        )
        self.new += run.new
        self.rate_limited += run.rate_limited
        self.retries += run.retries
        self.results += run.results
        self.scored.update(e.model for e in fresh)
        matrix = build_matrix(entries, self.results, self.metric)
        if self.on_scored is not None:
            for entry in sorted(fresh, key=MatrixEntry.order):
                self.on_scored(Scored(job, entry, matrix))


async def _checkpoints(service: JobsService, job_id: str) -> list[Checkpoint] | None:
    """The job's checkpoints; None after a transient failure (the next snapshot asks again)."""
    try:
        return await service.checkpoints(job_id)
    except ServiceError as exc:
        if exc.transient:
            return None
        raise


async def follow_checkpoint_matrix(
    provider: Provider,
    test_set: TestSet,
    job_id: str,
    out: str | Path,
    *,
    options: EvalOptions | None = None,
    progress: ProgressCallback | None = None,
    on_scored: ScoredCallback | None = None,
    policy: PollPolicy | None = None,
    sleep: Sleep = asyncio.sleep,
) -> MatrixRun:
    """Score every model of the job's matrix as it appears, until the job ends; ``on_scored``
    hears of each one. Results already in ``out`` count (it always resumes). Raises what
    ``run_eval`` and the watch raise; cancel it at any moment and rerun to resume."""
    follow = _Follow(provider, test_set, Path(out), options or EvalOptions(), progress, on_scored)
    service = JobsService(provider.jobs)
    job = await service.retrieve(job_id)
    checkpoints = await service.checkpoints(job_id)
    await follow.score(job, matrix_entries(job, checkpoints))
    if not is_terminal(job.status):
        status = job.status
        async for snapshot in watch(provider.jobs, job_id, policy=policy, sleep=sleep):
            if snapshot.job is None:
                continue  # reconnecting: the watcher waits and says so
            job = snapshot.job
            # A checkpoint comes with events (metrics, "checkpoint saved") or a status change.
            if not (snapshot.events or snapshot.finished or job.status != status):
                continue
            status = job.status
            listed = await _checkpoints(service, job_id)
            checkpoints = checkpoints if listed is None else listed
            await follow.score(job, matrix_entries(job, checkpoints))
        checkpoints = await service.checkpoints(job_id)
    entries = matrix_entries(job, checkpoints)
    await follow.score(job, entries)
    done = await run_checkpoint_matrix(
        provider,
        test_set,
        job_id,
        out,
        options=follow.options,
        resume=True,
        progress=progress,
        prepared=(job, entries),
    )
    # Counted over the whole follow: what the last pass resumed was mostly paid for above.
    run = done.run
    run.resumed = max(0, run.resumed - follow.new)
    run.new += follow.new
    run.rate_limited += follow.rate_limited
    run.retries += follow.retries
    return done
