"""The record list's cursor keys, taken by the screen so that one key draws one frame.

The list moving its own cursor drew itself in one frame and the record, findings and status
panes (updated on its Highlighted message) in the next: two frames and 35-60 ms a key on a
2-core machine. Here the panes are updated in the same pass as the cursor.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding, BindingType

from tuiftune.ui.dataset.base import DatasetBase
from tuiftune.ui.dataset.record_list import RecordList

# The list's own ids: a keymap written for them keeps working.
CURSOR_BINDINGS: list[BindingType] = [
    Binding("up", "cursor_move(-1)", "Up", show=False, id="list.up", tooltip="Previous record"),
    Binding("down", "cursor_move(1)", "Down", show=False, id="list.down", tooltip="Next record"),
    Binding(
        "pageup", "cursor_page(-1)", "Page up", show=False, id="list.page_up", tooltip="A page up"
    ),
    Binding(
        "pagedown",
        "cursor_page(1)",
        "Page down",
        show=False,
        id="list.page_down",
        tooltip="A page down",
    ),
    Binding("home", "cursor_edge(0)", "First", show=False, id="list.first", tooltip="First record"),
    Binding("end", "cursor_edge(1)", "Last", show=False, id="list.last", tooltip="Last record"),
]


class CursorActions(DatasetBase):
    """Up, down, page and first/last over the record list (when it has the focus)."""

    def action_cursor_move(self, delta: int) -> None:
        """Move the list's cursor by rows."""
        self._move_cursor(lambda records: records.action_move(delta))

    def action_cursor_page(self, direction: int) -> None:
        """Move the list's cursor by a page."""
        self._move_cursor(lambda records: records.action_page(direction))

    def action_cursor_edge(self, end: int) -> None:
        """Go to the first or last row."""
        self._move_cursor(lambda records: records.action_edge(end))

    def _move_cursor(self, move: Callable[[RecordList], None]) -> None:
        found = self.query(RecordList)
        if not found:
            return
        records = found.first()
        with self.app.batch_update():
            move(records)
            if records.count():
                # The list's Highlighted message then finds the panes current.
                self._pos = records.pos_of_row(records.cursor)
                self._show_record()
                self._update_status()
