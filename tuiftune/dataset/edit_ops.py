"""The document's edit steps: one op, a group of them undone together, a file's disk stamp."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Op:
    """One change: ``kind`` is replace, insert, delete, move or bom."""

    kind: str
    pos: int
    old: int = -1
    new: int = -1
    dest: int = -1


@dataclass(slots=True)
class Transaction:
    """A group of ops undone and redone together."""

    label: str
    ops: list[Op] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DiskStamp:
    """What the file on disk looked like when it was loaded or saved."""

    size: int
    mtime_ns: int
