"""Edit one record as JSON, with its findings updated as you type."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Label, Static, TextArea

from tuiftune.dataset.findings import Finding
from tuiftune.dataset.preview import visible
from tuiftune.ui.dataset.severity import SEVERITY_STYLE
from tuiftune.ui.screens.modals import ConfirmScreen
from tuiftune.ui.workers import ReportWorkerErrors

Lint = Callable[[bytes], list[Finding]]


def findings_text(findings: list[Finding], limit: int = 6) -> Text:
    """Findings as plain, markup-free text lines."""
    if not findings:
        return Text("no problems", style="green")
    out = Text()
    for f in findings[:limit]:
        out.append(f"{f.severity.value:<8}", style=SEVERITY_STYLE[f.severity.value])
        out.append(f"{visible(f.field)} " if f.field else "")
        out.append(visible(f.message) + "\n")
    if len(findings) > limit:
        out.append(f"... and {len(findings) - limit} more", style="dim")
    return out


class EditRecordScreen(ReportWorkerErrors, ModalScreen[str | None]):
    """A JSON editor for one record; ctrl+s applies, escape cancels (asking if text changed).

    The text comes with control characters as JSON escapes (``json_safe``), so nothing in it
    can reach the terminal raw; the escapes read back as the same characters.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", id="edit.apply", tooltip="Apply the edited JSON"),
        # priority: TextArea(tab_behavior="indent") would otherwise keep escape for itself.
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="edit.cancel",
            priority=True,
            tooltip="Close without changing the record",
        ),
    ]
    LINT_DELAY = 0.15

    def __init__(
        self, title: str, text: str, lint: Lint, *, note: str = "", read_only: bool = False
    ) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.lint = lint
        self.note = note
        self.read_only = read_only
        self._timer: Timer | None = None
        self._asking = False

    def compose(self) -> ComposeResult:
        """Title, editor, live findings."""
        with Vertical(classes="editor-dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            if self.note:
                yield Label(Text(self.note, style="yellow"), id="editor-note")
            yield TextArea(
                self.text,
                id="record-editor",
                soft_wrap=not self.read_only,
                tab_behavior="indent",
                read_only=self.read_only,
            )
            yield Static(id="editor-findings")
            keys = "esc close" if self.read_only else "ctrl+s apply   esc cancel"
            yield Label(Text(keys, style="dim"))

    def on_mount(self) -> None:
        """Focus the editor and lint what is there."""
        self.query_one(TextArea).focus()
        if not self.read_only:
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
            raw = json.dumps(json.loads(text), ensure_ascii=False).encode("utf-8", "replace")
        except (ValueError, RecursionError):  # RecursionError: nested 100,000 deep
            raw = " ".join(text.splitlines()).encode("utf-8", "replace")
        self.query_one("#editor-findings", Static).update(findings_text(self.lint(raw)))

    def action_apply(self) -> None:
        """Close with the edited text."""
        if self.read_only:
            self.dismiss(None)
            return
        self.dismiss(self.query_one(TextArea).text)

    @work(exit_on_error=False)
    async def action_cancel(self) -> None:
        """Close without changes; asks first when the text was edited."""
        if self._asking:
            return
        if not self.read_only and self.query_one(TextArea).text != self.text:
            self._asking = True
            try:
                drop = await self.app.push_screen_wait(ConfirmScreen("Discard your edits?"))
            finally:
                self._asking = False
            if not drop:
                return
        self.dismiss(None)
