"""The detail pane: the selected record laid out for reading, or the file's statistics."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.widgets import Static

from tuiftune.dataset.session import EditorSession
from tuiftune.ui.dataset.render import record_text, stats_text


class RecordView(Static):
    """The record's text; its height follows the record."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Called by the layout pass that has just placed it: setting the new virtual size as
        # a layout reactive asked for a second pass, and the pane was drawn again a frame
        # after the key's (+12-50 ms a key at any file size).
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class RecordDetail(VerticalScroll):
    """Shows one record (or, toggled, the statistics); it owns which of the two is shown."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.show_stats = False
        self._stats: Text | None = None  # kept across cursor moves: O(records) to build

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # As RecordView: the pane's new virtual size is set without another layout pass (two
        # more frames a key); its scrollbars are still updated.
        return super()._size_updated(size, virtual_size, container_size, layout=False)

    def compose(self) -> ComposeResult:
        """One Static: the text is user data, rendered as plain Text."""
        yield RecordView(id="record-view")

    def invalidate(self) -> None:
        """The records changed: the statistics are rebuilt when next shown."""
        self._stats = None

    def toggle_stats(self) -> None:
        """Switch between the record and the statistics (the screen redraws)."""
        self.show_stats = not self.show_stats

    def show(self, session: EditorSession | None, pos: int) -> None:
        """Draw the record at ``pos`` of ``session`` (or the statistics)."""
        view = self.query_one("#record-view", Static)
        if session is None or len(session.doc) == 0:
            view.update(Text("empty file" if session else ""))
        elif self.show_stats:
            if not session.linter.ready:
                view.update(Text("linting..."))
                return
            if self._stats is None:
                self._stats = stats_text(session)
            view.update(self._stats)
        else:
            pos = min(pos, len(session.doc) - 1)
            view.update(record_text(session.doc.raw_at(pos), pos + 1))
