"""Eval mode: run one or two models over a test set, compare them, inspect and export."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import ContentSwitcher, DataTable, Footer, Header, ProgressBar, Static

from tuiftune.ui.screens.eval_actions import EvalActions, RunEnded, RunProgress
from tuiftune.ui.screens.eval_example import ExampleScreen
from tuiftune.ui.screens.eval_rows import Row, build_rows, cell, example_view, mark, summary_view
from tuiftune.ui.screens.eval_rows import verdict as verdict_text

FILTERS = ("all", "last", "any")  # what f cycles through
OUTPUT_WIDTH = 24  # characters of an output shown in a table cell


class EvalScreen(EvalActions):
    """A test set, one or two models, the scores, the comparison and every example."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "eval.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "open", "Open", id="eval.open"),
        Binding("m", "models", "Models", id="eval.models"),
        Binding("r", "run", "Run", id="eval.run"),
        Binding("R", "run(True)", "Resume", show=False, id="eval.resume"),
        Binding("x", "cancel", "Cancel", id="eval.cancel"),
        Binding("f", "failures", "Failures", id="eval.failures"),
        Binding("s", "toggle_summary", "Summary", id="eval.summary"),
        Binding("e", "export", "Export", id="eval.export"),
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
"""

    def __init__(self, test_path: Path | None = None) -> None:
        super().__init__(test_path)
        self.filter = "all"
        self.rows: list[Row] = []

    def compose(self) -> ComposeResult:
        """Setup line, progress, verdict, then the table or the summary."""
        yield Header()
        yield Static(id="ev-setup")
        with Horizontal(id="ev-status-bar"):
            yield ProgressBar(id="ev-progress", show_eta=False)
            yield Static(id="ev-status")
        yield Static(id="ev-verdict")
        with ContentSwitcher(initial="ev-table", id="ev-main"):
            yield DataTable(id="ev-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="ev-summary"):
                yield Static(id="ev-summary-body")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the setup and pick default models in the background."""
        self.title = "tuiftune · eval"
        self.query_one("#ev-progress", ProgressBar).update(total=1, progress=0)
        self.show_setup()
        self.show_results()
        self.query_one("#ev-table").focus()
        self.default_models()
        if self.test_path is not None:
            self.run_worker(self.open_test_set(self.test_path), group="dialog")

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
        self.query_one("#ev-setup", Static).update(Text(" · ".join(parts)))

    def show_results(self) -> None:
        """The verdict, the summary and the table, from the loaded results."""
        summary = self.summary
        verdict = self.query_one("#ev-verdict", Static)
        body = self.query_one("#ev-summary-body", Static)
        if summary is None:
            verdict.update(Text("no results yet: r runs the models over the test set", "dim"))
            body.update(Text(""))
        else:
            verdict.update(verdict_text(summary))
            body.update(summary_view(summary))
        examples = self.test_set.examples if self.test_set else ()
        self.rows = build_rows(examples, self.results, self.models)
        self.fill_table()

    def fill_table(self) -> None:
        """Rows of the table: every example, or only the failures."""
        table = self.query_one("#ev-table", DataTable)
        table.clear(columns=True)
        table.add_column("line", key="line")
        table.add_column("reference", key="reference")
        for letter in "AB"[: len(self.models)]:
            table.add_column(letter, key=letter)
            table.add_column("", key=f"{letter}-ok")
        rows = (
            self.rows if self.filter == "all" else [r for r in self.rows if r.failed(self.filter)]
        )
        for row in rows:
            cells: list[Text] = [Text(str(row.example.line)), cell(row.example.reference, 16)]
            for result in row.results:
                cells += [cell(result.output if result else "", OUTPUT_WIDTH), mark(result)]
            table.add_row(*cells, key=str(row.example.index))

    @on(RunProgress)
    def _progress(self, event: RunProgress) -> None:
        p = event.progress
        self.query_one("#ev-progress", ProgressBar).update(total=max(1, p.total), progress=p.done)
        eta = "--:--" if p.eta is None else "{:02d}:{:02d}".format(*divmod(int(p.eta), 60))
        text = f"{p.done}/{p.total} · {p.rate:.1f}/s · ETA {eta}"
        if p.paused_for >= 1:
            text += f" · rate-limited, waiting {p.paused_for:.0f}s"
        if p.failed:
            text += f" · {p.failed} failed"
        self.query_one("#ev-status", Static).update(Text(text))

    @on(RunEnded)
    def _ended(self, event: RunEnded) -> None:
        self.running = False
        # No timings here: the finished state must look the same in every run.
        self.query_one("#ev-status", Static).update(Text(event.note))
        self.reload()

    @work(exclusive=True, group="results")
    async def reload(self) -> None:
        """Summarize what the results file holds."""
        await self.load_results()
        total = len(self.test_set.examples) * len(self.models) if self.test_set else 0
        done = len({(r.index, r.model) for r in self.results})
        self.query_one("#ev-progress", ProgressBar).update(total=max(1, total), progress=done)

    # -- actions -----------------------------------------------------------------------------

    def action_failures(self) -> None:
        """Cycle the table: all examples, failures of the last model, failures of any model."""
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self.query_one("#ev-main", ContentSwitcher).current = "ev-table"
        self.fill_table()
        shown = self.query_one("#ev-table", DataTable).row_count
        last = "AB"[max(0, len(self.models) - 1)]
        label = {"all": "all examples", "last": f"failures of {last}", "any": "any failure"}
        self.notify(f"{label[self.filter]}: {shown}")

    def action_toggle_summary(self) -> None:
        """Switch between the results table and the summary tables."""
        switcher = self.query_one("#ev-main", ContentSwitcher)
        switcher.current = "ev-summary" if switcher.current == "ev-table" else "ev-table"
        self.query_one(f"#{switcher.current}").focus()

    @on(DataTable.RowSelected, "#ev-table")
    def _open_example(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        row = next((r for r in self.rows if str(r.example.index) == key), None)
        if row is not None:
            self.app.push_screen(ExampleScreen(example_view(row, self.models)))
