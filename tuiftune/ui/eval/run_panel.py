"""The run panel: a progress bar and a status line, and the worker that runs the eval.

The worker calls ``service.evals.run_eval``; its progress callback posts messages to the panel
(each replacing the previous one in the queue), and ``Ended`` tells the screen the outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import ProgressBar, Static

from tuiftune.dataset.preview import printable
from tuiftune.evaluation import TestSet
from tuiftune.service.errors import ServiceError
from tuiftune.service.evals import (
    EvalOptions,
    EvalProgress,
    ResultsFileError,
    check_writable,
    run_eval,
)
from tuiftune.service.providers.base import Provider
from tuiftune.ui.widgets.idle import StillProgressBar

OpenProvider = Callable[[], Awaitable[Provider]]


@dataclass
class _Progress(Message):
    progress: EvalProgress

    def can_replace(self, message: Message) -> bool:
        """Only the latest progress matters."""
        return isinstance(message, _Progress)


def progress_text(p: EvalProgress) -> str:
    """``12/60 · 4.0/s · ETA 00:12`` with rate-limit waits and failures."""
    eta = "--:--" if p.eta is None else "{:02d}:{:02d}".format(*divmod(int(p.eta), 60))
    text = f"{p.done}/{p.total} · {p.rate:.1f}/s · ETA {eta}"
    if p.paused_for >= 1:
        text += f" · rate-limited, waiting {p.paused_for:.0f}s"
    if p.failed:
        text += f" · {p.failed} failed"
    if p.note:
        text += f" · {p.note}"
    return text


class RunPanel(Horizontal):
    """Runs the models over a test set and shows how far it is."""

    @dataclass
    class Ended(Message):
        """The run finished, failed or was cancelled; ``note`` says which."""

        note: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.running = False

    def compose(self) -> ComposeResult:
        """The bar and the status line."""
        yield StillProgressBar(id="ev-progress", show_eta=False)
        yield Static(id="ev-status")

    def on_mount(self) -> None:
        """An empty bar until the first run."""
        self.show_count(0, 1)

    def show_count(self, done: int, total: int) -> None:
        """Set the bar to ``done`` of ``total``."""
        self.query_one(ProgressBar).update(total=max(1, total), progress=done)

    def set_status(self, text: str) -> None:
        """The status line (service text: escapes shown, never sent)."""
        self.query_one("#ev-status", Static).update(Text(printable(text)))

    def start(
        self,
        open_provider: OpenProvider,
        test_set: TestSet,
        models: Sequence[str],
        out: Path,
        *,
        resume: bool,
        options: EvalOptions,
    ) -> None:
        """Start the run in the panel's worker (a running one is replaced)."""
        self.running = True
        self.run_worker(
            self._run(open_provider, test_set, list(models), out, resume, options),
            group="eval",
            exclusive=True,
            exit_on_error=False,
        )

    def cancel(self) -> bool:
        """Stop the run; results received so far stay in the file."""
        if not self.running:
            return False
        self.workers.cancel_group(self, "eval")
        return True

    async def _run(
        self,
        open_provider: OpenProvider,
        test_set: TestSet,
        models: list[str],
        out: Path,
        resume: bool,
        options: EvalOptions,
    ) -> None:
        note = "complete"
        try:
            await asyncio.to_thread(check_writable, out, create_parent=True)
            async with await open_provider() as provider:
                run = await run_eval(
                    provider,
                    test_set,
                    models,
                    out,
                    options=options,
                    resume=resume,
                    progress=self._post_progress,
                )
            if not run.complete:
                note = f"incomplete: {len(run.failures)} failed (R resumes)"
        except ResultsFileError as exc:
            note = f"{exc} (R resumes)"
        except ServiceError as exc:
            note = f"stopped: {exc} (R resumes)"
        except asyncio.CancelledError:
            self._end("cancelled (R resumes)")
            raise
        except Exception as exc:  # the screen must leave the running state
            note = f"stopped: {type(exc).__name__}: {exc} (R resumes)"
        self._end(note)

    def _post_progress(self, progress: EvalProgress) -> None:
        self.post_message(_Progress(progress))

    def _end(self, note: str) -> None:
        self.running = False
        self.post_message(self.Ended(note))

    @on(_Progress)
    def _progress(self, event: _Progress) -> None:
        p = event.progress
        self.show_count(p.done, p.total)
        self.set_status(progress_text(p))
