"""Findings by severity over the records in the document, kept as records come and go.

The editor's status line counts every finding after each edit. Counted afresh that took
0.31-0.45 s at a million real rows (numpy sorts of every duplicate and prompt key) and 21 ms at
100k. Here each record's findings are added when it is indexed and taken away when it is not,
so a count is a sum of a few counters; a prompt group's conflicts are recounted (a walk of that
group) only when one of its records comes or goes.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from tuiftune.dataset.file_context import (
    COUNT_IN_C_FROM,
    FileContext,
    sort_conflicts,
    walk_conflicts,
)
from tuiftune.dataset.findings import Finding, Severity
from tuiftune.dataset.formats import Format
from tuiftune.dataset.linter_state import LinterState

# An edit in a group of this many records took 0.3 ms all told, walks included; a larger group
# keeps a count of its own (one of 200k records, walked four times an edit: 51 ms; kept: 5 ms,
# the index's own unlinking).
BIG = 1024


def _count(counts: Counter[Severity], found: Iterable[Finding], sign: int) -> None:
    for f in found:
        counts[f.severity] += sign


class TalliedFindings(dict[int, tuple[Finding, ...]]):
    """Findings by record id, with their severities counted over the ids marked in ``present``
    (the linter's ``_indexed``) from ``start_counting`` on: a whole-file lint indexes every
    record, and counting each there would be a call a record for nothing read until the end.
    Only ``[rid] = ...`` and ``discard`` keep the count."""

    def __init__(self, present: bytearray) -> None:
        super().__init__()
        self._present = present
        self.counts: Counter[Severity] = Counter()
        self.counting = False

    def start_counting(self) -> None:
        """Count the findings of every present id, and keep counting from here on."""
        self.counts.clear()
        for rid, found in self.items():
            if self._is_present(rid):
                _count(self.counts, found, 1)
        self.counting = True

    def _is_present(self, rid: int) -> bool:
        return rid < len(self._present) and bool(self._present[rid])

    def __setitem__(self, rid: int, found: tuple[Finding, ...]) -> None:
        if self.counting and self._is_present(rid):
            _count(self.counts, self.get(rid, ()), -1)
            _count(self.counts, found, 1)
        super().__setitem__(rid, found)

    def discard(self, rid: int) -> None:
        """Forget a record's findings."""
        found = super().pop(rid, ())
        if self.counting and self._is_present(rid):
            _count(self.counts, found, -1)

    def entered(self, rid: int) -> None:
        """``rid`` is now marked present: count its findings (once counting)."""
        found = self.get(rid)
        if found and self.counting:
            _count(self.counts, found, 1)

    def left(self, rid: int) -> None:
        """``rid`` is no longer marked present: stop counting its findings."""
        found = self.get(rid)
        if found and self.counting:
            _count(self.counts, found, -1)


class ConflictTally:
    """Records of a prompt answered two ways or more, kept through the prompt index's changes.

    Unknown until first counted (``severities``): a whole-file lint adds records one by one, and
    recounting a group at each would walk it once a record. The UI thread's changes and the
    counting thread's first count meet under one lock, so a count taken while an edit went in
    is not kept.
    """

    def __init__(self, linter: LinterState) -> None:
        self._linter = linter
        self.total: int | None = None
        self._changes = 0
        self._lock = threading.Lock()
        # A group larger than BIG keeps its own count instead of being walked at each change:
        # key -> [a target of the group, how many of its records have it] (the group
        # conflicts when not all do).
        self._big: dict[int, list[int]] = {}

    @contextmanager
    def changing(self) -> Iterator[None]:
        """Hold around a change to the indexes once the first lint is over."""
        with self._lock:
            self._changes += 1
            yield

    def _conflicting(self, key: int) -> int:
        """How many records of the prompt ``key`` conflict (all of them, or none)."""
        index, tkey = self._linter._prompt_index, self._linter._tkey
        size = index.size(key)
        if size < 2:
            return 0
        known = self._big.get(key)
        if known is None:
            ids = index.ids(key)
            first = tkey[ids[0]]
            if size <= BIG:
                return size if any(tkey[rid] != first for rid in ids) else 0
            known = self._big[key] = [first, sum(1 for rid in ids if tkey[rid] == first)]
        return size if known[1] < size else 0

    def _moved(self, rid: int, key: int, step: int) -> None:
        known = self._big.get(key)
        if known is not None and self._linter._tkey[rid] == known[0]:
            known[1] += step
            if known[1] == 0:  # the last record with that target left: walk it afresh
                del self._big[key]

    def add(self, rid: int) -> None:
        """Index ``rid`` by its prompt key."""
        if self.total is None:  # the whole-file lint's hot path: one call, no recount
            self._linter._prompt_index.add(self._linter._pkey[rid], rid)
        else:
            self._change(rid, 1)

    def remove(self, rid: int) -> None:
        """Unindex ``rid`` from its prompt key."""
        self._change(rid, -1)

    def _change(self, rid: int, step: int) -> None:
        key, index = self._linter._pkey[rid], self._linter._prompt_index
        change = index.add if step > 0 else index.remove
        if self.total is None:
            change(key, rid)
            return
        before = self._conflicting(key)
        change(key, rid)
        self._moved(rid, key, step)
        self.total += self._conflicting(key) - before

    def count(self, current: Callable[[], FileContext | None], *, keep: bool) -> int:
        """The conflicts now (``current``: the linter's context, if it has one built); ``keep``:
        from here on, keep the count as records change."""
        if self.total is not None:
            return self.total
        linter = self._linter
        with self._lock:  # an edit waits meanwhile, and one under way finishes first
            seen = self._changes
            cached = current()  # None once an edit has begun: it resets the context first
            if cached is not None or len(linter.doc) < COUNT_IN_C_FROM:
                counted = walk_conflicts(linter) if cached is None else cached.conflicts
                if keep:
                    self.total = counted
                return counted
        # Large: numpy sorts copies of the columns outside the lock; kept only if no edit came.
        counted = sort_conflicts(linter)
        if keep:
            with self._lock:
                if self._changes == seen:
                    self.total = counted
        return counted


def context_counts(
    linter: LinterState,
    conflicts: ConflictTally,
    consensus: TalliedFindings,
    current: Callable[[], FileContext | None],
) -> Counter[Severity]:
    """The dataset rules' findings by severity (consensus, mixed formats, duplicates,
    conflicts) over the records in the document."""
    out = Counter(dict(consensus.counts))  # copied at once: the UI thread may be editing
    main = linter.main_format
    out[Severity.ERROR] += sum(
        n
        for fmt, n in linter.format_counts().items()
        if fmt.is_example and fmt is not main and fmt is not Format.UNKNOWN
    )
    ready = linter.ready
    out[Severity.WARNING] += linter._dup_index.extra + conflicts.count(current, keep=ready)
    return +out
