"""The record list: a Line-API scroll view that renders only the visible rows of any size file.

Textual's DataTable measures every cell on add and ListView makes a widget per item; neither
holds 100k+ rows. This draws each visible line on demand from the editor session.

With a job's per-example training losses loaded (``set_losses``) a loss column appears, the
rows whose loss stayed high are marked, and the list can be sorted by loss (``sort_by_loss``:
an index array, the file itself keeps its order). The border's subtitle tells the highlighted
row's loss and the rows its label conflicts with.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tuiftune.dataset.conflicts import conflicting_positions
from tuiftune.dataset.findings import Severity
from tuiftune.dataset.formats import Format
from tuiftune.dataset.preview import printable
from tuiftune.dataset.session import EditorSession

if TYPE_CHECKING:  # numpy stays off the start-up path: imported when losses are loaded
    from tuiftune.evaluation.row_losses import RowLosses
    from tuiftune.ui.dataset.list_order import LossOrder

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
LOSS_CELLS = 8  # " 12.345!": the loss, and "!" where it stayed high
LINES_SHOWN = 4  # conflicting lines named in the subtitle (j visits every one)


def _shown_part(text: str, room: int) -> str:
    """A prefix of ``text`` that ``set_cell_size`` cuts to ``room`` cells exactly as it cuts
    the whole (``text`` itself when it is not much longer than ``room``).

    Rich measures a non-ASCII string grapheme by grapheme: 130-170 us for a 400-character
    preview, the largest cost of drawing a row. Once a prefix is two cells wider than
    ``room``, the grapheme it may split starts past the cut and the rest cannot show.
    """
    if room < 1:
        return text
    k = room + 8
    while k < len(text):
        head = text[:k]
        if cell_len(head) >= room + 2:
            return head
        k *= 2
    return text


def fit_preview(preview: str, room: int) -> str:
    """Cut a preview to ``room`` cells, keeping a short answer after the last arrow in view.

    In a classification set every prompt starts alike; the label at the end is what tells
    the rows apart, so the prompt is cut instead of the answer.
    """
    shown = _shown_part(preview, room)
    if shown is preview and cell_len(preview) <= room:
        return set_cell_size(preview, room)
    head, arrow, tail = preview.rpartition(" → ")
    if arrow:
        short = _shown_part(tail, room // 3)
        width = cell_len(short) if short is tail else room  # wider than room // 3
        if 0 < width <= room // 3:
            keep = room - width - 4
            cut = set_cell_size(_shown_part(head, keep), keep).rstrip()
            return set_cell_size(cut + "… → " + tail, room)
    return set_cell_size(shown, room)


class RecordList(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows: line number, status gutter, format, one-line preview, token count.

    Its cursor keys are the screen's (``ui/dataset/cursor_keys.py``): they move the cursor
    with ``action_move`` / ``action_page`` / ``action_edge`` and redraw the panes with it.
    """

    BINDINGS: ClassVar[list[BindingType]] = []  # ScrollView's scroll keys: not these rows'
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "record-list--cursor",
        "record-list--gutter",
        "record-list--error",
        "record-list--warning",
        "record-list--info",
        "record-list--dim",
        "record-list--high",
    }

    cursor: reactive[int] = reactive(0, always_update=True)
    # The list's own size is fixed by the stylesheet: more or fewer rows only move the
    # scrollbar (``_set_canvas`` redraws it), so no layout pass of the whole screen.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

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
        self._session = session
        #: Training losses of the open file's records (None until loaded for this file).
        self.losses: RowLosses | None = None
        self._order: LossOrder | None = None  # set while sorted by loss
        #: ``time.perf_counter()`` when the first row was drawn (for the start-up benchmark).
        self.first_paint_at: float | None = None
        self._frame_style: Style | None = None  # set while a frame's rows are drawn

    @property
    def session(self) -> EditorSession:
        """The session shown; another file's session drops the losses of this one."""
        return self._session

    @session.setter
    def session(self, session: EditorSession) -> None:
        if session is not self._session:
            self._session = session
            self.set_losses(None)

    # -- losses and the loss order -------------------------------------------------------

    def set_losses(self, losses: RowLosses | None) -> None:
        """Show (or drop) a loss column; the list goes back to file order."""
        self._drop_order()
        self.losses = losses if losses is None or losses.doc is self._session.doc else None
        self._describe()
        self.reload()

    @property
    def sorted_by_loss(self) -> bool:
        """Whether the rows are in loss order (highest first)."""
        return self._order is not None

    def sort_by_loss(self, on: bool) -> bool:
        """Sort the rows by loss (cursor to the top) or back to file order (cursor kept on
        its record); False when no losses are loaded."""
        if self.losses is None:
            return False
        pos = self.pos_of_row(self.cursor) if self.count() else 0
        self._drop_order()
        if on:
            from tuiftune.ui.dataset.list_order import LossOrder

            self._order = LossOrder(self._session, self.losses)
        self.reload()
        row = 0 if on else self.row_of_pos(pos)
        self.cursor = row if row is not None else 0
        self._describe()
        return True

    def _drop_order(self) -> None:
        if self._order is not None:
            self._order.active = False
            self._order = None

    def count(self) -> int:
        """How many rows the list shows."""
        return len(self._order) if self._order is not None else len(self._session)

    def pos_of_row(self, row: int) -> int:
        """The document position shown at a list row."""
        if self._order is not None:
            return self._order.pos_of_row(row)
        return self._session.pos_of_row(row)

    def row_of_pos(self, pos: int) -> int | None:
        """The list row showing a document position (None when filtered out)."""
        if self._order is not None:
            return self._order.row_of_pos(pos)
        return self._session.row_of_pos(pos)

    def conflicts_here(self) -> list[int]:
        """0-based positions whose prompt is the highlighted record's with another answer."""
        if not self.count() or not self._session.linter.ready:
            return []
        return conflicting_positions(self._session.linter, self.pos_of_row(self.cursor))

    def _describe(self) -> None:
        """Border title: the losses and the order; subtitle: the highlighted row's loss and
        the lines it conflicts with (their text is data: rich Text, never markup)."""
        losses = self.losses
        if losses is None:
            self.border_title = self.border_subtitle = None
            return
        order = "sorted by loss · l: file order" if self._order else "l: sort by loss"
        high = len(losses.high)
        self.border_title = Text(f"loss of {len(losses):,} rows · {high:,} high · {order}")
        if not self.count():
            self.border_subtitle = None
            return
        pos = self.pos_of_row(self.cursor)
        loss = losses.loss_of(self._session.doc.id_at(pos))
        parts = ["no loss (edited or not trained)" if loss is None else f"loss {loss:.3f}"]
        if loss is not None and self._session.doc.id_at(pos) in losses.high:
            parts[0] += " stayed high"
        others = self.conflicts_here()
        if others:
            named = ", ".join(str(p + 1) for p in others[:LINES_SHOWN])
            more = f" +{len(others) - LINES_SHOWN}" if len(others) > LINES_SHOWN else ""
            parts.append(f"conflicts with line{'s' if len(others) > 1 else ''} {named}{more} · j")
        self.border_subtitle = Text(printable(" · ".join(parts)))

    def on_mount(self) -> None:
        """Size the virtual canvas to the rows."""
        self.reload()

    def reload(self) -> None:
        """Call after the rows changed (edits, filters, lint progress)."""
        n = self.count()
        self._set_canvas(Size(self._width(), n))
        if n and self.cursor >= n:
            self.cursor = n - 1
        self._describe()
        self.refresh()

    def _width(self) -> int:
        # The vertical scrollbar takes columns from the widget; rows fit what is left.
        return self.scrollable_content_region.width

    def _set_canvas(self, size: Size) -> None:
        if size != self.virtual_size:
            self.virtual_size = size
            self._scroll_update(size)

    def on_resize(self) -> None:
        """Keep the canvas as wide as the widget (no horizontal scrolling)."""
        self._set_canvas(Size(self._width(), self.count()))

    def watch_cursor(self, old: int, new: int) -> None:
        """Scroll the cursor into view and announce the record under it."""
        n = self.count()
        if n == 0:
            return
        top = self.scroll_offset.y
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, immediate=True)
        if self.scroll_offset.y == top:
            # Only the two rows whose cursor style changed are drawn again.
            self.refresh_line(old)
            self.refresh_line(new)
        else:
            self.refresh()
        if self.losses is not None:
            self._describe()
        self.post_message(self.Highlighted(new, self.pos_of_row(new)))

    def on_click(self, event: events.Click) -> None:
        """A click selects the row under the pointer; a double-click also opens it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = self.scroll_offset.y + offset.y
        if 0 <= row < self.count():
            self.cursor = row
            if event.chain >= 2:
                self.post_message(self.Activated(self.pos_of_row(row)))

    def action_move(self, delta: int) -> None:
        """Move the cursor by rows."""
        n = self.count()
        if n:
            self.cursor = max(0, min(n - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        """Move the cursor by a page."""
        self.action_move(direction * max(1, self.size.height - 1))

    def action_edge(self, end: int) -> None:
        """Go to the first or last row."""
        n = self.count()
        if n:
            self.cursor = n - 1 if end else 0

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"record-list--{name}")

    def render_lines(self, crop: Region) -> list[Strip]:
        """The visible rows, the widget's own style looked up once for all of them."""
        # rich_style walks every ancestor's styles: once a frame, not once a row.
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def render_line(self, y: int) -> Strip:
        """Draw one visible row from the session (the only rows ever drawn)."""
        row_index = self.scroll_offset.y + y
        width = self._width()
        base = self.rich_style if self._frame_style is None else self._frame_style
        if row_index >= self.count() or width <= 0:
            return Strip.blank(width, base)
        row = self.session.row_at(self.pos_of_row(row_index))
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
        loss = self._loss_segment(row.pos, base, cur)
        room = width - cell_len(head) - 1 - len(tag) - len(tokens) - 1 - loss.cell_length
        preview = fit_preview(row.preview, max(0, room))
        segments = [
            Segment(head, base + gutter + cur),
            Segment(icon, base + icon_style + cur),
            Segment(tag, base + self._style("dim") + cur),
            Segment(preview, line_style),
            loss,
            Segment(" " + tokens, base + self._style("dim") + cur),
        ]
        return Strip(segments).adjust_cell_length(width, line_style)

    def _loss_segment(self, pos: int, base: Style, cur: Style) -> Segment:
        losses = self.losses
        if losses is None:
            return Segment("")
        rid = self.session.doc.id_at(pos)
        loss = losses.loss_of(rid)
        if loss is None:
            return Segment(" " * LOSS_CELLS, base + cur)
        # Six cells: a loss under 100 with three decimals (they are rarely above 20).
        text = f" {loss:6.3f}" if loss < 100 else f" {min(loss, 999999):6.0f}"
        if rid in losses.high:
            return Segment(text + "!", base + self._style("high") + cur)
        return Segment(text + " ", base + self._style("dim") + cur)
