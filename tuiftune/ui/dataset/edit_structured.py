"""Edit a chat record message by message (role + content), or a prompt/completion pair."""

from __future__ import annotations

import copy
import json
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Label, Select, Static, TextArea

from tuiftune.dataset.preview import escape_field, has_unsafe, unescape_field, visible
from tuiftune.ui.dataset.edit_record import Lint, findings_text

ROLES = ("system", "user", "assistant", "tool", "developer")
ESCAPED_NOTE = "shown with escapes: \\x1b is a control character, \\\\ a backslash"


class FieldArea(TextArea):
    """A text field whose value holds control characters shown as reversible escapes.

    A field with nothing unsafe in it is edited as it is; one with ESC, bidi controls or a
    carriage return is shown escaped (and its backslashes doubled) and read back unescaped.
    """

    def __init__(self, value: str, **kwargs: Any) -> None:
        self.escaped = has_unsafe(value)
        super().__init__(escape_field(value) if self.escaped else value, **kwargs)
        if self.escaped:
            self.tooltip = ESCAPED_NOTE

    @property
    def value(self) -> str:
        """The field as edited, escapes turned back into the characters."""
        return unescape_field(self.text) if self.escaped else self.text


def is_structured(value: Any) -> bool:
    """Whether a record can be edited field by field (chat with text messages, or legacy)."""
    if not isinstance(value, dict):
        return False
    messages = value.get("messages")
    if isinstance(messages, list) and messages:
        return all(
            isinstance(m, dict) and isinstance(m.get("content", ""), str | None) for m in messages
        )
    return (
        isinstance(value.get("prompt", ""), str)
        and isinstance(value.get("completion", ""), str)
        and ("prompt" in value or "completion" in value)
    )


class MessageEditor(Horizontal):
    """One message: its role and its content; other keys (name, weight, tool_calls) are kept."""

    def __init__(self, message: dict[str, Any]) -> None:
        super().__init__(classes="message-editor")
        self.message = message

    def compose(self) -> ComposeResult:
        """A role picker and the content."""
        role = str(self.message.get("role", "user"))
        options = [(Text(visible(r)), r) for r in dict.fromkeys((*ROLES, role))]
        yield Select(options, value=role, allow_blank=False, classes="role")
        content = self.message.get("content")
        yield FieldArea(content if isinstance(content, str) else "", classes="content")

    def value(self) -> dict[str, Any]:
        """The message as edited."""
        out = dict(self.message)
        out["role"] = str(self.query_one(Select).value)
        text = self.query_one(FieldArea).value
        if text or self.message.get("content") is not None or "tool_calls" not in out:
            out["content"] = text
        return out


class StructuredEditScreen(ModalScreen[Any]):
    """Field-by-field editing; ctrl+s applies, escape cancels, ctrl+r switches to raw JSON."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", id="structured.apply", tooltip="Apply the edits"),
        Binding("escape", "cancel", "Cancel", id="structured.cancel", tooltip="Close, no change"),
        Binding(
            "ctrl+n", "add_message", "Add message", id="structured.add", tooltip="Add a message"
        ),
        Binding(
            "ctrl+d",
            "remove_message",
            "Remove message",
            id="structured.remove",
            tooltip="Remove the focused message",
        ),
        Binding("alt+up", "move_message(-1)", "Move up", id="structured.up", tooltip="Move it up"),
        Binding(
            "alt+down", "move_message(1)", "Move down", id="structured.down", tooltip="Move it down"
        ),
        Binding("ctrl+r", "raw", "Raw JSON", id="structured.raw", tooltip="Edit as raw JSON"),
    ]
    RAW = "__raw__"
    LINT_DELAY = 0.2

    def __init__(self, title: str, value: dict[str, Any], lint: Lint) -> None:
        super().__init__()
        self.title_text = title
        self.original = value
        self.lint = lint
        self.chat = isinstance(value.get("messages"), list)
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        """The fields, live findings and the keys."""
        with Vertical(classes="editor-dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(id="fields"):
                if self.chat:
                    for message in self.original["messages"]:
                        yield MessageEditor(copy.deepcopy(message))
                else:
                    yield Label("prompt")
                    yield FieldArea(str(self.original.get("prompt", "")), id="prompt")
                    yield Label("completion")
                    yield FieldArea(str(self.original.get("completion", "")), id="completion")
            if self._has_escaped_fields():
                yield Label(Text(ESCAPED_NOTE, style="yellow"))
            yield Static(id="editor-findings")
            hint = "^s apply · esc cancel · ^r JSON"  # ^ is ctrl, as in the footer; fits 80
            if self.chat:
                hint += " · ^n add · ^d remove · alt+↑↓ move"
            yield Label(Text(hint, style="dim"))

    def _has_escaped_fields(self) -> bool:
        if self.chat:
            texts = [m.get("content") for m in self.original["messages"] if isinstance(m, dict)]
        else:
            texts = [self.original.get("prompt"), self.original.get("completion")]
        return any(isinstance(t, str) and has_unsafe(t) for t in texts)

    def on_mount(self) -> None:
        """Focus the first text field and lint."""
        areas = self.query(TextArea)
        if areas:
            areas.first().focus()
        self._relint()

    def value(self) -> dict[str, Any]:
        """The record as edited; keys the editor does not show are kept as they were."""
        out = dict(self.original)
        if self.chat:
            out["messages"] = [m.value() for m in self.query(MessageEditor)]
        else:
            out["prompt"] = self.query_one("#prompt", FieldArea).value
            out["completion"] = self.query_one("#completion", FieldArea).value
        return out

    @on(TextArea.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.LINT_DELAY, self._relint)

    def _relint(self) -> None:
        raw = json.dumps(self.value(), ensure_ascii=False).encode("utf-8")
        self.query_one("#editor-findings", Static).update(findings_text(self.lint(raw)))

    def _focused_message(self) -> MessageEditor | None:
        node: Widget | None = self.focused
        while node is not None and not isinstance(node, MessageEditor):
            node = node.parent if isinstance(node.parent, Widget) else None
        return node

    async def action_add_message(self) -> None:
        """Add a message after the focused one (an assistant reply after a user turn)."""
        if not self.chat:
            return
        current = self._focused_message()
        role = "assistant" if current and current.value().get("role") == "user" else "user"
        editor = MessageEditor({"role": role, "content": ""})
        fields = self.query_one("#fields")
        if current is not None:
            await fields.mount(editor, after=current)
        else:
            await fields.mount(editor)
        editor.query_one(TextArea).focus()
        self._changed()

    async def action_remove_message(self) -> None:
        """Remove the focused message."""
        current = self._focused_message()
        if current is not None and len(self.query(MessageEditor)) > 1:
            await current.remove()
            self.query(TextArea).first().focus()
            self._changed()

    def action_move_message(self, delta: int) -> None:
        """Move the focused message up or down."""
        current = self._focused_message()
        if current is None:
            return
        editors = list(self.query(MessageEditor))
        index = editors.index(current)
        target = index + delta
        if 0 <= target < len(editors):
            fields = self.query_one("#fields")
            if delta < 0:
                fields.move_child(current, before=editors[target])
            else:
                fields.move_child(current, after=editors[target])
            self._changed()

    def action_apply(self) -> None:
        """Close with the edited record."""
        self.dismiss(self.value())

    def action_raw(self) -> None:
        """Close and edit the record (with the changes so far) as raw JSON instead."""
        self.dismiss({self.RAW: self.value()})

    def action_cancel(self) -> None:
        """Close without changes."""
        self.dismiss(None)
