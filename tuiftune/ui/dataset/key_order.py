"""The editor's keys in typed order (``ui/key_order.py``), the go-to prompt's first."""

from __future__ import annotations

from typing import ClassVar

from textual import events

from tuiftune.ui.dataset.goto_prompt import GotoActions
from tuiftune.ui.key_order import InOrderKeys


class KeyOrder(GotoActions, InOrderKeys):
    """In-order keys for the editor: its dialogs, and digits for an open go-to prompt."""

    ASKING_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {
            "search",
            "filter",
            "save_as",
            "open",
            "edit",
            "edit_raw",
            "add",
            "split",
            "convert",
            "import_csv",
            "choose_model",
            "fix_all",
        }
    )

    def take_key(self, event: events.Key) -> bool:
        """Digits, backspace, enter and escape while the go-to prompt is open."""
        return self.goto_key(event)
