"""The jobs list: a table that owns its jobs, its polling, its filter and sort, and posts
``JobHighlighted`` when the selection moves and ``Changed`` after each redraw.

Polling follows the memray/dolphie rule: a timer only nudges, a worker fetches, and the next
fetch is armed when the last one ends, so calls never overlap; nothing is fetched while the
screen is hidden (``shown``); a failing fetch is shown on the link line, never raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable

from tuiftune.service.errors import ServiceError
from tuiftune.service.jobs import JobsService
from tuiftune.service.providers.base import JobsProvider
from tuiftune.service.types import Job
from tuiftune.ui.jobs.format import COLUMNS, Progress, job_cells, progress_from_events
from tuiftune.ui.jobs.messages import JobsLoaded
from tuiftune.ui.widgets.jobs_table import JobsTable
from tuiftune.ui.workers import ReportWorkerErrors

LIST_LIMIT = 50
PROGRESS_LOOKUPS = 5  # running jobs whose step is looked up per list refresh
STATUSES = ("validating_files", "queued", "running", "paused", "succeeded", "failed", "cancelled")
SORTS: dict[str, Callable[[Job], Any]] = {
    "created": lambda j: -j.created_at,
    "status": lambda j: str(j.status),
    "model": lambda j: j.model,
    "tokens": lambda j: -(j.trained_tokens or 0),
}
FIXED_WIDTHS = {"status": 16, "step": 9, "ETA": 5, "elapsed": 7, "tokens": 10}
Source = Callable[[], Awaitable[JobsProvider]]


class JobsList(ReportWorkerErrors, JobsTable):
    """The provider's jobs, newest page polled; older pages on request."""

    @dataclass
    class JobHighlighted(Message):
        """The selection moved to ``job_id``."""

        job_id: str

    @dataclass
    class Changed(Message):
        """The list was redrawn (the link line shows its counts, filter, sort, error)."""

    def __init__(
        self,
        source: Source,
        *,
        clock: Callable[[], float],
        shown: asyncio.Event,
        interval: float = 5.0,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._source = source
        self.clock = clock
        self.shown = shown
        self.interval = interval
        self.jobs: dict[str, Job] = {}
        self.progress: dict[str, Progress] = {}
        self.selected: str | None = None
        self.status_filter: str | None = None
        self.sort_key = "created"
        self.error: str | None = None
        self.more = False  # older jobs exist than those loaded ("m" fetches a page)
        self.order: list[str] = []
        self._older_loaded = False
        self._cells: dict[str, tuple[object, ...]] = {}
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        """Columns, then the first fetch."""
        for name in COLUMNS:
            # Cells are updated in place without re-measuring (only the changed row repaints),
            # so columns whose text grows get their widest width up front.
            self.add_column(name, key=name, width=FIXED_WIDTHS.get(name))
        self.nudge()

    # -- polling: a timer only nudges; the next fetch is armed when the last one ends ---------

    def nudge(self) -> None:
        """Fetch now unless hidden or a fetch is running."""
        self.pause_polling()
        if self.shown.is_set():
            self.fetch()

    def pause_polling(self) -> None:
        """Drop the pending fetch (the screen is hidden); ``nudge`` starts again."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _arm(self) -> None:
        self.pause_polling()
        if self.shown.is_set() and self.is_mounted:
            self._timer = self.set_timer(self.interval, self.nudge)

    @work(exclusive=True, group="jobs-list", exit_on_error=False)
    async def fetch(self) -> None:
        """One page of jobs, and the latest step of a few running ones."""
        try:
            svc = JobsService(await self._source())
            page = await svc.list_page(limit=LIST_LIMIT)
            progress: dict[str, Progress] = {}
            running = [j for j in page.data if j.status == "running"][:PROGRESS_LOOKUPS]
            for job in running:
                if job.id == self.selected:
                    continue  # the detail's watcher keeps that one current
                events = await svc.events_page(job.id, limit=20)
                found = progress_from_events(events.data)
                if found is not None:
                    progress[job.id] = found
            self.post_message(JobsLoaded(page.data, progress, has_more=page.has_more))
        except ServiceError as exc:
            # A failing fetch never crashes the app: the link line says why, the next one retries.
            self.post_message(JobsLoaded([], error=exc.message))
        except Exception as exc:  # nor does an unexpected error stop the polling
            self.post_message(JobsLoaded([], error=str(exc) or type(exc).__name__))
        # Not in ``finally``: a fetch cancelled by a newer one leaves the arming to that one.
        self._arm()

    @work(exclusive=True, group="jobs-older", exit_on_error=False)
    async def load_older(self) -> None:
        """Fetch the next page of older jobs (the refresh keeps polling the newest page only,
        so a long history costs one request per poll, not one per page)."""
        if not self.jobs:
            return
        oldest = min(self.jobs.values(), key=lambda j: j.created_at).id
        try:
            page = await JobsService(await self._source()).list_page(after=oldest, limit=LIST_LIMIT)
        except ServiceError as exc:
            self.post_message(JobsLoaded([], error=exc.message, older=True))
            return
        self.post_message(JobsLoaded(page.data, has_more=page.has_more, older=True))

    def on_jobs_loaded(self, message: JobsLoaded) -> None:
        """Merge the fetched jobs into the table."""
        message.stop()
        if message.error is not None and message.error != self.error:
            # Once per new failure (the list polls): a toast, the link line keeps saying it.
            self.notify(message.error, title="Jobs list", severity="error", markup=False)
        self.error = message.error
        if message.error is None:
            for job in message.jobs:
                self.jobs[job.id] = job
            self.progress.update(message.progress)
            if message.has_more is not None and (message.older or not self._older_loaded):
                self.more = message.has_more
            self._older_loaded = self._older_loaded or message.older
        self.sync()
        if self.selected is None and self.order:
            self.select(self.order[0])

    # -- selection and updates from elsewhere -----------------------------------------------

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.select(event.row_key.value)

    def select(self, job_id: str, *, move: bool = False, again: bool = False) -> None:
        """Make ``job_id`` the selection (posting ``JobHighlighted`` if it changed, or always
        with ``again``); ``move`` puts the cursor on its row."""
        if move and job_id in self.order:
            self.move_cursor(row=self.order.index(job_id), animate=False)
        if job_id == self.selected and not again:
            return
        self.selected = job_id
        self.post_message(self.JobHighlighted(job_id))

    def update_job(self, job: Job, *, step: tuple[int, int | None] | None = None) -> None:
        """A newer view of one job (from the watcher or an action); ``step`` is its latest
        (step, total_steps)."""
        self.jobs[job.id] = job
        if step is not None:
            old = self.progress.get(job.id)
            self.progress[job.id] = Progress(step[0], step[1], old.rate if old else None)
        self.sync()

    def show_status(self, status: str | None) -> None:
        """Only jobs in ``status`` (None: all)."""
        self.status_filter = status
        self.sync()

    def cycle_sort(self) -> None:
        """Sort by the next key: created, status, model, tokens."""
        keys = list(SORTS)
        self.sort_key = keys[(keys.index(self.sort_key) + 1) % len(keys)]
        self.sync()

    # -- the table ---------------------------------------------------------------------------

    def visible_ids(self) -> list[str]:
        """Job ids that pass the filter, in the chosen order."""
        jobs = [j for j in self.jobs.values() if self.status_filter in (None, str(j.status))]
        jobs.sort(key=SORTS[self.sort_key])
        return [j.id for j in jobs]

    def sync(self) -> None:
        """Update only the cells that changed; rebuild only when rows come, go or move."""
        order = self.visible_ids()
        now = self.clock()
        cells = {i: job_cells(self.jobs[i], self.progress.get(i), now) for i in order}
        with self.app.batch_update():
            if order != self.order:
                self.clear()
                for job_id in order:
                    self.add_row(*cells[job_id], key=job_id)
                self.order = order
                if self.selected in order:
                    self.move_cursor(row=order.index(self.selected), animate=False)
            else:
                for job_id in order:
                    old = self._cells.get(job_id, ())
                    for col, (name, value) in enumerate(zip(COLUMNS, cells[job_id], strict=True)):
                        if col >= len(old) or old[col] != value:
                            self.set_cell(job_id, name, value)
        self._cells = cells
        self.post_message(self.Changed())
