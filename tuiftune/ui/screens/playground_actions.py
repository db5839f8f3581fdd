"""The playground's dialogs: models, parameters, keeping answers, loading and exporting."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from textual import work
from textual.widgets import Input

from tuiftune.service.errors import ServiceError
from tuiftune.ui.screens.modals import AskScreen, PickScreen
from tuiftune.ui.screens.playground_base import LETTERS, MAX_SLOTS, PlaygroundBase
from tuiftune.ui.screens.playground_models import load_catalog
from tuiftune.ui.screens.playground_records import (
    Turn,
    append_jsonl,
    chat_record,
    dpo_record,
    export_history,
    legacy_record,
    params_text,
    parse_params,
    prompt_from_record,
)


class PlaygroundActions(PlaygroundBase):
    """Everything behind a key that opens a dialog."""

    keep_path = "kept.jsonl"
    pairs_path = "preferences.jsonl"

    async def set_slots(self, slots: list[str]) -> None:
        """Put models in the slots (implemented by the screen, which owns the panes)."""
        raise NotImplementedError

    async def fetch_models(self) -> None:
        """Refresh the catalog of models."""
        try:
            self.models, warnings = await load_catalog(self.services)
        except ServiceError as exc:
            self.notify(f"cannot list models: {exc}", severity="error")
            return
        for warning in warnings:
            self.notify(warning, severity="warning")

    @work(exclusive=True, group="dialog")
    async def action_models(self) -> None:
        """Choose up to three models, to prompt side by side."""
        await self.fetch_models()
        if not self.models:
            self.notify("no models available", severity="error")
            return
        choices = [(m.id, m.label()) for m in self.models]
        picked: list[str] = []
        for slot in range(MAX_SLOTS):
            title = f"Model {LETTERS[slot]}" + (" (escape: no more)" if slot else "")
            name = await self.app.push_screen_wait(
                PickScreen(title, [c for c in choices if c[0] not in picked])
            )
            if name is None:
                break
            picked.append(name)
        if picked:
            await self.set_slots(picked)

    @work(exclusive=True, group="dialog")
    async def action_params(self) -> None:
        """Edit temperature, top_p, max_tokens, stop and seed as ``key=value`` pairs."""
        text = await self.app.push_screen_wait(
            AskScreen(
                "Parameters (temperature top_p max_tokens stop seed; key= unsets)",
                params_text(self.params),
            )
        )
        if text is None:
            return
        try:
            self.params = parse_params(text, self.params)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        self.refresh_info()

    def action_blind(self) -> None:
        """Blind mode on or off; it starts a new conversation so nothing gives the models away."""
        self.blind = not self.blind
        self.action_new_session()
        self.notify(
            "blind mode: answers are lettered until you keep one" if self.blind else "blind off"
        )

    def action_new_session(self) -> None:
        """Forget the conversation (the exportable history stays)."""
        self.cancel_all(quiet=True)
        self.new_order()
        self.histories = [[] for _ in self.slots]
        self.current = [None for _ in self.slots]
        for pane in self.panes():
            pane.reset()
        self.refresh_titles()
        self.refresh_info()

    def action_cancel(self) -> None:
        """Stop the running generations."""
        stopped = self.cancel_all()
        self.notify(f"cancelled {stopped} generation(s)" if stopped else "nothing is running")

    def finished(self) -> list[tuple[int, Turn]]:
        """Panes with a complete answer."""
        return [
            (i, t)
            for i, t in enumerate(self.current)
            if t is not None and t.output and i not in self.running and not t.error
        ]

    async def _choose(self, title: str, among: list[tuple[int, Turn]]) -> tuple[int, Turn] | None:
        if len(among) == 1:
            return among[0]
        choices = [(str(i), f"{self.pane_title(i)}: {t.output[:50]}") for i, t in among]
        key = await self.app.push_screen_wait(PickScreen(title, choices))
        return None if key is None else next(p for p in among if str(p[0]) == key)

    def reveal(self) -> None:
        """Blind mode: show which model wrote which answer, now that one was chosen."""
        if self.blind and not self.revealed:
            self.revealed = True
            self.refresh_titles()
            self.refresh_info()
            names = ", ".join(f"{LETTERS[i]} = {self.pane_model(i).id}" for i in self.order)
            self.notify(f"revealed: {names}")

    @work(exclusive=True, group="dialog")
    async def action_keep(self) -> None:
        """Append the prompt and a chosen answer to a dataset file as a training record."""
        chosen = await self._choose("Keep which answer?", self.finished())
        if chosen is None:
            self.notify("no finished answer to keep", severity="warning")
            return
        self.reveal()
        path = await self.app.push_screen_wait(
            AskScreen("Append the training record to (JSONL)", self.keep_path)
        )
        if not path:
            return
        _, turn = chosen
        if turn.chat:
            record = chat_record(turn.messages, turn.output)
        else:
            separator, stop = self.legacy_defaults()
            record = legacy_record(turn.prompt, turn.output, separator, stop)
        await self._append(path, record, "training record")
        self.keep_path = path

    @work(exclusive=True, group="dialog")
    async def action_pair(self) -> None:
        """Append a chosen / rejected pair of chat answers as a DPO record."""
        among = [(i, t) for i, t in self.finished() if t.chat]
        if len(among) < 2:
            self.notify("a preference pair needs two finished chat answers", severity="warning")
            return
        chosen = await self._choose("Preferred answer", among)
        if chosen is None:
            return
        rest = [p for p in among if p[0] != chosen[0]]
        rejected = await self._choose("Rejected answer", rest)
        if rejected is None:
            return
        self.reveal()
        path = await self.app.push_screen_wait(
            AskScreen("Append the preference record to (JSONL)", self.pairs_path)
        )
        if not path:
            return
        record = dpo_record(chosen[1].messages, chosen[1].output, rejected[1].output)
        await self._append(path, record, "preference record")
        self.pairs_path = path

    async def _append(self, path: str, record: dict[str, object], what: str) -> None:
        try:
            await asyncio.to_thread(append_jsonl, Path(path), record)
        except OSError as exc:
            self.notify(f"cannot write {path}: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"{what} appended to {path}")

    def action_load_record(self) -> None:
        """Take the prompt of the Dataset editor's selected record."""
        found = self.dataset_session()
        if found is None:
            self.notify("open a dataset in the Dataset editor (F2) first", severity="warning")
            return
        session, pos = found
        try:
            value = json.loads(session.doc.raw_at(pos))
        except ValueError:
            value = None
        loaded = prompt_from_record(value)
        if loaded is None:
            self.notify(f"line {pos + 1} has no prompt to load", severity="warning")
            return
        system, earlier, text = loaded
        separator, _ = self.legacy_defaults()
        if separator and text.endswith(separator):
            text = text[: -len(separator)]
        self.action_new_session()
        self.histories = [list(earlier) for _ in self.slots]
        self.query_one("#pg-system", Input).value = system
        self.prompt_input().value = text
        self.prompt_input().focus()
        self.notify(f"loaded the prompt of line {pos + 1}")

    @work(exclusive=True, group="dialog")
    async def action_export(self) -> None:
        """Write the session's history (every generation) as JSONL."""
        if not self.turns:
            self.notify("nothing to export yet", severity="warning")
            return
        path = await self.app.push_screen_wait(
            AskScreen("Export the session history to (JSONL)", "playground-history.jsonl")
        )
        if not path:
            return
        try:
            count = await asyncio.to_thread(export_history, Path(path), list(self.turns))
        except OSError as exc:
            self.notify(f"cannot write {path}: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"{count} generations written to {path}")
