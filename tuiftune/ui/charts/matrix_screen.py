"""The checkpoint matrix of one job, run from the Jobs area: every checkpoint, the base and the
final model scored on a test file in a worker (resumable: rerun with ``r``), then the table and
chart of ``MatrixView``. ``escape`` goes back; ``p`` / ``y`` act on the highlighted model.
"""

from __future__ import annotations

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
from textual.widgets import Footer, Static

from tuiftune.dataset.preview import printable
from tuiftune.evaluation import load_test_set
from tuiftune.service.checkpoint_eval import (
    MatrixRun,
    NothingToEvaluateError,
    run_checkpoint_matrix,
)
from tuiftune.service.errors import ServiceError
from tuiftune.service.evals import EvalOptions, EvalProgress, ResultsFileError
from tuiftune.service.jobs import JobsService
from tuiftune.service.providers.base import Provider
from tuiftune.service.types import MetricPoint
from tuiftune.ui.charts.matrix_view import MatrixView

OpenProvider = Callable[[], Awaitable[Provider]]


@dataclass
class _Progress(Message):
    progress: EvalProgress

    def can_replace(self, message: Message) -> bool:
        """Only the latest progress matters."""
        return isinstance(message, _Progress)


@dataclass
class _Done(Message):
    run: MatrixRun
    points: list[MetricPoint]


@dataclass
class _Failed(Message):
    reason: str


class MatrixScreen(Screen[None]):
    """Scores a job's checkpoints on a test file, then shows the matrix."""

    DEFAULT_CSS = """
    MatrixScreen > #matrix-status { height: 1; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the Jobs area"),
        Binding("r", "rerun", "Resume", tooltip="Run again, keeping the results so far"),
    ]

    def __init__(
        self,
        open_provider: OpenProvider,
        job_id: str,
        test_file: Path,
        out: Path,
        options: EvalOptions | None = None,
    ) -> None:
        super().__init__()
        self.open_provider = open_provider
        self.job_id = job_id
        self.test_file = test_file
        self.out = out
        self.options = options or EvalOptions(metrics=("em", "f1"))
        self.result: MatrixRun | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="matrix-status")
        yield MatrixView(id="matrix-view")
        yield Footer()

    def on_mount(self) -> None:
        self.action_rerun()

    def _status(self, text: str) -> None:
        self.query_one("#matrix-status", Static).update(Text(printable(text)))

    def action_rerun(self) -> None:
        """Start (or resume) the run in a worker; results already in the file are kept."""
        self._status(f"scoring the checkpoints of {self.job_id} on {self.test_file} ...")
        self.run_worker(self._run(), group="matrix", exclusive=True, exit_on_error=False)

    async def _run(self) -> None:
        try:
            test_set = await load_test_set(self.test_file)
            async with await self.open_provider() as provider:
                run = await run_checkpoint_matrix(
                    provider,
                    test_set,
                    self.job_id,
                    self.out,
                    options=self.options,
                    resume=True,
                    progress=self._post_progress,
                )
                points = await JobsService(provider.jobs).result_metrics(run.job)
        except (NothingToEvaluateError, ResultsFileError, ServiceError) as exc:
            self.post_message(_Failed(str(exc)))
            return
        except OSError as exc:
            self.post_message(_Failed(f"cannot read {self.test_file}: {exc.strerror or exc}"))
            return
        self.post_message(_Done(run, points))

    def _post_progress(self, progress: EvalProgress) -> None:
        self.post_message(_Progress(progress))

    @on(_Progress)
    def _progress(self, event: _Progress) -> None:
        p = event.progress
        self._status(
            f"{p.done}/{p.total} answers · {p.rate:.1f}/s" + (f" · {p.note}" if p.note else "")
        )

    @on(_Done)
    def _done(self, event: _Done) -> None:
        self.result = event.run
        steps = [e.step for e in event.run.entries if e.kind == "checkpoint" and e.step]
        self.query_one(MatrixView).show(event.run.matrix, event.points, steps)
        state = "complete" if event.run.run.complete else "incomplete (r resumes)"
        self._status(
            f"{self.job_id}: {len(event.run.entries)} models, {state}; results in {self.out}"
        )

    @on(_Failed)
    def _failed(self, event: _Failed) -> None:
        self._status(f"stopped: {event.reason} (r resumes)")
