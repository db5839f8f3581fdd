"""The results file of an eval run: resuming from it, and one writer that appends as results come.

Each result is appended as one line and flushed as soon as it arrives, by a single writer task,
so lines never interleave. A result handed to the writer is written even if the run is then
cancelled: ``close`` drains the queue. A process killed mid-write leaves at most a torn last
line, which ``open_results`` cuts off before appending again.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiofiles
import aiofiles.os

from tuiftune.evaluation.examples import EvalExample, TestSet
from tuiftune.evaluation.results import EvalResult, ParsedResults, parse_results


class ResultsFileError(Exception):
    """The results file cannot be used for this run (exists without resume, or is stale)."""


@dataclass(frozen=True)
class EvalProgress:
    """How far a run is: counts, pace and the expected time left."""

    done: int  # (example, model) pairs with a result, including resumed ones
    total: int
    new: int  # results produced by this run
    failed: int  # pairs given up on in this run (not written; a resume retries them)
    elapsed: float
    rate: float  # new results per second
    eta: float | None  # seconds left at the current rate
    paused_for: float = 0.0  # a shared rate-limit pause in force
    retries: int = 0
    note: str = ""  # e.g. a batch's status


@dataclass
class EvalRun:
    """What a run produced; ``results`` holds every result of the requested models."""

    models: tuple[str, ...]
    total: int
    results: list[EvalResult] = field(default_factory=list)
    resumed: int = 0
    new: int = 0
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # (index, model, why)
    rate_limited: int = 0
    retries: int = 0
    elapsed: float = 0.0
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether every (example, model) pair has a result."""
        return len({(r.index, r.model) for r in self.results}) >= self.total

    def to_dict(self) -> dict[str, Any]:
        """How the run went, JSON-ready (the ``run`` part of ``tuiftune eval --json``)."""
        return {
            "complete": self.complete,
            "new": self.new,
            "resumed": self.resumed,
            "failed": [{"index": i, "model": m, "error": e} for i, m, e in self.failures],
            "rate_limited": self.rate_limited,
            "retries": self.retries,
            "elapsed_seconds": round(self.elapsed, 3),
            "batches": list(self.batches),
            "ignored_lines": [{"line": n, "problem": p} for n, p in self.bad_lines],
        }


async def read_results(path: Path) -> tuple[ParsedResults, bool]:
    """Parse the file (missing: empty); also whether it ends mid-line."""
    try:
        async with aiofiles.open(path, "rb") as fh:
            data = await fh.read()
    except FileNotFoundError:
        return parse_results(b""), False
    parsed = parse_results(data)
    return parsed, parsed.intact_bytes < len(data)


def _truncate(path: Path, size: int) -> None:
    with path.open("r+b") as fh:
        fh.truncate(size)


async def open_results(
    path: Path, test_set: TestSet, models: Sequence[str], *, resume: bool
) -> tuple[ParsedResults, list[EvalResult]]:
    """Prepare ``path`` for appending; returns what it holds and the results of ``models``.

    Without ``resume`` the file must be absent or empty. With it, results must match the test
    set (same example at the same index), or the run would mix two test sets.
    """
    parsed, torn = await read_results(path)
    if not resume:
        if parsed.results or parsed.bad_lines or torn:
            raise ResultsFileError(
                f"{path} already holds results; resume the run or choose another file"
            )
        return parsed, []
    if torn:
        # The tail is a line a killed writer never finished; its pair will be redone.
        await asyncio.to_thread(_truncate, path, parsed.intact_bytes)
    elif parsed.intact_bytes and not await _ends_with_newline(path):
        async with aiofiles.open(path, "ab") as fh:
            await fh.write(b"\n")
    examples = test_set.by_index()
    wanted = set(models)
    mine = [r for r in parsed.results if r.model in wanted]
    stale = [r for r in mine if r.index not in examples or r.key != examples[r.index].key]
    if stale:
        first = stale[0]
        raise ResultsFileError(
            f"{path} has {len(stale)} result(s) for other examples than {test_set.path} "
            f"(first: line {first.index + 1}, model {first.model}); it was made from a "
            "different test set"
        )
    return parsed, mine


async def _ends_with_newline(path: Path) -> bool:
    async with aiofiles.open(path, "rb") as fh:
        await fh.seek(-1, os.SEEK_END)
        return await fh.read(1) == b"\n"


class ResultWriter:
    """The one task that appends results to the file, a line each, flushed as they arrive."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._queue: asyncio.Queue[EvalResult | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.written = 0

    async def start(self) -> None:
        """Open the file for appending and start the writer task."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = await aiofiles.open(self.path, "a", encoding="utf-8")
        self._task = asyncio.create_task(self._run(handle))

    def put(self, result: EvalResult) -> None:
        """Queue a result; never blocks, so a cancelled worker cannot lose one it holds."""
        self._queue.put_nowait(result)

    async def _run(self, handle: aiofiles.threadpool.text.AsyncTextIOWrapper) -> None:
        try:
            while True:
                item = await self._queue.get()
                batch: list[EvalResult] = []
                stop = item is None
                if item is not None:
                    batch.append(item)
                # Write whatever else is already queued in the same call.
                while not self._queue.empty():
                    more = self._queue.get_nowait()
                    if more is None:
                        stop = True
                    else:
                        batch.append(more)
                if batch:
                    await handle.write("".join(r.to_json() + "\n" for r in batch))
                    await handle.flush()
                    self.written += len(batch)
                if stop:
                    return
        finally:
            await handle.close()

    async def close(self) -> None:
        """Write everything queued, then close the file (survives the caller's cancellation).

        A cancelled caller still waits for the writer to finish before the cancellation goes
        on: otherwise the writer would keep appending after the run "ended", behind whatever
        comes next (a resumed run, or a process killed mid-line).
        """
        if self._task is None:
            return
        self._queue.put_nowait(None)
        cancelled = False
        while not self._task.done():
            try:
                await asyncio.shield(self._task)
            except asyncio.CancelledError:
                cancelled = True
        if cancelled:
            raise asyncio.CancelledError


def pending_pairs(
    examples: Sequence[EvalExample], models: Sequence[str], done: set[tuple[int, str]]
) -> list[tuple[EvalExample, str]]:
    """The (example, model) pairs still to do, example by example so pairs finish together."""
    return [(ex, m) for ex in examples for m in models if (ex.index, m) not in done]
