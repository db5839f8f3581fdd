"""Eval mode: run one or two models over a test set, compare them, inspect and export.

The screen holds the test set, the models and the latest summary; the ``RunPanel`` runs and
shows progress, the ``ResultsTable`` shows and filters the examples.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import ContentSwitcher, Header, Static

from tuiftune.dataset.preview import printable
from tuiftune.evaluation import (
    DEFAULT_METRICS,
    EvalResult,
    EvalSummary,
    TestSet,
    load_test_set,
    parse_results,
    summarize,
)
from tuiftune.evaluation.answer_errors import answer_errors
from tuiftune.evaluation.metrics import preload_metrics
from tuiftune.evaluation.verdicts import build_rows
from tuiftune.service.catalog import ModelChoice, default_eval_models
from tuiftune.service.evals import EvalOptions
from tuiftune.service.evals_options import answer_budget
from tuiftune.service.inference import SamplingParams
from tuiftune.ui.eval.ab import retrain_models
from tuiftune.ui.eval.actions import EvalActions
from tuiftune.ui.eval.example import ExampleScreen
from tuiftune.ui.eval.results_table import ResultsTable
from tuiftune.ui.eval.run_panel import RunPanel
from tuiftune.ui.eval.views import errors_line, example_view, summary_view, verdict
from tuiftune.ui.messages import JobsToCompare
from tuiftune.ui.model_catalog import fetch_catalog
from tuiftune.ui.screens.modals import AskScreen, PickScreen
from tuiftune.ui.widgets.footer import Footer  # one rebuild a frame

CONCURRENCY = 4


class EvalScreen(EvalActions):
    """A test set, one or two models, the scores, the comparison and every example."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "eval.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "open", "Open", id="eval.open", tooltip="Open a test set"),
        Binding("m", "models", "Models", id="eval.models", tooltip="Choose model A and B"),
        Binding("r", "run", "Run", id="eval.run", tooltip="Run the models"),
        Binding(
            "ctrl+q",
            "app.quit_guarded",
            "Quit",
            id="eval.quit",
            tooltip="Quit tuiftune",
            priority=True,
        ),
        # The footer ends here (80 columns with the app's F-keys); the rest are in F1 and the
        # command palette (ctrl+p).
        Binding("R", "run(True)", "Resume", show=False, id="eval.resume", tooltip="Resume a run"),
        Binding("x", "cancel", "Cancel", show=False, id="eval.cancel", tooltip="Stop the run"),
        Binding(
            "f", "failures", "Failures", show=False, id="eval.failures", tooltip="Filter failures"
        ),
        Binding("s", "toggle_summary", "Summary", show=False, id="eval.summary", tooltip="Scores"),
        Binding("e", "export", "Export", show=False, id="eval.export", tooltip="CSV, JSON, MD"),
        Binding(
            "g",
            "open_record",
            "Go to record",
            show=False,
            id="eval.open_record",
            tooltip="Open the highlighted example in the Dataset editor",
        ),
        Binding(
            "p",
            "playground",
            "Playground",
            show=False,
            id="eval.playground",
            tooltip="Prompt the last model in the Playground",
        ),
        Binding(
            "N",
            "nearest",
            "Nearest rows",
            show=False,
            id="eval.nearest",
            tooltip="The training rows nearest the highlighted example",
        ),
    ]
    HELP = """\
## Eval

Score one model, or compare two (B against the baseline A), on a held-out test set. The file is
linted first; records with errors are skipped and named. Every result is appended to a results
JSONL as it arrives, so a cancelled run resumes without paying twice.

- **o**: open a test set; **m**: choose model A and, optionally, B
- **r**: run (asks for the results file); **R**: resume into an existing results file;
  **x**: cancel
- **f**: only the examples the last model (B, or A alone) got wrong, then those any model got
  wrong, then all again; **enter**: open an example with its prompt,
  reference, outputs and a word diff
- **s**: scores, the paired comparison (wins/losses/ties, fixed/broke, p-value) and the
  per-class precision/recall/F1 and confusion matrices; **s** again: the results table
- **e**: export CSV, JSON and a Markdown report
- **g**: open the highlighted example in the Dataset editor; **p**: prompt the last model
  (B, or A alone) in the Playground; **N**: the training rows nearest the highlighted
  example (by embedding where the endpoint has one, else BM25; enter opens one in the editor)

Before a run, the test set is checked against the editor's file (the training set, when it
is another file): rows of the test set also in it are named with both lines.

The footer shows the keys used most; **ctrl+p** lists every key in the command palette, and
**ctrl+q** quits.
"""

    def __init__(self, test_path: Path | None = None) -> None:
        super().__init__()
        self.test_path = test_path
        self.test_set: TestSet | None = None
        self.catalog: list[ModelChoice] = []
        self.models: list[str] = []
        # The editor's "train again": (old job, new job), kept until both have a model.
        self.compare_pair: tuple[str, str] | None = None
        self.results_path: Path | None = None
        self.results: list[EvalResult] = []
        self.summary: EvalSummary | None = None

    def compose(self) -> ComposeResult:
        """Setup line, progress, verdict, then the table or the summary."""
        yield Header()
        yield Static(id="ev-setup")
        yield RunPanel(id="ev-status-bar")
        yield Static(id="ev-verdict")
        with ContentSwitcher(initial="ev-table", id="ev-main"):
            yield ResultsTable(id="ev-table")
            with VerticalScroll(id="ev-summary"):
                yield Static(id="ev-summary-body")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Show the setup and pick default models in the background."""
        self.title = "tuiftune · eval"
        self.show_setup()
        self.show_results()
        self.table.focus()
        self.default_models()
        self.warm_up()
        if self.test_path is not None:
            self.run_worker(self.open_test_set(self.test_path), group="dialog")

    @work(thread=True, group="warm-up", exit_on_error=False)
    def warm_up(self) -> None:
        """Load the scorers now, in a thread: a run started later then starts at once."""
        preload_metrics(DEFAULT_METRICS)

    # -- drawing -----------------------------------------------------------------------------

    def show_setup(self) -> None:
        """Test set (examples, skipped), models and the results file."""
        ts = self.test_set
        parts: list[str] = []
        if ts is None:
            parts.append("no test set (o)")
        else:
            parts.append(f"{Path(ts.path).name}: {len(ts.examples)} examples")
            if ts.skipped:
                parts[-1] += f", {len(ts.skipped)} skipped by lint"
        for letter, model in zip("AB", self.models, strict=False):
            parts.append(f"{letter} {model}")
        if not self.models:
            parts.append("no model (m)")
        self.query_one("#ev-setup", Static).update(Text(printable(" · ".join(parts))))

    def show_results(self) -> None:
        """The verdict, the summary and the table, from the loaded results."""
        summary = self.summary
        verdict_line = self.query_one("#ev-verdict", Static)
        body = self.query_one("#ev-summary-body", Static)
        errors = answer_errors(self.results)
        failed = errors if errors is not None and errors.every else None
        verdict_line.set_class(failed is not None, "-failed")
        if summary is None:
            verdict_line.update(Text("no results yet: r runs the models over the test set", "dim"))
            body.update(Text(""))
        elif failed is not None:
            # Not scores: a table of zeros would read as a model that got everything wrong.
            verdict_line.update(errors_line(failed))
            body.update(errors_line(failed).append(f"\nresults in {self.results_path}", "dim"))
        else:
            shown = verdict(summary)
            if errors is not None:
                shown.append("\n").append_text(errors_line(errors))
            verdict_line.update(shown)
            body.update(summary_view(summary))
        examples = self.test_set.examples if self.test_set else ()
        self.table.show(build_rows(examples, self.results, self.models), self.models)

    # -- test set and models -----------------------------------------------------------------

    @work(exclusive=True, group="dialog", exit_on_error=False)
    async def action_open(self) -> None:
        """Ask for a test set JSONL, then lint and load it."""
        # Only a test set opened here is offered: the editor's file is usually the training set.
        default = str(self.test_path or "")
        path = await self.app.push_screen_wait(AskScreen("Test set (JSONL)", default))
        if path:
            await self.open_test_set(Path(path))

    async def open_test_set(self, path: Path) -> None:
        """Lint the file with the dataset core and keep the examples it allows."""
        try:
            test_set = await load_test_set(path)
        except OSError as exc:
            self.notify(
                f"cannot read {path}: {exc.strerror or exc}", severity="error", markup=False
            )
            return
        for note in test_set.file_notes:
            self.notify(note, severity="warning", markup=False)
        for skip in test_set.skipped[:3]:
            self.notify(
                f"{path.name}:{skip.line}: skipped: {skip.reason}", severity="warning", markup=False
            )
        self.test_path, self.test_set = path, test_set
        self.results_path, self.results, self.summary = None, [], None
        self.show_setup()
        self.show_results()

    async def fetch_catalog(self) -> None:
        """Every model the provider offers."""
        models = await fetch_catalog(self, self.open_provider)
        if models is not None:
            self.catalog = models

    @work(exclusive=True, group="catalog", exit_on_error=False)
    async def default_models(self) -> None:
        """Start with the newest fine-tuned model (B) against its base model (A)."""
        await self.fetch_catalog()
        if not self.models:
            self.models = default_eval_models(self.catalog)
            self.show_setup()

    def on_screen_resume(self) -> None:
        """A retrained job from the editor: its model against the old one, when both exist."""
        if self.compare_pair is not None:
            self.take_retrain_pair()

    @on(JobsToCompare)
    def _jobs_to_compare(self, message: JobsToCompare) -> None:
        self.compare_pair = (message.old_job, message.new_job)
        self.take_retrain_pair()

    @work(exclusive=True, group="retrain", exit_on_error=False)
    async def take_retrain_pair(self) -> None:
        """Set model A and B from the editor's "train again" (the old and the new job)."""
        pair = self.compare_pair
        if pair is None:
            return
        async with await self.open_provider() as provider:
            models, note = await retrain_models(pair, provider)
        if models is not None and not self.running:
            self.compare_pair = None
            self.models, self.results, self.summary = models, [], None
            self.show_setup()
            self.show_results()
        if note:
            self.notify(note, severity="information" if models else "warning", markup=False)

    @work(exclusive=True, group="dialog", exit_on_error=False)
    async def action_models(self) -> None:
        """Choose model A (the baseline) and optionally model B to compare with it."""
        await self.fetch_catalog()
        now = self.services.clock()  # retirement badges with the days left
        choices = [(m.id, printable(m.label(now))) for m in self.catalog]
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

    @work(exclusive=True, group="dialog", exit_on_error=False)
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
        await self.warn_overlap()
        self.panel.start(
            self.open_provider,
            self.test_set,
            self.models,
            self.results_path,
            resume=resume,
            options=EvalOptions(
                concurrency=CONCURRENCY,
                # the screen has no length control: answers are bounded by the references
                sampling=SamplingParams(
                    temperature=0.0, max_tokens=answer_budget(self.test_set.examples)
                ),
            ),
        )

    def action_cancel(self) -> None:
        """Stop the run; results received so far stay in the file."""
        if not self.panel.cancel():
            self.notify("no run in progress")

    @on(RunPanel.Ended)
    def _ended(self, event: RunPanel.Ended) -> None:
        # No timings here: the finished state must look the same in every run.
        self.panel.set_status(event.note)
        self.reload()

    @work(exclusive=True, group="results", exit_on_error=False)
    async def reload(self) -> None:
        """Summarize what the results file holds."""
        await self.load_results()
        total = len(self.test_set.examples) * len(self.models) if self.test_set else 0
        done = len({(r.index, r.model) for r in self.results})
        self.panel.show_count(done, total)
        errors = answer_errors(self.results)
        if errors is not None and errors.every:  # recorded errors: a resume would keep them
            self.panel.set_status(f"failed: all {errors.total} answers are errors")
            self.notify(errors.head, title="Eval failed", severity="error", markup=False)

    async def load_results(self) -> None:
        """Read the results file and summarize the chosen models over the test set."""
        test_set, path = self.test_set, self.results_path
        if test_set is None or path is None or not self.models:
            return
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            data = b""
        except OSError as exc:
            self.notify(
                f"cannot read {path}: {exc.strerror or exc}", severity="error", markup=False
            )
            return
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

    # -- looking at the results (the rest is in EvalActions) -------------------------------

    @on(ResultsTable.FilterChanged)
    def _filtered(self, event: ResultsTable.FilterChanged) -> None:
        last = "AB"[max(0, len(self.models) - 1)]
        label = {"all": "all examples", "last": f"failures of {last}", "any": "any failure"}
        self.notify(f"{label[event.filter]}: {event.shown}")

    @on(ResultsTable.ExampleChosen)
    def _open_example(self, event: ResultsTable.ExampleChosen) -> None:
        self.app.push_screen(ExampleScreen(example_view(event.row, self.models)))
