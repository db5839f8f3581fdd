"""Small modal dialogs: confirm, ask for a line of text, pick from a list."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tuiftune.dataset.preview import printable


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; ``y`` / enter confirms, ``n`` / escape declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes", tooltip="Go ahead"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="Leave it as it is"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        """A question, an optional detail and the key hint: the question and the hint always
        show whole (wrapped); a detail too long for the screen scrolls between them."""
        with Vertical(classes="dialog"):
            yield Label(Text(printable(self.question)), classes="dialog-title")
            if self.detail:
                with VerticalScroll(classes="confirm-detail"):
                    yield Label(Text(printable(self.detail)))
            yield Label(Text("y / enter: yes    n / esc: no", style="dim"), classes="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)


class AskScreen(ModalScreen[str | None]):
    """Ask for one line of text (a search, a line number, a path)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="ask.cancel", tooltip="Close without an answer"),
    ]

    def __init__(self, question: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        """The question and an input."""
        with Vertical(classes="dialog"):
            yield Label(Text(printable(self.question)), classes="dialog-title")
            yield Input(self.value, placeholder=self.placeholder, id="ask-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: answer with the text."""
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Escape: no answer."""
        self.dismiss(None)


class PickScreen(ModalScreen[str | None]):
    """Pick one of several labelled choices."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel", tooltip="Close without a choice"),
    ]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        """A title and the list of choices."""
        with Vertical(classes="dialog"):
            yield Label(Text(printable(self.title_text)), classes="dialog-title")
            yield OptionList(
                *[Option(Text(printable(label)), id=key) for key, label in self.choices],
                id="pick-list",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter: answer with the chosen key."""
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Escape: no answer."""
        self.dismiss(None)
