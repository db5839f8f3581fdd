"""The document model: a file's lines, editable, with undo/redo, kept compact in memory.

Original lines are not copied out of the file's bytes: each is a span into one buffer, so a
100k-line file costs its own size plus a few bytes a line. Every record version has an id; an
edit gives the record a new id, so anything computed for an id (lint results) stays valid and
undo is just putting the old id back.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tuiftune.dataset.edit_ops import DiskStamp, Op, Transaction

EOLS: tuple[bytes, ...] = (b"", b"\n", b"\r\n")
BOM = b"\xef\xbb\xbf"


ChangeListener = Callable[[list[int], list[int]], None]
OpListener = Callable[[Op], None]


class Document:
    """A JSONL file as an ordered list of records (lines), each with its raw bytes."""

    def __init__(
        self,
        buffer: bytes | bytearray = b"",
        spans: array[int] | None = None,
        eols: bytearray | None = None,
        *,
        path: Path | None = None,
        bom: bool = False,
        stamp: DiskStamp | None = None,
    ) -> None:
        self.path = path
        self.bom = bom
        self.stamp = stamp
        self._buffer = buffer
        self._view = memoryview(buffer)
        self._spans: array[int] = spans if spans is not None else array("q")
        self._eols = eols if eols is not None else bytearray()
        self._n_original = len(self._eols)
        self._overlay: dict[int, bytes] = {}
        self._order: array[int] = array("q", range(self._n_original))
        self._pos: dict[int, int] | None = None
        # Positions without a whole-file map: until a record is inserted, deleted or moved,
        # an original record sits at its own id and an edited one is in ``_edited``.
        self._present = bytearray(b"\x01") * self._n_original
        self._shifted = False
        self._edited: dict[int, int] = {}
        self._undo: list[Transaction] = []
        self._redo: list[Transaction] = []
        self._txn: Transaction | None = None
        self._listeners: list[ChangeListener] = []
        self._op_listeners: list[OpListener] = []
        self._pending: tuple[list[int], list[int]] | None = None
        # The undo step the file on disk matches (None: before any edit): undoing back to it
        # makes the document clean again, as editors do.
        self._clean_top: Transaction | None = None

    @property
    def dirty(self) -> bool:
        """Whether the content differs from the file as last loaded or saved."""
        if self._txn is not None and self._txn.ops:
            return True
        top = self._undo[-1] if self._undo else None
        return top is not self._clean_top

    def mark_saved(self) -> None:
        """The file now holds this undo step: undoing or redoing back to it is clean."""
        self._clean_top = self._undo[-1] if self._undo else None

    # -- reading -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._order)

    @property
    def next_id(self) -> int:
        """The id the next new record version will get (ids below it exist)."""
        return len(self._eols)

    def id_at(self, pos: int) -> int:
        """The record id at a 0-based position."""
        return self._order[pos]

    def ids(self) -> Iterator[int]:
        """Record ids in file order."""
        return iter(self._order)

    def id_list(self) -> array[int]:
        """A snapshot of the record ids in file order."""
        return array("q", self._order)

    def raw(self, rid: int) -> bytes:
        """A record's bytes without its line ending."""
        if rid < self._n_original:
            start, end = self._spans[2 * rid], self._spans[2 * rid + 1]
            return self._view[start:end].tobytes()
        return self._overlay[rid]

    def raw_at(self, pos: int) -> bytes:
        """The bytes of the record at a position."""
        return self.raw(self._order[pos])

    def text_at(self, pos: int) -> str:
        """The record at a position as text (invalid UTF-8 shown as U+FFFD)."""
        return self.raw_at(pos).decode("utf-8", "replace")

    def eol(self, rid: int) -> bytes:
        """A record's original line ending."""
        return EOLS[self._eols[rid]]

    def file_offset(self, rid: int) -> int | None:
        """Byte offset of an original line in the file (None for edited records)."""
        if rid < self._n_original:
            return self._spans[2 * rid]
        return None

    def position(self, rid: int) -> int:
        """The current 0-based position of a record id (KeyError if not in the document)."""
        if not self._shifted:
            if rid < self._n_original and self._present[rid]:
                return rid
            return self._edited[rid]
        if self._pos is None:
            self._pos = {r: i for i, r in enumerate(self._order)}
        return self._pos[rid]

    def contains(self, rid: int) -> bool:
        """Whether a record id is currently in the document."""
        return rid < len(self._present) and bool(self._present[rid])

    def _place(self, rid: int, present: bool) -> None:
        if rid >= len(self._present):
            self._present.extend(bytes(rid + 1 - len(self._present)))
        self._present[rid] = present

    def dominant_eol(self) -> bytes:
        """The most common line ending, used for new records."""
        crlf = self._eols.count(2)
        lf = self._eols.count(1)
        return b"\r\n" if crlf > lf else b"\n"

    @property
    def loaded_records(self) -> int:
        """How many records the file had when loaded (their ids are 0 to this, in file order)."""
        return self._n_original

    def loaded_crc(self) -> int:
        """CRC-32 of the bytes as loaded, edits aside (C speed, off the GIL: 6 GB/s)."""
        return zlib.crc32(self._buffer)

    def pristine_bytes(self) -> bytes | bytearray | None:
        """The loaded file's bytes when saving would write exactly them (nothing edited, no
        line moved), else None: a whole-file hash can then run at C speed, off the GIL."""
        if self.dirty or self._shifted or self._edited or self._overlay:
            return None
        if len(self._order) != self._n_original or self._undo:
            return None
        return self._buffer

    def iter_bytes(self) -> Iterator[bytes]:
        """The file's bytes in order, as it would be saved."""
        if self.bom:
            yield BOM
        last = len(self._order) - 1
        fallback = self.dominant_eol()
        for i, rid in enumerate(self._order):
            eol = EOLS[self._eols[rid]]
            if not eol and i != last:
                eol = fallback
            yield self.raw(rid) + eol

    # -- listening ---------------------------------------------------------------------------

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener(removed_ids, added_ids)`` after every change; returns unsubscribe."""
        self._listeners.append(listener)
        return lambda: self.unsubscribe(listener)

    def unsubscribe(self, listener: ChangeListener) -> None:
        """Stop calling ``listener`` (one not subscribed is left alone)."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def subscribe_ops(self, listener: OpListener) -> Callable[[], None]:
        """Call ``listener(op)`` after each applied op, undo and redo included; returns unsubscribe.

        Unlike ``subscribe`` this is positional and never batched, so replaying the ops in order
        onto the same starting content (a crash journal) rebuilds the document.
        """
        self._op_listeners.append(listener)
        return lambda: self._op_listeners.remove(listener)

    def _notify(self, removed: list[int], added: list[int]) -> None:
        if self._pending is not None:  # inside a transaction: tell listeners once, at the end
            self._pending[0].extend(removed)
            self._pending[1].extend(added)
            return
        for listener in self._listeners:
            listener(removed, added)

    @contextmanager
    def _batched_notify(self) -> Iterator[None]:
        if self._pending is not None:
            yield
            return
        self._pending = ([], [])
        try:
            yield
        finally:
            removed, added = self._pending
            self._pending = None
            if removed or added:
                for listener in self._listeners:
                    listener(removed, added)

    # -- editing -----------------------------------------------------------------------------

    def _new_id(self, raw: bytes, eol: bytes | None, *, exact: bool = False) -> int:
        # A trailing CR would merge into an LF ending on reload. A record restored exactly
        # (a given CRLF or no ending, as a loaded line can have) may keep one.
        if b"\n" in raw or (raw.endswith(b"\r") and not (exact and eol in (b"\r\n", b""))):
            raise ValueError("a record must be a single line (no line breaks)")
        rid = len(self._eols)
        self._overlay[rid] = raw
        self._eols.append(EOLS.index(eol if eol is not None else self.dominant_eol()))
        return rid

    @contextmanager
    def transaction(self, label: str) -> Iterator[Transaction]:
        """Group the edits made inside into one undo step."""
        if self._txn is not None:
            yield self._txn
            return
        self._txn = Transaction(label)
        try:
            with self._batched_notify():
                yield self._txn
        finally:
            txn, self._txn = self._txn, None
            if txn.ops:
                self._undo.append(txn)
                self._redo.clear()

    def _record(self, op: Op) -> None:
        if self._txn is not None:
            self._txn.ops.append(op)
        else:
            self._undo.append(Transaction(op.kind, [op]))
            self._redo.clear()

    def replace(self, pos: int, raw: bytes, *, eol: bytes | None = None) -> int:
        """Replace the record at ``pos`` with new bytes; returns the new id.

        The new version keeps the old line ending unless ``eol`` is given.
        """
        old = self._order[pos]
        new = self._new_id(
            raw, EOLS[self._eols[old]] if eol is None else eol, exact=eol is not None
        )
        self._apply(Op("replace", pos, old, new))
        return new

    def insert(self, pos: int, raw: bytes, *, eol: bytes | None = None) -> int:
        """Insert a record before ``pos`` (``len(doc)`` appends); returns its id.

        It gets the file's dominant line ending unless ``eol`` is given.
        """
        rid = self._new_id(raw, eol, exact=eol is not None)
        self._apply(Op("insert", pos, new=rid))
        return rid

    def delete(self, pos: int) -> None:
        """Delete the record at ``pos``."""
        self._apply(Op("delete", pos, old=self._order[pos]))

    def move(self, pos: int, dest: int) -> None:
        """Move the record at ``pos`` so that it ends up at position ``dest``."""
        if pos != dest:
            self._apply(Op("move", pos, old=self._order[pos], dest=dest))

    def set_bom(self, bom: bool) -> None:
        """Add or remove the UTF-8 byte-order mark (an undoable edit)."""
        if bom != self.bom:
            self._apply(Op("bom", int(bom), old=int(self.bom), new=int(bom)))

    def _shift(self) -> None:
        # Positions moved: from now on they come from the whole-file map, built when asked.
        self._shifted = True
        self._edited.clear()

    def _apply(self, op: Op, *, record: bool = True) -> None:
        removed: list[int] = []
        added: list[int] = []
        if op.kind == "bom":
            self.bom = bool(op.new)
        elif op.kind == "replace":
            self._order[op.pos] = op.new
            if self._pos is not None:
                self._pos.pop(op.old, None)
                self._pos[op.new] = op.pos
            self._place(op.old, False)
            self._place(op.new, True)
            if not self._shifted:
                self._edited.pop(op.old, None)
                if op.new != op.pos:  # an original restored at its own place needs no entry
                    self._edited[op.new] = op.pos
            removed, added = [op.old], [op.new]
        elif op.kind == "insert":
            self._order.insert(op.pos, op.new)
            self._pos = None
            self._place(op.new, True)
            self._shift()
            added = [op.new]
        elif op.kind == "delete":
            del self._order[op.pos]
            self._pos = None
            self._place(op.old, False)
            self._shift()
            removed = [op.old]
        elif op.kind == "move":
            rid = self._order.pop(op.pos)
            self._order.insert(op.dest, rid)
            self._pos = None
            self._shift()
            removed = added = [rid]
        if record:
            self._record(op)
        for op_listener in self._op_listeners:
            op_listener(op)
        self._notify(removed, added)

    @staticmethod
    def _inverse(op: Op) -> Op:
        if op.kind in ("replace", "bom"):
            return Op(op.kind, op.pos, op.new, op.old)
        if op.kind == "insert":
            return Op("delete", op.pos, old=op.new)
        if op.kind == "delete":
            return Op("insert", op.pos, new=op.old)
        return Op("move", op.dest, old=op.old, dest=op.pos)

    @property
    def can_undo(self) -> bool:
        """Whether there is an edit to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone edit to redo."""
        return bool(self._redo)

    def undo(self) -> str | None:
        """Undo the last transaction; returns its label (None if nothing to undo)."""
        if not self._undo:
            return None
        txn = self._undo.pop()
        with self._batched_notify():
            for op in reversed(txn.ops):
                self._apply(self._inverse(op), record=False)
        self._redo.append(txn)
        return txn.label

    def redo(self) -> str | None:
        """Redo the last undone transaction; returns its label."""
        if not self._redo:
            return None
        txn = self._redo.pop()
        with self._batched_notify():
            for op in txn.ops:
                self._apply(op, record=False)
        self._undo.append(txn)
        return txn.label
