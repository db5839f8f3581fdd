"""F1: the help of the current area, and every key it has."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown


class HelpScreen(ModalScreen[None]):
    """The area's help text and key table; escape or F1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close", id="help.close", tooltip="Close the help"),
    ]

    def __init__(self, text: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.text = text
        self.keys = keys

    def compose(self) -> ComposeResult:
        """Help text, then a table of keys."""
        table = "\n".join(f"| `{k}` | {d} |" for k, d in self.keys)
        body = f"{self.text}\n\n## Keys\n\n| key | action |\n|---|---|\n{table}\n"
        with VerticalScroll(classes="editor-dialog"):
            yield Markdown(body)

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
