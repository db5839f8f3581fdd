"""A linter that takes edits while its first run is still streaming (the editor's).

``Linter`` ignores changes until its run is over, so the editor used to refuse edits for the
whole first lint (93-145 s on a 1M-row file). Here the UI thread's changes are queued; the lint
thread applies them between chunks and once more, under a lock, before the UI thread takes
over. Only the lint thread changes the indexes while it runs: their counters are not
thread-safe. Each queued change checks the document as it is when applied, so applying them
late, or a record's twice, gives the same state as applying them at once.
"""

from __future__ import annotations

import threading
from typing import Any

from tuiftune.dataset.document import Document
from tuiftune.dataset.linter import Feed, Linter, LintProgress
from tuiftune.dataset.options import LintOptions

Change = tuple[list[int], list[int]]


class StreamingLinter(Linter):
    """``Linter`` plus edits accepted (and re-linted when the stream passes them) mid-run."""

    accepts_edits = True  # the editor lets edits through before ``ready``

    def __init__(self, doc: Document, options: LintOptions | None = None) -> None:
        self._lock = threading.RLock()
        self._queued: list[Change] = []
        # Ids edited away during the run: the stream may index one after its edit was applied
        # (it reached the id later), so they are checked again at the end.
        self._gone: list[int] = []
        self._settled = False
        super().__init__(doc, options)

    @property
    def ready(self) -> bool:
        """Whether the whole document has been linted and the queued edits applied."""
        return self._settled

    def run(
        self, progress: LintProgress | None = None, cancel: Any = None, feed: Feed | None = None
    ) -> None:
        """Lint every record (lint thread); edits made meanwhile are applied between chunks."""

        def between_chunks(done: int, total: int) -> None:
            if self._queued:
                self._drain()
            if progress is not None:
                progress(done, total)

        super().run(between_chunks, cancel, feed)
        with self._lock:  # the UI thread's edits wait here for a moment, then apply directly
            self._drain()
            for rid in self._gone:
                self._unindex_if_gone(rid)
            self._gone.clear()
            self._first_dup.clear()
            self._targets.clear()
            # The base run computed the consensus before the last edits: bring it up to date.
            self._refresh_consensus()
            self._settled = True

    def _on_change(self, removed: list[int], added: list[int]) -> None:
        if not self._settled:
            with self._lock:
                if not self._settled:
                    self._queued.append((list(removed), list(added)))
                    return
        super()._on_change(removed, added)

    def _drain(self) -> None:
        with self._lock:
            queued, self._queued = self._queued, []
        if not queued:
            return
        self._first_dup.clear()
        self._targets.clear()
        for removed, added in queued:
            for rid in dict.fromkeys(removed):
                self._gone.append(rid)
                self._unindex_if_gone(rid)
            self._check_tails(self._index_added(added))

    def _unindex_if_gone(self, rid: int) -> None:
        if rid < len(self._indexed) and self._indexed[rid] and not self.doc.contains(rid):
            self._index_remove(rid)
            self._ctx.discard(rid)
