"""The Jobs mode's plumbing: one client, the list fetch and its polling, the watcher, the table.

Workers call the service layer and post messages; the screen's handlers update widgets.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen
from textual.timer import Timer

from tuiftune.service.errors import ServiceError
from tuiftune.service.jobs import JobsService
from tuiftune.service.providers.base import JobsProvider, Provider
from tuiftune.service.types import Job
from tuiftune.service.watch import PollPolicy, Sleep, watch
from tuiftune.ui.screens.jobs_format import (
    COLUMNS,
    Progress,
    error_line_number,
    job_cells,
    progress_from_events,
)
from tuiftune.ui.screens.jobs_messages import (
    CheckpointsLoaded,
    ErrorLineLoaded,
    JobsLoaded,
    SnapshotReceived,
)
from tuiftune.ui.widgets.jobs_table import JobsTable
from tuiftune.ui.workers import ReportWorkerErrors

if TYPE_CHECKING:
    from tuiftune.service.services import Services

LIST_LIMIT = 50
PROGRESS_LOOKUPS = 5  # running jobs whose step is looked up per list refresh
STATUSES = ("validating_files", "queued", "running", "paused", "succeeded", "failed", "cancelled")
SORTS: dict[str, Callable[[Job], object]] = {
    "created": lambda j: -j.created_at,
    "status": lambda j: str(j.status),
    "model": lambda j: j.model,
    "tokens": lambda j: -(j.trained_tokens or 0),
}


class JobsBase(ReportWorkerErrors, Screen[None]):
    """Service plumbing of the Jobs screen: one client, the list fetch, the watcher, the table."""

    def __init__(
        self,
        *,
        backend: JobsProvider | None,
        clock: Callable[[], float],
        sleep: Sleep,
        policy: PollPolicy | None,
    ) -> None:
        super().__init__()
        self._backend = backend
        self._provider: Provider | None = None
        self._provider_lock = asyncio.Lock()
        self.clock = clock
        self._sleep = sleep
        self.policy = policy or PollPolicy()
        self.selected: str | None = None
        self.shown = asyncio.Event()
        self.shown.set()
        self.list_interval = 5.0
        self.jobs: dict[str, Job] = {}
        self.progress: dict[str, Progress] = {}
        self.status_filter: str | None = None
        self.sort = "created"
        self._cells: dict[str, tuple[object, ...]] = {}
        self._order: list[str] = []
        self._list_timer: Timer | None = None

    def _update_link(self) -> None:
        """Redraw the link line."""

    @property
    def services(self) -> Services:
        """The app's services (how to reach the provider)."""
        services: Services = self.app.services  # type: ignore[attr-defined]
        return services

    async def jobs_provider(self) -> JobsProvider:
        """The injected jobs provider, or that of the screen's own provider."""
        if self._backend is not None:
            return self._backend
        return (await self.provider()).jobs

    async def service(self) -> JobsService:
        """The jobs service over ``jobs_provider``."""
        return JobsService(await self.jobs_provider())

    async def provider(self) -> Provider:
        """The app's provider, opened once for this screen (closed when it unmounts)."""
        async with self._provider_lock:
            if self._provider is None:
                self._provider = await self.services.open_provider()
            return self._provider

    async def on_unmount(self) -> None:
        """Close the provider."""
        if self._provider is not None:
            await self._provider.aclose()

    async def gated_sleep(self, seconds: float) -> None:
        """The watcher's sleep: wait, then also wait while the screen is hidden."""
        await self._sleep(seconds)
        await self.shown.wait()

    # -- workers -----------------------------------------------------------------------------

    @work(exclusive=True, group="jobs-list", exit_on_error=False)
    async def fetch_list(self) -> None:
        """One page of jobs, and the latest step of a few running ones."""
        try:
            svc = await self.service()
            page = await svc.list_page(limit=LIST_LIMIT)
            progress: dict[str, Progress] = {}
            running = [j for j in page.data if j.status == "running"][:PROGRESS_LOOKUPS]
            for job in running:
                if job.id == self.selected:
                    continue  # the watcher keeps that one current
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
        self.arm_list()

    def start_watch(self, job_id: str) -> None:
        """Watch ``job_id`` (cancels the previous watch)."""
        self._watch(job_id)

    @work(exclusive=True, group="jobs-watch", exit_on_error=False)
    async def _watch(self, job_id: str) -> None:
        source = await self.jobs_provider()
        svc = JobsService(source)
        ckpt_steps = -1
        last: Job | None = None
        try:
            async for snap in watch(
                source, job_id, policy=self.policy, sleep=self.gated_sleep, clock=self.clock
            ):
                self.post_message(SnapshotReceived(job_id, snap))
                job = last = snap.job or last
                new_ckpt = any("checkpoint" in (e.message or "").lower() for e in snap.events)
                if job is not None and (new_ckpt or (snap.finished and ckpt_steps < 0)):
                    ckpts = await svc.checkpoints(job_id)
                    ckpt_steps = len(ckpts)
                    self.post_message(CheckpointsLoaded(job_id, ckpts))
            if last is not None:
                await self._error_line(svc, last)
        except ServiceError as exc:
            self.notify(f"{job_id}: {exc.message}", title="Watch stopped", severity="error")

    async def _error_line(self, svc: JobsService, job: Job) -> None:
        """Fetch the training-file line a failed job's error names."""
        line = error_line_number(job)
        if job.status != "failed" or line is None or not job.training_file:
            return
        content = await svc.file_content(job.training_file)
        lines = content.decode("utf-8", errors="replace").splitlines()
        if 1 <= line <= len(lines):
            text = lines[line - 1]
            cut = text[:300] + ("…" if len(text) > 300 else "")
            self.post_message(ErrorLineLoaded(job.id, cut))

    # -- polling: a timer only nudges; the next fetch is armed when the last one ends ---------

    def nudge_list(self) -> None:
        """Fetch the list now unless hidden or a fetch is running."""
        if self._list_timer is not None:
            self._list_timer.stop()
            self._list_timer = None
        if self.shown.is_set():
            self.fetch_list()

    def arm_list(self) -> None:
        """Schedule the next list fetch (called when one ends); only one is ever pending."""
        if self._list_timer is not None:
            self._list_timer.stop()
            self._list_timer = None
        if self.shown.is_set() and self.is_mounted:
            self._list_timer = self.set_timer(self.list_interval, self.nudge_list)

    def on_screen_suspend(self) -> None:
        """Hidden (another mode, a dialog): stop polling until shown again."""
        self.shown.clear()
        if self._list_timer is not None:
            self._list_timer.stop()
            self._list_timer = None

    def on_screen_resume(self) -> None:
        """Shown again: resume the watch and refresh the list at once."""
        if not self.shown.is_set():
            self.shown.set()
            self.nudge_list()

    def action_refresh_now(self) -> None:
        """Refresh the list now."""
        self.nudge_list()

    @work(exclusive=True, group="jobs-older", exit_on_error=False)
    async def action_load_older(self) -> None:
        """Fetch the next page of older jobs (the refresh keeps polling the newest page only,
        so a long history costs one request per poll, not one per page)."""
        if not self.jobs:
            return
        oldest = min(self.jobs.values(), key=lambda j: j.created_at).id
        try:
            page = await (await self.service()).list_page(after=oldest, limit=LIST_LIMIT)
        except ServiceError as exc:
            self.post_message(JobsLoaded([], error=exc.message, older=True))
            return
        self.post_message(JobsLoaded(page.data, has_more=page.has_more, older=True))

    # -- the table ---------------------------------------------------------------------------

    def visible_ids(self) -> list[str]:
        """Job ids that pass the filter, in the chosen order."""
        jobs = [j for j in self.jobs.values() if self.status_filter in (None, str(j.status))]
        jobs.sort(key=SORTS[self.sort])  # type: ignore[arg-type]
        return [j.id for j in jobs]

    def sync_table(self) -> None:
        """Update only the cells that changed; rebuild only when rows come, go or move."""
        table = self.query_one("#jobs-table", JobsTable)
        order = self.visible_ids()
        now = self.clock()
        cells = {i: job_cells(self.jobs[i], self.progress.get(i), now) for i in order}
        with self.app.batch_update():
            if order != self._order:
                table.clear()
                for job_id in order:
                    table.add_row(*cells[job_id], key=job_id)
                self._order = order
                if self.selected in order:
                    table.move_cursor(row=order.index(self.selected), animate=False)
            else:
                for job_id in order:
                    old = self._cells.get(job_id, ())
                    for col, (name, value) in enumerate(zip(COLUMNS, cells[job_id], strict=True)):
                        if col >= len(old) or old[col] != value:
                            table.set_cell(job_id, name, value)
        self._cells = cells
