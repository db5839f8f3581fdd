"""The editor's model picker: the target model sets the tokenizer, the example limit and the price.

Choosing a model re-lints the open file with it in the lint thread (progress in the status line,
escape cancels and keeps the model before); an open model's examples are also counted exactly
with its chat template.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message
from textual.widgets import ProgressBar

from tuiftune.dataset.linter import LintCancelled, Linter
from tuiftune.dataset.model_choice import (
    ExactCounts,
    ModelChoiceError,
    check_model,
    detach,
    exact_counts,
    known_models,
    new_linter,
)
from tuiftune.dataset.options import LintOptions, editor_options, is_open_model
from tuiftune.dataset.preview import visible
from tuiftune.dataset.session import FilterKind
from tuiftune.dataset.worker import in_lint_thread
from tuiftune.ui.dataset.base import DatasetBase
from tuiftune.ui.screens.modals import AskScreen, PickScreen

if TYPE_CHECKING:
    from tuiftune.dataset.lint_worker import LintWorker

OPEN_MODEL = "open-model"  # the picker's key for "type a folder or a Hugging Face id"
PROGRESS_EVERY = 0.1


@dataclass
class RecountProgress(Message):
    """How far the re-count with a new model is (posted from the lint thread)."""

    done: int
    total: int
    run: threading.Event  # the re-count's cancel event: which run the progress is of

    def can_replace(self, message: Message) -> bool:
        """Only the latest progress matters."""
        return isinstance(message, RecountProgress)


class ModelActions(DatasetBase):
    """The ``M`` key: choose the model whose tokens, limit and cost the editor shows."""

    _model_cancel: threading.Event | None = None
    _last_open_model = ""

    def _refresh_all(self) -> None:
        """Redraw everything (the screen implements it)."""
        raise NotImplementedError

    def _lint_progress(self, done: int, total: int) -> None:
        """Show lint progress (the screen implements it)."""
        raise NotImplementedError

    @work(exclusive=True, group="model_pick", exit_on_error=False)
    async def action_choose_model(self) -> None:
        """Pick a known OpenAI model, or type an open model's folder or cached id."""
        session = self._ready_session()
        if session is None:
            return
        current = session.linter.model
        choices = [
            (m.name, ("● " if m.name == current.name else "  ") + m.label) for m in known_models()
        ]
        if current.encoding.startswith("hf:"):
            label = f"● Open model (now {visible(current.name)}): another folder or cached id..."
        else:
            label = "  Open model: a Hugging Face folder or cached id..."
        choices.append((OPEN_MODEL, label))
        picked = await self.app.push_screen_wait(PickScreen("Target model", choices))
        if picked == OPEN_MODEL:
            picked = await self.app.push_screen_wait(
                AskScreen(
                    "Model folder (tokenizer.json) or Hugging Face id in the local cache",
                    self._last_open_model,
                    placeholder="~/models/SmolLM2-135M-Instruct",
                )
            )
        if picked:
            self.use_model(picked.strip())

    def lint_options(self) -> LintOptions | None:
        """The options a newly opened file is linted with (``open_model_after_load`` counts
        it again with an open model's tokenizer)."""
        return editor_options(self.model)

    def _take_worker(self, path: Path) -> LintWorker | None:
        """The child process linting ``path`` since start-up, once, if it lints it as this
        editor would (else it is stopped)."""
        worker, self._worker = self._worker, None
        if worker is not None and (worker.path, worker.options) != (path, self.lint_options()):
            worker.close()
            return None
        return worker

    async def _drop_worker(self) -> None:
        """Stop a worker never taken (the file failed to open)."""
        worker, self._worker = self._worker, None
        if worker is not None:
            await asyncio.to_thread(worker.close)

    def open_model_after_load(self) -> None:
        """After a file's first lint: count it again with the chosen open model, if any."""
        if self.model is not None and is_open_model(self.model):
            self.use_model(self.model)

    def action_cancel_model(self) -> None:
        """Stop a re-count in progress (the model before stays)."""
        cancel = self._model_cancel
        if cancel is not None and not cancel.is_set():
            cancel.set()

    @on(RecountProgress)
    def _recount_progress(self, message: RecountProgress) -> None:
        # One that arrives after its re-count ended (or was replaced) would show it again.
        if message.run is self._model_cancel:
            self._lint_progress(message.done, message.total)

    @work(exclusive=True, group="model", exit_on_error=False)
    async def use_model(self, name: str) -> None:
        """Re-lint the open file with ``name`` in the lint thread; the old linter stays until
        the new one has finished (and comes back if the re-count is cancelled)."""
        session = self._ready_session()
        if session is None:
            return
        try:
            info = await in_lint_thread(check_model, name)
        except ModelChoiceError as exc:
            self.notify(f"model {name}: {exc}", severity="error")
            return
        if is_open_model(name):
            self._last_open_model = name
        self._lint_cancel.set()  # any lint still running for this file
        self._lint_cancel = self._model_cancel = cancel = threading.Event()
        old = session.linter
        new: Linter = await in_lint_thread(new_linter, session.doc, old, name)
        session.linter = new  # not ready: edits wait, as while the file first lints
        bar = self.query_one("#lint-progress", ProgressBar)
        bar.display = True
        bar.update(total=max(1, len(session.doc)), progress=0)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY or done >= total:
                last[0] = now
                # A message, as the eval's run panel posts its progress: post_message is
                # thread-safe and returns at once, where call_from_thread held the lint
                # thread until the UI had drawn the update.
                self.post_message(RecountProgress(done, total, cancel))

        def run() -> ExactCounts | None:
            new.run(progress, cancel)
            return (
                exact_counts(session.doc, name, progress, cancel) if is_open_model(name) else None
            )

        try:
            exact = await in_lint_thread(run)
        except LintCancelled:
            exact = None
            cancelled = True
        except Exception as exc:  # a template that cannot render at all, a tokenizer error
            self.notify(f"model {name}: {exc}", severity="error")
            exact, cancelled = None, True
        else:
            cancelled = False
        finally:
            self._model_cancel = None
            bar.display = False
        if cancelled:
            detach(session.doc, new)
            if session.linter is new:
                session.linter = old
        else:
            detach(session.doc, old)
            self.model = name  # the next file opened is counted with it too
            session.model_note = None if exact is None else exact.line()
        if session is not self.session:  # another file was opened meanwhile
            return
        if cancelled:
            self.notify(f"kept {old.model.name}: the re-count for {info.name} was stopped")
        else:
            unknown = "" if info.known else " (not a known model: limit and price guessed)"
            self.notify(f"model {info.name}: {info.example_limit:,}-token limit{unknown}")
        if session.filter is not FilterKind.ALL:
            await in_lint_thread(session.refilter)
        self._refresh_all()
