"""A small local cache of uploaded files, so that an identical file is not uploaded twice.

Entries are keyed by the API's base URL and the file's sha256 (file ids only mean something on
the host that issued them); the caller verifies an entry with ``files.retrieve`` before reusing it.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

import aiofiles
import aiofiles.os
import platformdirs

from tuiftune.config import APP_NAME


@dataclass(frozen=True)
class CachedUpload:
    """What we remember about one uploaded file."""

    file_id: str
    filename: str
    bytes: int
    purpose: str


def default_cache_path() -> Path:
    """The cache file in the platform's cache folder."""
    return platformdirs.user_cache_path(APP_NAME) / "uploads.json"


def cache_key(base_url: str, sha256: str) -> str:
    """The cache key for a file's hash on one host."""
    return f"{base_url.rstrip('/')}#{sha256}"


class UploadCache:
    """A JSON file mapping ``cache_key`` to ``CachedUpload``; unreadable files count as empty."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_cache_path()

    async def _load(self) -> dict[str, dict[str, object]]:
        try:
            async with aiofiles.open(self.path, encoding="utf-8") as fh:
                data = json.loads(await fh.read())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    async def _save(self, data: dict[str, dict[str, object]]) -> None:
        await aiofiles.os.makedirs(self.path.parent, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        async with aiofiles.open(tmp, "w", encoding="utf-8") as fh:
            await fh.write(json.dumps(data, indent=1, sort_keys=True))
        await aiofiles.os.replace(tmp, self.path)

    async def get(self, key: str) -> CachedUpload | None:
        """The remembered upload for ``key``, if any."""
        entry = (await self._load()).get(key)
        if not isinstance(entry, dict):
            return None
        try:
            return CachedUpload(
                file_id=str(entry["file_id"]),
                filename=str(entry["filename"]),
                bytes=int(str(entry["bytes"])),
                purpose=str(entry["purpose"]),
            )
        except (KeyError, ValueError):
            return None

    async def put(self, key: str, upload: CachedUpload) -> None:
        """Remember an upload."""
        data = await self._load()
        data[key] = dict(asdict(upload))
        await self._save(data)

    async def forget(self, key: str) -> None:
        """Drop an entry (the file was deleted on the server)."""
        data = await self._load()
        if data.pop(key, None) is not None:
            await self._save(data)
