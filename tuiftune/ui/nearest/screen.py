"""The training rows nearest one test example, in a dialog over the Eval area.

``ask_and_show`` asks for the training file (the dataset editor's file is the default: it is
usually the training set) and opens ``NearestScreen``; enter on a row opens it in the editor
(``OpenRecord`` reaches the app, which switches to the Dataset area). The dialog says how the
rows were ranked (embeddings from the inference endpoint, or BM25 and why) and, while the
training rows are embedded, how far that has got; escape closes it and stops the embedding.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

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

if TYPE_CHECKING:
    from tuiftune.service.services import Services


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

    def __init__(self, training_file: Path, query: str, services: Services | None = None) -> None:
        super().__init__()
        self.training_file = training_file
        self.question = query
        self.services = services

    def compose(self) -> ComposeResult:
        with Vertical(classes="editor-dialog"):
            yield Static(Text(printable(f"nearest rows of {self.training_file} to:")))
            yield Static(Text(printable(" ".join(self.question.split())[:200]), style="italic"))
            yield Static(Text("ranking…", "dim"), id="nearest-method")
            yield NearestPanel(services=self.services, id="nearest-panel")
            yield Label(Text("enter: open in the editor · escape: close", style="dim"))

    def on_mount(self) -> None:
        panel = self.query_one(NearestPanel)
        panel.focus()
        panel.show_for(self.training_file, self.question)

    def on_nearest_panel_progress(self, message: NearestPanel.Progress) -> None:
        """Training rows embedded so far (the first time this file is looked at)."""
        self.query_one("#nearest-method", Static).update(
            Text(f"embedding the training rows: {message.done:,}/{message.total:,}", "dim")
        )

    def on_nearest_panel_ranked(self, message: NearestPanel.Ranked) -> None:
        """Say which method ranked the rows."""
        self.query_one("#nearest-method", Static).update(
            Text(printable(f"ranked by {message.method}"), "bold")
        )

    def on_open_record(self, message: OpenRecord) -> None:
        """A row is being opened in the editor: this dialog is done."""
        self.dismiss(None)

    def action_dismiss_screen(self) -> None:
        """Close the dialog."""
        self.dismiss(None)


async def ask_and_show(
    screen: Screen[Any],
    example: EvalExample,
    default: Path | None,
    services: Services | None = None,
) -> None:
    """Ask for the training file (inside a worker), then show the nearest rows of ``example``
    (by embedding through ``services``' inference endpoint where it has one)."""
    answer = await screen.app.push_screen_wait(
        AskScreen("Training file to search", str(default or ""), "train.jsonl")
    )
    if answer and answer.strip():
        await screen.app.push_screen(
            NearestScreen(Path(answer.strip()), query_of(example), services)
        )
