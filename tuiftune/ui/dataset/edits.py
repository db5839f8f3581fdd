"""The dataset editor's record edits: edit (structured or JSON), add, duplicate, delete, move."""

from __future__ import annotations

import json

from textual import work

from tuiftune.dataset.fixes import reparse
from tuiftune.dataset.preview import json_safe
from tuiftune.dataset.session import EditError, EditorSession
from tuiftune.ui.dataset.base import DatasetBase

# The message-by-message editor loads when a record is first edited: it is not needed for the
# first frame (#12: start-up).

MAX_MESSAGE_EDITORS = 100  # more messages open as JSON: each one is a few widgets
VIEW_ONLY_BYTES = 256 * 1024  # larger records are shown read-only (typing would lag)
VIEW_CHARS = 64 * 1024


class EditActions(DatasetBase):
    """Changing records; every change is undoable and re-lints only what it touched."""

    @work(exit_on_error=False)
    async def action_edit(self) -> None:
        """Edit the selected record: message by message when it is chat or legacy, else JSON."""
        session = self._edit_session()
        if session is None or len(session.doc) == 0:
            return
        pos = self._pos
        raw = session.doc.raw_at(pos)
        if len(raw) > VIEW_ONLY_BYTES:
            await self._view_large(session, pos, len(raw))
            return
        from tuiftune.ui.dataset.edit_structured import StructuredEditScreen, is_structured

        value = reparse(session.doc, pos)
        if not is_structured(value):
            await self._edit_raw(session, pos, session.pretty(pos))
            return
        messages = value.get("messages")
        if isinstance(messages, list) and len(messages) > MAX_MESSAGE_EDITORS:
            # A widget per message: hundreds of them take a minute to mount.
            note = (
                f"{len(messages):,} messages: opened as JSON (the message editor shows up to "
                f"{MAX_MESSAGE_EDITORS})"
            )
            await self._edit_raw(session, pos, session.pretty(pos), note=note)
            return
        screen = StructuredEditScreen(f"Line {pos + 1}", value, session.linter.lint_preview)
        edited = await self.app.push_screen_wait(screen)
        if edited is None:
            return
        if StructuredEditScreen.RAW in edited:
            text = json.dumps(edited[StructuredEditScreen.RAW], ensure_ascii=False, indent=2)
            await self._edit_raw(session, pos, text)
            return
        session.set_value(pos, edited)

    @work(exit_on_error=False)
    async def action_edit_raw(self) -> None:
        """Edit the selected record as JSON (any line, broken ones too)."""
        session = self._edit_session()
        if session is not None and len(session.doc):
            await self._edit_raw(session, self._pos, session.pretty(self._pos))

    async def _edit_raw(
        self, session: EditorSession, pos: int, text: str, *, note: str = ""
    ) -> None:
        from tuiftune.ui.dataset.edit_record import EditRecordScreen

        shown = json_safe(text)  # control characters as JSON escapes: the same record
        if len(shown.encode("utf-8")) > VIEW_ONLY_BYTES:
            await self._view_large(session, pos, len(session.doc.raw_at(pos)))
            return
        screen = EditRecordScreen(
            f"Line {pos + 1} (JSON)", shown, session.linter.lint_preview, note=note
        )
        edited = await self.app.push_screen_wait(screen)
        if edited is None or edited == shown:  # unchanged: keep the line's bytes as they are
            return
        try:
            session.replace_text(pos, edited)
        except EditError as exc:
            self.notify(str(exc), severity="error", timeout=8)

    async def _view_large(self, session: EditorSession, pos: int, size: int) -> None:
        """Show a huge record read-only: typing into megabytes of text freezes the terminal."""
        from tuiftune.ui.dataset.edit_record import EditRecordScreen

        head = json_safe(session.pretty(pos)[:VIEW_CHARS])
        note = (
            f"line {pos + 1} is {size / 1e6:.1f} MB: shown read-only (first {VIEW_CHARS:,} "
            "characters); edit it with another editor or tuiftune fix"
        )
        await self.app.push_screen_wait(
            EditRecordScreen(
                f"Line {pos + 1} (read-only)",
                head,
                session.linter.lint_preview,
                note=note,
                read_only=True,
            )
        )

    @work(exit_on_error=False)
    async def action_add(self) -> None:
        """Add a record after the selected one."""
        session = self._edit_session()
        if session is None:
            return
        template = (
            '{\n  "prompt": "",\n  "completion": ""\n}'
            if session.linter.main_format.value == "legacy"
            else '{\n  "messages": [\n    {"role": "user", "content": ""},\n'
            '    {"role": "assistant", "content": ""}\n  ]\n}'
        )
        from tuiftune.ui.dataset.edit_record import EditRecordScreen

        text = await self.app.push_screen_wait(
            EditRecordScreen("New record", template, session.linter.lint_preview)
        )
        if text is None:
            return
        pos = min(self._pos, len(session.doc) - 1)
        new = session.insert_after(pos, {})
        try:
            session.replace_text(new, text)
        except EditError as exc:
            session.doc.undo()
            self.notify(str(exc), severity="error")
            return
        self._go_to_pos(new)

    def action_duplicate(self) -> None:
        """Duplicate the selected record."""
        session = self._edit_session()
        if session is not None and len(session.doc):
            self._go_to_pos(session.duplicate(self._pos))

    def action_delete(self) -> None:
        """Delete the selected record (ctrl+z brings it back)."""
        session = self._edit_session()
        if session is not None and len(session.doc):
            session.delete(self._pos)
            self.notify(f"deleted line {self._pos + 1} (ctrl+z undoes)")
            self._go_to_pos(min(self._pos, max(0, len(session.doc) - 1)))

    def action_move(self, delta: int) -> None:
        """Move the selected record up or down."""
        session = self._edit_session()
        if session is not None and len(session.doc):
            self._go_to_pos(session.move(self._pos, delta))

    def action_undo(self) -> None:
        """Undo the last edit."""
        session = self._edit_session()
        if session is not None:
            label = session.doc.undo()
            self.notify(f"undid {label}" if label else "nothing to undo")

    def action_redo(self) -> None:
        """Redo the last undone edit."""
        session = self._edit_session()
        if session is not None:
            label = session.doc.redo()
            self.notify(f"redid {label}" if label else "nothing to redo")
