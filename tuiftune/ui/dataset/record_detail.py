"""The detail pane: the selected record laid out for reading, or the file's statistics.

A Line-API view that wraps its text itself: a Static in a scroll container changed height
with every record, and each change cost a layout pass of the whole screen plus a frame for
the scrollbars after it (two or three frames a key instead of one).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.reactive import Reactive
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from tuiftune.dataset.session import EditorSession
from tuiftune.ui.dataset.render import record_text, stats_text


class RecordDetail(ScrollView, can_focus=True):
    """Shows one record (or, toggled, the statistics); it owns which of the two is shown."""

    # Its own size is fixed by the stylesheet; a new text only moves the scrollbar, which
    # ``_scroll_update`` redraws: no layout pass of the screen per record.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.show_stats = False
        self._stats: Text | None = None  # kept across cursor moves: O(records) to build
        self._text = Text()
        self._lines: list[Text] = []  # the text wrapped to the width it was last drawn at
        self._wrapped_at = -1
        self._strips: dict[int, Strip] = {}

    @property
    def text(self) -> Text:
        """What the pane shows (the record or the statistics), unwrapped."""
        return self._text

    def invalidate(self) -> None:
        """The records changed: the statistics are rebuilt when next shown."""
        self._stats = None

    def toggle_stats(self) -> None:
        """Switch between the record and the statistics (the screen redraws)."""
        self.show_stats = not self.show_stats

    def show(self, session: EditorSession | None, pos: int) -> None:
        """Draw the record at ``pos`` of ``session`` (or the statistics)."""
        if session is None or len(session.doc) == 0:
            self._set_text(Text("empty file" if session else ""))
        elif self.show_stats:
            if not session.linter.ready:
                self._set_text(Text("linting..."))
                return
            if self._stats is None:
                self._stats = stats_text(session)
            self._set_text(self._stats)
        else:
            pos = min(pos, len(session.doc) - 1)
            self._set_text(record_text(session.doc.raw_at(pos), pos + 1))

    def _set_text(self, text: Text) -> None:
        self._text = text
        self._wrapped_at = -1
        self.scroll_to(0, 0, animate=False, immediate=True)
        self._wrap()
        self.refresh()

    def _wrap(self) -> None:
        """Wrap the text to the content width and size the canvas to it (no layout pass)."""
        width = self.scrollable_content_region.width
        if width == self._wrapped_at:
            return
        self._wrapped_at = width
        self._strips.clear()
        self._lines = list(self._text.wrap(self._console, width)) if width > 0 else []
        while self._lines and not self._lines[-1].plain:
            self._lines.pop()  # the record's closing newline: no blank row to scroll to
        size = Size(width, len(self._lines))
        if size != self.virtual_size:
            self.set_reactive(RecordDetail.virtual_size, size)
            self._scroll_update(size)

    @property
    def _console(self) -> Console:
        return self.app.console

    def on_resize(self) -> None:
        """Wrap again at the new width."""
        self._wrap()
        self.refresh()

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text (copied with the app's copy key)."""
        return selection.extract("\n".join(line.plain for line in self._lines)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        """Redraw with the selection shown."""
        self._strips.clear()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """One wrapped line of the text (drawn once per text and width)."""
        self._wrap()
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self.rich_style
        if index >= len(self._lines) or width <= 0:
            return Strip.blank(width, base)
        strip = self._strips.get(index)
        if strip is None:
            strip = self._line_strip(index, base)
            if self.text_selection is None:
                self._strips[index] = strip
        return strip.crop_extend(0, width, base).apply_offsets(0, index)

    def _line_strip(self, index: int, base: Style) -> Strip:
        line = self._lines[index].copy()
        line.end = ""
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(index)) is not None:
            start, end = span
            style = self.screen.get_component_rich_style("screen--selection")
            line.stylize(style, start, len(line) if end == -1 else end)
        segments = Segment.apply_style(line.render(self._console), base)
        return Strip(list(segments), cell_len(line.plain))
