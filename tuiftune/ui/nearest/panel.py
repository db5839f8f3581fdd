"""A panel of the training rows nearest a failed test example (BM25), for the Eval area.

``show_for(training_file, query)`` reads and indexes the file in a thread worker (once per
file), then lists the best rows: line, score, prompt and answer. Enter (or ``o``) on a row
posts ``OpenRecord(path, line)``: the app opens it in the dataset editor.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from tuiftune.dataset.preview import printable
from tuiftune.evaluation.nearest import NearestIndex, Neighbour, rows_of_file
from tuiftune.ui.messages import OpenRecord

SHOWN = 5
PREVIEW = 60


def _preview(text: str) -> Text:
    flat = " ".join(text.split())
    return Text(printable(flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"))


class NearestPanel(DataTable[Text]):
    """The nearest training rows; enter or ``o`` opens the highlighted one in the editor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "open_row", "Open in editor", tooltip="Open this training row in the editor"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self.neighbours: list[Neighbour] = []
        self._indexes: dict[str, NearestIndex] = {}

    def on_mount(self) -> None:
        self.add_columns("line", "score", "prompt", "answer")

    @work(thread=True, exclusive=True, exit_on_error=False, group="nearest")
    def show_for(self, training_file: Path, query: str) -> None:
        """Find and list the rows nearest ``query`` in ``training_file`` (a thread worker)."""
        key = str(training_file)
        index = self._indexes.get(key)
        if index is None:
            try:
                index = NearestIndex(rows_of_file(training_file))
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                self.app.call_from_thread(
                    self.notify, f"cannot read {printable(key)}: {reason}", markup=False
                )
                return
            self._indexes[key] = index
        found = index.nearest(query, SHOWN)
        self.app.call_from_thread(self._fill, found)

    def _fill(self, found: list[Neighbour]) -> None:
        self.neighbours = found
        self.clear()
        for n in found:
            self.add_row(
                Text(str(n.row.line), justify="right"),
                Text(f"{n.score:.2f}", justify="right"),
                _preview(n.row.prompt),
                _preview(n.row.answer),
            )

    def action_open_row(self) -> None:
        """Ask the app to open the highlighted row in the dataset editor."""
        if self.neighbours and 0 <= self.cursor_row < len(self.neighbours):
            row = self.neighbours[self.cursor_row].row
            self.post_message(OpenRecord(Path(row.path), row.line))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_row()
