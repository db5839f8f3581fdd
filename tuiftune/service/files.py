"""Upload training files: local lint first, byte progress, reuse of identical uploads, and the
Uploads API (parts) for files too large for a single request.

Cancel an upload by cancelling the task that runs ``upload_file``; a multipart upload is then
cancelled on the server too.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiofiles.os

from tuiftune.dataset import LintOptions, ReportedFinding, lint_file
from tuiftune.service.errors import NotFoundError, ServiceError
from tuiftune.service.providers.base import FilesProvider, ProgressCallback
from tuiftune.service.types import FileRef
from tuiftune.service.upload_cache import CachedUpload, UploadCache, cache_key

__all__ = [
    "MULTIPART_THRESHOLD",
    "PART_SIZE",
    "DatasetRejectedError",
    "ProgressCallback",
    "UploadResult",
    "lint_before_upload",
    "upload_file",
]

MULTIPART_THRESHOLD = 512 * 1024 * 1024
PART_SIZE = 64 * 1024 * 1024


class DatasetRejectedError(ServiceError):
    """The local linter found errors in the file; nothing was uploaded."""

    def __init__(self, path: Path, errors: int, findings: Sequence[ReportedFinding]):
        self.path = path
        self.errors = errors
        self.findings = list(findings)
        shown = [f for f in self.findings if f.severity == "error"][:5]
        lines = "".join(
            f"\n  {f'line {f.line}' if f.line else 'file'} [{f.rule}]"
            f"{' ' + f.field if f.field else ''}: {f.message}"
            for f in shown
        )
        super().__init__(
            f"{path} has {errors} error(s); fix them (`tuiftune lint`), or upload anyway with"
            " --force (in the Jobs form: 'upload even if the lint finds errors')." + lines
        )


@dataclass(frozen=True)
class UploadResult:
    """The uploaded (or reused) file and what the linter said about it."""

    file: FileRef
    reused: bool
    sha256: str
    findings: list[ReportedFinding] = field(default_factory=list)


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
    files: FilesProvider, cache: UploadCache, key: str, filename: str, size: int, purpose: str
) -> FileRef | None:
    entry = await cache.get(key)
    if entry is None or (entry.filename, entry.bytes, entry.purpose) != (filename, size, purpose):
        return None
    try:
        remote = await files.retrieve(entry.file_id)
    except NotFoundError:
        await cache.forget(key)
        return None
    same = (remote.filename, remote.bytes, remote.purpose) == (filename, size, purpose)
    if not same or remote.status in ("error", "deleted"):
        await cache.forget(key)
        return None
    return remote


async def upload_file(
    files: FilesProvider,
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
    key = cache_key(files.cache_scope, sha256)
    existing = await _reusable(files, cache, key, path.name, size, purpose)
    if existing is not None:
        if on_progress:
            on_progress(size, size)
        return UploadResult(file=existing, reused=True, sha256=sha256, findings=findings)
    fobj = await files.upload(
        path,
        purpose=purpose,
        size=size,
        md5=md5,
        on_progress=on_progress,
        large_file_threshold=multipart_threshold,
        part_size=part_size,
    )
    await cache.put(key, CachedUpload(fobj.id, path.name, size, purpose))
    return UploadResult(file=fobj, reused=False, sha256=sha256, findings=findings)
