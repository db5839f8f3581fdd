"""The checkpoint matrix of one job, run from the Jobs area: the base model, every checkpoint
and the final model scored on a test file in a worker, then the table and chart of
``MatrixView``. While the job runs the screen is *following*: each checkpoint is scored as it
lands and the view grows a row (``s`` stops following; ``r`` resumes, nothing paid twice, as
the results file is resumed). ``escape`` goes back; ``p`` / ``y`` act on the highlighted model.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tuiftune.dataset.preview import printable
from tuiftune.evaluation import load_test_set
from tuiftune.evaluation.answer_errors import answer_errors
from tuiftune.evaluation.checkpoint_matrix import CheckpointMatrix
from tuiftune.service.checkpoint_eval import MatrixRun
from tuiftune.service.checkpoint_follow import Scored, follow_checkpoint_matrix
from tuiftune.service.errors import ServiceError
from tuiftune.service.evals import EvalOptions, EvalProgress, ResultsFileError
from tuiftune.service.jobs import JobsService
from tuiftune.service.providers.base import Provider
from tuiftune.service.types import MetricPoint
from tuiftune.service.watch import PollPolicy, Sleep
from tuiftune.step_chart import matrix_points
from tuiftune.ui.charts.matrix_view import MatrixView
from tuiftune.ui.widgets.footer import Footer

OpenProvider = Callable[[], Awaitable[Provider]]


@dataclass
class _Progress(Message):
    progress: EvalProgress

    def can_replace(self, message: Message) -> bool:
        """Only the latest progress matters."""
        return isinstance(message, _Progress)


@dataclass
class _Scored(Message):
    scored: Scored


@dataclass
class _Done(Message):
    run: MatrixRun
    points: list[MetricPoint]


@dataclass
class _Failed(Message):
    reason: str


def _steps(matrix: CheckpointMatrix) -> list[int]:
    return [r.entry.step for r in matrix.rows if r.entry.kind == "checkpoint" and r.entry.step]


async def _points(provider: Provider, run: MatrixRun) -> list[MetricPoint]:
    """The job's metrics for the chart; none (the checkpoints' own losses then) when its
    results file cannot be read: the scores are in, a missing file must not hide them."""
    try:
        return await JobsService(provider.jobs).result_metrics(run.job)
    except (ServiceError, ValueError):
        return []


class MatrixScreen(Screen[None]):
    """Scores a job's checkpoints on a test file (following the job while it runs), then shows
    the matrix."""

    DEFAULT_CSS = """
    MatrixScreen > #matrix-status { height: 1; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # The footer fits 80 columns with the app's F-keys: back, stop and quit; resume and the
        # row's keys (p, y) are in F1 and the palette (the status line names s and r).
        Binding(
            "escape", "app.pop_screen", "Back", id="matrix.back", tooltip="Back to the Jobs area"
        ),
        Binding(
            "s",
            "stop",
            "Stop",
            id="matrix.stop",
            tooltip="Stop following the job (the scores so far stay)",
        ),
        Binding(
            "ctrl+q",
            "app.quit_guarded",
            "Quit",
            id="matrix.quit",
            tooltip="Quit tuiftune",
            priority=True,
        ),
        Binding(
            "r",
            "rerun",
            "Resume",
            show=False,
            id="matrix.resume",
            tooltip="Run again, keeping the results so far",
        ),
    ]
    HELP = """\
## Checkpoint matrix

The job's base model, every checkpoint and the final model scored on the test file; while the
job runs each checkpoint is scored as it lands. The results file is resumed, so nothing is paid
for twice.

- **s**: stop following (the scores so far stay); **r**: resume
- **p**: prompt the highlighted model in the Playground; **y**: copy its name
- **esc**: back to the Jobs area; **ctrl+p**: every key in the palette; **ctrl+q**: quit
"""

    def __init__(
        self,
        open_provider: OpenProvider,
        job_id: str,
        test_file: Path,
        out: Path,
        options: EvalOptions | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        policy: PollPolicy | None = None,
    ) -> None:
        super().__init__()
        self.open_provider = open_provider
        self.job_id = job_id
        self.test_file = test_file
        self.out = out
        self.options = options or EvalOptions(metrics=("em", "f1"))
        self.sleep = sleep
        self.policy = policy
        self.result: MatrixRun | None = None
        self.scored: list[Scored] = []
        """Every model scored since the screen opened, in the order they were."""
        self.following = False
        """True while the worker runs: it scores each new checkpoint until the job ends."""
        self._worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="matrix-status")
        yield MatrixView(id="matrix-view")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.action_rerun()

    def _status(self, text: str) -> None:
        self.query_one("#matrix-status", Static).update(Text(printable(text)))

    def action_rerun(self) -> None:
        """Start (or resume) the run in a worker; results already in the file are kept."""
        self._status(f"scoring the checkpoints of {self.job_id} on {self.test_file} ...")
        self.following = True
        self._worker = self.run_worker(
            self._run(), group="matrix", exclusive=True, exit_on_error=False
        )

    def action_stop(self) -> None:
        """Stop following: the worker is cancelled, the results written so far are kept."""
        if self._worker is not None and self.following:
            self._worker.cancel()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A cancelled follow says so (the other endings post their own message)."""
        if event.worker is not self._worker or event.state is not WorkerState.CANCELLED:
            return
        self.following = False
        self._status(f"stopped following {self.job_id} ({len(self.scored)} scored; r resumes)")

    async def _run(self) -> None:
        try:
            test_set = await load_test_set(self.test_file)
            async with await self.open_provider() as provider:
                run = await follow_checkpoint_matrix(
                    provider,
                    test_set,
                    self.job_id,
                    self.out,
                    options=self.options,
                    progress=self._post_progress,
                    on_scored=self._post_scored,
                    policy=self.policy,
                    sleep=self.sleep,
                )
                points = await _points(provider, run)
        except (ResultsFileError, ServiceError) as exc:
            self.post_message(_Failed(str(exc)))
            return
        except OSError as exc:
            self.post_message(_Failed(f"cannot read {self.test_file}: {exc.strerror or exc}"))
            return
        self.post_message(_Done(run, points))

    def _post_scored(self, scored: Scored) -> None:
        self.post_message(_Scored(scored))

    def _post_progress(self, progress: EvalProgress) -> None:
        self.post_message(_Progress(progress))

    @on(_Progress)
    def _progress(self, event: _Progress) -> None:
        p = event.progress
        self._status(
            f"{p.done}/{p.total} answers · {p.rate:.1f}/s" + (f" · {p.note}" if p.note else "")
        )

    @on(_Scored)
    def _scored(self, event: _Scored) -> None:
        scored = event.scored
        self.scored.append(scored)
        matrix = scored.matrix
        self.query_one(MatrixView).show(matrix, matrix_points(matrix), _steps(matrix))
        score = scored.row.score
        shown = "-" if score is None else f"{score:.3f}"
        what = f"{scored.entry.label}: {matrix.metric} {shown}"
        # Short enough for 80 columns: the key that stops it must not be cut off.
        if scored.job.status in ("succeeded", "failed", "cancelled"):
            self._status(f"job {scored.job.status} · {what} · finishing ...")
        else:
            self._status(f"following the job ({scored.job.status}) · {what} · s stops")

    @on(_Done)
    def _done(self, event: _Done) -> None:
        self.following = False
        self.result = event.run
        matrix = event.run.matrix
        self.query_one(MatrixView).show(
            matrix, event.points or matrix_points(matrix), _steps(matrix)
        )
        errors = answer_errors(event.run.run.results)
        if errors is not None and errors.every:
            # Scores of nothing but errors would read as a matrix of zeros.
            self._status(f"failed: {errors.head}; the first: {errors.first} (r retries)")
            self.notify(
                errors.line(self.out),
                title="Checkpoint matrix failed",
                severity="error",
                markup=False,
            )
            return
        state = "complete" if event.run.run.complete else "incomplete (r resumes)"
        self._status(
            f"{self.job_id} {event.run.job.status}: {len(event.run.entries)} models, {state}; "
            f"results in {self.out}"
        )
        if errors is not None:
            self.notify(
                errors.line(self.out), title="Checkpoint matrix", severity="warning", markup=False
            )

    @on(_Failed)
    def _failed(self, event: _Failed) -> None:
        self.following = False
        self._status(f"stopped: {event.reason} (r resumes)")
