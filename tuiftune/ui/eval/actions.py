"""The Eval screen's parts and what its keys do once results are in: filter, summary,
export, go to the record, the Playground, the nearest training rows of a failure, and the
overlap check between the editor's training file and the test set before a run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual import work
from textual.widgets import ContentSwitcher

from tuiftune.evaluation import EvalResult, EvalSummary, TestSet
from tuiftune.evaluation.verdicts import Row
from tuiftune.service.leakage_check import overlap_between
from tuiftune.ui.eval import exports
from tuiftune.ui.eval.results_table import ResultsTable
from tuiftune.ui.eval.run_panel import RunPanel
from tuiftune.ui.key_order import InOrderKeys
from tuiftune.ui.messages import OpenModel, OpenRecord
from tuiftune.ui.overlap_note import overlap_lines

if TYPE_CHECKING:
    from tuiftune.service.providers.base import Provider
    from tuiftune.service.services import Services


class EvalActions(InOrderKeys):
    """The state the Eval screen keeps and the actions that only read it."""

    # Their keys go to the dialog they open, typed ahead or not (ui/key_order.py).
    ASKING_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {
            "export",
            "models",
            "open",
            "run",
        }
    )

    test_path: Path | None
    test_set: TestSet | None
    models: list[str]
    results_path: Path | None
    results: list[EvalResult]
    summary: EvalSummary | None

    # -- parts ------------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        """The app's services."""
        return cast("Services", getattr(self.app, "services"))  # noqa: B009

    async def open_provider(self) -> Provider:
        """A provider for the caller to close."""
        return await self.services.open_provider()

    @property
    def table(self) -> ResultsTable:
        """The results table."""
        return self.query_one(ResultsTable)

    @property
    def panel(self) -> RunPanel:
        """The run panel."""
        return self.query_one(RunPanel)

    @property
    def running(self) -> bool:
        """Whether a run is in progress."""
        return self.panel.running

    @property
    def rows(self) -> list[Row]:
        """Every example with its results (unfiltered)."""
        return self.table.example_rows

    # -- looking at the results --------------------------------------------------------------

    def action_failures(self) -> None:
        """Cycle the table: all examples, failures of the last model, failures of any model."""
        self.query_one("#ev-main", ContentSwitcher).current = "ev-table"
        self.table.cycle_filter()

    def action_toggle_summary(self) -> None:
        """Switch between the results table and the summary tables."""
        switcher = self.query_one("#ev-main", ContentSwitcher)
        switcher.current = "ev-summary" if switcher.current == "ev-table" else "ev-table"
        self.query_one(f"#{switcher.current}").focus()

    @work(exclusive=True, group="dialog", exit_on_error=False)
    async def action_export(self) -> None:
        """Write the results as CSV, JSON and/or a Markdown report."""
        if self.summary is None or not self.results:
            self.notify("no results to export yet", severity="warning")
            return
        done = await exports.export(self.app, self.summary, self.results, self.results_path)
        if done is not None:
            message, ok = done
            self.notify(message, severity="information" if ok else "error", markup=False)

    def action_open_record(self) -> None:
        """Open the highlighted example's record in the Dataset editor."""
        row = self.table.highlighted_row()
        if row is None or self.test_set is None:
            self.notify("no example to open", severity="warning")
            return
        self.post_message(OpenRecord(Path(self.test_set.path), row.example.line))

    def action_playground(self) -> None:
        """Prompt the last model (B, or A alone) in the Playground."""
        if not self.models:
            self.notify("choose models first (m)", severity="warning")
            return
        self.post_message(OpenModel(self.models[-1]))

    def training_file(self) -> Path | None:
        """The training file to check the test set against: the editor's file, unless it is
        the test set itself."""
        path = getattr(self.app, "dataset_path", None)
        if not isinstance(path, Path) or self.test_set is None:
            return None
        return None if path.resolve() == Path(self.test_set.path).resolve() else path

    async def warn_overlap(self) -> None:
        """Before a run: test rows also in the training file, both files and lines named."""
        train = self.training_file()
        if train is None or self.test_set is None:
            return
        lines = overlap_lines([await overlap_between(train, self.test_set.path)])
        if lines:
            self.notify(
                "\n".join(lines),
                title="Test rows in the training file",
                severity="warning",
                timeout=20,
                markup=False,
            )

    def action_nearest(self) -> None:
        """The training rows nearest the highlighted example (by embedding, else BM25)."""
        row = self.table.highlighted_row()
        if row is None:
            self.notify("no example highlighted", severity="warning")
            return
        self._nearest(row)

    @work(exclusive=True, group="dialog", exit_on_error=False)
    async def _nearest(self, row: Row) -> None:
        from tuiftune.ui.nearest.screen import ask_and_show

        await ask_and_show(
            self, row.example, getattr(self.app, "dataset_path", None), self.services
        )
