"""The playground's dialogs that keep answers: a training record, a DPO pair, the history.

Records are built by ``dataset.record_builders`` and appended by ``dataset.jsonl_append`` in a
thread; these functions only ask and report.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from textual.app import App
from textual.notifications import SeverityLevel
from textual.widgets import Input

from tuiftune.dataset.jsonl_append import append_jsonl, write_jsonl
from tuiftune.dataset.preview import printable
from tuiftune.dataset.record_builders import (
    Turn,
    chat_record,
    dpo_record,
    legacy_record,
    prompt_from_record,
)
from tuiftune.ui.screens.modals import AskScreen, PickScreen

if TYPE_CHECKING:
    from tuiftune.dataset.session import EditorSession
    from tuiftune.ui.playground.answer_pane import AnswerPane


class KeepHost(Protocol):
    """What these dialogs need of the playground screen (so they do not import it)."""

    keep_path: str
    pairs_path: str
    turns: list[Turn]

    @property
    def app(self) -> App[Any]:
        """The running app (for its dialogs)."""

    def panes(self) -> list[AnswerPane]:
        """The answer panes, in order."""

    def pane_title(self, pane: int) -> str:
        """A pane's title (a letter in blind mode)."""

    def reveal(self) -> None:
        """End blind mode's secrecy."""

    def legacy_defaults(self) -> tuple[str | None, str | None]:
        """The open dataset's separator and stop sequence."""

    def dataset_session(self) -> tuple[EditorSession, int] | None:
        """The Dataset editor's session and selected record."""

    def action_new_session(self, history: list[dict[str, Any]] | None = None) -> None:
        """Start a new conversation, optionally from ``history``."""

    def prompt_input(self) -> Input:
        """The prompt input."""

    def system_input(self) -> Input:
        """The system prompt input."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast."""


def finished(screen: KeepHost) -> list[tuple[int, Turn]]:
    """Panes with a complete answer."""
    return [
        (pane.index, pane.turn)
        for pane in screen.panes()
        if pane.turn is not None and pane.turn.output and not pane.running and not pane.turn.error
    ]


async def _choose(
    screen: KeepHost, title: str, among: list[tuple[int, Turn]]
) -> tuple[int, Turn] | None:
    if len(among) == 1:
        return among[0]
    # Model text in a picker: one line, escapes shown (``printable``), never sent raw.
    choices = [
        (str(i), printable(f"{screen.pane_title(i)}: {' '.join(t.output.split())[:50]}"))
        for i, t in among
    ]
    key = await screen.app.push_screen_wait(PickScreen(title, choices))
    return None if key is None else next(p for p in among if str(p[0]) == key)


async def _append(screen: KeepHost, path: str, record: dict[str, Any], what: str) -> bool:
    try:
        await asyncio.to_thread(append_jsonl, Path(path), [record])
    except OSError as exc:
        screen.notify(f"cannot write {path}: {exc.strerror or exc}", severity="error", markup=False)
        return False
    screen.notify(f"{what} appended to {path}", markup=False)
    return True


async def keep(screen: KeepHost) -> None:
    """Append the prompt and a chosen answer to a dataset file as a training record."""
    chosen = await _choose(screen, "Keep which answer?", finished(screen))
    if chosen is None:
        screen.notify("no finished answer to keep", severity="warning")
        return
    screen.reveal()
    path = await screen.app.push_screen_wait(
        AskScreen("Append the training record to (JSONL)", screen.keep_path)
    )
    if not path:
        return
    _, turn = chosen
    if turn.chat:
        record = chat_record(turn.messages, turn.output)
    else:
        separator, stop = screen.legacy_defaults()
        record = legacy_record(turn.prompt, turn.output, separator, stop)
    if await _append(screen, path, record, "training record"):
        screen.keep_path = path


async def pair(screen: KeepHost) -> None:
    """Append a chosen / rejected pair of chat answers as a DPO record."""
    among = [(i, t) for i, t in finished(screen) if t.chat]
    if len(among) < 2:
        screen.notify("a preference pair needs two finished chat answers", severity="warning")
        return
    chosen = await _choose(screen, "Preferred answer", among)
    if chosen is None:
        return
    rest = [p for p in among if p[0] != chosen[0]]
    rejected = await _choose(screen, "Rejected answer", rest)
    if rejected is None:
        return
    screen.reveal()
    path = await screen.app.push_screen_wait(
        AskScreen("Append the preference record to (JSONL)", screen.pairs_path)
    )
    if not path:
        return
    record = dpo_record(chosen[1].messages, chosen[1].output, rejected[1].output)
    if await _append(screen, path, record, "preference record"):
        screen.pairs_path = path


async def export(screen: KeepHost) -> None:
    """Write the session's history (every generation) as JSONL."""
    if not screen.turns:
        screen.notify("nothing to export yet", severity="warning")
        return
    path = await screen.app.push_screen_wait(
        AskScreen("Export the session history to (JSONL)", "playground-history.jsonl")
    )
    if not path:
        return
    lines = [t.to_dict() for t in screen.turns]
    try:
        count = await asyncio.to_thread(write_jsonl, Path(path), lines)
    except OSError as exc:
        screen.notify(f"cannot write {path}: {exc.strerror or exc}", severity="error", markup=False)
        return
    screen.notify(f"{count} generations written to {path}", markup=False)


def load_record(screen: KeepHost) -> None:
    """Take the prompt of the Dataset editor's selected record."""
    found = screen.dataset_session()
    if found is None:
        screen.notify("open a dataset in the Dataset editor (F2) first", severity="warning")
        return
    session, pos = found
    try:
        value = json.loads(session.doc.raw_at(pos))
    except ValueError:
        value = None
    loaded = prompt_from_record(value)
    if loaded is None:
        screen.notify(f"line {pos + 1} has no prompt to load", severity="warning")
        return
    system, earlier, text = loaded
    separator, _ = screen.legacy_defaults()
    if separator and text.endswith(separator):
        text = text[: -len(separator)]
    screen.action_new_session(earlier)
    screen.system_input().value = system
    screen.prompt_input().value = text
    screen.prompt_input().focus()
    screen.notify(f"loaded the prompt of line {pos + 1}")
