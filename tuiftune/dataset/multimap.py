"""A compact key -> record ids index for 100k+ records.

A dict of Python ints costs about 100 bytes an entry. Here the keys live in the linter's
columns; a 4-byte slot of an open-addressing table holds a key's first id, and the ids sharing
a key are chained through a per-record ``next`` array, with the group's size kept at its first
id: 12-17 bytes a record whatever the groups. (A dict of lists for the shared keys took 80 MB
at a million real rows, 460k shared prompts: half the budget of the whole lint.)
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

_EMPTY = -1
_DELETED = -2
_END = -1  # the end of a chain in ``_next``


class CompactIndex:
    """Maps a 64-bit key (read from ``keys[rid]``) to the record ids that have it."""

    __slots__ = ("_keys", "_mask", "_next", "_size", "_table", "_used", "extra", "multi")

    def __init__(self, keys: array[int], capacity: int = 1024) -> None:
        size = 1024
        while size < capacity * 2:
            size *= 2
        self._keys = keys
        self._table: array[int] = array("i", [_EMPTY]) * size
        self._mask = size - 1
        self._used = 0  # occupied or deleted slots, for the load factor
        self._next: array[int] = array("i", [_END]) * capacity
        self._size: array[int] = array("i", [0]) * capacity  # meaningful at a chain's head
        self.multi = 0  # keys with two or more ids
        self.extra = 0  # ids past each key's first (a duplicate count, kept as ids come and go)

    def _slot(self, key: int) -> int:
        """The slot holding ``key``, or the first free slot where it would go."""
        table, keys, mask = self._table, self._keys, self._mask
        i = key & mask
        free = -1
        while True:
            rid = table[i]
            if rid == _EMPTY:
                return i if free < 0 else free
            if rid == _DELETED:
                if free < 0:
                    free = i
            elif keys[rid] == key:
                return i
            i = (i + 1) & mask

    def _grow(self) -> None:
        old = [rid for rid in self._table if rid >= 0]
        size = len(self._table) * 2
        self._table = array("i", [_EMPTY]) * size
        self._mask = size - 1
        self._used = 0
        for rid in old:
            self._table[self._slot(self._keys[rid])] = rid
            self._used += 1

    def _reserve(self, rid: int) -> None:
        # Edits add ids past the file's: grow by an eighth at least, not one at a time.
        missing = max(rid + 1 - len(self._next), len(self._next) // 8, 1024)
        self._next.extend(array("i", [_END]) * missing)
        self._size.extend(array("i", [0]) * missing)

    def add(self, key: int, rid: int) -> None:
        """Record that ``rid`` has ``key``."""
        if rid >= len(self._next):
            self._reserve(rid)
        table = self._table
        i = key & self._mask
        if table[i] == _EMPTY:  # the common case, inlined: a whole-file lint adds every record
            table[i] = rid
            self._next[rid] = _END
            self._size[rid] = 1
            self._used += 1
            if self._used * 3 > len(table) * 2:
                self._grow()
            return
        i = self._slot(key)
        head = table[i]
        if head >= 0:  # the key is there: chain the id after its first one
            self._next[rid] = self._next[head]
            self._next[head] = rid
            self._size[head] += 1
            self.extra += 1
            if self._size[head] == 2:
                self.multi += 1
            return
        if head == _EMPTY:
            self._used += 1
        table[i] = rid
        self._next[rid] = _END
        self._size[rid] = 1
        if self._used * 3 > len(table) * 2:
            self._grow()

    def remove(self, key: int, rid: int) -> None:
        """Forget that ``rid`` has ``key`` (ValueError when it does not)."""
        i = self._slot(key)
        head = self._table[i]
        if head < 0:
            raise ValueError(f"id {rid} is not in the index")
        nxt, size = self._next, self._size
        count = size[head]
        if head == rid:
            after = nxt[rid]
            self._table[i] = _DELETED if after == _END else after
            if after != _END:
                size[after] = count - 1
        else:
            prev, cur = head, nxt[head]
            while cur != rid:
                if cur == _END:
                    raise ValueError(f"id {rid} is not in the index")
                prev, cur = cur, nxt[cur]
            nxt[prev] = nxt[rid]
            size[head] = count - 1
        nxt[rid] = _END
        if count >= 2:
            self.extra -= 1
        if count == 2:
            self.multi -= 1

    def _chain(self, head: int) -> list[int]:
        out = []
        nxt = self._next
        while head != _END:
            out.append(head)
            head = nxt[head]
        return out

    def groups(self) -> Iterator[list[int]]:
        """The ids of each key that two or more ids have."""
        size = self._size
        for head in self._table:
            if head >= 0 and size[head] > 1:
                yield self._chain(head)

    def ids(self, key: int) -> list[int]:
        """The ids with ``key`` (empty when none)."""
        head = self._table[self._slot(key)]
        return self._chain(head) if head >= 0 else []

    def size(self, key: int) -> int:
        """How many ids have ``key``."""
        head = self._table[self._slot(key)]
        return self._size[head] if head >= 0 else 0
