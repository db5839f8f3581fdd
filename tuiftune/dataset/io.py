"""Loading and saving JSONL files losslessly: BOM, CRLF, a missing final newline, any bytes."""

from __future__ import annotations

import asyncio
import os
from array import array
from collections.abc import Callable
from pathlib import Path

import aiofiles
import aiofiles.os

from tuiftune.dataset.atomic import atomic_writer, check_regular, write_target
from tuiftune.dataset.document import BOM, Document
from tuiftune.dataset.edit_ops import DiskStamp

CHUNK = 4 * 1024 * 1024

Progress = Callable[[int, int], None]


class FileChangedError(Exception):
    """The file on disk changed since it was loaded; saving would overwrite someone's edits."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} changed on disk since it was loaded; reload it, or save again to overwrite it"
        )
        self.path = path


def index_lines(buffer: bytes | bytearray, start: int = 0) -> tuple[array[int], bytearray]:
    """Find each line's content span and line ending (0: none, 1: LF, 2: CRLF)."""
    spans: array[int] = array("q")
    eols = bytearray()
    find = buffer.find
    pos = start
    end = len(buffer)
    while pos < end:
        nl = find(b"\n", pos)
        if nl < 0:
            spans.append(pos)
            spans.append(end)
            eols.append(0)
            break
        if nl > pos and buffer[nl - 1] == 0x0D:
            spans.append(pos)
            spans.append(nl - 1)
            eols.append(2)
        else:
            spans.append(pos)
            spans.append(nl)
            eols.append(1)
        pos = nl + 1
    return spans, eols


def load_bytes(data: bytes | bytearray, path: str | Path | None = None) -> Document:
    """Build a document from a file's bytes (kept as they are)."""
    bom = data.startswith(BOM)
    spans, eols = index_lines(data, len(BOM) if bom else 0)
    return Document(data, spans, eols, path=Path(path) if path else None, bom=bom)


def _stamp(st: os.stat_result) -> DiskStamp:
    return DiskStamp(st.st_size, st.st_mtime_ns)


async def load_document(path: str | Path, progress: Progress | None = None) -> Document:
    """Stream a file into a document; ``progress(done_bytes, total_bytes)`` is called per chunk."""
    path = Path(path)
    st = await asyncio.to_thread(check_regular, path)  # a FIFO would block the read forever
    # Read into one preallocated buffer: peak memory stays at the file's size instead of
    # chunks plus their concatenation.
    buffer = bytearray(st.st_size)
    view = memoryview(buffer)
    filled = 0
    async with aiofiles.open(path, "rb") as fh:
        while True:
            chunk = await fh.read(CHUNK)
            if not chunk:
                break
            if filled + len(chunk) > len(buffer):  # the file grew while we read it
                view.release()
                buffer.extend(b"\0" * (filled + len(chunk) - len(buffer)))
                view = memoryview(buffer)
            view[filled : filled + len(chunk)] = chunk
            filled += len(chunk)
            if progress is not None:
                progress(filled, st.st_size)
    view.release()
    del buffer[filled:]
    doc = await asyncio.to_thread(load_bytes, buffer, path)
    doc.stamp = _stamp(st)
    return doc


def read_document(path: str | Path) -> Document:
    """``load_document`` without an event loop (for a worker thread): the same document."""
    path = Path(path)
    st = check_regular(path)  # a FIFO would block the read forever
    buffer = bytearray(st.st_size)  # one buffer, as load_document: peak at the file's size
    with path.open("rb") as fh:
        filled = fh.readinto(buffer)
        rest = fh.read()  # the file grew after the stat
    if rest:
        buffer[filled:] = rest
    else:
        del buffer[filled:]
    doc = load_bytes(buffer, path)
    doc.stamp = _stamp(st)
    return doc


async def disk_changed(doc: Document) -> bool:
    """Whether the document's file changed on disk since it was loaded or last saved."""
    if doc.path is None or doc.stamp is None:
        return False
    try:
        st = await aiofiles.os.stat(doc.path)
    except FileNotFoundError:
        return True
    return _stamp(st) != doc.stamp


def _atomic_write(target: Path, chunks: list[bytes]) -> os.stat_result:
    """Write beside the target, fsync, keep permissions, rename over it (see ``atomic``)."""
    with atomic_writer(target, overwrite=True) as fh:
        for chunk in chunks:
            fh.write(chunk)
    return os.stat(write_target(target))


def _batched(doc: Document, size: int = CHUNK) -> list[bytes]:
    out: list[bytes] = []
    batch: list[bytes] = []
    held = 0
    for piece in doc.iter_bytes():
        batch.append(piece)
        held += len(piece)
        if held >= size:
            out.append(b"".join(batch))
            batch, held = [], 0
    if batch:
        out.append(b"".join(batch))
    return out


async def save_document(
    doc: Document, path: str | Path | None = None, *, force: bool = False, adopt: bool = True
) -> Path:
    """Save atomically; refuses (FileChangedError) if the file changed on disk, unless forced.

    Saving to another path makes it the document's path when ``adopt`` (as "save as" does).
    """
    target = Path(path) if path is not None else doc.path
    if target is None:
        raise ValueError("the document has no path: give one to save it")
    same_file = doc.path is not None and target.resolve() == doc.path.resolve()
    if same_file and not force and await disk_changed(doc):
        raise FileChangedError(target)
    if not doc.bom and len(doc) and doc.raw_at(0).startswith(BOM):
        # Written bare, a first line that starts with the BOM's bytes would read back as a BOM
        # and lose them; a BOM in front keeps the line's bytes (and the file says it has one).
        doc.set_bom(True)
    chunks = await asyncio.to_thread(_batched, doc)
    st = await asyncio.to_thread(_atomic_write, target, chunks)
    if same_file or doc.path is None or adopt:
        doc.path = target
        doc.stamp = _stamp(st)
        doc.mark_saved()
    return target
