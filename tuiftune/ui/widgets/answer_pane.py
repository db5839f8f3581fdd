"""One model's answer in the playground: a title, the streamed text and a stats line."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from tuiftune.dataset.preview import printable


class AnswerPane(Vertical):
    """Streams model output as plain text (never markup) with a one-line status under it."""

    DEFAULT_CSS = """
    AnswerPane { width: 1fr; height: 1fr; border: round $secondary; }
    AnswerPane .answer-title {
        height: 1; text-style: bold; text-wrap: nowrap; text-overflow: ellipsis;
    }
    AnswerPane .answer-scroll { height: 1fr; }
    AnswerPane .answer-status { height: 1; color: $text-muted; }
    AnswerPane.-chosen { border: round $success; }
    """

    def __init__(self, index: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.index = index
        self.text = ""
        self.conversation: list[str] = []  # earlier answers, shown dim above the latest
        self._user = ""

    def compose(self) -> ComposeResult:
        """Title, scrolling body and the status line."""
        yield Static(classes="answer-title")
        with VerticalScroll(classes="answer-scroll"):
            yield Static(classes="answer-body")
        yield Static(classes="answer-status")

    def set_title(self, title: str) -> None:
        """The model name, or "Answer A" in blind mode."""
        # One line (see the CSS): a long model name is cut with an ellipsis, not wrapped away.
        self.query_one(".answer-title", Static).update(Text(title))

    def start(self, user: str) -> None:
        """A new generation: keep the earlier turns, show the prompt, empty the answer."""
        if self.text:
            self.conversation.append(self.text)
        self.text = ""
        self._user = user
        self.set_status("waiting for the first token…")
        self._render_body()

    def append(self, delta: str) -> None:
        """More streamed text."""
        self.text += delta
        self._render_body()
        self.query_one(".answer-scroll", VerticalScroll).scroll_end(animate=False)

    def reset(self) -> None:
        """Forget the conversation (a new session)."""
        self.text = ""
        self._user = ""
        self.conversation.clear()
        self._render_body()
        self.set_status("")

    def set_status(self, status: str) -> None:
        """Stats, "cancelled" or an error."""
        self.query_one(".answer-status", Static).update(Text(status))

    def _render_body(self) -> None:
        body = Text()
        # Model and user text may hold escape sequences: shown, never sent to the terminal.
        for answer in self.conversation:
            body.append(printable(answer) + "\n", style="dim")
            body.append("─" * 8 + "\n", style="dim")
        if self._user:
            body.append("> " + printable(self._user) + "\n", style="italic")
        body.append(printable(self.text))
        self.query_one(".answer-body", Static).update(body)
