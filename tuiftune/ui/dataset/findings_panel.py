"""The selected record's findings: one option each, the fixable ones marked; enter fixes."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tuiftune.dataset.findings import Finding
from tuiftune.dataset.preview import visible
from tuiftune.ui.dataset.severity import SEVERITY_STYLE


def finding_text(f: Finding) -> Text:
    """A finding as plain Text: its field path and message are data (escaped, never markup)."""
    line = Text()
    line.append(f"{f.severity.value:<8}", style=SEVERITY_STYLE[f.severity.value])
    line.append(f.rule, style="bold")
    if f.fix is not None:
        line.append(f"  [f] {visible(f.fix.description)}", style="green")
    line.append("\n  ")
    # A field path holds the record's own keys (an OSC 52 key would set the clipboard).
    line.append(f"{visible(f.field)}: " if f.field else "", style="magenta")
    line.append(visible(f.message))
    return line


class FindingsPanel(OptionList):
    """Lists one record's findings and remembers them; posts ``FixChosen`` on enter."""

    @dataclass
    class FixChosen(Message):
        """The user chose a fixable finding (enter or a click on it)."""

        finding: Finding

    # Its size is fixed by the stylesheet: other findings only move the scrollbar (OptionList
    # redraws it), so no layout pass of the whole screen per record.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[Finding] = []
        self._width_seen = -1
        self._shown: tuple[tuple[Finding, ...], bool] | None = None

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # As RecordView: no second layout pass (and frame) after the one that placed it.
        return super()._size_updated(size, virtual_size, container_size, layout=False)

    def _on_resize(self, event: events.Resize | None = None) -> None:
        # OptionList drops its rendered options on every resize; they depend on the width
        # only, and a new record's findings changed just the height (a third frame a key).
        if event is None:
            super()._on_resize()  # type: ignore[no-untyped-call]
            return
        if event.size.width == self._width_seen:
            event.prevent_default()
        self._width_seen = event.size.width

    def show(self, items: list[Finding], *, ready: bool) -> None:
        """Replace the list; the first fixable finding is highlighted."""
        self.items = list(items)
        first_fix = next((i for i, f in enumerate(items) if f.fix is not None), 0)
        shown = (tuple(items), ready or bool(items))
        if shown == self._shown:
            # The same findings as the record before (most often none): rebuilding the options
            # redrew the whole panel, ~7% of a key's frame while stepping through clean rows.
            if items:
                self.highlighted = first_fix
            return
        self._shown = shown
        self.clear_options()
        if not items:
            self.add_option(Option(Text("no problems" if ready else "linting...", "dim")))
            return
        self.add_options([Option(finding_text(f), id=str(i)) for i, f in enumerate(items)])
        self.highlighted = first_fix

    def selected_fixable(self) -> Finding | None:
        """The highlighted finding if it has a fix, else the first one that has."""
        index = self.highlighted
        if index is not None and 0 <= index < len(self.items) and self.items[index].fix:
            return self.items[index]
        return next((f for f in self.items if f.fix is not None), None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a finding: ask the screen to apply its fix."""
        event.stop()
        index = event.option_index
        if 0 <= index < len(self.items) and self.items[index].fix is not None:
            self.post_message(self.FixChosen(self.items[index]))
