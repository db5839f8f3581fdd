"""The checkpoint matrix as a Rich table (the CLI and the Jobs area): one row per model.

Model names are user data: every cell is a ``rich.text.Text``. The best row says ``best`` in
words as well as in colour, for 16-colour and monochrome terminals.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from tuiftune.dataset.preview import printable
from tuiftune.evaluation.checkpoint_matrix import CheckpointMatrix, MatrixRow
from tuiftune.evaluation.reports import fmt_p, fmt_score


def _loss(row: MatrixRow, key: str) -> Text:
    value = row.entry.losses.get(key)
    return Text("-" if value is None else f"{value:.3f}")


def _versus(row: MatrixRow) -> tuple[Text, Text]:
    c = row.vs_final
    if c is None:
        return Text("-" if row.entry.kind != "final" else ""), Text("")
    style = "bold" if row.significant else ""
    return Text(f"{c.difference:+.3f}", style=style), Text(fmt_p(c.p_value), style=style)


def matrix_table(matrix: CheckpointMatrix, *, title: str = "") -> Table:
    """Columns: mark, model (base, step N, final), step, train / valid loss, the metric, its
    difference from the final model and the paired test's p-value; ``model_lines`` names them."""
    table = Table(title=Text(printable(title)) if title else None, expand=False)
    table.add_column("", no_wrap=True)
    table.add_column("model", no_wrap=True)
    for name in ("step", "train", "valid", matrix.metric, "vs final", "p"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in matrix.rows:
        style = "bold green" if row.best else ""
        diff, p = _versus(row)
        table.add_row(
            Text("best" if row.best else "", style=style),
            Text(row.entry.label, style=style),
            Text("" if row.entry.step is None else str(row.entry.step)),
            _loss(row, "train_loss"),
            _loss(row, "valid_loss"),
            Text(fmt_score(matrix.metric, row.score), style=style),
            diff,
            p,
        )
    return table


def model_lines(matrix: CheckpointMatrix) -> list[Text]:
    """``step 3  ft:...:ckpt-step-3``: each row's full model name, to read or copy (names are
    too long for a table column at 80 columns)."""
    width = max((len(r.entry.label) for r in matrix.rows), default=0)
    return [
        Text(
            f"  {r.entry.label:<{width}}  {printable(r.entry.model)}",
            style="bold" if r.best else "",
        )
        for r in matrix.rows
    ]
