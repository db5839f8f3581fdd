"""The dataset rules of every record in one pass, for whole-file reports.

``record_context`` answers for one record (the editor's question) and caches each prompt
group's targets in a dict. A report of a million real rows asks for all of them: the caches
held a dict per group (about 100 MB beside 800k shared-prompt findings), so here each group is
resolved once into arrays of 4 bytes a record, and findings are built as they are read.
"""

from __future__ import annotations

from array import array
from collections import Counter

from tuiftune.dataset.dataset_rules import conflict_finding, duplicate_finding, mixed_finding
from tuiftune.dataset.findings import Finding, Severity
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

    def severities(self) -> Counter[Severity]:
        """How many of each severity ``findings`` gives over every record in the document."""
        linter = self._linter
        doc = linter.doc
        out: Counter[Severity] = Counter()
        for rid, found in linter._ctx.items():
            if doc.contains(rid):
                out.update(f.severity for f in found)
        main = self._main
        out[Severity.ERROR] += sum(
            n
            for fmt, n in linter.format_counts().items()
            if fmt.is_example and fmt is not main and fmt is not Format.UNKNOWN
        )
        conflicts = 0 if self._other is None else len(self._other) - self._other.count(_NONE)
        out[Severity.WARNING] += len(self._dups) + conflicts
        return +out

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
