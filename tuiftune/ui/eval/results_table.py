"""The results table: one row per example with each model's output and a ✓/✗; it owns its rows
and its filter, and posts ``ExampleChosen`` when a row is opened."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import DataTable

from tuiftune.evaluation.verdicts import Row
from tuiftune.ui.eval.views import cell, mark

FILTERS = ("all", "last", "any")  # what ``cycle_filter`` goes through
OUTPUT_WIDTH = 24  # characters of an output shown in a cell
REFERENCE_WIDTH = 16


class ResultsTable(DataTable[Text]):
    """Every example, or only the failures of the last model or of any model."""

    @dataclass
    class ExampleChosen(Message):
        """Enter (or a click) on a row: show this example in full."""

        row: Row

    @dataclass
    class FilterChanged(Message):
        """The filter moved on; ``shown`` rows are visible."""

        filter: str
        shown: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.example_rows: list[Row] = []
        self.models: list[str] = []
        self.filter = "all"

    def show(self, rows: Sequence[Row], models: Sequence[str]) -> None:
        """New rows (after a run, a resume or a change of models)."""
        self.example_rows, self.models = list(rows), list(models)
        self.refill()

    def visible_rows(self) -> list[Row]:
        """The rows the filter lets through."""
        if self.filter == "all":
            return list(self.example_rows)
        return [r for r in self.example_rows if r.failed(self.filter)]

    def highlighted_row(self) -> Row | None:
        """The row under the cursor, if any."""
        shown = self.visible_rows()
        return shown[self.cursor_row] if 0 <= self.cursor_row < len(shown) else None

    def refill(self) -> None:
        """Redraw every row from ``rows``."""
        self.clear(columns=True)
        self.add_column("line", key="line")
        self.add_column("reference", key="reference")
        for letter in "AB"[: len(self.models)]:
            self.add_column(letter, key=letter)
            self.add_column("", key=f"{letter}-ok")
        for row in self.visible_rows():
            cells: list[Text] = [
                Text(str(row.example.line)),
                cell(row.example.reference, REFERENCE_WIDTH),
            ]
            for result in row.results:
                cells += [cell(result.output if result else "", OUTPUT_WIDTH), mark(result)]
            self.add_row(*cells, key=str(row.example.index))

    def cycle_filter(self) -> str:
        """All examples, then the failures of the last model, then those of any model."""
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self.refill()
        self.post_message(self.FilterChanged(self.filter, self.row_count))
        return self.filter

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value
        row = next((r for r in self.example_rows if str(r.example.index) == key), None)
        if row is not None:
            self.post_message(self.ExampleChosen(row))
