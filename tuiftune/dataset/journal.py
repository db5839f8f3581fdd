"""A crash journal beside a file being edited, so that unsaved edits survive a crash.

``.<name>.tuiftune-journal``: a header line (size, mtime and sha256 of the bytes the edits apply
to), then one JSON line per positional op of ``Document.subscribe_ops``, undo and redo included.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from tuiftune.dataset.document import BOM, EOLS, Document
from tuiftune.dataset.edit_ops import Op
from tuiftune.dataset.split import write_file

VERSION = 1


class JournalError(Exception):
    """There is no usable journal, or it does not apply to this document."""


def journal_path(path: Path) -> Path:
    """Where the journal of ``path`` lives: a hidden file in the same folder."""
    return path.with_name(f".{path.name}.tuiftune-journal")


@dataclass(frozen=True, slots=True)
class JournalInfo:
    """A journal found on disk, for the "recover unsaved edits?" question."""

    path: Path
    journal: Path
    edits: int
    modified: float  # its last write, Unix time
    matches: bool  # whether the file on disk still holds the bytes the edits apply to
    reason: str | None = None  # why not
    torn: bool = False  # a half-written last line (a crash mid-write) was ignored

    async def discard(self) -> None:
        """Delete the journal (the user declined to recover)."""
        await asyncio.to_thread(self.journal.unlink, missing_ok=True)


def _line(value: dict[str, Any]) -> bytes:
    return json.dumps(value).encode("ascii") + b"\n"  # ASCII: lone surrogates are escaped


def _encode(doc: Document, ops: list[Op], dominant: bytes) -> bytes:
    """Ops as journal lines; record ids never change, so this may run after the fact."""
    entries: list[dict[str, Any]] = []
    for op in ops:
        entry: dict[str, Any] = {"op": op.kind, "pos": op.pos}
        if op.kind == "bom":
            entry = {"op": "bom", "on": bool(op.new)}
        elif op.kind == "move":
            entry["dest"] = op.dest
        elif op.kind in ("replace", "insert"):
            # surrogateescape keeps bytes that are not UTF-8 as lone surrogates: exact, JSON-safe
            entry["text"] = doc.raw(op.new).decode("utf-8", "surrogateescape")
            entry["eol"] = doc.eol(op.new).decode("ascii")
        entries.append(entry)
    if entries:  # the dominant ending counts every version ever made: a replay's differs
        entries[-1]["d"] = dominant.decode("ascii")
    return b"".join(map(_line, entries))


def _decode(doc: Document, entry: Any, length: int) -> tuple[Callable[[], object], int]:
    """The edit an entry makes, and the length after it (ValueError when it does not fit)."""
    kind, pos = entry["op"], entry.get("pos", 0)
    if kind == "bom":
        return partial(doc.set_bom, bool(entry["on"])), length
    if not isinstance(pos, int) or not 0 <= pos < length + (kind == "insert"):
        raise ValueError(f"position {pos!r} out of range")
    if kind in ("replace", "insert"):
        raw = entry["text"].encode("utf-8", "surrogateescape")
        eol = entry["eol"].encode("ascii")
        if eol not in EOLS or b"\n" in raw or (raw.endswith(b"\r") and eol == b"\n"):
            raise ValueError("a record must be one line")
        edit = doc.insert if kind == "insert" else doc.replace
        return partial(edit, pos, raw, eol=eol), length + (kind == "insert")
    if kind == "delete":
        return partial(doc.delete, pos), length - 1
    dest = entry["dest"]
    if kind != "move" or not isinstance(dest, int) or not 0 <= dest < length:
        raise ValueError(f"bad op {kind!r}")
    return partial(doc.move, pos, dest), length


def _read(jpath: Path) -> tuple[dict[str, Any], list[Any], int]:
    """The header, the ops and the length of the good part (a torn tail is left out)."""
    try:
        *lines, _ = jpath.read_bytes().split(b"\n")  # after the last newline: "" or a torn line
    except FileNotFoundError:
        raise JournalError(f"there is no journal {jpath}") from None
    with contextlib.suppress(ValueError, IndexError):
        header = json.loads(lines[0])
        if isinstance(header, dict) and header.get("tuiftune_journal") == VERSION:
            ops: list[Any] = []
            with contextlib.suppress(ValueError):  # a damaged line ends the usable part
                for line in lines[1:]:
                    ops.append(json.loads(line))
            return header, ops, sum(len(line) + 1 for line in lines[: len(ops) + 1])
    raise JournalError(f"{jpath} is not a tuiftune journal, or its header is damaged")


async def _header(doc: Document, *, write: bool = False) -> dict[str, Any]:
    """Size and sha256 of the bytes the document saves to now, and its eol-less lines."""
    assert doc.path is not None
    ids, bom, dominant = doc.id_list().tolist(), doc.bom, doc.dominant_eol()  # snapshot now
    whole = doc.pristine_bytes()

    def describe() -> dict[str, Any]:  # ids are immutable versions: safe in a worker thread
        if whole is not None:
            # Fresh from disk: one C-speed hash that releases the GIL (the loop per line
            # held it for 1-3 s at 1M rows while the editor's first lint ran).
            digest = hashlib.sha256(whole).hexdigest()
            return {"size": len(whole), "sha256": digest, "d": dominant.decode(), "eolless": []}
        sha = hashlib.sha256(BOM if bom else b"")
        size, last, eolless = len(BOM) * bom, len(ids) - 1, []
        for i, rid in enumerate(ids):
            eol = doc.eol(rid)
            if not eol and i != last:
                eolless.append(i)  # saved with the dominant ending: a fresh load has one here
                eol = dominant
            piece = doc.raw(rid) + eol
            sha.update(piece)
            size += len(piece)
        return {"size": size, "sha256": sha.hexdigest(), "d": dominant.decode(), "eolless": eolless}

    mtime, now = doc.stamp.mtime_ns if doc.stamp else 0, time.time()
    head = {"tuiftune_journal": VERSION, "file": doc.path.name, "mtime_ns": mtime, "created": now}
    head |= await asyncio.to_thread(describe)
    if write:  # a new journal of just the header: the document as it is now is the base
        await asyncio.to_thread(write_file, journal_path(doc.path), [_line(head)], overwrite=True)
    return head


def _append(jpath: Path, doc: Document, ops: list[Op], dominant: bytes, sync: bool) -> None:
    with open(jpath, "ab") as fh:
        fh.write(_encode(doc, ops, dominant))
        fh.flush()
        if sync:
            os.fsync(fh.fileno())


def _find(path: Path) -> JournalInfo | None:
    jpath = journal_path(path)
    if not jpath.exists():
        return None
    modified = jpath.stat().st_mtime
    try:
        header, ops, good = _read(jpath)
    except JournalError as exc:
        return JournalInfo(path, jpath, 0, modified, False, str(exc))
    reason = f"{path} changed on disk after the unsaved edits were made"
    with contextlib.suppress(FileNotFoundError), open(path, "rb") as fh:
        same_size = os.fstat(fh.fileno()).st_size == header.get("size")
        if same_size and hashlib.file_digest(fh, "sha256").hexdigest() == header.get("sha256"):
            reason = ""
    torn = good < jpath.stat().st_size
    return JournalInfo(path, jpath, len(ops), modified, not reason, reason or None, torn)


def _replay(doc: Document, header: dict[str, Any], ops: list[Any]) -> list[Op]:
    """Apply a journal as one transaction, returning its ops (JournalError: nothing applied)."""
    length, edits = len(doc), list[Callable[[], object]]()
    try:
        for pos in header["eolless"]:
            if not 0 <= pos < length:
                raise ValueError(f"eol-less line {pos!r} out of range")
            edits.append(partial(doc.replace, pos, doc.raw_at(pos), eol=b""))
        for op in ops:
            edit, length = _decode(doc, op, length)
            edits.append(edit)
        dominant = ([header["d"]] + [op["d"] for op in ops if "d" in op])[-1].encode()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise JournalError(f"the journal is damaged: {exc}") from exc
    made: list[Op] = []
    unsubscribe = doc.subscribe_ops(made.append)
    with contextlib.ExitStack() as stack:
        stack.callback(unsubscribe)
        stack.enter_context(doc.transaction("recover unsaved edits"))
        for edit in edits:
            edit()
        if doc.dominant_eol() != dominant:  # pin what the editor saved eol-less lines with
            for pos in range(len(doc) - 1):
                if not doc.eol(doc.id_at(pos)):
                    doc.replace(pos, doc.raw_at(pos), eol=dominant)
    return made


class Journal:
    """Appends a document's edits to its journal the moment they are made; fsyncs in bursts.

    Each edit is written (without fsync) before the call that made it returns: once ``write``
    returns the bytes are the kernel's, so a crash or ``kill -9`` of tuiftune right after an
    edit loses nothing. Only a crash of the machine itself can lose the last ``delay`` seconds,
    which the background fsync bounds. Like the document itself, it expects edits on the event
    loop's thread.
    """

    def __init__(self, doc: Document, fsync: bool, delay: float) -> None:
        assert doc.path is not None
        self.doc, self.journal, self.fsync, self.delay = doc, journal_path(doc.path), fsync, delay
        self.error: OSError | None = None  # the last failed write
        self._ops: list[Op] = []
        self._unsynced = False  # written at once, fsync still to come
        self._io = asyncio.Lock()  # one writer at a time: append, rewrite or delete
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._unsubscribe = doc.subscribe_ops(self._on_op)

    @classmethod
    async def start(cls, doc: Document, *, fsync: bool = True, delay: float = 0.3) -> Journal:
        """Journal edits from now on, writing at most once per ``delay`` seconds: a fresh journal
        for an unmodified document, else append to the journal ``recover`` just replayed."""
        if doc.path is None:
            raise JournalError("the document has no file to keep a journal beside")
        jpath = journal_path(doc.path)
        if doc.dirty:
            good = (await asyncio.to_thread(_read, jpath))[2]
            await asyncio.to_thread(os.truncate, jpath, good)  # drop a torn tail
        else:
            await _header(doc, write=True)
        return cls(doc, fsync, delay)

    @classmethod
    async def find(cls, path: str | Path) -> JournalInfo | None:
        """The journal of ``path`` (None when there is none)."""
        return await asyncio.to_thread(_find, Path(path))

    @classmethod
    async def recover(cls, doc: Document) -> int:
        """Replay the journal onto the freshly loaded document as one undoable edit; returns
        the number of edits (JournalError when it is not the file the edits apply to)."""
        if doc.path is None or doc.dirty:
            raise JournalError("recover onto a freshly loaded, unmodified document")
        jpath = journal_path(doc.path)
        header, ops, _ = await asyncio.to_thread(_read, jpath)
        now = await _header(doc)
        if (now["size"], now["sha256"]) != (header.get("size"), header.get("sha256")):
            raise JournalError(f"{doc.path} is not the file the journaled edits apply to")
        replayed = _replay(doc, header, ops)
        # Rewritten as what was applied, without a torn tail, so journaling can resume.
        lines = [_line(header | {"eolless": []}), _encode(doc, replayed, doc.dominant_eol())]
        await asyncio.to_thread(write_file, jpath, lines, overwrite=True)
        return len(ops)

    def _on_op(self, op: Op) -> None:
        self._ops.append(op)
        if not self._closed and not self._io.locked():
            # Written now, on the loop's thread: one small append (a bulk fix is one op list).
            ops, self._ops = self._ops, []
            try:
                _append(self.journal, self.doc, ops, self.doc.dominant_eol(), False)
                self._unsynced = True
            except OSError as exc:
                self._ops[:0] = ops  # kept for the next flush
                self.error = exc
        if self._task is None or self._task.done():
            with contextlib.suppress(RuntimeError):  # no loop running here: flush() by hand
                self._task = asyncio.get_running_loop().create_task(self._autoflush())

    async def _autoflush(self) -> None:
        try:
            while self._ops or self._unsynced:
                await asyncio.sleep(self.delay)  # throttled: one fsync for a burst of edits
                await self.flush()
        except OSError as exc:  # nobody awaits this task: keep the error for the editor
            self.error = exc

    async def flush(self) -> None:
        """Append the pending edits now and fsync the journal (unless turned off)."""
        async with self._io:
            ops, self._ops = self._ops, []
            if (not ops and not self._unsynced) or self._closed:
                return
            args = (self.journal, self.doc, ops, self.doc.dominant_eol(), self.fsync)
            try:
                await asyncio.to_thread(_append, *args)
            except OSError:
                self._ops[:0] = ops
                raise
            self._unsynced = False

    async def saved(self) -> None:
        """Call right after a successful save: start over from the saved bytes."""
        async with self._io:
            self._ops.clear()
            self._unsynced = False
            if not self._closed:
                await _header(self.doc, write=True)

    async def close(self) -> None:
        """Stop journaling: keep the journal when there are unsaved edits, else delete it."""
        await self.flush()
        await self._stop(delete=not self.doc.dirty)

    async def discard(self) -> None:
        """Stop journaling and delete the journal (the edits were saved or thrown away)."""
        await self._stop(delete=True)

    async def _stop(self, *, delete: bool) -> None:
        self._unsubscribe()
        self._unsubscribe = lambda: None
        async with self._io:  # the autoflush task is not mid-write while this is held
            self._closed = True
            if self._task is not None:
                self._task.cancel()
            if delete:
                self._ops.clear()
                await asyncio.to_thread(self.journal.unlink, missing_ok=True)
