"""The OpenAI provider's files (single requests, and the Uploads API in parts for large
files) and batches, through the ``openai`` SDK; errors leave as ``service.errors`` types."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiofiles
import openai

from tuiftune.service.errors import ServiceError
from tuiftune.service.providers.base import BatchesProvider, FilesProvider, ProgressCallback
from tuiftune.service.providers.openai_convert import batch_from_openai, file_from_openai
from tuiftune.service.providers.openai_errors import translated
from tuiftune.service.types import BatchInfo, FileRef

JSONL_MIME = "application/jsonl"
DEFAULT_PART_SIZE = 64 * 1024 * 1024


def _opt(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


class _ProgressBuffer(io.BytesIO):
    """In-memory file whose reads (done by the HTTP client as it sends) report progress."""

    def __init__(self, data: bytes, report: Callable[[int], None]) -> None:
        super().__init__(data)
        self._report = report

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self._report(self.tell())
        return chunk


class OpenAIFiles(FilesProvider):
    """Files and the Uploads API (parts) for files too large for one request."""

    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self.client = client
        self.cache_scope = str(client.base_url)

    async def upload(
        self,
        path: Path,
        *,
        purpose: str,
        size: int,
        md5: str,
        on_progress: ProgressCallback | None = None,
        large_file_threshold: int | None = None,
        part_size: int | None = None,
    ) -> FileRef:
        """One request, or the Uploads API above ``large_file_threshold``."""
        async with translated():
            if large_file_threshold is not None and size > large_file_threshold:
                fobj = await self._parts(
                    path, purpose, size, md5, part_size or DEFAULT_PART_SIZE, on_progress
                )
            else:
                fobj = await self._single(path, purpose, size, on_progress)
        return file_from_openai(fobj)

    async def _single(
        self, path: Path, purpose: str, size: int, progress: ProgressCallback | None
    ) -> Any:
        async with aiofiles.open(path, "rb") as fh:
            data = await fh.read()
        buffer = _ProgressBuffer(
            data, lambda sent: progress(min(sent, size), size) if progress else None
        )
        return await self.client.files.create(
            file=(path.name, buffer, JSONL_MIME),
            purpose=purpose,  # type: ignore[arg-type]
        )

    async def _parts(
        self,
        path: Path,
        purpose: str,
        size: int,
        md5: str,
        part_size: int,
        progress: ProgressCallback | None,
    ) -> Any:
        uploads = self.client.uploads
        upload = await uploads.create(
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

                    part = await uploads.parts.create(
                        upload.id, data=(path.name, _ProgressBuffer(chunk, report))
                    )
                    part_ids.append(part.id)
                    offset += len(chunk)
            done = await uploads.complete(upload.id, part_ids=part_ids, md5=md5)
        except BaseException:
            # Cancelled or failed: do not leave a pending upload holding storage for an hour.
            with contextlib.suppress(Exception):
                await asyncio.shield(uploads.cancel(upload.id))
            raise
        if done.file is None:
            raise ServiceError(
                f"The upload of {path.name} completed without a file (status {done.status})."
            )
        return done.file

    async def upload_bytes(self, filename: str, data: bytes, *, purpose: str) -> FileRef:
        """A small in-memory file."""
        async with translated():
            fobj = await self.client.files.create(
                file=(filename, data),
                purpose=purpose,  # type: ignore[arg-type]
            )
        return file_from_openai(fobj)

    async def retrieve(self, file_id: str) -> FileRef:
        """One file's metadata."""
        async with translated():
            return file_from_openai(await self.client.files.retrieve(file_id))

    async def list(self, *, purpose: str | None = None) -> list[FileRef]:
        """The first page of files (newest first), of one purpose if given."""
        async with translated():
            page = await self.client.files.list(**_opt(purpose=purpose))
        return [file_from_openai(f) for f in page.data]

    async def content(self, file_id: str) -> bytes:
        """A file's bytes."""
        async with translated():
            return (await self.client.files.content(file_id)).content


class OpenAIBatches(BatchesProvider):
    """The Batch API."""

    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self.client = client

    async def create(
        self,
        input_file_id: str,
        *,
        endpoint: str,
        completion_window: str = "24h",
        metadata: dict[str, str] | None = None,
    ) -> BatchInfo:
        """Start a batch."""
        async with translated():
            batch = await self.client.batches.create(
                input_file_id=input_file_id,
                endpoint=endpoint,  # type: ignore[arg-type]
                completion_window=completion_window,  # type: ignore[arg-type]
                metadata=metadata,
            )
        return batch_from_openai(batch)

    async def retrieve(self, batch_id: str) -> BatchInfo:
        """One batch."""
        async with translated():
            return batch_from_openai(await self.client.batches.retrieve(batch_id))

    async def cancel(self, batch_id: str) -> BatchInfo:
        """Cancel a batch."""
        async with translated():
            return batch_from_openai(await self.client.batches.cancel(batch_id))
