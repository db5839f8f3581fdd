"""A report's findings, built from the linter each time they are read instead of held.

A million real rows gave 800k findings: held as objects with their messages they took more
memory than the file itself (0.6x its size), for a report that is printed once. Only the
findings added afterwards (a provider's rules) are kept. The linter's document is the report's
own (``lint_file`` reads it), so every reading gives the same findings.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import overload

from tuiftune.dataset.findings import ReportedFinding, Severity


class ReportedFindings(Sequence[ReportedFinding]):
    """Every finding with its line, in the linter's order, plus any added before or after."""

    def __init__(
        self,
        source: Callable[[], Iterator[ReportedFinding]] | None = None,
        severities: Counter[Severity] | None = None,
    ) -> None:
        """``severities``: how many of each the source gives (else one pass counts them)."""
        self._source = source
        self._head: list[ReportedFinding] = []
        self._tail: list[ReportedFinding] = []
        if severities is None:
            severities = Counter(f.severity for f in source()) if source else Counter()
        self._severities = Counter(severities)
        self._count = sum(severities.values())

    def __iter__(self) -> Iterator[ReportedFinding]:
        yield from self._head
        if self._source is not None:
            yield from self._source()
        yield from self._tail

    def __len__(self) -> int:
        return len(self._head) + self._count + len(self._tail)

    @overload
    def __getitem__(self, index: int) -> ReportedFinding: ...

    @overload
    def __getitem__(self, index: slice) -> list[ReportedFinding]: ...

    def __getitem__(self, index: int | slice) -> ReportedFinding | list[ReportedFinding]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step > 0:
                return list(itertools.islice(self, start, stop, step))
            return list(self)[index]
        n = len(self)
        pos = index + n if index < 0 else index
        if not 0 <= pos < n:
            raise IndexError("finding index out of range")
        return next(itertools.islice(self, pos, None))

    def __setitem__(self, index: slice, items: Iterable[ReportedFinding]) -> None:
        """Only ``findings[:0] = items`` (insert at the front) is supported."""
        if not (isinstance(index, slice) and index.indices(len(self))[:2] == (0, 0)):
            raise TypeError("findings can only be added at the front ([:0]) or the end")
        added = list(items)
        self._head[:0] = added
        self._severities.update(f.severity for f in added)

    def extend(self, items: Iterable[ReportedFinding]) -> None:
        """Add findings after the linter's."""
        added = list(items)
        self._tail.extend(added)
        self._severities.update(f.severity for f in added)

    def append(self, item: ReportedFinding) -> None:
        """Add one finding after the others."""
        self.extend([item])

    def count_of(self, severity: Severity) -> int:
        """How many findings have this severity (without reading them again)."""
        return self._severities[severity]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ReportedFindings({len(self)} findings)"
