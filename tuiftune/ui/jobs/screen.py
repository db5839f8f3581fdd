"""The Jobs mode: the jobs list (``JobsList``), the link line, the selected job's detail
(``JobDetail``), the upload bar; the screen routes the widgets' messages and runs the keys."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Header, ProgressBar, Static

from tuiftune.service.jobs import is_terminal
from tuiftune.service.providers.base import JobsProvider, Provider
from tuiftune.service.services import Services
from tuiftune.service.types import Job, MetricPoint
from tuiftune.service.watch import ConnectionState, PollPolicy, Sleep
from tuiftune.textfmt import clean
from tuiftune.ui.jobs.actions import JobActions
from tuiftune.ui.jobs.error_record import locate_training_file
from tuiftune.ui.jobs.format import error_line_number, metric_summary
from tuiftune.ui.jobs.job_detail import JobDetail
from tuiftune.ui.jobs.jobs_list import JobsList
from tuiftune.ui.jobs.messages import JobChanged, UploadProgress
from tuiftune.ui.messages import OpenRecord
from tuiftune.ui.widgets.footer import Footer  # one rebuild a frame
from tuiftune.ui.widgets.idle import StillProgressBar
from tuiftune.ui.workers import ReportWorkerErrors


def _key(key: str, action: str, name: str, tip: str, id: str, show: bool = False) -> Binding:
    return Binding(key, action, name, show=show, id=f"jobs.{id}", tooltip=tip)


class JobsScreen(ReportWorkerErrors, JobActions):
    """Watch and manage fine-tuning jobs of the active provider."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "jobs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        _key("n", "new_job", "New job", "Lint, upload and create a job", "new", True),
        _key("c", "cancel_job", "Cancel", "Cancel the selected job (asks first)", "cancel", True),
        # The footer ends with quit (80 columns with the app's F-keys); the rest are in F1 and
        # the command palette (ctrl+p).
        Binding(
            "ctrl+q",
            "app.quit_guarded",
            "Quit",
            id="jobs.quit",
            tooltip="Quit tuiftune",
            priority=True,
        ),
        _key("p", "pause_job", "Pause", "Pause the selected job (asks first)", "pause"),
        _key("r", "resume_job", "Resume", "Resume the selected job (asks first)", "resume"),
        _key("R", "rerun_job", "Rerun", "Create a job with the same settings", "rerun"),
        _key("d", "download_results", "Results CSV", "Save the result file as CSV", "download"),
        _key("y", "copy_model", "Copy model", "Copy the fine-tuned model's name", "copy"),
        _key(
            "o",
            "open_playground",
            "Playground",
            "Prompt the model or checkpoint",
            "playground",
        ),
        _key("f", "filter_status", "Filter", "Show only jobs in one status", "filter"),
        _key("D", "deployments", "Deployments", "Deploy a model; list, stop, delete", "deploys"),
        _key(
            "M",
            "checkpoint_matrix",
            "Matrix",
            "Score each checkpoint as it lands, on the job's own test set if it names one",
            "matrix",
        ),
        _key("s", "cycle_sort", "Sort", "Sort by created, status, model or tokens", "sort"),
        _key("ctrl+r", "refresh_now", "Refresh", "Refresh the list now", "refresh"),
        _key("m", "load_older", "Older jobs", "Load the next page of older jobs", "older"),
        _key(
            "g",
            "open_error_record",
            "Go to failed line",
            "Open the line a failed job's error names in the Dataset editor",
            "goto_line",
        ),
        _key(
            "escape", "cancel_upload", "Stop upload", "Stop the upload in progress", "stop_upload"
        ),
        _key("1", "show_tab('overview')", "Overview", "Timeline, settings, error", "tab_overview"),
        _key("2", "show_tab('events')", "Events", "The job's event log", "tab_events"),
        _key("3", "show_tab('chart')", "Chart", "Training and validation loss", "tab_chart"),
        _key("4", "show_tab('checkpoints')", "Checkpoints", "Checkpoints as models", "tab_ckpts"),
    ]
    HELP = """\
## Jobs

The list shows the backend's jobs and refreshes itself; the selected job is watched live.
The line under the list says whether the link is live, reconnecting or offline.

- **1 / 2 / 3 / 4**: overview (timeline, settings, error) / events / loss chart / checkpoints
- **n**: new job (lints the file and shows the cost before uploading; esc stops an upload)
- **c / p / r**: cancel / pause / resume (each asks first); **R**: rerun with the same settings
- **d**: save the result file as CSV; **y**: copy the model name; **D**: deployments (Azure,
  Together, Fireworks serve a fine-tuned model only from one: deploy, wait, stop, delete)
- **o**: open the highlighted checkpoint (on the checkpoints tab) or the model in the Playground
- **g**: on a failed job whose error names a line, open that line in the Dataset editor
- **f**: filter by status; **s**: sort; **ctrl+r**: refresh now; **m**: load older jobs (the list
  polls the newest page)

The footer shows the keys used most; **ctrl+p** lists every key in the command palette, and
**ctrl+q** quits.
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
        super().__init__()
        self._backend = backend
        self._provider: Provider | None = None
        self._provider_lock = asyncio.Lock()
        self.clock = clock
        self._sleep = sleep
        self.policy = policy or PollPolicy()
        self.list_interval = list_interval
        self.bell = bell
        """Ring the terminal bell when a watched job ends."""
        self.shown = asyncio.Event()
        self.shown.set()
        self._link_text = ""

    # -- the provider ------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        """The app's services (how to reach the provider)."""
        services: Services = self.app.services  # type: ignore[attr-defined]
        return services

    async def provider(self) -> Provider:
        """The app's provider, opened once for this screen (closed when it unmounts)."""
        async with self._provider_lock:
            if self._provider is None:
                self._provider = await self.services.open_provider()
            return self._provider

    async def jobs_provider(self) -> JobsProvider:
        """The injected jobs provider, or that of the screen's provider."""
        if self._backend is not None:
            return self._backend
        return (await self.provider()).jobs

    async def on_unmount(self) -> None:
        """Close the provider."""
        if self._provider is not None:
            await self._provider.aclose()

    # -- layout and what the tests and the link line read ------------------------------------

    def compose(self) -> ComposeResult:
        """Header, the list, the link line and upload bar, the detail tabs, the footer."""
        yield Header()
        yield JobsList(
            self.jobs_provider,
            clock=self.clock,
            shown=self.shown,
            interval=self.list_interval,
            id="jobs-table",
        )
        with Horizontal(id="jobs-status"):
            yield Static(id="link")
            # A total from the start: an indeterminate bar animates at 15 fps even while hidden.
            yield StillProgressBar(id="upload-progress", show_eta=False, total=1)
        yield JobDetail(
            self.jobs_provider,
            sleep=self._sleep,
            policy=self.policy,
            shown=self.shown,
            clock=self.clock,
            id="job-tabs",
        )
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """The upload bar starts hidden."""
        self.query_one("#upload-progress").display = False
        self._update_link()

    @property
    def jobs(self) -> dict[str, Job]:
        """The jobs the list holds, by id."""
        return self.query_one(JobsList).jobs

    @property
    def selected(self) -> str | None:
        """The selected (and watched) job."""
        return self.query_one(JobsList).selected

    @property
    def points(self) -> list[MetricPoint]:
        """The watched job's metric points so far."""
        return self.query_one(JobDetail).points

    @property
    def connection(self) -> ConnectionState:
        """The watcher's link state."""
        return self.query_one(JobDetail).connection

    @property
    def error_line(self) -> str | None:
        """The training-file line a failed job's error names, once fetched."""
        return self.query_one(JobDetail).error_line

    @property
    def _ckpt_models(self) -> list[str]:
        return self.query_one(JobDetail).ckpt_models

    # -- routing the widgets' messages -------------------------------------------------------

    @on(JobsList.JobHighlighted)
    def _job_highlighted(self, message: JobsList.JobHighlighted) -> None:
        self.query_one(JobDetail).show(message.job_id, self.jobs.get(message.job_id))

    @on(JobsList.Changed)
    def _list_changed(self) -> None:
        detail = self.query_one(JobDetail)
        error = self.query_one(JobsList).error
        if not self.jobs and error:
            # Whole here (the link line cuts it at 80 columns): what the server answered.
            detail.set_empty_text(Text(f"The jobs could not be listed: {clean(error)}", "red"))
        elif not self.jobs:
            detail.set_empty_text(Text("No jobs yet: press n to create one.", style="dim"))
        else:
            detail.set_empty_text(Text("no job selected", style="dim"))
        # The list may see the shown job end (or get its final fields) while the watcher is
        # between polls or done: the overview takes it at once, not when the cursor moves.
        shown = self.jobs.get(detail.job_id or "")
        if shown is not None and is_terminal(shown.status) and shown != detail.job:
            detail.set_job(shown)
        self._update_link()

    @on(JobDetail.JobUpdated)
    def _job_updated(self, message: JobDetail.JobUpdated) -> None:
        point = message.point
        step = (point.step, point.total_steps) if point is not None else None
        self.query_one(JobsList).update_job(message.job, step=step)

    @on(JobDetail.Ended)
    def _job_ended(self, message: JobDetail.Ended) -> None:
        job = message.job
        ok = job.status == "succeeded"
        self.notify(
            f"{job.id} {job.status}",
            title="Job ended",
            severity="information" if ok else "error",
            markup=False,
        )
        if self.bell:
            self.app.bell()

    @on(JobDetail.LinkChanged)
    def _link_changed(self) -> None:
        self._update_link()

    def on_job_changed(self, message: JobChanged) -> None:
        """An action's result: update the row, and select a new job."""
        jobs = self.query_one(JobsList)
        if message.select and jobs.status_filter not in (None, str(message.job.status)):
            jobs.status_filter = None
        jobs.update_job(message.job)
        if message.select:
            jobs.select(message.job.id, move=True, again=True)
        else:
            self.query_one(JobDetail).set_job(message.job)

    def on_upload_progress(self, message: UploadProgress) -> None:
        """Show, move or hide the upload bar."""
        bar = self.query_one("#upload-progress", ProgressBar)
        bar.display = message.total > 0
        if message.total > 0:
            bar.update(total=message.total, progress=message.sent)

    def _update_link(self) -> None:
        """The link line; repainted only when its text changes."""
        jobs = self.query_one(JobsList)
        state = self.connection.describe()
        style = "green" if state == "live" else "bold yellow"
        text = Text(f"● {state}", style=style)
        if jobs.error:
            text.append(f"  list: {jobs.error}", style="yellow")
        shown = f"{len(jobs.order)}/{len(jobs.jobs)} jobs"
        if jobs.status_filter:
            shown += f" · {jobs.status_filter}"
        text.append(f" · {shown} · sort {jobs.sort_key}", style="dim")
        if jobs.more:
            text.append(" · m: older jobs", style="dim")
        points = self.points
        if points:
            text.append(f" · {metric_summary(points[-1])}")
        if text.plain != self._link_text:
            self._link_text = text.plain
            self.query_one("#link", Static).update(text)

    # -- shown and hidden --------------------------------------------------------------------

    def on_screen_suspend(self) -> None:
        """Hidden (another mode, a dialog): stop polling until shown again."""
        self.shown.clear()
        self.query_one(JobsList).pause_polling()

    def on_screen_resume(self) -> None:
        """Shown again: resume the watch and refresh the list at once."""
        if not self.shown.is_set():
            self.shown.set()
            self.query_one(JobsList).nudge()

    def action_deployments(self) -> None:
        """The provider's deployments; n there deploys the selected job's model or checkpoints."""
        from tuiftune.ui.jobs.deployments import DeploymentsScreen

        job = self.jobs.get(self.selected or "")
        models = [job.fine_tuned_model or "", *self._ckpt_models] if job is not None else []
        self.app.push_screen(DeploymentsScreen(self.provider, models, sleep=self._sleep))

    @work(group="jobs-action", exit_on_error=False)
    async def action_checkpoint_matrix(self) -> None:
        """Score the selected job's base model, checkpoints and final model on a test file
        (the job's own, when it names one), following the job while it runs."""
        from tuiftune.ui.charts.matrix_action import ask_and_open

        if self.selected is not None:
            job = self.jobs.get(self.selected)
            await ask_and_open(
                self, self.services, self.selected, job, sleep=self._sleep, policy=self.policy
            )

    @work(group="jobs-action", exit_on_error=False)
    async def action_open_error_record(self) -> None:
        """Open the training-file line a failed job's error names in the Dataset editor."""
        detail = self.query_one(JobDetail)
        job = detail.job
        line = error_line_number(job) if job is not None else None
        if job is None or job.status != "failed" or line is None or not job.training_file:
            self.notify("The selected job's error names no line of its training file.")
            return
        path = await locate_training_file(self, job, line, detail.error_file_sha, self.provider)
        if path is not None:
            self.post_message(OpenRecord(path, line))

    def action_show_tab(self, tab: str) -> None:
        """Switch the detail tab."""
        self.query_one(JobDetail).active = tab
