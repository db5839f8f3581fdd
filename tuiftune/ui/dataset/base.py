"""State and helpers shared by the dataset editor's parts (the screen and its action mixins)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.notifications import SeverityLevel
from textual.screen import Screen

from tuiftune.dataset.journal import Journal
from tuiftune.dataset.preview import printable, visible
from tuiftune.dataset.session import EditorSession, FilterKind
from tuiftune.ui.dataset.record_list import RecordList

if TYPE_CHECKING:
    from tuiftune.dataset.lint_worker import LintWorker


class DatasetBase(Screen[None]):
    """The open file, its session and journal, and the cursor position."""

    def __init__(
        self, path: Path | None = None, model: str | None = None, worker: LintWorker | None = None
    ) -> None:
        super().__init__()
        self.path = path
        self.model = model  # the target model given on the command line (None: by format)
        self._worker = worker  # linting ``path`` in a child process since start-up, if any
        self.session: EditorSession | None = None
        self._pos = 0
        self._lint_cancel = threading.Event()
        self.journal: Journal | None = None
        self._disk_warned: object = None
        self._shown: object = None  # (session, pos) the panes show
        self._linting: tuple[int, int] | None = None  # (done, total) while the file lints

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast whose text is data: never parsed as markup, control characters escaped."""
        # A search for "[/]" or a path holding "[link=...]" must not raise a MarkupError.
        super().notify(
            printable(message), title=title, severity=severity, timeout=timeout, markup=False
        )

    def load(self, path: Path, line: int | None = None) -> Any:
        """Open a file (the screen implements it as a worker)."""
        raise NotImplementedError

    def _update_status(self) -> None:
        """Redraw the status line (the screen implements it)."""

    def _show_record(self) -> None:
        """Redraw the record and findings panes for ``_pos`` (the screen implements it)."""

    def _update_title(self) -> None:
        session = self.session
        name = visible(self.path.name) if self.path else "no file"
        dirty = " [modified]" if session is not None and session.doc.dirty else ""
        self.title = f"tuiftune · {name}{dirty}"

    def _ready_session(self) -> EditorSession | None:
        session = self.session
        if session is None:
            self.notify("open a file first (o)", severity="warning")
            return None
        if not session.linter.ready:
            self.notify(
                "still linting: this needs the whole file (edits and n/N work now)",
                severity="warning",
            )
            return None
        return session

    def _edit_session(self) -> EditorSession | None:
        """The session if records may be edited now: also while the first lint streams (the
        edits are re-linted as the stream passes them), not while a new model re-counts."""
        session = self.session
        linter = session.linter if session is not None else None
        if linter is not None and not linter.ready and getattr(linter, "accepts_edits", False):
            return session
        return self._ready_session()

    def _go_to_pos(self, pos: int) -> None:
        session = self.session
        if session is None:
            return
        records = self.query_one(RecordList)
        row = records.row_of_pos(pos)  # the list's row: it may be sorted by loss
        if row is None:  # filtered out: show everything so the record can be seen
            session.set_filter(FilterKind.ALL)
            records.reload()
            row = records.row_of_pos(pos)
        self._pos = pos
        # One frame for the whole jump: the panes are drawn before the list's cursor moves (its
        # Highlighted message then finds them current), and nothing is drawn in between.
        with self.app.batch_update():
            self._show_record()
            self._update_status()
            records.cursor = pos if row is None else row
