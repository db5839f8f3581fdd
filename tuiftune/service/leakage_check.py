"""Overlap between a job's files or an eval's test set and the training data, off the loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tuiftune.evaluation.leakage import PairReport, compare_files


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
