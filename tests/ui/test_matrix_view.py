"""The checkpoint matrix view: one row per model with the best marked and highlighted, keys
that open the model in the Playground or copy its name, and an 80x24 snapshot."""

from __future__ import annotations

from typing import Any, TypeVar

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import DataTable

from tests.ui.test_metric_chart import _matrix, _points
from tuiftune.ui.charts.matrix_view import MatrixView
from tuiftune.ui.charts.metric_chart import MetricChart
from tuiftune.ui.messages import OpenModel

M = TypeVar("M", bound=Message)


def _once(seen: list[Message], kind: type[M]) -> list[M]:
    """Each message once (the hook sees it at every step of its bubbling)."""
    return list({id(m): m for m in seen if isinstance(m, kind)}.values())


class MatrixApp(App[None]):
    def compose(self) -> ComposeResult:
        yield MatrixView(id="matrix")

    def on_mount(self) -> None:
        self.query_one(MatrixView).show(_matrix(), _points(), (10, 20, 30))


async def test_rows_best_and_keys() -> None:
    seen: list[Message] = []
    app = MatrixApp()
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        labels = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert labels == ["base", "step 10", "step 20", "step 30", "final"]
        marks = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert marks == ["", "", "best", "", ""]
        assert table.cursor_row == 2  # the best row is highlighted
        assert "best: step 20" in app.query_one(MetricChart).render().plain  # type: ignore[union-attr]
        table.focus()
        await pilot.press("p")
        await pilot.pause()
        assert [m.model for m in _once(seen, OpenModel)] == ["m:ckpt-20"]
        await pilot.press("down", "y")
        await pilot.pause()
        assert app.clipboard == "m:ckpt-30"
        await pilot.press("enter")
        await pilot.pause()
        chosen = [m.model for m in _once(seen, MatrixView.ModelChosen)]
        assert chosen == ["m:ckpt-30"]


def test_matrix_view_80x24(snap_compare: Any) -> None:
    assert snap_compare(MatrixApp(), terminal_size=(80, 24))
