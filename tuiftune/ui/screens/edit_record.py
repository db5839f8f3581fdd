"""Edit one record as JSON, with its findings updated as you type."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Label, Static, TextArea

from tuiftune.dataset.findings import Finding

Lint = Callable[[bytes], list[Finding]]
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def findings_text(findings: list[Finding], limit: int = 6) -> Text:
    """Findings as plain, markup-free text lines."""
    if not findings:
        return Text("no problems", style="green")
    out = Text()
    for f in findings[:limit]:
        out.append(f"{f.severity.value:<8}", style=SEVERITY_STYLE[f.severity.value])
        out.append(f"{f.field or ''} " if f.field else "")
        out.append(f.message + "\n")
    if len(findings) > limit:
        out.append(f"... and {len(findings) - limit} more", style="dim")
    return out


class EditRecordScreen(ModalScreen[str | None]):
    """A JSON editor for one record; ctrl+s applies, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", id="edit.apply"),
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]
    LINT_DELAY = 0.15

    def __init__(self, title: str, text: str, lint: Lint) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.lint = lint
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        """Title, editor, live findings."""
        with Vertical(classes="editor-dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            yield TextArea(self.text, id="record-editor", soft_wrap=True, tab_behavior="indent")
            yield Static(id="editor-findings")
            yield Label(Text("ctrl+s apply   esc cancel", style="dim"))

    def on_mount(self) -> None:
        """Focus the editor and lint what is there."""
        self.query_one(TextArea).focus()
        self._relint()

    @on(TextArea.Changed)
    def _changed(self) -> None:
        # Debounced: linting on every keystroke of a long record would lag typing.
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.LINT_DELAY, self._relint)

    def _relint(self) -> None:
        text = self.query_one(TextArea).text
        try:
            raw = json.dumps(json.loads(text), ensure_ascii=False).encode("utf-8")
        except ValueError:
            raw = " ".join(text.splitlines()).encode("utf-8")
        self.query_one("#editor-findings", Static).update(findings_text(self.lint(raw)))

    def action_apply(self) -> None:
        """Close with the edited text."""
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        """Close without changes."""
        self.dismiss(None)
