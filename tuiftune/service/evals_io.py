"""The results file of an eval run: resuming from it, and one writer that appends as results come.

Each result is appended as one line and flushed as soon as it arrives, by a single writer task,
so lines never interleave. A result handed to the writer is written even if the run is then
cancelled: ``close`` drains the queue. A process killed mid-write leaves at most a torn last
line, which ``open_results`` cuts off before appending again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

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


def check_writable(path: Path, *, create_parent: bool = False) -> None:
    """Raise ``ResultsFileError`` now if ``path`` could not be written later (blocking: call it
    in a thread). A directory, a FIFO, a missing or read-only directory are all refused, so a
    paid run never ends in an export it cannot write."""
    try:
        st = path.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise ResultsFileError(f"cannot write {path}: {exc.strerror or exc}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise ResultsFileError(f"cannot write {path}: it is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise ResultsFileError(f"cannot write {path}: not a regular file")
        _probe(lambda: path.open("ab").close(), path)
        return
    parent = path.parent
    if not parent.exists():
        if not create_parent:
            raise ResultsFileError(f"cannot write {path}: the directory {parent} does not exist")
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ResultsFileError(f"cannot create {parent}: {exc.strerror or exc}") from None
    if not parent.is_dir():
        raise ResultsFileError(f"cannot write {path}: {parent} is not a directory")
    # Trying is the only test that also holds for root and read-only file systems.
    _probe(lambda: _touch_in(parent), path)


def _touch_in(directory: Path) -> None:
    fd, name = tempfile.mkstemp(dir=directory, prefix=".tuiftune-probe-")
    os.close(fd)
    os.unlink(name)


def _probe(attempt: Callable[[], None], path: Path) -> None:
    try:
        attempt()
    except OSError as exc:
        raise ResultsFileError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_export(path: Path, text: str) -> None:
    """Write an export atomically (a temporary file, then a rename): never half a report."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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


class ResultsWriteError(ResultsFileError):
    """Writing a result failed (disk full, file gone read-only): the run stops here."""


def _append(fh: BinaryIO, data: bytes) -> None:
    fh.write(data)
    fh.flush()  # in the OS as soon as it arrives: a killed process loses nothing handed over


def _cut(fh: BinaryIO, size: int) -> None:
    # Remove a partly written line, so the file never claims a result it does not hold.
    fh.truncate(size)
    fh.flush()


class ResultWriter:
    """The one task that appends results to the file, a line each, flushed as they arrive.

    A failed write stops the writer: the file is cut back to its last whole line, ``failed``
    is set and ``watch`` raises ``ResultsWriteError``, so the run stops instead of paying for
    answers it can no longer keep.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._queue: asyncio.Queue[EvalResult | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.written = 0
        self.error: ResultsWriteError | None = None
        self.failed = asyncio.Event()

    async def start(self) -> None:
        """Open the file for appending and start the writer task."""
        try:
            await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
            handle = await asyncio.to_thread(self.path.open, "ab")
        except OSError as exc:
            raise ResultsWriteError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self._task = asyncio.create_task(self._run(handle))

    def put(self, result: EvalResult) -> None:
        """Queue a result; never blocks, so a cancelled worker cannot lose one it holds."""
        self._queue.put_nowait(result)

    async def watch(self) -> None:
        """Wait until a write fails, then raise its ``ResultsWriteError`` (cancel it otherwise)."""
        await self.failed.wait()
        assert self.error is not None
        raise self.error

    async def _run(self, handle: BinaryIO) -> None:
        size = await asyncio.to_thread(lambda: handle.seek(0, os.SEEK_END))
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
                    data = "".join(r.to_json() + "\n" for r in batch).encode("utf-8")
                    try:
                        await asyncio.to_thread(_append, handle, data)
                    except OSError as exc:
                        await self._fail(handle, size, exc)
                        return
                    size += len(data)
                    self.written += len(batch)
                if stop:
                    return
        finally:
            await asyncio.to_thread(self._close, handle)

    async def _fail(self, handle: BinaryIO, size: int, exc: OSError) -> None:
        why = exc.strerror or str(exc)
        try:
            await asyncio.to_thread(_cut, handle, size)
        except OSError:
            why += "; the last line may be incomplete (a resume cuts it off)"
        self.error = ResultsWriteError(
            f"cannot write {self.path}: {why}; {self.written} result(s) were saved"
        )
        self.failed.set()

    @staticmethod
    def _close(handle: BinaryIO) -> None:
        # The failure that matters was reported by the write itself.
        with contextlib.suppress(OSError):
            handle.close()

    async def close(self) -> None:
        """Write everything queued, then close the file (survives the caller's cancellation).

        A cancelled caller still waits for the writer to finish before the cancellation goes
        on: otherwise the writer would keep appending after the run "ended", behind whatever
        comes next (a resumed run, or a process killed mid-line). Raises the writer's
        ``ResultsWriteError`` if a write failed.
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
        if self.error is not None:
            raise self.error


def pending_pairs(
    examples: Sequence[EvalExample], models: Sequence[str], done: set[tuple[int, str]]
) -> list[tuple[EvalExample, str]]:
    """The (example, model) pairs still to do, example by example so pairs finish together."""
    return [(ex, m) for ex in examples for m in models if (ex.index, m) not in done]
