"""The Jobs mode: the jobs list, the selected job's detail tailing live, actions and creation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, ProgressBar, Static, TabbedContent, TabPane

from tuiftune.service.jobs import is_terminal
from tuiftune.service.providers.base import JobsProvider
from tuiftune.service.types import Job, MetricPoint
from tuiftune.service.watch import ConnectionState, PollPolicy, Sleep
from tuiftune.ui.screens.jobs_actions import JobActions
from tuiftune.ui.screens.jobs_format import (
    CHECKPOINT_COLUMNS,
    COLUMNS,
    Progress,
    checkpoint_cells,
    detail_text,
    metric_summary,
)
from tuiftune.ui.screens.jobs_messages import (
    CheckpointsLoaded,
    ErrorLineLoaded,
    JobChanged,
    JobsLoaded,
    SnapshotReceived,
    UploadProgress,
)
from tuiftune.ui.widgets.event_log import EventLog
from tuiftune.ui.widgets.jobs_table import JobsTable
from tuiftune.ui.widgets.loss_chart import LossChart

FIXED_WIDTHS = {"status": 16, "step": 9, "ETA": 5, "elapsed": 7, "tokens": 10}


class JobsScreen(JobActions):
    """Watch and manage fine-tuning jobs of the active backend."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "jobs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_job", "New job", id="jobs.new"),
        Binding("c", "cancel_job", "Cancel", id="jobs.cancel"),
        Binding("p", "pause_job", "Pause", show=False, id="jobs.pause"),
        Binding("r", "resume_job", "Resume", show=False, id="jobs.resume"),
        Binding("R", "rerun_job", "Rerun", show=False, id="jobs.rerun"),
        Binding("d", "download_results", "Results CSV", show=False, id="jobs.download"),
        Binding("y", "copy_model", "Copy model", show=False, id="jobs.copy"),
        Binding("o", "open_playground", "Playground", id="jobs.playground"),
        Binding("f", "filter_status", "Filter", id="jobs.filter"),
        Binding("s", "cycle_sort", "Sort", show=False, id="jobs.sort"),
        Binding("ctrl+r", "refresh_now", "Refresh", show=False, id="jobs.refresh"),
        Binding("m", "load_older", "Older jobs", show=False, id="jobs.older"),
        Binding("escape", "cancel_upload", "Stop upload", show=False, id="jobs.stop_upload"),
        Binding("1", "show_tab('overview')", "Overview", show=False, id="jobs.tab_overview"),
        Binding("2", "show_tab('events')", "Events", show=False, id="jobs.tab_events"),
        Binding("3", "show_tab('chart')", "Chart", show=False, id="jobs.tab_chart"),
        Binding("4", "show_tab('checkpoints')", "Checkpoints", show=False, id="jobs.tab_ckpts"),
    ]
    HELP = """\
## Jobs

The list shows the backend's jobs and refreshes itself; the selected job is watched live.
The line under the list says whether the link is live, reconnecting or offline.

- **1 / 2 / 3 / 4**: overview (timeline, settings, error) / events / loss chart / checkpoints
- **n**: new job (lints the file and shows the cost before uploading; esc stops an upload)
- **c / p / r**: cancel / pause / resume (each asks first); **R**: rerun with the same settings
- **d**: save the result file as CSV; **y**: copy the model name
- **o**: open the highlighted checkpoint (on the checkpoints tab) or the model in the Playground
- **f**: filter by status; **s**: sort; **ctrl+r**: refresh now; **m**: load older jobs (the list
  polls the newest page)
"""

    def __init__(
        self,
        *,
        backend: JobsProvider | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Sleep = asyncio.sleep,
        list_interval: float = 5.0,
        policy: PollPolicy | None = None,
        bell: bool = True,
    ) -> None:
        super().__init__(backend=backend, clock=clock, sleep=sleep, policy=policy)
        self.list_interval = list_interval
        self.bell = bell
        """Ring the terminal bell when a watched job ends."""
        self.points: list[MetricPoint] = []
        self.connection = ConnectionState()
        self.error_line: str | None = None
        self._ckpt_models: list[str] = []
        self._list_error: str | None = None
        self._link_text = ""
        self._more = False  # older jobs exist than those loaded ("m" fetches a page)
        self._older_loaded = False
        self._watch_status: str | None = None

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header, the list, the link line, the detail tabs, the upload bar, the footer."""
        yield Header()
        yield JobsTable(id="jobs-table", cursor_type="row", zebra_stripes=False)
        with Horizontal(id="jobs-status"):
            yield Static(id="link")
            yield ProgressBar(id="upload-progress", show_eta=False)
        with TabbedContent(id="job-tabs", initial="overview"):
            with TabPane("Overview", id="overview"), VerticalScroll():
                yield Static(Text("no job selected", style="dim"), id="overview-text")
            with TabPane("Events", id="events"):
                yield EventLog(id="event-log")
            with TabPane("Chart", id="chart"):
                yield LossChart(id="loss-chart")
            with TabPane("Checkpoints", id="checkpoints"):
                yield DataTable(id="ckpt-table", cursor_type="row")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Columns, then the first fetch."""
        table = self.query_one("#jobs-table", DataTable)
        for name in COLUMNS:
            # Cells are updated in place without re-measuring (only the changed row repaints),
            # so columns whose text grows get their widest width up front.
            table.add_column(name, key=name, width=FIXED_WIDTHS.get(name))
        self.query_one("#ckpt-table", DataTable).add_columns(*CHECKPOINT_COLUMNS)
        self.query_one("#upload-progress").display = False
        self._update_link()
        self.nudge_list()

    # -- the list ----------------------------------------------------------------------------

    def on_jobs_loaded(self, message: JobsLoaded) -> None:
        """Merge the fetched jobs into the table."""
        self._list_error = message.error
        if message.error is None:
            for job in message.jobs:
                self.jobs[job.id] = job
            self.progress.update(message.progress)
            if message.has_more is not None and (message.older or not self._older_loaded):
                self._more = message.has_more
            self._older_loaded = self._older_loaded or message.older
        self.sync_table()
        self._update_link()
        if self.selected is None and self._order:
            self.select(self._order[0])

    @on(DataTable.RowHighlighted, "#jobs-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.select(event.row_key.value)

    def select(self, job_id: str) -> None:
        """Show and watch ``job_id`` (a no-op if it is already the one watched)."""
        if job_id == self.selected:
            return
        self.selected = job_id
        self._watch_status = None
        self.points, self.error_line = [], None
        self._ckpt_models = []
        self.query_one(EventLog).reset()
        self.query_one(LossChart).set_points([])
        self.query_one("#ckpt-table", DataTable).clear()
        self._show_detail()
        self.start_watch(job_id)

    # -- the watched job ---------------------------------------------------------------------

    def on_snapshot_received(self, message: SnapshotReceived) -> None:
        """Apply one poll: job row and detail, new events, chart, link state, the end."""
        if message.job_id != self.selected:
            return  # a late message from the previous selection
        snap = message.snapshot
        self.connection = snap.connection
        job = snap.job
        if job is not None:
            before = self.jobs.get(job.id)
            self.jobs[job.id] = job
            if snap.metrics:
                last = snap.metrics[-1]
                old = self.progress.get(job.id)
                rate = old.rate if old is not None else None
                self.progress[job.id] = Progress(last.step, last.total_steps, rate)
            # Judged on the watcher's own previous status: the list may have seen the end first.
            seen, self._watch_status = self._watch_status, str(job.status)
            if seen is not None and not is_terminal(seen) and is_terminal(job.status):
                self._announce_end(job)
            if before is None or before != job:
                self._show_detail()
            self.sync_table()
        if snap.events:
            self.query_one(EventLog).add_events(snap.events)
        if snap.metrics:
            self.points.extend(snap.metrics)
            self.query_one(LossChart).set_points(self.points)
        self._update_link()

    def _announce_end(self, job: Job) -> None:
        ok = job.status == "succeeded"
        self.notify(
            f"{job.id} {job.status}", title="Job ended", severity="information" if ok else "error"
        )
        if self.bell:
            self.app.bell()

    def on_checkpoints_loaded(self, message: CheckpointsLoaded) -> None:
        """Redraw the checkpoints table when the set changed."""
        if message.job_id != self.selected:
            return
        models = [c.fine_tuned_model_checkpoint for c in message.checkpoints]
        if models == self._ckpt_models:
            return
        self._ckpt_models = models
        table = self.query_one("#ckpt-table", DataTable)
        table.clear()
        for ckpt in sorted(message.checkpoints, key=lambda c: c.step_number):
            table.add_row(*checkpoint_cells(ckpt), key=ckpt.fine_tuned_model_checkpoint)

    def on_error_line_loaded(self, message: ErrorLineLoaded) -> None:
        """Show the training-file line the error names."""
        if message.job_id == self.selected:
            self.error_line = message.line
            self._show_detail()

    def on_job_changed(self, message: JobChanged) -> None:
        """An action's result: update the row, and select a new job."""
        self.jobs[message.job.id] = message.job
        if message.select and self.status_filter not in (None, str(message.job.status)):
            self.status_filter = None
        self.sync_table()
        if message.select:
            self.selected = None
            self.select(message.job.id)
            table = self.query_one("#jobs-table", DataTable)
            table.move_cursor(row=self._order.index(message.job.id), animate=False)
        elif message.job.id == self.selected:
            self._show_detail()

    def on_upload_progress(self, message: UploadProgress) -> None:
        """Show, move or hide the upload bar."""
        bar = self.query_one("#upload-progress", ProgressBar)
        bar.display = message.total > 0
        if message.total > 0:
            bar.update(total=message.total, progress=message.sent)

    def _show_detail(self) -> None:
        job = self.jobs.get(self.selected or "")
        if job is not None:
            text = detail_text(job, self.error_line)
        elif not self.jobs:
            text = Text("No jobs yet: press n to create one.", style="dim")
        else:
            text = Text("no job selected", style="dim")
        self.query_one("#overview-text", Static).update(text)

    def _update_link(self) -> None:
        """The link line; repainted only when its text changes."""
        state = self.connection.describe()
        style = "green" if state == "live" else "bold yellow"
        text = Text(f"● {state}", style=style)
        if self._list_error:
            text.append(f"  list: {self._list_error}", style="yellow")
        shown = f"{len(self._order)}/{len(self.jobs)} jobs"
        if self.status_filter:
            shown += f" · {self.status_filter}"
        text.append(f" · {shown} · sort {self.sort}", style="dim")
        if self._more:
            text.append(" · m: older jobs", style="dim")
        point = self.points[-1] if self.points else None
        if point is not None:
            text.append(f" · {metric_summary(point)}")
        if text.plain != self._link_text:
            self._link_text = text.plain
            self.query_one("#link", Static).update(text)

    def action_show_tab(self, tab: str) -> None:
        """Switch the detail tab."""
        self.query_one(TabbedContent).active = tab
