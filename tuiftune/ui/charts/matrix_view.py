"""The checkpoint matrix of a job: a table (one row per model, the best marked) above the
metric-by-step chart; ``p`` opens the highlighted model in the Playground, ``y`` copies its name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable

from tuiftune.dataset.preview import printable
from tuiftune.evaluation.checkpoint_matrix import CheckpointMatrix, MatrixRow
from tuiftune.evaluation.reports import fmt_p, fmt_score
from tuiftune.service.types import MetricPoint
from tuiftune.step_chart import chart_data
from tuiftune.ui.charts.metric_chart import MetricChart
from tuiftune.ui.messages import OpenModel

COLUMNS = ("", "model", "step", "train", "valid", "score", "vs final", "p")


def _cells(matrix: CheckpointMatrix, row: MatrixRow) -> list[Text]:
    style = "bold green" if row.best else ""
    losses = row.entry.losses
    c = row.vs_final
    return [
        Text("best" if row.best else "", style=style),
        Text(row.entry.label, style=style),
        Text("" if row.entry.step is None else str(row.entry.step), justify="right"),
        Text("-" if "train_loss" not in losses else f"{losses['train_loss']:.3f}"),
        Text("-" if "valid_loss" not in losses else f"{losses['valid_loss']:.3f}"),
        Text(fmt_score(matrix.metric, row.score), style=style, justify="right"),
        Text("" if c is None else f"{c.difference:+.3f}", style="bold" if row.significant else ""),
        Text("" if c is None else fmt_p(c.p_value)),
    ]


class MatrixView(Vertical):
    """Shows one job's matrix; posts ``ModelChosen`` when a row is picked with enter."""

    DEFAULT_CSS = """
    MatrixView { height: 1fr; }
    MatrixView > DataTable { height: auto; max-height: 9; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # In F1 and the palette: the matrix screen's footer has room for its own keys only.
        Binding(
            "p",
            "playground",
            "Playground",
            show=False,
            id="matrix.playground",
            tooltip="Open the highlighted model there",
        ),
        Binding(
            "y",
            "copy_name",
            "Copy name",
            show=False,
            id="matrix.copy",
            tooltip="Copy the highlighted model's name",
        ),
    ]

    @dataclass
    class ModelChosen(Message):
        """A row was picked (enter): the model's name."""

        model: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.matrix: CheckpointMatrix | None = None

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield MetricChart(id="matrix-chart")

    def show(
        self,
        matrix: CheckpointMatrix,
        points: Sequence[MetricPoint] = (),
        checkpoints: Sequence[int] = (),
    ) -> None:
        """Fill the table and the chart (the cursor starts on the best row)."""
        self.matrix = matrix
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(*COLUMNS[:5], matrix.metric, *COLUMNS[6:])
        for i, row in enumerate(matrix.rows):
            table.add_row(*_cells(matrix, row), key=str(i))
        best = next((i for i, r in enumerate(matrix.rows) if r.best), 0)
        table.move_cursor(row=best)
        self.query_one(MetricChart).set_data(chart_data(points, checkpoints, matrix))

    def highlighted(self) -> str | None:
        """The model name of the highlighted row."""
        if self.matrix is None or not self.matrix.rows:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.matrix.rows[min(max(row, 0), len(self.matrix.rows) - 1)].entry.model

    def action_playground(self) -> None:
        """Open the highlighted model in the Playground (the app switches mode)."""
        model = self.highlighted()
        if model:
            self.post_message(OpenModel(model))

    def action_copy_name(self) -> None:
        """Copy the highlighted model's name (OSC 52) and say so."""
        model = self.highlighted()
        if model:
            self.app.copy_to_clipboard(model)
            self.notify(f"copied {printable(model)}", markup=False)

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        model = self.highlighted()
        if model:
            self.post_message(self.ModelChosen(model))
