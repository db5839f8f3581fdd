"""The training rows nearest one test example, in a dialog over the Eval area.

``ask_and_show`` asks for the training file (the dataset editor's file is the default: it is
usually the training set) and opens ``NearestScreen``; enter on a row opens it in the editor
(``OpenRecord`` reaches the app, which switches to the Dataset area).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from tuiftune.dataset.preview import printable
from tuiftune.evaluation.examples import EvalExample
from tuiftune.evaluation.nearest import query_of
from tuiftune.ui.messages import OpenRecord
from tuiftune.ui.nearest.panel import NearestPanel
from tuiftune.ui.screens.modals import AskScreen


class NearestScreen(ModalScreen[None]):
    """The nearest training rows of one example; enter opens one in the editor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss_screen", "Close", tooltip="Back to the results"),
    ]
    DEFAULT_CSS = """
    NearestScreen { align: center middle; }
    NearestScreen > .editor-dialog { height: 80%; width: 95%; }
    NearestScreen NearestPanel { height: 1fr; }
    """

    def __init__(self, training_file: Path, query: str) -> None:
        super().__init__()
        self.training_file = training_file
        self.question = query

    def compose(self) -> ComposeResult:
        with Vertical(classes="editor-dialog"):
            yield Static(Text(printable(f"nearest rows of {self.training_file} to:")))
            yield Static(Text(printable(" ".join(self.question.split())[:200]), style="italic"))
            yield NearestPanel(id="nearest-panel")
            yield Label(Text("enter: open in the editor · escape: close", style="dim"))

    def on_mount(self) -> None:
        panel = self.query_one(NearestPanel)
        panel.focus()
        panel.show_for(self.training_file, self.question)

    def on_open_record(self, message: OpenRecord) -> None:
        """A row is being opened in the editor: this dialog is done."""
        self.dismiss(None)

    def action_dismiss_screen(self) -> None:
        """Close the dialog."""
        self.dismiss(None)


async def ask_and_show(screen: Screen[Any], example: EvalExample, default: Path | None) -> None:
    """Ask for the training file (inside a worker), then show the nearest rows of ``example``."""
    answer = await screen.app.push_screen_wait(
        AskScreen("Training file to search", str(default or ""), "train.jsonl")
    )
    if answer and answer.strip():
        await screen.app.push_screen(NearestScreen(Path(answer.strip()), query_of(example)))
