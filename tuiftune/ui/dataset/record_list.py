"""The record list: a Line-API scroll view that renders only the visible rows of any size file.

Textual's DataTable measures every cell on add and ListView makes a widget per item; neither
holds 100k+ rows. This draws each visible line on demand from the editor session.
"""

from __future__ import annotations

import time
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tuiftune.dataset.findings import Severity
from tuiftune.dataset.formats import Format
from tuiftune.dataset.session import EditorSession

FORMAT_TAGS: dict[Format | None, str] = {
    Format.CHAT: "chat",
    Format.LEGACY: "leg",
    Format.DPO: "dpo",
    Format.REINFORCEMENT: "rft",
    Format.SHAREGPT: "sgpt",
    Format.UNKNOWN: "?",
    Format.INVALID: "bad",
    Format.BLANK: "",
    None: "bad",
}
ICONS = {Severity.ERROR: "✖", Severity.WARNING: "▲", Severity.INFO: "·", None: " "}


def fit_preview(preview: str, room: int) -> str:
    """Cut a preview to ``room`` cells, keeping a short answer after the last arrow in view.

    In a classification set every prompt starts alike; the label at the end is what tells
    the rows apart, so the prompt is cut instead of the answer.
    """
    if cell_len(preview) <= room:
        return set_cell_size(preview, room)
    head, arrow, tail = preview.rpartition(" → ")
    width = cell_len(tail)
    if arrow and 0 < width <= room // 3:
        cut = set_cell_size(head, room - width - 4).rstrip()
        return set_cell_size(cut + "… → " + tail, room)
    return set_cell_size(preview, room)


class RecordList(ScrollView, can_focus=True):
    """Rows: line number, status gutter, format, one-line preview, token count."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False, id="list.up", tooltip="Previous record"),
        Binding("down", "move(1)", "Down", show=False, id="list.down", tooltip="Next record"),
        Binding(
            "pageup", "page(-1)", "Page up", show=False, id="list.page_up", tooltip="A page up"
        ),
        Binding(
            "pagedown",
            "page(1)",
            "Page down",
            show=False,
            id="list.page_down",
            tooltip="A page down",
        ),
        Binding("home", "edge(0)", "First", show=False, id="list.first", tooltip="First record"),
        Binding("end", "edge(1)", "Last", show=False, id="list.last", tooltip="Last record"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "record-list--cursor",
        "record-list--gutter",
        "record-list--error",
        "record-list--warning",
        "record-list--info",
        "record-list--dim",
    }

    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        """The cursor moved to another record."""

        def __init__(self, row: int, pos: int) -> None:
            super().__init__()
            self.row = row
            self.pos = pos

    class Activated(Message):
        """A record was double-clicked: the screen opens it in the editor."""

        def __init__(self, pos: int) -> None:
            super().__init__()
            self.pos = pos

    def __init__(self, session: EditorSession, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session
        #: ``time.perf_counter()`` when the first row was drawn (for the start-up benchmark).
        self.first_paint_at: float | None = None

    def on_mount(self) -> None:
        """Size the virtual canvas to the rows."""
        self.reload()

    def reload(self) -> None:
        """Call after the rows changed (edits, filters, lint progress)."""
        n = len(self.session)
        self.virtual_size = Size(self._width(), n)
        if n and self.cursor >= n:
            self.cursor = n - 1
        self.refresh()

    def _width(self) -> int:
        # The vertical scrollbar takes columns from the widget; rows fit what is left.
        return self.scrollable_content_region.width

    def on_resize(self) -> None:
        """Keep the canvas as wide as the widget (no horizontal scrolling)."""
        self.virtual_size = Size(self._width(), len(self.session))

    def watch_cursor(self, old: int, new: int) -> None:
        """Scroll the cursor into view and announce the record under it."""
        n = len(self.session)
        if n == 0:
            return
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Highlighted(new, self.session.pos_of_row(new)))

    def on_click(self, event: events.Click) -> None:
        """A click selects the row under the pointer; a double-click also opens it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = self.scroll_offset.y + offset.y
        if 0 <= row < len(self.session):
            self.cursor = row
            if event.chain >= 2:
                self.post_message(self.Activated(self.session.pos_of_row(row)))

    def action_move(self, delta: int) -> None:
        """Move the cursor by rows."""
        n = len(self.session)
        if n:
            self.cursor = max(0, min(n - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        """Move the cursor by a page."""
        self.action_move(direction * max(1, self.size.height - 1))

    def action_edge(self, end: int) -> None:
        """Go to the first or last row."""
        n = len(self.session)
        if n:
            self.cursor = n - 1 if end else 0

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"record-list--{name}")

    def render_line(self, y: int) -> Strip:
        """Draw one visible row from the session (the only rows ever drawn)."""
        row_index = self.scroll_offset.y + y
        width = self._width()
        base = self.rich_style
        if row_index >= len(self.session) or width <= 0:
            return Strip.blank(width, base)
        row = self.session.row(row_index)
        if self.first_paint_at is None:
            self.first_paint_at = time.perf_counter()
        line_w = max(4, len(str(len(self.session.doc))))
        # The cursor's style goes last, so its background spans the whole row.
        cur = self._style("cursor") if row_index == self.cursor else Style()
        line_style = base + cur
        gutter = self._style("gutter")
        if not row.linted:
            icon, icon_style = "…", self._style("dim")
        else:
            icon = ICONS[row.severity]
            icon_style = {
                Severity.ERROR: self._style("error"),
                Severity.WARNING: self._style("warning"),
                Severity.INFO: self._style("info"),
                None: self._style("dim"),
            }[row.severity]
        tokens = f"{row.tokens:>7,}" if row.tokens >= 0 else "       "
        head = f"{row.line:>{line_w}} "
        tag = f" {FORMAT_TAGS.get(row.fmt, '?'):<4} "
        room = width - cell_len(head) - 1 - len(tag) - len(tokens) - 1
        preview = fit_preview(row.preview, max(0, room))
        segments = [
            Segment(head, base + gutter + cur),
            Segment(icon, base + icon_style + cur),
            Segment(tag, base + self._style("dim") + cur),
            Segment(preview, line_style),
            Segment(" " + tokens, base + self._style("dim") + cur),
        ]
        return Strip(segments).adjust_cell_length(width, line_style)
