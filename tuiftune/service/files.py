"""Upload training files: local lint first, byte progress, reuse of identical uploads, and the
Uploads API (parts) for files too large for a single request.

Cancel an upload by cancelling the task that runs ``upload_file``; a multipart upload is then
cancelled on the server too.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiofiles
import aiofiles.os
import openai
from openai.types import FileObject

from tuiftune.dataset import LintOptions, ReportedFinding, lint_file
from tuiftune.service.errors import NotFoundError, ServiceError, translated
from tuiftune.service.upload_cache import CachedUpload, UploadCache, cache_key

MULTIPART_THRESHOLD = 512 * 1024 * 1024
PART_SIZE = 64 * 1024 * 1024
JSONL_MIME = "application/jsonl"

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes sent so far, total bytes)."""


class DatasetRejectedError(ServiceError):
    """The local linter found errors in the file; nothing was uploaded."""

    def __init__(self, path: Path, errors: int, findings: Sequence[ReportedFinding]):
        self.path = path
        self.errors = errors
        self.findings = list(findings)
        shown = [f for f in self.findings if f.severity == "error"][:5]
        lines = "".join(
            f"\n  line {f.line} [{f.rule}]{' ' + f.field if f.field else ''}: {f.message}"
            for f in shown
        )
        super().__init__(
            f"{path} has {errors} error(s); fix them (`tuiftune lint`) or upload with force."
            + lines
        )


@dataclass(frozen=True)
class UploadResult:
    """The uploaded (or reused) file and what the linter said about it."""

    file: FileObject
    reused: bool
    sha256: str
    findings: list[ReportedFinding] = field(default_factory=list)


class _ProgressBuffer(io.BytesIO):
    """In-memory file whose reads (done by the HTTP client as it sends) report progress."""

    def __init__(self, data: bytes, report: Callable[[int], None]) -> None:
        super().__init__(data)
        self._report = report

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self._report(self.tell())
        return chunk


def _digests(path: Path) -> tuple[str, str]:
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
            md5.update(chunk)
    return sha.hexdigest(), md5.hexdigest()


async def lint_before_upload(path: Path, model: str | None, force: bool) -> list[ReportedFinding]:
    """Lint with the dataset core; raise ``DatasetRejectedError`` on errors unless forced."""
    cancel = threading.Event()
    try:
        report = await lint_file(path, LintOptions(model=model), cancel=cancel)
    except asyncio.CancelledError:
        cancel.set()  # the lint runs in a thread: tell it to stop too
        raise
    if report.errors and not force:
        raise DatasetRejectedError(path, report.errors, report.findings)
    return list(report.findings)


async def _reusable(
    client: openai.AsyncOpenAI, cache: UploadCache, key: str, filename: str, size: int, purpose: str
) -> FileObject | None:
    entry = await cache.get(key)
    if entry is None or (entry.filename, entry.bytes, entry.purpose) != (filename, size, purpose):
        return None
    try:
        async with translated():
            remote = await client.files.retrieve(entry.file_id)
    except NotFoundError:
        await cache.forget(key)
        return None
    same = (remote.filename, remote.bytes, remote.purpose) == (filename, size, purpose)
    if not same or getattr(remote, "status", None) in ("error", "deleted"):
        await cache.forget(key)
        return None
    return remote


async def _upload_single(
    client: openai.AsyncOpenAI,
    path: Path,
    purpose: str,
    size: int,
    progress: ProgressCallback | None,
) -> FileObject:
    async with aiofiles.open(path, "rb") as fh:
        data = await fh.read()
    buffer = _ProgressBuffer(
        data, lambda sent: progress(min(sent, size), size) if progress else None
    )
    return await client.files.create(file=(path.name, buffer, JSONL_MIME), purpose=purpose)  # type: ignore[arg-type]


async def _upload_parts(
    client: openai.AsyncOpenAI,
    path: Path,
    purpose: str,
    size: int,
    md5: str,
    part_size: int,
    progress: ProgressCallback | None,
) -> FileObject:
    upload = await client.uploads.create(
        bytes=size,
        filename=path.name,
        mime_type=JSONL_MIME,
        purpose=purpose,  # type: ignore[arg-type]
    )
    part_ids: list[str] = []
    try:
        async with aiofiles.open(path, "rb") as fh:
            offset = 0
            while offset < size:
                chunk = await fh.read(part_size)
                if not chunk:
                    break
                base = offset

                def report(sent: int, base: int = base) -> None:
                    if progress:
                        progress(min(base + sent, size), size)

                part = await client.uploads.parts.create(
                    upload.id, data=(path.name, _ProgressBuffer(chunk, report))
                )
                part_ids.append(part.id)
                offset += len(chunk)
        done = await client.uploads.complete(upload.id, part_ids=part_ids, md5=md5)
    except BaseException:
        # Cancelled or failed: do not leave a pending upload holding storage for an hour.
        with contextlib.suppress(Exception):
            await asyncio.shield(client.uploads.cancel(upload.id))
        raise
    if done.file is None:
        raise ServiceError(
            f"The upload of {path.name} completed without a file (status {done.status})."
        )
    return done.file


async def upload_file(
    client: openai.AsyncOpenAI,
    path: str | Path,
    *,
    purpose: str = "fine-tune",
    model: str | None = None,
    force: bool = False,
    validate: bool = True,
    on_progress: ProgressCallback | None = None,
    cache: UploadCache | None = None,
    multipart_threshold: int = MULTIPART_THRESHOLD,
    part_size: int = PART_SIZE,
) -> UploadResult:
    """Lint, then upload ``path`` (or reuse an identical earlier upload)."""
    path = Path(path)
    size = (await aiofiles.os.stat(path)).st_size
    findings: list[ReportedFinding] = []
    if validate and purpose == "fine-tune":
        findings = await lint_before_upload(path, model, force)
    sha256, md5 = await asyncio.to_thread(_digests, path)
    cache = cache or UploadCache()
    key = cache_key(str(client.base_url), sha256)
    existing = await _reusable(client, cache, key, path.name, size, purpose)
    if existing is not None:
        if on_progress:
            on_progress(size, size)
        return UploadResult(file=existing, reused=True, sha256=sha256, findings=findings)
    async with translated():
        if size > multipart_threshold:
            fobj = await _upload_parts(client, path, purpose, size, md5, part_size, on_progress)
        else:
            fobj = await _upload_single(client, path, purpose, size, on_progress)
    await cache.put(key, CachedUpload(fobj.id, path.name, size, purpose))
    return UploadResult(file=fobj, reused=False, sha256=sha256, findings=findings)
