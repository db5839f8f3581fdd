"""The selected job's detail: overview, event log, loss chart and checkpoints, kept current by
the watcher this widget owns. It posts ``JobUpdated`` for each newer view of the job (the list
redraws its row), ``Ended`` when the watched job finishes and ``LinkChanged`` when the link
line should be redrawn.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from tuiftune.service.errors import ServiceError
from tuiftune.service.jobs import JobsService, is_terminal
from tuiftune.service.providers.base import JobsProvider
from tuiftune.service.types import Job, MetricPoint
from tuiftune.service.watch import ConnectionState, PollPolicy, Sleep, watch
from tuiftune.ui.jobs.format import (
    CHECKPOINT_COLUMNS,
    checkpoint_cells,
    detail_text,
    error_line_number,
)
from tuiftune.ui.jobs.messages import CheckpointsLoaded, ErrorLineLoaded, SnapshotReceived
from tuiftune.ui.widgets.event_log import EventLog
from tuiftune.ui.widgets.loss_chart import LossChart
from tuiftune.ui.workers import ReportWorkerErrors

Source = Callable[[], Awaitable[JobsProvider]]


class JobDetail(ReportWorkerErrors, TabbedContent):
    """The tabs of one job; ``show(job)`` switches to it and starts its watcher."""

    @dataclass
    class JobUpdated(Message):
        """A newer view of the watched job; ``point`` is its latest metrics, if any came."""

        job: Job
        point: MetricPoint | None = None

    @dataclass
    class Ended(Message):
        """The watched job reached succeeded, failed or cancelled while it was watched."""

        job: Job

    @dataclass
    class LinkChanged(Message):
        """The connection state or the latest metrics changed."""

    def __init__(
        self,
        source: Source,
        *,
        sleep: Sleep,
        policy: PollPolicy,
        shown: asyncio.Event,
        clock: Callable[[], float],
        id: str | None = None,
    ) -> None:
        super().__init__(initial="overview", id=id)
        self._source = source
        self._sleep = sleep
        self.policy = policy
        self.shown = shown
        self.clock = clock
        self.job_id: str | None = None
        self.job: Job | None = None
        self.points: list[MetricPoint] = []
        self.connection = ConnectionState()
        self.error_line: str | None = None
        self.error_file_sha: str | None = None
        """The sha256 of the failed job's training file as uploaded (finds the local copy)."""
        self.ckpt_models: list[str] = []
        self.empty_text = Text("no job selected", style="dim")
        self._watch_status: str | None = None
        for pane in (
            TabPane(
                "Overview",
                VerticalScroll(Static(self.empty_text, id="overview-text")),
                id="overview",
            ),
            TabPane("Events", EventLog(id="event-log"), id="events"),
            TabPane("Chart", LossChart(id="loss-chart"), id="chart"),
            TabPane("Checkpoints", DataTable(id="ckpt-table", cursor_type="row"), id="checkpoints"),
        ):
            self.compose_add_child(pane)

    def on_mount(self) -> None:
        """The checkpoint columns."""
        self.query_one("#ckpt-table", DataTable).add_columns(*CHECKPOINT_COLUMNS)

    # -- which job ---------------------------------------------------------------------------

    def show(self, job_id: str, job: Job | None) -> None:
        """Show and watch ``job_id`` (cancels the previous watch)."""
        self.job_id, self.job = job_id, job
        self._watch_status = None
        self.points, self.error_line, self.error_file_sha = [], None, None
        self.ckpt_models = []
        self.query_one(EventLog).reset()
        self.query_one(LossChart).set_points([])
        self.query_one("#ckpt-table", DataTable).clear()
        self.redraw()
        self._watch(job_id)

    def set_job(self, job: Job) -> None:
        """A newer view of the shown job from elsewhere (an action's result)."""
        if job.id == self.job_id:
            self.job = job
            self.redraw()

    def set_empty_text(self, text: Text) -> None:
        """What the overview says while no job is shown."""
        self.empty_text = text
        if self.job is None:
            self.redraw()

    def redraw(self) -> None:
        """The overview of the shown job."""
        text = detail_text(self.job, self.error_line) if self.job is not None else self.empty_text
        self.query_one("#overview-text", Static).update(text)

    def highlighted_checkpoint(self) -> str | None:
        """The checkpoint model under the cursor while the checkpoints tab is shown."""
        table = self.query_one("#ckpt-table", DataTable)
        if self.active != "checkpoints" or not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    # -- the watcher -------------------------------------------------------------------------

    async def gated_sleep(self, seconds: float) -> None:
        """The watcher's sleep: wait, then also wait while the screen is hidden."""
        await self._sleep(seconds)
        await self.shown.wait()

    @work(exclusive=True, group="jobs-watch", exit_on_error=False)
    async def _watch(self, job_id: str) -> None:
        source = await self._source()
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
            self.notify(
                f"{job_id}: {exc.message}", title="Watch stopped", severity="error", markup=False
            )

    async def _error_line(self, svc: JobsService, job: Job) -> None:
        """Fetch the training-file line a failed job's error names."""
        line = error_line_number(job)
        if job.status != "failed" or line is None or not job.training_file:
            return
        content = await svc.file_content(job.training_file)
        sha = await asyncio.to_thread(lambda: hashlib.sha256(content).hexdigest())
        if job.id == self.job_id:
            self.error_file_sha = sha
        lines = content.decode("utf-8", errors="replace").splitlines()
        if 1 <= line <= len(lines):
            text = lines[line - 1]
            cut = text[:300] + ("…" if len(text) > 300 else "")
            self.post_message(ErrorLineLoaded(job.id, cut))

    def on_snapshot_received(self, message: SnapshotReceived) -> None:
        """Apply one poll: the job, new events, the chart, the link state, the end."""
        message.stop()
        if message.job_id != self.job_id:
            return  # a late message from the previous selection
        snap = message.snapshot
        self.connection = snap.connection
        job = snap.job
        if job is not None:
            changed = self.job != job
            self.job = job
            self.post_message(self.JobUpdated(job, snap.metrics[-1] if snap.metrics else None))
            # Judged on the watcher's own previous status: the list may have seen the end first.
            seen, self._watch_status = self._watch_status, str(job.status)
            if seen is not None and not is_terminal(seen) and is_terminal(job.status):
                self.post_message(self.Ended(job))
            if changed:
                self.redraw()
        if snap.events:
            self.query_one(EventLog).add_events(snap.events)
        if snap.metrics:
            self.points.extend(snap.metrics)
            self.query_one(LossChart).set_points(self.points)
        self.post_message(self.LinkChanged())

    def on_checkpoints_loaded(self, message: CheckpointsLoaded) -> None:
        """Redraw the checkpoints table when the set changed."""
        message.stop()
        if message.job_id != self.job_id:
            return
        models = [c.fine_tuned_model_checkpoint for c in message.checkpoints]
        if models == self.ckpt_models:
            return
        self.ckpt_models = models
        table = self.query_one("#ckpt-table", DataTable)
        table.clear()
        for ckpt in sorted(message.checkpoints, key=lambda c: c.step_number):
            table.add_row(*checkpoint_cells(ckpt), key=ckpt.fine_tuned_model_checkpoint)
        self.query_one(LossChart).set_checkpoints([c.step_number for c in message.checkpoints])

    def on_error_line_loaded(self, message: ErrorLineLoaded) -> None:
        """Show the training-file line the error names."""
        message.stop()
        if message.job_id == self.job_id:
            self.error_line = message.line
            self.redraw()
