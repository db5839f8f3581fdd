"""Linting from the end of the file while the first lint waits for records linted elsewhere.

The editor's lint thread takes the lint worker's results in file order; once the TUI has
started, the second core is free while it waits for the child's next chunk. The waiting side
lints records from the far end meanwhile, so the two meet in the middle: at 10k real rows the
editor's lint then ends before ``tuiftune lint``'s, not 1.15x after it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


class TailLint:
    """Lints, one call a record, the last record not yet linted, down to ``front``."""

    def __init__(
        self, ids: Sequence[int], linted: bytearray, lint_one: Callable[[int], None]
    ) -> None:
        self.front = 0  # the index in ``ids`` the waiting side has reached
        self._ids, self._linted, self._lint_one = ids, linted, lint_one
        self._back = len(ids)

    def __call__(self) -> bool:
        """Lint one more record from the end; False when the two sides have met."""
        ids, linted, i = self._ids, self._linted, self._back - 1
        while i > self.front and linted[ids[i]]:
            i -= 1
        if i <= self.front:
            return False
        self._lint_one(ids[i])
        self._back = i
        return True
