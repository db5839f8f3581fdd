"""One test example in a dialog: prompt, reference, each output and its diff."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class ExampleScreen(ModalScreen[None]):
    """Read-only view of an example; escape or enter closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,enter,q", "close", "Close", id="example.close", tooltip="Back to the results"
        ),
    ]
    DEFAULT_CSS = """
    ExampleScreen { align: center middle; }
    ExampleScreen > .editor-dialog { height: 90%; }
    ExampleScreen #example-body { height: 1fr; }
    """

    def __init__(self, body: Text) -> None:
        super().__init__()
        self.body = body

    def compose(self) -> ComposeResult:
        """The example, scrollable, and the key hint."""
        with Vertical(classes="editor-dialog"):
            with VerticalScroll(id="example-body"):
                yield Static(self.body, id="example-text")
            yield Label(Text("escape: close", style="dim"))

    def on_mount(self) -> None:
        """Scroll with the keyboard at once."""
        self.query_one("#example-body").focus()

    def action_close(self) -> None:
        """Back to the results."""
        self.dismiss(None)
