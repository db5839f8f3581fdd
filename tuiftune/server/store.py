"""Where state lives: in memory, or as JSON files and blobs under a state directory."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from tuiftune.server.records import FileRecord, JobRecord, UploadRecord

log = logging.getLogger(__name__)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a state file so that a crash leaves the old file or the new one."""
    # A crash mid-write must leave either the old file or the new one, never half of each.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _dump(obj: Any) -> bytes:
    return json.dumps(obj, indent=1, sort_keys=True).encode()


class Store:
    """Files, uploads, jobs and deleted model names; persisted when ``root`` is given."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self.files: dict[str, FileRecord] = {}
        self.uploads: dict[str, UploadRecord] = {}
        self.jobs: dict[str, JobRecord] = {}
        self.deleted_models: set[str] = set()
        self._blobs: dict[str, bytes] = {}
        self._seq = 0
        if root is not None:
            self._load(root)

    def next_seq(self) -> int:
        """A counter that orders objects created within the same clock tick."""
        self._seq += 1
        return self._seq

    # -- loading ---------------------------------------------------------------------------

    def _load(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        for path in sorted((root / "files").glob("*.json")):
            if (data := self._read_json(path)) is not None:
                record = FileRecord(**data)
                self.files[record.id] = record
        for path in sorted((root / "uploads").glob("*.json")):
            if (data := self._read_json(path)) is not None:
                upload = UploadRecord(**data)
                self.uploads[upload.id] = upload
        for path in sorted((root / "jobs").glob("*.json")):
            if (data := self._read_json(path)) is not None:
                job = JobRecord.from_dict(data)
                self.jobs[job.id] = job
        models = self._read_json(root / "models.json") if (root / "models.json").exists() else None
        self.deleted_models = set((models or {}).get("deleted", []))
        seqs = [r.seq for r in self.files.values()]
        seqs += [u.seq for u in self.uploads.values()] + [j.seq for j in self.jobs.values()]
        self._seq = max(seqs, default=0)
        # Dicts keep insertion order, which the list endpoints rely on.
        self.files = dict(sorted(self.files.items(), key=lambda kv: kv[1].seq))
        self.uploads = dict(sorted(self.uploads.items(), key=lambda kv: kv[1].seq))
        self.jobs = dict(sorted(self.jobs.items(), key=lambda kv: kv[1].seq))

    @staticmethod
    def _read_json(path: Path) -> dict[str, Any] | None:
        # One damaged record must not stop the server from starting with the rest.
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            log.warning("skipping unreadable state file %s: %s", path, exc)
            return None
        return data if isinstance(data, dict) else None

    # -- files -----------------------------------------------------------------------------

    async def add_file(self, record: FileRecord, data: bytes) -> None:
        """Store a new file and its bytes."""
        if self.root is None:
            self._blobs[record.id] = data
        else:
            await asyncio.to_thread(write_atomic, self.root / "files" / f"{record.id}.bin", data)
            write_atomic(
                self.root / "files" / f"{record.id}.json", _dump(dataclasses.asdict(record))
            )
        self.files[record.id] = record

    async def file_bytes(self, file_id: str) -> bytes:
        """The bytes of a stored file."""
        if self.root is None:
            return self._blobs[file_id]
        return await asyncio.to_thread((self.root / "files" / f"{file_id}.bin").read_bytes)

    def remove_file(self, file_id: str) -> None:
        """Forget a file and its bytes."""
        self.files.pop(file_id, None)
        self._blobs.pop(file_id, None)
        if self.root is not None:
            for suffix in (".json", ".bin"):
                (self.root / "files" / f"{file_id}{suffix}").unlink(missing_ok=True)

    # -- uploads ---------------------------------------------------------------------------

    def save_upload(self, upload: UploadRecord) -> None:
        """Record a new or changed upload."""
        self.uploads[upload.id] = upload
        if self.root is not None:
            path = self.root / "uploads" / f"{upload.id}.json"
            write_atomic(path, _dump(dataclasses.asdict(upload)))

    async def add_part(self, part_id: str, data: bytes) -> None:
        """Store the bytes of one upload part."""
        if self.root is None:
            self._blobs[part_id] = data
        else:
            await asyncio.to_thread(write_atomic, self.root / "parts" / f"{part_id}.bin", data)

    async def part_bytes(self, part_id: str) -> bytes:
        """The bytes of one upload part."""
        if self.root is None:
            return self._blobs[part_id]
        return await asyncio.to_thread((self.root / "parts" / f"{part_id}.bin").read_bytes)

    def drop_parts(self, part_ids: list[str]) -> None:
        """Free the parts of a finished or cancelled upload."""
        for part_id in part_ids:
            self._blobs.pop(part_id, None)
            if self.root is not None:
                (self.root / "parts" / f"{part_id}.bin").unlink(missing_ok=True)

    # -- jobs and models -------------------------------------------------------------------

    def save_job(self, job: JobRecord) -> None:
        """Record a new or changed job."""
        self.jobs[job.id] = job
        if self.root is not None:
            write_atomic(self.root / "jobs" / f"{job.id}.json", _dump(job.to_dict()))

    def delete_model(self, name: str) -> None:
        """Remember that a fine-tuned model was deleted."""
        self.deleted_models.add(name)
        if self.root is not None:
            data = {"deleted": sorted(self.deleted_models)}
            write_atomic(self.root / "models.json", _dump(data))
