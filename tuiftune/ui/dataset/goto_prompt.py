"""``g``: a line number typed into the status line, like a pager's prompt.

A modal dialog covered the screen, so closing it redrew every pane and the footer rebuilt
its keys: three frames and 90-130 ms from enter to the jump on a 2-core machine. An input
widget in the status bar still moved the focus twice (footer and focus styles a frame
later). Here the list keeps the focus: the screen takes the digits while the prompt is
open (``key_order.py`` hands them over, in order), and enter jumps in one frame.
"""

from __future__ import annotations

from rich.text import Text
from textual import events

from tuiftune.ui.dataset.base import DatasetBase
from tuiftune.ui.dataset.status import StatusLine

MAX_DIGITS = 12


class GotoActions(DatasetBase):
    """Ask for a line in the status line and jump to it."""

    _goto_typed: str | None = None  # the digits typed so far (None: no prompt open)

    def action_goto(self) -> None:
        """Jump to a line number (typed in the status line)."""
        if self.session is None:
            return
        self._goto_typed = ""
        self._show_prompt()

    def _show_prompt(self) -> None:
        session = self.session
        typed = self._goto_typed
        if session is None or typed is None:
            return
        text = Text("go to line: ", style="bold")
        text.append(f"{typed}▏", style="reverse" if not typed else "")
        text.append(f"  (1-{len(session.doc):,}) · enter: go · escape: stay", style="dim")
        self.query_one(StatusLine).ask(text)

    def _close_prompt(self) -> None:
        self._goto_typed = None
        self.query_one(StatusLine).ask(None)
        self._update_status()

    def goto_key(self, event: events.Key) -> bool:
        """Take a key typed into the open prompt (True when it was the prompt's)."""
        typed = self._goto_typed
        if typed is None:
            return False
        # The prompt's keys: nothing else (no binding) sees them.
        if event.character is not None and event.character.isdigit():
            self._goto_typed = (typed + event.character)[:MAX_DIGITS]
            self._show_prompt()
        elif event.key == "backspace":
            self._goto_typed = typed[:-1]
            self._show_prompt()
        elif event.key == "escape":
            self._close_prompt()
        elif event.key == "enter":
            self._goto_submit(typed)
        elif event.is_printable:
            self.app.bell()  # a stray letter must not quit or edit: only digits here
        else:
            self._close_prompt()  # an arrow, a function key, ctrl+q: closes it and acts
            return False
        return True

    def _goto_submit(self, typed: str) -> None:
        session = self.session
        with self.app.batch_update():
            self._close_prompt()
            if typed and session is not None:
                self._go_to_pos(max(0, min(len(session.doc), int(typed)) - 1))
