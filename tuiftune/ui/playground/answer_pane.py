"""One model's answer in the playground: it owns its conversation and its stream worker.

The worker streams from the provider and posts private messages to the pane, which draws them;
when a generation ends the pane posts ``Finished`` or ``Failed`` for the screen. Each request
bumps ``generation``, so output of a cancelled or replaced stream is dropped.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from tuiftune.dataset.preview import printable
from tuiftune.dataset.record_builders import Message as ChatMessage
from tuiftune.dataset.record_builders import Turn, legacy_prompt
from tuiftune.service.catalog import ModelChoice
from tuiftune.service.errors import ServiceError
from tuiftune.service.evals_replies import SHAPE_ERRORS, malformed
from tuiftune.service.providers.base import Provider
from tuiftune.service.types import CompletionResult, SamplingParams, TextDelta

OpenProvider = Callable[[], Awaitable[Provider]]
NO_STREAM = (
    "the server sent no answer (its reply was not an event stream: a proxy or login page, or a "
    "wrong base URL?)"
)


def now() -> float:
    """Seconds for tokens-per-second (snapshot tests replace it: no wall clock in a snapshot)."""
    return time.monotonic()


@dataclass
class _Delta(Message):
    generation: int
    text: str
    bubble: ClassVar[bool] = False


@dataclass
class _Done(Message):
    generation: int
    result: CompletionResult
    elapsed: float
    bubble: ClassVar[bool] = False


@dataclass
class _Error(Message):
    generation: int
    error: str
    bubble: ClassVar[bool] = False


class AnswerPane(Vertical):
    """Streams a model's output as plain text (never markup) with a one-line status under it."""

    DEFAULT_CSS = """
    AnswerPane { width: 1fr; height: 1fr; border: round $secondary; }
    AnswerPane .answer-title {
        height: 1; text-style: bold; text-wrap: nowrap; text-overflow: ellipsis;
    }
    AnswerPane .answer-scroll { height: 1fr; }
    AnswerPane .answer-status { height: 1; color: $text-muted; }
    AnswerPane.-chosen { border: round $success; }
    """

    @dataclass
    class Finished(Message):
        """A generation ended normally; ``turn`` holds the answer."""

        pane: AnswerPane
        turn: Turn

    @dataclass
    class Failed(Message):
        """A generation failed; ``error`` is one readable line."""

        pane: AnswerPane
        turn: Turn
        error: str

    def __init__(self, index: int, model: ModelChoice, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.index = index
        self.model = model
        self.text = ""
        self.conversation: list[str] = []  # earlier answers, shown dim above the latest
        self.history: list[ChatMessage] = []  # this model's chat turns (no system prompt)
        self.turn: Turn | None = None
        self.running = False
        self.generation = 0
        self._user = ""
        self._started = 0.0

    def compose(self) -> ComposeResult:
        """Title, scrolling body and the status line."""
        yield Static(classes="answer-title")
        with VerticalScroll(classes="answer-scroll"):
            yield Static(classes="answer-body")
        yield Static(classes="answer-status")

    # -- generating --------------------------------------------------------------------------

    def ask(
        self,
        open_provider: OpenProvider,
        text: str,
        system: str,
        params: SamplingParams,
        legacy: tuple[str | None, str | None] = (None, None),
    ) -> Turn:
        """Send ``text`` to this pane's model and stream the answer; returns the new turn.

        Chat models get the system prompt and the conversation so far; legacy models get the
        prompt with the dataset's ``legacy`` separator and, unless set, its stop sequence.
        """
        self.cancel(quiet=True)
        separator, stop = legacy
        if self.model.legacy:
            if params.stop is None and stop:
                params = dataclasses.replace(params, stop=stop)
            turn = Turn(self.model.id, chat=False, prompt=legacy_prompt(text, separator))
        else:
            self.history.append({"role": "user", "content": text})
            system_msgs = [{"role": "system", "content": system}] if system else []
            turn = Turn(self.model.id, chat=True, messages=[*system_msgs, *self.history])
        turn.params = params.kwargs(chat=turn.chat)
        self.turn = turn
        self.generation += 1
        self.running = True
        self._started = now()
        self._show_prompt(text)
        self.run_worker(
            self._stream(self.generation, open_provider, turn, params),
            group="stream",
            exclusive=True,
            exit_on_error=False,
        )
        return turn

    async def _stream(
        self, generation: int, open_provider: OpenProvider, turn: Turn, params: SamplingParams
    ) -> None:
        try:
            async with await open_provider() as provider:
                inference = provider.inference
                if turn.chat:
                    stream = inference.stream_chat(turn.model, turn.messages, params)
                else:
                    stream = inference.stream_completion(turn.model, turn.prompt, params)
                async for item in stream:
                    if isinstance(item, TextDelta):
                        self.post_message(_Delta(generation, item.text))
                    elif not (item.text or item.finish_reason or item.usage):
                        # Not one event came: the body was no event stream at all.
                        self.post_message(_Error(generation, NO_STREAM))
                    else:
                        self.post_message(_Done(generation, item, now() - self._started))
        except ServiceError as exc:
            self.post_message(_Error(generation, str(exc)))
        except SHAPE_ERRORS as exc:
            self.post_message(_Error(generation, str(malformed(exc))))
        except Exception as exc:  # any failure must end the pane's "waiting"
            self.post_message(_Error(generation, f"{type(exc).__name__}: {exc}"))

    def cancel(self, *, quiet: bool = False) -> bool:
        """Stop the running generation (the unanswered user turn is forgotten)."""
        if not self.running:
            return False
        self.workers.cancel_group(self, "stream")
        self.running = False
        if self.turn is not None:
            self.turn.cancelled = True
            if self.turn.chat and self.history:
                self.history.pop()
        if not quiet:
            self.set_status(f"cancelled after {len(self.text)} characters")
        return True

    def _current(self, generation: int) -> Turn | None:
        return self.turn if generation == self.generation and self.running else None

    @on(_Delta)
    def _delta(self, event: _Delta) -> None:
        turn = self._current(event.generation)
        if turn is not None:
            turn.output += event.text
            self.append(event.text)

    @on(_Done)
    def _done(self, event: _Done) -> None:
        turn = self._current(event.generation)
        if turn is None:
            return
        self.running = False
        result = event.result
        turn.output = result.text
        turn.finish_reason = result.finish_reason
        if result.usage is not None:
            turn.usage = {
                "prompt_tokens": result.usage.prompt_tokens,
                "completion_tokens": result.usage.completion_tokens,
            }
        if turn.chat:
            self.history.append({"role": "assistant", "content": result.text})
        self.set_status(stats_line(result, event.elapsed))
        self.post_message(self.Finished(self, turn))

    @on(_Error)
    def _error(self, event: _Error) -> None:
        turn = self._current(event.generation)
        if turn is None:
            return
        self.running = False
        turn.error = event.error
        if turn.chat and self.history:
            self.history.pop()
        self.set_status(f"error: {event.error}")
        self.post_message(self.Failed(self, turn, event.error))

    # -- drawing -----------------------------------------------------------------------------

    def set_title(self, title: str) -> None:
        """The model name, or "Answer A" in blind mode."""
        # One line (see the CSS): a long model name is cut with an ellipsis, not wrapped away.
        self.query_one(".answer-title", Static).update(Text(printable(title)))

    def _show_prompt(self, user: str) -> None:
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

    def reset(self, history: list[ChatMessage] | None = None) -> None:
        """Forget the conversation (a new session), or start from ``history``."""
        self.cancel(quiet=True)
        self.text = ""
        self._user = ""
        self.turn = None
        self.conversation.clear()
        self.history = list(history or [])
        self._render_body()
        self.set_status("")

    def set_status(self, status: str) -> None:
        """Stats, "cancelled" or an error (server text: escapes shown, never sent)."""
        self.query_one(".answer-status", Static).update(Text(printable(status)))

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


def stats_line(result: CompletionResult, elapsed: float) -> str:
    """Finish reason, usage and tokens per second (omitted when no time was measured)."""
    parts = [f"finish {result.finish_reason or '?'}"]
    usage = result.usage
    if usage is not None:
        parts.append(f"{usage.prompt_tokens} in / {usage.completion_tokens} out")
        if elapsed > 0:
            parts.append(f"{usage.completion_tokens / elapsed:.1f} tok/s")
    return " · ".join(parts)
