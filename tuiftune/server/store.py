"""Where state lives: in memory, or as JSON files and blobs under a state directory."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tuiftune.server.records import FileRecord, JobRecord, UploadRecord
from tuiftune.server.spooled import copy_atomic

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


def _read_all(source: IO[bytes]) -> bytes:
    source.seek(0)
    return source.read()


def _dump(obj: Any) -> bytes:
    return json.dumps(obj, indent=1, sort_keys=True).encode()


Stamp = tuple[int, int]
_RECORD_DIRS = ("files", "uploads", "jobs")


def _stamp(path: Path) -> Stamp | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


@dataclass(frozen=True)
class Changes:
    """What other processes changed in a state directory since it was last read."""

    changed: dict[str, tuple[Stamp, dict[str, Any] | None]]
    removed: list[str]


def scan_changes(root: Path, known: dict[str, Stamp]) -> Changes:
    """Compare the state files with ``known`` stamps and read the changed ones (blocking)."""
    changed: dict[str, tuple[Stamp, dict[str, Any] | None]] = {}
    seen: set[str] = set()
    # Every request of a shared state folder runs this: os.scandir and one stat per file, not
    # glob, Path objects and relative_to (about 2.5x faster over 1,865 jobs).
    stamps = [(k, s) for d in _RECORD_DIRS for k, s in _folder_stamps(root, d)]
    if (models := _stamp(root / "models.json")) is not None:
        stamps.append(("models.json", models))
    for key, stamp in stamps:
        seen.add(key)
        if known.get(key) != stamp:
            changed[key] = (stamp, Store._read_json(root / key))
    return Changes(changed, [key for key in known if key not in seen])


def _folder_stamps(root: Path, folder: str) -> list[tuple[str, Stamp]]:
    """``(folder/NAME.json, stamp)`` for the records in one folder (temp files are hidden)."""
    out: list[tuple[str, Stamp]] = []
    try:
        entries = os.scandir(root / folder)
    except OSError:
        return out
    with entries:
        for entry in entries:
            if entry.name.startswith(".") or not entry.name.endswith(".json"):
                continue
            try:
                st = entry.stat()
            except OSError:  # removed since the listing
                continue
            out.append((f"{folder}/{entry.name}", (st.st_mtime_ns, st.st_size)))
    return out


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
        # What each state file looked like when this process last read or wrote it.
        self._stamps: dict[str, Stamp] = {}
        if root is not None:
            self._load(root)

    def next_seq(self) -> int:
        """A counter that orders objects created within the same clock tick."""
        self._seq += 1
        return self._seq

    # -- loading ---------------------------------------------------------------------------

    def _load(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.apply(scan_changes(root, {}))

    def _write(self, key: str, data: bytes) -> None:
        assert self.root is not None
        path = self.root / key
        write_atomic(path, data)
        if (stamp := _stamp(path)) is not None:
            self._stamps[key] = stamp

    # -- sharing a state directory with other processes ------------------------------------

    async def refresh(self) -> None:
        """Take in what other processes wrote to the state directory since the last look."""
        if self.root is None:
            return
        changes = await asyncio.to_thread(scan_changes, self.root, dict(self._stamps))
        if changes.changed or changes.removed:
            self.apply(changes)

    def apply(self, changes: Changes) -> None:
        """Replace changed records, drop removed ones, keep every dict in creation order."""
        for key in changes.removed:
            self._stamps.pop(key, None)
            folder, _, name = key.partition("/")
            record_id = name.removesuffix(".json")
            if folder == "files":
                self.files.pop(record_id, None)
            elif folder == "uploads":
                self.uploads.pop(record_id, None)
            elif folder == "jobs":
                self.jobs.pop(record_id, None)
        for key, (stamp, data) in changes.changed.items():
            self._stamps[key] = stamp
            if data is None:
                continue
            if key == "models.json":
                self.deleted_models = set(data.get("deleted", []))
            elif key.startswith("files/"):
                record = FileRecord(**data)
                self.files[record.id] = record
            elif key.startswith("uploads/"):
                upload = UploadRecord(**data)
                self.uploads[upload.id] = upload
            elif key.startswith("jobs/"):
                job = JobRecord.from_dict(data)
                self.jobs[job.id] = job
        self._order()

    def _order(self) -> None:
        seqs = [r.seq for r in self.files.values()]
        seqs += [u.seq for u in self.uploads.values()] + [j.seq for j in self.jobs.values()]
        self._seq = max([self._seq, *seqs])
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
            self._write(f"files/{record.id}.json", _dump(dataclasses.asdict(record)))
        self.files[record.id] = record

    async def add_file_from(self, record: FileRecord, source: IO[bytes]) -> None:
        """Store a new file whose bytes ``source`` holds, copied in chunks when persisted."""
        if self.root is None:
            await self.add_file(record, await asyncio.to_thread(_read_all, source))
            return
        await asyncio.to_thread(copy_atomic, source, self.root / "files" / f"{record.id}.bin")
        self._write(f"files/{record.id}.json", _dump(dataclasses.asdict(record)))
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
            self._stamps.pop(f"files/{file_id}.json", None)

    # -- uploads ---------------------------------------------------------------------------

    def save_upload(self, upload: UploadRecord) -> None:
        """Record a new or changed upload."""
        self.uploads[upload.id] = upload
        if self.root is not None:
            self._write(f"uploads/{upload.id}.json", _dump(dataclasses.asdict(upload)))

    async def add_part(self, part_id: str, data: bytes) -> None:
        """Store the bytes of one upload part."""
        if self.root is None:
            self._blobs[part_id] = data
        else:
            await asyncio.to_thread(write_atomic, self.root / "parts" / f"{part_id}.bin", data)

    async def add_part_from(self, part_id: str, source: IO[bytes]) -> None:
        """Store one upload part from a file object, copied in chunks when persisted."""
        if self.root is None:
            self._blobs[part_id] = await asyncio.to_thread(_read_all, source)
        else:
            await asyncio.to_thread(copy_atomic, source, self.root / "parts" / f"{part_id}.bin")

    def open_part(self, part_id: str) -> IO[bytes]:
        """One part's bytes as a file to read (opening it blocks, with a state folder)."""
        if self.root is None:
            return io.BytesIO(self._blobs[part_id])
        return (self.root / "parts" / f"{part_id}.bin").open("rb")

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
            self._write(f"jobs/{job.id}.json", _dump(job.to_dict()))

    def delete_model(self, name: str) -> None:
        """Remember that a fine-tuned model was deleted."""
        self.deleted_models.add(name)
        if self.root is not None:
            data = {"deleted": sorted(self.deleted_models)}
            self._write("models.json", _dump(data))
