"""The playground's state and streaming: one worker per answer pane, posting messages.

Each send bumps ``run``; messages carry it, so output of a stale (cancelled or replaced)
generation is dropped instead of landing in the wrong answer.
"""

from __future__ import annotations

import dataclasses
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from tuiftune.service.errors import ServiceError
from tuiftune.service.inference import (
    CompletionResult,
    SamplingParams,
    TextDelta,
    stream_chat,
    stream_completion,
)
from tuiftune.ui.screens.playground_models import client_for
from tuiftune.ui.screens.playground_records import (
    ModelChoice,
    Turn,
    legacy_prompt,
    params_text,
)
from tuiftune.ui.widgets.answer_pane import AnswerPane

if TYPE_CHECKING:
    from tuiftune.dataset.session import EditorSession
    from tuiftune.ui.app import Services

LETTERS = "ABC"
MAX_SLOTS = 3


@dataclass
class StreamDelta(Message):
    """Text streamed into one pane."""

    pane: int
    run: int
    text: str


@dataclass
class StreamDone(Message):
    """A pane's generation ended normally."""

    pane: int
    run: int
    result: CompletionResult
    elapsed: float


@dataclass
class StreamFailed(Message):
    """A pane's generation failed (the service error's message)."""

    pane: int
    run: int
    error: str


def now() -> float:
    """Seconds for tokens-per-second (snapshot tests replace it: no wall clock in a snapshot)."""
    return time.monotonic()


class PlaygroundBase(Screen[None]):
    """Models in the slots, parameters, the conversation of each pane and the session history."""

    def __init__(self) -> None:
        super().__init__()
        self.models: list[ModelChoice] = []
        self.slots: list[ModelChoice] = []
        self.params = SamplingParams(max_tokens=256)
        self.blind = False
        self.revealed = False
        self.rng = random.Random()
        self.order: list[int] = []  # pane i shows slots[order[i]]
        self.histories: list[list[dict[str, Any]]] = []  # chat turns of each pane (no system)
        self.current: list[Turn | None] = []
        self.turns: list[Turn] = []  # the session's history, exportable
        self.running: set[int] = set()
        self.run = 0
        self._started: dict[int, float] = {}

    # -- helpers -----------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        """The app's services (clients for the jobs backend and the inference endpoint)."""
        return cast("Services", getattr(self.app, "services"))  # noqa: B009

    def dataset_session(self) -> tuple[EditorSession, int] | None:
        """The Dataset editor's session and selected record, if a file is open there."""
        finder = getattr(self.app, "_dataset_screens", None)
        for screen in finder() if finder else []:
            if screen.session is not None:
                return screen.session, screen._pos
        return None

    def legacy_defaults(self) -> tuple[str | None, str | None]:
        """The open dataset's separator and stop sequence (legacy prompts use them)."""
        found = self.dataset_session()
        if found is None or not found[0].linter.ready:
            return None, None
        consensus = found[0].linter.consensus
        return consensus.separator, consensus.stop

    def pane_model(self, pane: int) -> ModelChoice:
        """The model behind a pane."""
        return self.slots[self.order[pane]]

    def pane_title(self, pane: int) -> str:
        """The model's name, or a letter while blind mode hides it."""
        if self.blind and not self.revealed:
            return f"Answer {LETTERS[pane]}"
        model = self.pane_model(pane)
        return f"{LETTERS[pane]}: {model.id}" + (" (legacy)" if model.legacy else "")

    def panes(self) -> list[AnswerPane]:
        """The answer panes, in order."""
        return sorted(self.query(AnswerPane), key=lambda p: p.index)

    def refresh_titles(self) -> None:
        """Re-title the panes (after a reveal or a model change)."""
        for pane in self.panes():
            pane.set_title(self.pane_title(pane.index))

    def refresh_info(self) -> None:
        """The parameters line."""
        parts = [params_text(self.params) or "server defaults"]
        if self.blind:
            parts.append("BLIND" + (" (revealed)" if self.revealed else ""))
        if any(m.legacy for m in self.slots):
            sep, stop = self.legacy_defaults()
            parts.append(f"legacy sep={sep!r} stop={stop!r}")
        self.query_one("#pg-params", Static).update(Text(" · ".join(parts)))

    def new_order(self) -> None:
        """Which pane shows which slot: shuffled in blind mode so position gives nothing away."""
        self.order = list(range(len(self.slots)))
        if self.blind:
            self.rng.shuffle(self.order)
        self.revealed = False

    # -- generating --------------------------------------------------------------------------

    def send(self, text: str, system: str) -> None:
        """Send the prompt to every slot's model at once."""
        self.cancel_all(quiet=True)
        self.run += 1
        separator, stop = self.legacy_defaults()
        for pane in self.panes():
            model = self.pane_model(pane.index)
            params = self.params
            if model.legacy:
                if params.stop is None and stop:
                    params = dataclasses.replace(params, stop=stop)
                turn = Turn(model.id, chat=False, prompt=legacy_prompt(text, separator))
            else:
                history = self.histories[pane.index]
                history.append({"role": "user", "content": text})
                system_msgs = [{"role": "system", "content": system}] if system else []
                turn = Turn(model.id, chat=True, messages=[*system_msgs, *history])
            turn.params = params.kwargs(chat=turn.chat)
            self.current[pane.index] = turn
            self.turns.append(turn)
            pane.start(text)
            self.running.add(pane.index)
            self._started[pane.index] = now()
            self.run_worker(
                self._stream(pane.index, self.run, model, turn, params),
                group=f"gen-{pane.index}",
                exclusive=True,
                exit_on_error=False,
            )

    async def _stream(
        self, pane: int, run: int, model: ModelChoice, turn: Turn, params: SamplingParams
    ) -> None:
        try:
            async with await client_for(self.services, model) as client:
                if turn.chat:
                    stream = stream_chat(client, model.id, turn.messages, params)
                else:
                    stream = stream_completion(client, model.id, turn.prompt, params)
                async for item in stream:
                    if isinstance(item, TextDelta):
                        self.post_message(StreamDelta(pane, run, item.text))
                    else:
                        elapsed = now() - self._started.get(pane, 0.0)
                        self.post_message(StreamDone(pane, run, item, elapsed))
        except ServiceError as exc:
            self.post_message(StreamFailed(pane, run, str(exc)))
        except Exception as exc:  # any failure must end the pane's "waiting"
            self.post_message(StreamFailed(pane, run, f"{type(exc).__name__}: {exc}"))

    def cancel_all(self, *, quiet: bool = False) -> int:
        """Stop every running generation; returns how many were stopped."""
        stopped = 0
        for index in sorted(self.running):
            self.workers.cancel_group(self, f"gen-{index}")
            turn = self.current[index]
            if turn is not None:
                turn.cancelled = True
                if turn.chat and self.histories[index]:
                    self.histories[index].pop()  # the unanswered user turn
            if not quiet:
                pane = self.panes()[index]
                pane.set_status(f"cancelled after {len(pane.text)} characters")
            stopped += 1
        self.running.clear()
        return stopped

    @on(StreamDelta)
    def _delta(self, event: StreamDelta) -> None:
        if event.run == self.run and event.pane in self.running:
            turn = self.current[event.pane]
            if turn is not None:
                turn.output += event.text
            self.panes()[event.pane].append(event.text)

    @on(StreamDone)
    def _done(self, event: StreamDone) -> None:
        if event.run != self.run or event.pane not in self.running:
            return
        self.running.discard(event.pane)
        turn = self.current[event.pane]
        result = event.result
        if turn is not None:
            turn.output = result.text
            turn.finish_reason = result.finish_reason
            if result.usage is not None:
                turn.usage = {
                    "prompt_tokens": result.usage.prompt_tokens,
                    "completion_tokens": result.usage.completion_tokens,
                }
            if turn.chat:
                self.histories[event.pane].append({"role": "assistant", "content": result.text})
        self.panes()[event.pane].set_status(stats_line(result, event.elapsed))

    @on(StreamFailed)
    def _failed(self, event: StreamFailed) -> None:
        if event.run != self.run or event.pane not in self.running:
            return
        self.running.discard(event.pane)
        turn = self.current[event.pane]
        if turn is not None:
            turn.error = event.error
            if turn.chat and self.histories[event.pane]:
                self.histories[event.pane].pop()
        self.panes()[event.pane].set_status(f"error: {event.error}")

    def prompt_input(self) -> Input:
        """Where the user types."""
        return self.query_one("#pg-prompt", Input)


def stats_line(result: CompletionResult, elapsed: float) -> str:
    """Finish reason, usage and tokens per second (omitted when no time was measured)."""
    parts = [f"finish {result.finish_reason or '?'}"]
    usage = result.usage
    if usage is not None:
        parts.append(f"{usage.prompt_tokens} in / {usage.completion_tokens} out")
        if elapsed > 0:
            parts.append(f"{usage.completion_tokens / elapsed:.1f} tok/s")
    return " · ".join(parts)
