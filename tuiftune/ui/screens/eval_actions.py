"""The eval screen's work: open (and lint) a test set, choose models, run, cancel, export.

The run is one worker calling ``service.evals.run_eval``; its progress callback posts messages
(each replacing the previous one in the queue), and the screen redraws from them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import work
from textual.message import Message
from textual.screen import Screen

from tuiftune.evaluation import (
    DEFAULT_METRICS,
    EvalResult,
    EvalSummary,
    TestSet,
    load_test_set,
    parse_results,
    summarize,
    to_csv,
    to_json,
    to_markdown,
)
from tuiftune.service.errors import ServiceError
from tuiftune.service.evals import EvalOptions, EvalProgress, ResultsFileError, run_eval
from tuiftune.ui.screens.modals import AskScreen, PickScreen
from tuiftune.ui.screens.playground_models import choice_for, client_for, load_catalog
from tuiftune.ui.screens.playground_records import ModelChoice

if TYPE_CHECKING:
    from tuiftune.ui.app import Services

CONCURRENCY = 4


@dataclass
class RunProgress(Message):
    """How far the run is; a newer one replaces an unprocessed older one."""

    progress: EvalProgress

    def can_replace(self, message: Message) -> bool:
        """Only the latest progress matters."""
        return isinstance(message, RunProgress)


@dataclass
class RunEnded(Message):
    """The run finished, failed or was cancelled; ``note`` says which."""

    note: str


class EvalActions(Screen[None]):
    """Test set, models, results file and the latest summary."""

    def __init__(self, test_path: Path | None = None) -> None:
        super().__init__()
        self.test_path = test_path
        self.test_set: TestSet | None = None
        self.catalog: list[ModelChoice] = []
        self.models: list[str] = []
        self.results_path: Path | None = None
        self.results: list[EvalResult] = []
        self.summary: EvalSummary | None = None
        self.running = False

    @property
    def services(self) -> Services:
        """The app's services."""
        return cast("Services", getattr(self.app, "services"))  # noqa: B009

    def show_setup(self) -> None:
        """Redraw the test set / models line (the screen implements it)."""

    def show_results(self) -> None:
        """Redraw the verdict, summary and table (the screen implements it)."""

    # -- test set and models -----------------------------------------------------------------

    @work(exclusive=True, group="dialog")
    async def action_open(self) -> None:
        """Ask for a test set JSONL, then lint and load it."""
        default = str(self.test_path or getattr(self.app, "path", None) or "")
        path = await self.app.push_screen_wait(AskScreen("Test set (JSONL)", default))
        if path:
            await self.open_test_set(Path(path))

    async def open_test_set(self, path: Path) -> None:
        """Lint the file with the dataset core and keep the examples it allows."""
        try:
            test_set = await load_test_set(path)
        except OSError as exc:
            self.notify(f"cannot read {path}: {exc.strerror or exc}", severity="error")
            return
        for note in test_set.file_notes:
            self.notify(note, severity="warning")
        for skip in test_set.skipped[:3]:
            self.notify(f"{path.name}:{skip.line}: skipped: {skip.reason}", severity="warning")
        self.test_path, self.test_set = path, test_set
        self.results_path, self.results, self.summary = None, [], None
        self.show_setup()
        self.show_results()

    async def fetch_catalog(self) -> None:
        """Models of the jobs backend and the inference endpoint."""
        self.catalog, warnings = await load_catalog(self.services)
        for warning in warnings:
            self.notify(warning, severity="warning")

    @work(exclusive=True, group="catalog")
    async def default_models(self) -> None:
        """Start with the newest fine-tuned model (B) against its base model (A)."""
        await self.fetch_catalog()
        from tuiftune.service.inference import ModelKind

        tuned = next((m for m in self.catalog if m.kind is ModelKind.FINE_TUNED), None)
        if self.models or tuned is None:
            return
        from tuiftune.service.inference import classify_model

        _, base = classify_model(tuned.id)
        self.models = [base, tuned.id] if base else [tuned.id]
        self.show_setup()

    @work(exclusive=True, group="dialog")
    async def action_models(self) -> None:
        """Choose model A (the baseline) and optionally model B to compare with it."""
        await self.fetch_catalog()
        choices = [(m.id, m.label()) for m in self.catalog]
        first = await self.app.push_screen_wait(PickScreen("Model A (baseline)", choices))
        if first is None:
            return
        rest = [c for c in choices if c[0] != first]
        second = await self.app.push_screen_wait(PickScreen("Model B (escape: only A)", rest))
        self.models = [first] if second is None else [first, second]
        self.results, self.summary = [], None
        self.show_setup()
        self.show_results()

    # -- running -----------------------------------------------------------------------------

    @work(exclusive=True, group="dialog")
    async def action_run(self, resume: bool = False) -> None:
        """Run the models over the test set (``resume``: skip what the results file holds)."""
        if self.running:
            self.notify("a run is in progress (x cancels it)", severity="warning")
            return
        if self.test_set is None or not self.test_set.examples or not self.models:
            self.notify("open a test set (o) and choose models (m) first", severity="warning")
            return
        stem = Path(self.test_set.path).stem
        default = str(self.results_path or Path.cwd() / f"{stem}.results.jsonl")
        title = "Resume into results file" if resume else "Results file (JSONL, appended)"
        answer = await self.app.push_screen_wait(AskScreen(title, default))
        if not answer:
            return
        self.results_path = Path(answer)
        self.running = True
        self.evaluate(self.test_set, list(self.models), self.results_path, resume)

    @work(exclusive=True, group="eval", exit_on_error=False)
    async def evaluate(self, test_set: TestSet, models: list[str], out: Path, resume: bool) -> None:
        """The run itself; every result is on disk as soon as it arrives."""
        note = "complete"
        try:
            model = choice_for(models[0], self.catalog)
            async with await client_for(self.services, model) as client:
                run = await run_eval(
                    client,
                    test_set,
                    models,
                    out,
                    options=EvalOptions(concurrency=CONCURRENCY),
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
            self.post_message(RunEnded("cancelled (R resumes)"))
            raise
        except Exception as exc:  # the screen must leave the running state
            note = f"stopped: {type(exc).__name__}: {exc} (R resumes)"
        self.post_message(RunEnded(note))

    def _post_progress(self, progress: EvalProgress) -> None:
        self.post_message(RunProgress(progress))

    def action_cancel(self) -> None:
        """Stop the run; results received so far stay in the file."""
        if not self.running:
            self.notify("no run in progress")
            return
        self.workers.cancel_group(self, "eval")

    async def load_results(self) -> None:
        """Read the results file and summarize the chosen models over the test set."""
        test_set, path = self.test_set, self.results_path
        if test_set is None or path is None or not self.models:
            return
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            data = b""
        wanted, indices = set(self.models), {ex.index for ex in test_set.examples}
        results = [
            r for r in parse_results(data).results if r.model in wanted and r.index in indices
        ]
        # The bootstrap behind the p-values takes a moment: off the event loop.
        self.summary = await asyncio.to_thread(
            summarize,
            results,
            self.models,
            DEFAULT_METRICS,
            test_set=Path(test_set.path).name,
            total_examples=len(test_set.examples),
            labels=test_set.labels,
        )
        self.results = results
        self.show_results()

    # -- export ------------------------------------------------------------------------------

    @work(exclusive=True, group="dialog")
    async def action_export(self) -> None:
        """Write the results as CSV, JSON and/or a Markdown report."""
        summary = self.summary
        if summary is None or not self.results:
            self.notify("no results to export yet", severity="warning")
            return
        kinds = [("all", "CSV, JSON and Markdown"), ("csv", "CSV"), ("json", "JSON")]
        kinds.append(("md", "Markdown report"))
        kind = await self.app.push_screen_wait(PickScreen("Export", kinds))
        if kind is None:
            return
        base = (self.results_path or Path.cwd() / "eval").with_suffix("")
        default = str(base) if kind == "all" else f"{base}.{kind}"
        title = "Write to (.csv, .json, .md are added)" if kind == "all" else "Write to"
        answer = await self.app.push_screen_wait(AskScreen(title, default))
        if not answer:
            return
        targets = {kind: Path(answer)}
        if kind == "all":
            targets = {k: Path(f"{answer}.{k}") for k in ("csv", "json", "md")}
        texts = {
            "csv": lambda: to_csv(self.results, summary.metrics),
            "json": lambda: to_json(summary, self.results),
            "md": lambda: to_markdown(summary, self.results),
        }
        try:
            for key, target in targets.items():
                await asyncio.to_thread(target.write_text, texts[key](), encoding="utf-8")
        except OSError as exc:
            self.notify(f"cannot write: {exc.strerror or exc}", severity="error")
            return
        self.notify("wrote " + ", ".join(str(t) for t in targets.values()))
