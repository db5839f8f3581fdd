"""Together AI's files: ask for an upload URL, PUT the bytes there, then preprocess them.

The flow is the official SDK's ``AsyncUploadManager`` (``together/lib/resources/files.py``): a
multipart form with the name, type and sha256 of the file answered by a 302 to a presigned URL
and an ``X-Together-File-Id``. Files over 5 GB take the SDK's multipart path, not done here.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from tuiftune.service.errors import BadRequestError, ServiceError
from tuiftune.service.providers.base import FilesProvider, ProgressCallback
from tuiftune.service.providers.http_api import HttpApi, unix
from tuiftune.service.types import FileRef

_CHUNK = 1 << 20
_FILE_TYPES = {".jsonl": "jsonl", ".parquet": "parquet", ".csv": "csv"}
SINGLE_UPLOAD_MAX = 5 * 1024**3


def file_from(data: Mapping[str, Any]) -> FileRef:
    """A neutral ``FileRef`` from Together's ``FileResponse``."""
    return FileRef(
        id=str(data["id"]),
        filename=str(data.get("filename") or ""),
        bytes=int(data.get("bytes") or 0),
        purpose=str(data.get("purpose") or ""),
        created_at=unix(data.get("created_at")) or 0,
        status=data.get("processing_status"),
    )


class TogetherFiles(FilesProvider):
    """Files on Together: ask for an upload URL, PUT the bytes there, then preprocess."""

    def __init__(self, api: HttpApi) -> None:
        self.api = api
        self.cache_scope = f"together:{api.base_url}"

    async def _upload(
        self,
        name: str,
        checksum: str,
        size: int,
        chunks: AsyncIterator[bytes],
        purpose: str,
    ) -> FileRef:
        ext = Path(name).suffix.lower()
        if ext not in _FILE_TYPES:
            raise BadRequestError(
                f"{name}: Together takes .jsonl, .parquet or .csv files.", param="file", status=None
            )
        form = {
            "purpose": (None, purpose),
            "file_name": (None, name),
            "file_type": (None, _FILE_TYPES[ext]),
            "checksum": (None, checksum),
        }
        response = await self.api.send(
            "POST", "/v1/files", files=form, redirects_ok=True, accept=frozenset({409})
        )
        if response.status_code == 409:
            # The same bytes were uploaded before (the checksum matched): reuse that file.
            try:
                existing = str(response.json()["file_id"])
            except (ValueError, KeyError, TypeError):
                raise ServiceError("Together says the file exists but not which it is.") from None
            return await self.retrieve(existing)
        location = response.headers.get("location")
        file_id = response.headers.get("x-together-file-id")
        if not location or not file_id:
            raise ServiceError("Together did not say where to upload the file (no Location).")
        await self.api.send(
            "PUT", location, content=chunks, auth=False, headers={"content-length": str(size)}
        )
        return file_from(await self.api.json("POST", f"/v1/files/{file_id}/preprocess"))

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
        """Upload a local file with byte progress."""
        checksum = await asyncio.to_thread(_sha256, path)

        async def chunks() -> AsyncIterator[bytes]:
            sent = 0
            with path.open("rb") as fh:
                while block := await asyncio.to_thread(fh.read, _CHUNK):
                    sent += len(block)
                    if on_progress is not None:
                        on_progress(sent, size)
                    yield block

        return await self._upload(path.name, checksum, size, chunks(), purpose)

    async def upload_bytes(self, filename: str, data: bytes, *, purpose: str) -> FileRef:
        """Upload a small in-memory file."""

        async def one() -> AsyncIterator[bytes]:
            yield data

        checksum = hashlib.sha256(data).hexdigest()
        return await self._upload(filename, checksum, len(data), one(), purpose)

    async def retrieve(self, file_id: str) -> FileRef:
        """One file's metadata."""
        return file_from(await self.api.json("GET", f"/v1/files/{file_id}"))

    async def list(self, *, purpose: str | None = None) -> list[FileRef]:
        """Files, newest first."""
        data = await self.api.json("GET", "/v1/files")
        refs = [file_from(row) for row in data.get("data") or [] if isinstance(row, dict)]
        refs = [r for r in refs if purpose is None or r.purpose == purpose]
        return sorted(refs, key=lambda r: r.created_at, reverse=True)

    async def content(self, file_id: str) -> bytes:
        """A file's bytes."""
        return (await self.api.send("GET", f"/v1/files/{file_id}/content")).content


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()
