"""A compact key -> record ids index: most keys have one id, kept as a bare int."""

from __future__ import annotations


class CompactIndex:
    """Maps a key to the ids that share it; a lone id costs no list (memory for 100k+ keys)."""

    __slots__ = ("_d", "multi")

    def __init__(self) -> None:
        self._d: dict[int, int | list[int]] = {}
        self.multi = 0  # keys with two or more ids

    def add(self, key: int, rid: int) -> None:
        """Record that ``rid`` has ``key``."""
        cur = self._d.get(key)
        if cur is None:
            self._d[key] = rid
        elif type(cur) is int:
            self._d[key] = [cur, rid]
            self.multi += 1
        else:
            cur.append(rid)  # type: ignore[union-attr]

    def remove(self, key: int, rid: int) -> None:
        """Forget that ``rid`` has ``key``."""
        cur = self._d[key]
        if type(cur) is int:
            del self._d[key]
            return
        assert isinstance(cur, list)
        cur.remove(rid)
        if len(cur) == 1:
            self._d[key] = cur[0]
            self.multi -= 1

    def ids(self, key: int) -> list[int]:
        """The ids with ``key`` (empty when none)."""
        cur = self._d.get(key)
        if cur is None:
            return []
        if type(cur) is int:
            return [cur]
        assert isinstance(cur, list)
        return cur

    def size(self, key: int) -> int:
        """How many ids have ``key``."""
        cur = self._d.get(key)
        if cur is None:
            return 0
        return 1 if type(cur) is int else len(cur)  # type: ignore[arg-type]
