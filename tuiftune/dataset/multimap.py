"""A compact key -> record ids index for 100k+ records.

A dict of Python ints costs about 100 bytes an entry; here each record costs one 8-byte slot of
an open-addressing table (the keys themselves live in the linter's columns), and only keys
shared by two or more records get a Python list.
"""

from __future__ import annotations

from array import array

_EMPTY = -1
_DELETED = -2


class CompactIndex:
    """Maps a 64-bit key (read from ``keys[rid]``) to the record ids that have it."""

    __slots__ = ("_groups", "_keys", "_mask", "_table", "_used", "multi")

    def __init__(self, keys: array[int], capacity: int = 1024) -> None:
        size = 1024
        while size < capacity * 2:
            size *= 2
        self._keys = keys
        self._table: array[int] = array("q", [_EMPTY]) * size
        self._mask = size - 1
        self._used = 0  # occupied or deleted slots, for the load factor
        self._groups: dict[int, list[int]] = {}
        self.multi = 0  # keys with two or more ids

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
        self._table = array("q", [_EMPTY]) * size
        self._mask = size - 1
        self._used = 0
        for rid in old:
            self._table[self._slot(self._keys[rid])] = rid
            self._used += 1

    def add(self, key: int, rid: int) -> None:
        """Record that ``rid`` has ``key``."""
        table = self._table
        i = key & self._mask
        if table[i] == _EMPTY:  # the common case, inlined: a whole-file lint adds every record
            table[i] = rid
            self._used += 1
            if self._used * 3 > len(table) * 2:
                self._grow()
            return
        i = self._slot(key)
        head = self._table[i]
        if head >= 0:
            group = self._groups.get(key)
            if group is None:
                self._groups[key] = [head, rid]
                self.multi += 1
            else:
                group.append(rid)
            return
        if head == _EMPTY:
            self._used += 1
        self._table[i] = rid
        if self._used * 3 > len(self._table) * 2:
            self._grow()

    def remove(self, key: int, rid: int) -> None:
        """Forget that ``rid`` has ``key``."""
        i = self._slot(key)
        group = self._groups.get(key)
        if group is None:
            self._table[i] = _DELETED
            return
        group.remove(rid)
        if self._table[i] == rid:
            self._table[i] = group[0]
        if len(group) == 1:
            del self._groups[key]
            self.multi -= 1

    def ids(self, key: int) -> list[int]:
        """The ids with ``key`` (empty when none)."""
        group = self._groups.get(key)
        if group is not None:
            return group
        head = self._table[self._slot(key)]
        return [head] if head >= 0 else []

    def size(self, key: int) -> int:
        """How many ids have ``key``."""
        group = self._groups.get(key)
        if group is not None:
            return len(group)
        return 1 if self._table[self._slot(key)] >= 0 else 0
