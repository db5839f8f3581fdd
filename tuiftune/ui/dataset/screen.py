"""The dataset editor: every record of a JSONL file, its findings, fixes and edits."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
import time
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import Header, ProgressBar, Static

from tuiftune.dataset.atomic import clean_stale, describe
from tuiftune.dataset.findings import Finding, Severity
from tuiftune.dataset.io import load_bytes
from tuiftune.dataset.journal import Journal, JournalError
from tuiftune.dataset.session import EditorSession, FilterKind
from tuiftune.dataset.worker import in_lint_thread
from tuiftune.ui.dataset.cursor_keys import CURSOR_BINDINGS, CursorActions
from tuiftune.ui.dataset.edits import EditActions
from tuiftune.ui.dataset.files import FileActions
from tuiftune.ui.dataset.findings_panel import FindingsPanel
from tuiftune.ui.dataset.key_order import KeyOrder
from tuiftune.ui.dataset.keys import BINDINGS as DATASET_BINDINGS
from tuiftune.ui.dataset.keys import HELP as DATASET_HELP
from tuiftune.ui.dataset.loading import HEAD_BYTES, read_head, same_file
from tuiftune.ui.dataset.loss_actions import LossActions
from tuiftune.ui.dataset.model_picker import ModelActions
from tuiftune.ui.dataset.record_detail import RecordDetail
from tuiftune.ui.dataset.record_list import RecordList
from tuiftune.ui.dataset.status import StatusLine, count_totals
from tuiftune.ui.messages import DatasetFileChanged, RecordOpened
from tuiftune.ui.screens.modals import AskScreen, ConfirmScreen, PickScreen
from tuiftune.ui.widgets.footer import Footer
from tuiftune.ui.widgets.idle import StillProgressBar
from tuiftune.ui.workers import ReportWorkerErrors

# Seconds between lint progress updates posted to the UI: each one is a frame drawn while the
# lint thread wants the GIL (at 0.1 s the editor linted 1.14-1.6x slower than `tuiftune lint`).
PROGRESS_EVERY = 0.25
FIRST_FRAME_WAIT = 1.0  # seconds the full read waits at most for the head's first frame
DISK_CHECK_EVERY = 5.0  # seconds between checks that the file on disk is unchanged


class DatasetScreen(
    ReportWorkerErrors,
    FileActions,
    EditActions,
    ModelActions,
    LossActions,
    CursorActions,
    KeyOrder,
):
    """Browse, lint, fix and edit one dataset file."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "dataset.tcss"
    BINDINGS: ClassVar[list[BindingType]] = DATASET_BINDINGS + CURSOR_BINDINGS
    HELP = DATASET_HELP

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header, the record list, the detail panes, the status line, the footer."""
        yield Header()
        yield Static(self._welcome(), id="records-placeholder")
        with Horizontal(id="detail"):
            yield FindingsPanel(id="findings")
            yield RecordDetail(id="record-pane")
        with Horizontal(id="status-bar"):
            yield StatusLine(id="status")
            yield StillProgressBar(id="lint-progress", show_eta=False)
        # No palette hint: at 80 columns it would hide F5 and Quit; F1 names ctrl+p.
        yield Footer(compact=True, show_command_palette=False)

    def _welcome(self) -> Text:
        return Text.assemble(
            ("No file open.\n\n", "bold"),
            "Press o to open a JSONL training file, or start with: tuiftune FILE.jsonl\n",
            "Chat, legacy prompt/completion, DPO and reinforcement files are detected.",
        )

    def on_mount(self) -> None:
        """Open the file given on the command line."""
        self.query_one("#lint-progress").display = False
        self._update_title()
        self.set_interval(DISK_CHECK_EVERY, self.warn_if_changed_on_disk)
        if self.path is not None:
            self.load(self.path)

    # -- loading and linting -----------------------------------------------------------------

    @work(exit_on_error=False, exclusive=True, group="load")
    async def load(self, path: Path, line: int | None = None) -> None:
        """Load a file, show it at once, then stream the lint in; then go to ``line``."""
        self._lint_cancel.set()
        self._lint_cancel = cancel = threading.Event()
        try:
            # First paint from the head of the file: a huge file shows at once, and the
            # whole file (with the editing session) replaces it when it has been read.
            head = await read_head(path, HEAD_BYTES)
            if head is not None:
                await self._mount_list(EditorSession(load_bytes(head, path)), preview=True)
                self._update_status(loading=True)
                # Reading and indexing a large file holds the GIL for a second or more: let
                # the head's frame go out first (a 1M-row file painted after 1.59 s).
                await self._first_frame()
            session = await EditorSession.open(path, self.lint_options())
        except OSError as exc:
            exc.filename = exc.filename or str(path)
            self.notify(f"cannot open {describe(exc)}", severity="error")
            return
        await self._close_journal()
        # Temp files a killed save or fix left beside this file (.NAME.<pid>.<hex>.tmp).
        await asyncio.to_thread(clean_stale, path)
        await self._offer_recovery(session)
        self.session, self.path = session, path
        self.post_message(DatasetFileChanged(path))
        await self._mount_list(session)
        try:
            self.journal = await Journal.start(session.doc)
        except (OSError, JournalError) as exc:  # a read-only folder: edit without a safety net
            self.journal = None
            self.notify(f"no crash journal for this file: {exc}", severity="warning")
        bar = self.query_one("#lint-progress", ProgressBar)
        bar.display = True
        bar.update(total=max(1, len(session.doc)), progress=0)
        last = [0.0]
        loop, context = asyncio.get_running_loop(), contextvars.copy_context()  # the app's

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY or done >= total:
                last[0] = now
                # Not call_from_thread: that waits for the UI to run the update (a frame
                # later, tens of ms on a busy machine), and the lint thread would wait too.
                loop.call_soon_threadsafe(self._load_progress, done, total, context=context)

        self._linting = (0, len(session.doc))
        worker = self._take_worker(path)
        try:
            await in_lint_thread(session.lint, progress, cancel, worker)
        except Exception as exc:  # LintCancelled when another file replaced this one
            if not cancel.is_set():
                self.notify(f"lint failed: {exc}", severity="error")
            return
        finally:
            if self.session is session:
                self._linting = None
        bar.display = False
        self._refresh_all()
        self.open_model_after_load()  # --model PATH, or an open model chosen before
        if line is not None and len(session.doc):
            self._go_to_pos(max(0, min(len(session.doc), line) - 1))
        if worker is not None:  # its tokenizer, for the first edit (0.13 s): after the findings
            await self._first_frame()  # are drawn, as loading it holds the GIL
            await in_lint_thread(session.linter.counter.count, "")

    @on(RecordOpened)
    async def _record_opened(self, message: RecordOpened) -> None:
        """Another area asked for a file at a line (a failed job's line, an eval failure)."""
        self._open_at(message.path, message.line)

    @work(exit_on_error=False, group="open_at")
    async def _open_at(self, path: Path, line: int | None) -> None:
        session = self.session
        same = self.path is not None and await asyncio.to_thread(same_file, path, self.path)
        if session is not None and same:
            if line is not None and len(session.doc):
                self._go_to_pos(max(0, min(len(session.doc), line) - 1))
            return
        if await self.confirm_discard():
            self.load(path, line)

    async def on_unmount(self) -> None:
        """Stop journaling; the journal stays on disk only if there are unsaved edits."""
        await self._drop_worker()
        await self._close_journal()

    async def _mount_list(self, session: EditorSession, *, preview: bool = False) -> None:
        existing = self.query(RecordList)
        if existing:
            records = existing.first()
            records.session = session
            records.cursor = 0
        else:
            for old in self.query("#records-placeholder"):
                await old.remove()
            records = RecordList(session, id="records")
            await self.mount(records, before=self.query_one("#detail"))
            records.focus()
        if not preview:
            session.doc.subscribe(lambda removed, added: self._refresh_all())
        self._pos = 0
        self._refresh_all()

    async def _first_frame(self) -> None:
        """Return once the screen has drawn a frame (or after ``FIRST_FRAME_WAIT``)."""
        drawn = asyncio.Event()
        self.call_after_refresh(drawn.set)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(drawn.wait(), FIRST_FRAME_WAIT)

    def _load_progress(self, done: int, total: int) -> None:
        before = self._linting[0] if self._linting is not None else 0
        # Kept for the status line's other redraws (keys, edits) until the stream is over.
        self._linting = (done, total) if done < total else None
        self._lint_progress(done, total, before)

    def _lint_progress(self, done: int, total: int, before: int = 0) -> None:
        """Show lint progress (the first lint's, or a model's re-count)."""
        self.query_one("#lint-progress", ProgressBar).update(total=max(1, total), progress=done)
        records = self.query_one(RecordList)
        # Redraw the rows only while the stream passes the ones in view: past them a redraw
        # changes nothing on screen and only takes the GIL from the lint thread.
        top = records.scroll_offset.y
        shown = [records.pos_of_row(r) for r in range(top, min(records.count(), top + 60))]
        if shown and before <= max(shown):
            records.refresh()
        if before <= self._pos < done + 1:  # the record shown has just been linted
            self._show_record()
        self._update_status(linting=(done, total))

    # -- refreshing --------------------------------------------------------------------------

    def _update_status(
        self, linting: tuple[int, int] | None = None, *, loading: bool = False
    ) -> None:
        status = self.query_one(StatusLine)
        if loading:
            status.show_loading(self.path)
        else:
            found = self.query(RecordList)
            records = found.first() if found else None
            place = None
            if records is not None and records.sorted_by_loss:
                place = (records.row_of_pos(self._pos), records.count())
            status.show(self.session, self._pos, linting or self._linting, place)

    @work(exit_on_error=False, exclusive=True, group="totals")
    async def _count_totals(self) -> None:
        """Recount errors and warnings off the UI thread (the newest request wins)."""
        session = self.session
        if session is None or not session.linter.ready:
            return
        totals = await in_lint_thread(count_totals, session)
        if session is self.session:
            self.query_one(StatusLine).totals = totals
            self._update_status()

    def _refresh_all(self) -> None:
        self.query_one(RecordDetail).invalidate()
        records = self.query(RecordList)
        if records:
            records.first().reload()
        self._show_record()
        self._update_title()
        self._update_status()
        self._count_totals()

    @on(RecordList.Highlighted)
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        if event.pos == self._pos and self._shown == (self.session, event.pos):
            return  # a jump (n, N, go to) drew the panes already, in the same frame
        self._pos = event.pos
        self._show_record()
        self._update_status()

    @on(RecordList.Activated)
    def _activated(self, event: RecordList.Activated) -> None:
        self._pos = event.pos
        self.action_edit()

    @on(FindingsPanel.FixChosen)
    def _fix_chosen(self, event: FindingsPanel.FixChosen) -> None:
        self._apply_fix(event.finding)

    def _show_record(self) -> None:
        session = self.session
        self._shown = (session, self._pos)
        self.query_one(RecordDetail).show(session, self._pos)
        findings = self.query_one(FindingsPanel)
        if session is None or len(session.doc) == 0:
            findings.show([], ready=True)
            return
        pos = min(self._pos, len(session.doc) - 1)
        findings.show(session.findings(pos), ready=session.is_linted(pos))

    def _selected_finding(self) -> Finding | None:
        return self.query_one(FindingsPanel).selected_fixable() if self.session else None

    # -- actions -----------------------------------------------------------------------------

    def action_fix(self) -> None:
        """Apply the highlighted finding's fix to this record."""
        session = self._ready_session()
        finding = self._selected_finding()
        if session is None or finding is None:
            if session is not None:
                self.notify("this record has no fixable finding")
            return
        self._apply_fix(finding)

    def _apply_fix(self, finding: Finding) -> None:
        session = self._ready_session()
        if session is None:
            return
        applied = session.fix(self._pos, finding)
        self.notify(f"fixed {finding.rule} on line {self._pos + 1}" if applied else "not applied")

    @work(exit_on_error=False, exclusive=True, group="fix")
    async def action_fix_all(self) -> None:
        """Apply the highlighted finding's fix to every record with it (asks before deleting)."""
        session = self._ready_session()
        finding = self._selected_finding()
        if session is None or finding is None:
            return
        if finding.fix is not None and finding.fix.kind == "delete_record":
            count = session.count_fixable(finding)
            ok = await self.app.push_screen_wait(
                ConfirmScreen(
                    f"Delete {count:,} of {len(session.doc):,} records ({finding.rule})?",
                    "ctrl+z undoes it; the file changes only when you save.",
                )
            )
            if not ok:
                return
        applied = session.fix_all(finding)
        self.notify(f"fixed {finding.rule} on {len(applied):,} records (ctrl+z undoes)")

    def action_next_problem(self, step: int) -> None:
        """Jump to the next (or previous) record with a warning or an error (while the file
        lints: among the records linted so far)."""
        session = self.session
        if session is None:
            return
        pos = session.next_problem(self._pos, step)
        if pos < 0:
            self.notify("no problems found" if session.linter.ready else "no problems so far")
        else:
            self._go_to_pos(pos)

    @work(exit_on_error=False)
    async def action_search(self) -> None:
        """Show only the records that contain a text."""
        session = self.session
        if session is None:
            return
        text = await self.app.push_screen_wait(AskScreen("Search records for", session.filter_arg))
        if text is None:
            return
        kind = FilterKind.SEARCH if text else FilterKind.ALL
        matches = await in_lint_thread(session.set_filter, kind, text)
        self.query_one(RecordList).reload()
        self.query_one(RecordList).cursor = 0
        self.notify(f"{matches:,} records contain {text!r}" if text else "search cleared")
        self._update_status()

    @work(exit_on_error=False)
    async def action_filter(self) -> None:
        """Filter to errors, warnings, one rule, or all records."""
        session = self._ready_session()
        if session is None:
            return
        choices = [("all", "All records"), ("errors", "Errors"), ("warnings", "Warnings")]
        rules = await in_lint_thread(session.rule_counts)  # O(records): off the UI thread
        choices += [(f"rule:{r}", f"Rule {r} ({n:,})") for r, n in rules.items()]
        picked = await self.app.push_screen_wait(PickScreen("Show", choices))
        if picked is None:
            return
        if picked.startswith("rule:"):
            await in_lint_thread(session.set_filter, FilterKind.RULE, picked[5:])
        else:
            await in_lint_thread(session.set_filter, FilterKind(picked))
        records = self.query_one(RecordList)
        records.reload()
        records.cursor = 0
        self._update_status()

    def action_quit_hint(self) -> None:
        """ctrl+c used to do nothing: say which key quits."""
        self.notify("ctrl+q (or q) quits; unsaved edits are asked about first")

    def action_toggle_stats(self) -> None:
        """Show statistics instead of the record (and back)."""
        self.query_one(RecordDetail).toggle_stats()
        self._show_record()

    @property
    def severity_here(self) -> Severity | None:
        """The selected record's worst severity (for tests and the palette)."""
        session = self.session
        return None if session is None else session.linter.severity_at(self._pos)
