"""Overlap between a job's files or an eval's test set and the training data, off the loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tuiftune.evaluation.leakage import PairReport, compare_files, compare_rows
from tuiftune.evaluation.overlap_text import read_rows, rows_of_bytes
from tuiftune.service.errors import ServiceError
from tuiftune.service.providers.base import JobsProvider
from tuiftune.service.types import Job


async def overlap_between(first: Path | str, second: Path | str) -> PairReport | None:
    """Rows of ``second`` (validation, test) also in ``first`` (training), read and hashed in
    a thread; None when a file cannot be read (its own check reports that) or they are one."""

    def run() -> PairReport | None:
        if Path(first).resolve() == Path(second).resolve():
            return None
        try:
            (report,) = compare_files([first, second])
        except (OSError, ValueError):
            return None
        return report

    return await asyncio.to_thread(run)


async def job_overlaps(jobs: JobsProvider, job: Job, test_path: Path | str) -> list[PairReport]:
    """Rows of the test file also in the job's own training and validation files (downloaded
    from the provider); a file that cannot be fetched is left out."""
    named = [(f, f"training file {f}") for f in (job.training_file,) if f]
    named += [(f, f"validation file {f}") for f in (job.validation_file,) if f]
    fetched: list[tuple[bytes, str]] = []
    for file_id, name in named:
        try:
            fetched.append((await jobs.file_content(file_id), name))
        except ServiceError:
            continue  # deleted, or the provider does not serve contents: nothing to compare

    def run() -> list[PairReport]:
        try:
            test_rows = read_rows(test_path)
        except OSError:
            return []
        reports = []
        for data, name in fetched:
            rows = list(rows_of_bytes(data, name))
            reports.append(compare_rows(rows, test_rows, (name, str(test_path))))
        return reports

    return await asyncio.to_thread(run)
