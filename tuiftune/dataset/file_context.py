"""The dataset rules of every record in one pass, for whole-file reports.

``record_context`` answers for one record (the editor's question) and caches each prompt
group's targets in a dict. A report of a million real rows asks for all of them: the caches
held a dict per group (about 100 MB beside 800k shared-prompt findings), so here each group is
resolved once into arrays of 4 bytes a record, and findings are built as they are read.
"""

from __future__ import annotations

from array import array
from typing import Any

from tuiftune.dataset.dataset_rules import (
    UNSET,
    conflict_finding,
    duplicate_finding,
    mixed_finding,
)
from tuiftune.dataset.findings import Finding
from tuiftune.dataset.formats import FORMAT_CODES, FORMAT_INDEX, Format
from tuiftune.dataset.linter_state import LinterState

_NONE = -1


class FileContext:
    """``record_context`` of every record of a linted document, as it is now."""

    def __init__(self, linter: LinterState) -> None:
        self._linter = linter
        doc = linter.doc
        position = doc.position
        self._main = linter.main_format
        self._main_code = FORMAT_INDEX[self._main]
        self._mixed = len(linter.format_counts()) > 1
        self._dups: dict[int, tuple[int, int]] = {}  # rid -> (first's line, copies)
        for group in linter._dup_index.groups():
            first = min(group, key=position)
            line = position(first) + 1
            for rid in group:
                if rid != first:
                    self._dups[rid] = (line, len(group))
        # rid -> the line named by its conflict finding, and that group's number of targets.
        self._other: array[int] | None = None
        self._kinds: array[int] | None = None
        tkey = linter._tkey
        for group in linter._prompt_index.groups():
            firsts: dict[int, int] = {}
            for rid in sorted(group, key=position):
                firsts.setdefault(tkey[rid], rid)
            if len(firsts) < 2:
                continue
            if self._other is None or self._kinds is None:
                self._other = array("i", [_NONE]) * doc.next_id
                self._kinds = array("i", [0]) * doc.next_id
            (first_key, first_rid), (_, second_rid) = list(firsts.items())[:2]
            first_line, second_line = position(first_rid) + 1, position(second_rid) + 1
            for rid in group:
                self._other[rid] = second_line if tkey[rid] == first_key else first_line
                self._kinds[rid] = len(firsts)

    def has(self, rid: int) -> bool:
        """Whether ``findings(rid)`` may be non-empty (cheap: the report's per-record filter)."""
        linter = self._linter
        return (
            rid in linter._ctx
            or rid in self._dups
            or (self._other is not None and self._other[rid] != _NONE)
            or (self._mixed and linter._fmt[rid] != self._main_code)
        )

    @property
    def conflicts(self) -> int:
        """Records whose prompt another record answers differently."""
        return 0 if self._other is None else len(self._other) - self._other.count(_NONE)

    def findings(self, rid: int) -> list[Finding]:
        """The same list as ``record_context(linter, rid)``."""
        linter = self._linter
        out: list[Finding] = list(linter._ctx.get(rid, ()))
        fmt = FORMAT_CODES[linter._fmt[rid]]
        main = self._main
        if fmt.is_example and fmt is not main and fmt is not Format.UNKNOWN:
            out.append(mixed_finding(fmt, main))
        dup = self._dups.get(rid)
        if dup is not None:
            out.append(duplicate_finding(*dup))
        if self._other is not None and self._kinds is not None and self._other[rid] != _NONE:
            out.append(conflict_finding(self._other[rid], self._kinds[rid], fmt))
        return out


# Below this many records the prompt groups are walked in Python in a few ms; at a million real
# rows (800k shared-prompt records) a FileContext's per-group loops took 2.0-2.6 s, while numpy's
# sorts count the same in C (0.3 s), the GIL released.
COUNT_IN_C_FROM = 20_000


def walk_conflicts(linter: LinterState) -> int:
    """``FileContext(linter).conflicts`` from the linter's index and columns, not the document
    (which the UI thread may be changing), walking each prompt group: the index must not
    change meanwhile."""
    tkey, total = linter._tkey, 0
    for group in linter._prompt_index.groups():
        first = tkey[group[0]]
        if any(tkey[rid] != first for rid in group):
            total += len(group)
    return total


def sort_conflicts(linter: LinterState) -> int:
    """``walk_conflicts`` by numpy sorts of copies of the key columns (safe while they change),
    for files of ``COUNT_IN_C_FROM`` records or more."""
    import numpy as np

    # Copies (tobytes) rather than views: the UI thread may grow these columns meanwhile, and
    # an array exporting its buffer cannot be resized.
    present = np.frombuffer(bytes(linter._indexed), dtype=np.uint8).astype(bool)
    n = len(present)

    def column(values: array[int]) -> Any:
        return np.frombuffer(values.tobytes(), dtype=np.int64)[:n][present[: len(values)]]

    pkey, tkey = column(linter._pkey), column(linter._tkey)
    shared = pkey != UNSET
    pkey, tkey = pkey[shared], tkey[shared]
    if not pkey.size:
        return 0
    order = np.lexsort((tkey, pkey))
    p, t = pkey[order], tkey[order]
    prompt_starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
    new_target = np.r_[True, (p[1:] != p[:-1]) | (t[1:] != t[:-1])]
    targets = np.add.reduceat(new_target.astype(np.int64), prompt_starts)
    sizes = np.diff(np.r_[prompt_starts, p.size])
    return int(sizes[targets >= 2].sum())  # each record of a prompt with 2+ targets
