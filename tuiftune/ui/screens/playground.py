"""The playground: prompt one to three models side by side, streamed, and keep good answers."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Input, Static

from tuiftune.service.inference import classify_model
from tuiftune.ui.screens.playground_actions import PlaygroundActions
from tuiftune.ui.screens.playground_models import choice_for
from tuiftune.ui.widgets.answer_pane import AnswerPane


class PlaygroundScreen(PlaygroundActions):
    """Chat (system prompt, multi-turn) or prompt/completion, streamed from each chosen model."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "playground.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "models", "Models", id="playground.models"),
        Binding("ctrl+t", "params", "Params", id="playground.params"),
        Binding("ctrl+b", "blind", "Blind", id="playground.blind"),
        Binding("ctrl+s", "keep", "Keep", id="playground.keep"),
        Binding("ctrl+r", "pair", "DPO pair", show=False, id="playground.pair"),
        Binding("escape", "cancel", "Cancel", id="playground.cancel"),
        Binding("ctrl+l", "load_record", "Load record", show=False, id="playground.load"),
        Binding("ctrl+n", "new_session", "New chat", show=False, id="playground.new"),
        Binding("ctrl+y", "export", "Export history", show=False, id="playground.export"),
    ]
    HELP = """\
## Playground

Type a prompt and press **enter**: it goes to every chosen model at once and the answers
stream side by side, with the finish reason, token usage and tokens per second under each.
Chat models get the system prompt and the conversation so far; legacy models
(babbage-002, davinci-002 and their fine-tunes) get the prompt with the open dataset's
separator appended, and its stop sequence unless you set one.

- **ctrl+o**: choose up to three models (fine-tuned, checkpoints, base, inference endpoint)
- **ctrl+t**: parameters as `temperature=0.7 top_p=1 max_tokens=256 stop=\\n,### seed=1`
- **escape**: cancel the running generations; **ctrl+n**: new conversation
- **ctrl+b**: blind mode: answers are lettered and shuffled until you keep one
- **ctrl+s**: keep an answer: append prompt + answer as a training record (chat or legacy)
- **ctrl+r**: append a preferred / rejected pair as a DPO record
- **ctrl+l**: load the prompt of the Dataset editor's selected record
- **ctrl+y**: export the session history as JSONL

Model output is shown as plain text.
"""

    def compose(self) -> ComposeResult:
        """Header, the models and parameters lines, the answers, the inputs, the footer."""
        yield Header()
        yield Static(id="pg-params")
        with Horizontal(id="pg-answers"):
            yield Static(
                Text("No model chosen: press ctrl+o to pick up to three models.", "dim"),
                id="pg-placeholder",
            )
        yield Input(placeholder="system prompt (chat models)", id="pg-system", compact=True)
        yield Input(placeholder="prompt: enter sends", id="pg-prompt", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Title, parameters, and the prompt focused; the model list loads in the background."""
        self.title = "tuiftune · playground"
        self.refresh_info()
        self.prompt_input().focus()
        self.load_models()

    @work(exclusive=True, group="catalog")
    async def load_models(self) -> None:
        """Fetch the catalog, and start with the newest fine-tuned model and its base."""
        await self.fetch_models()
        if self.slots or not self.models:
            return
        first = self.models[0]
        picked = [first.id]
        _, base = classify_model(first.id)
        if base and base != first.id:
            picked.append(base)
        await self.set_slots(picked)

    async def on_screen_resume(self) -> None:
        """Open the model the Jobs screen asked for (``app.playground_model``)."""
        name = getattr(self.app, "playground_model", None)
        if not name:
            return
        setattr(self.app, "playground_model", None)  # noqa: B010 (the Jobs screen's hand-off)
        rest = [m.id for m in self.slots if m.id != name]
        await self.set_slots([name, *rest][:3])
        self.notify(f"playground: {name}")

    async def set_slots(self, slots: list[str]) -> None:
        """Put models in the slots and rebuild the answer panes."""
        self.cancel_all(quiet=True)
        self.slots = [choice_for(name, self.models) for name in slots]
        answers = self.query_one("#pg-answers", Horizontal)
        await answers.remove_children()
        await answers.mount_all(AnswerPane(i, id=f"pg-answer-{i}") for i in range(len(slots)))
        self.action_new_session()

    @on(Input.Submitted, "#pg-prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        if not self.slots:
            self.notify("choose a model first (ctrl+o)", severity="warning")
            return
        system = self.query_one("#pg-system", Input).value.strip()
        event.input.value = ""
        self.send(text, system)

    @on(Input.Submitted, "#pg-system")
    def _system_done(self) -> None:
        self.prompt_input().focus()
