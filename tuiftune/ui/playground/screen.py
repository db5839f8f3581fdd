"""The playground: prompt one to three models side by side, streamed, and keep good answers.

The screen holds the choice of models, the parameters and blind mode; each ``AnswerPane``
owns its model's conversation and stream. Dialogs (keep, pair, export) live in ``keeping``.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import Header, Input, Static

from tuiftune.dataset.preview import printable
from tuiftune.dataset.record_builders import Turn
from tuiftune.service.catalog import ModelChoice, choice_for, default_playground_models
from tuiftune.service.sampling_text import params_text, parse_params
from tuiftune.service.types import SamplingParams
from tuiftune.ui.key_order import InOrderKeys
from tuiftune.ui.messages import ModelOpened
from tuiftune.ui.model_catalog import fetch_catalog
from tuiftune.ui.playground import keeping
from tuiftune.ui.playground.answer_pane import AnswerPane
from tuiftune.ui.playground.keys import BINDINGS
from tuiftune.ui.screens.modals import AskScreen, PickScreen
from tuiftune.ui.widgets.footer import Footer  # one rebuild a frame
from tuiftune.ui.widgets.idle import BlinkOnlyWhenShown

if TYPE_CHECKING:
    from collections.abc import Callable

    from tuiftune.dataset.session import EditorSession
    from tuiftune.service.providers.base import Provider
    from tuiftune.service.services import Services

LETTERS = "ABC"
MAX_SLOTS = 3
SLOW_CATALOG_S = 0.5
"""How long ctrl+o waits for a fresh model list before it offers the last one (a server busy
training answers the listing slowly, and a picker that never opened read as a dead key)."""


class PlaygroundScreen(BlinkOnlyWhenShown, InOrderKeys):
    """Chat (system prompt, multi-turn) or prompt/completion, streamed from each chosen model."""

    # Their keys go to the dialog they open, typed ahead or not (ui/key_order.py).
    ASKING_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {
            "export",
            "keep",
            "models",
            "pair",
            "params",
        }
    )

    CSS_PATH = Path(__file__).parent.parent / "styles" / "playground.tcss"
    BINDINGS: ClassVar[list[BindingType]] = list(BINDINGS)
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

The footer shows the keys used most; **ctrl+p** lists every key in the command palette, and
**ctrl+q** quits.
"""

    def __init__(self) -> None:
        super().__init__()
        self.models: list[ModelChoice] = []
        self.slots: list[ModelChoice] = []
        self.params = SamplingParams(max_tokens=256)
        self.blind = False
        self.revealed = False
        self.rng = random.Random()
        self.order: list[int] = []  # pane i shows slots[order[i]]
        self.turns: list[Turn] = []  # the session's history, exportable
        self.keep_path = "kept.jsonl"
        self.pairs_path = "preferences.jsonl"
        self._panes: list[AnswerPane] = []  # kept (not queried): read after the app ends too
        self._refresh: asyncio.Task[None] | None = None  # a slow catalog fetch, left to finish

    def compose(self) -> ComposeResult:
        """Header, the parameters line, the answers, the inputs, the footer."""
        yield Header()
        yield Static(id="pg-params")
        with Horizontal(id="pg-answers"):
            yield Static(
                Text("No model chosen: press ctrl+o to pick up to three models.", "dim"),
                id="pg-placeholder",
            )
        yield Input(placeholder="system prompt (chat models)", id="pg-system", compact=True)
        yield Input(placeholder="prompt: enter sends", id="pg-prompt", compact=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Title, parameters, and the prompt focused; the model list loads in the background."""
        self.title = "tuiftune · playground"
        self.refresh_info()
        self.prompt_input().focus()
        self.load_models()

    def on_unmount(self) -> None:
        """A catalog fetch left running for a slow server ends with the screen."""
        if self._refresh is not None:
            self._refresh.cancel()

    # -- state the panes hold ----------------------------------------------------------------

    @property
    def services(self) -> Services:
        """The app's services."""
        return cast("Services", getattr(self.app, "services"))  # noqa: B009

    async def open_provider(self) -> Provider:
        """A provider for one request (the caller closes it)."""
        return await self.services.open_provider()

    def panes(self) -> list[AnswerPane]:
        """The answer panes, in order."""
        return list(self._panes)

    @property
    def current(self) -> list[Turn | None]:
        """Each pane's latest generation."""
        return [p.turn for p in self.panes()]

    @property
    def histories(self) -> list[list[dict[str, Any]]]:
        """Each pane's chat turns."""
        return [p.history for p in self.panes()]

    @property
    def running(self) -> set[int]:
        """Panes still streaming."""
        return {p.index for p in self.panes() if p.running}

    def prompt_input(self) -> Input:
        """Where the user types."""
        return self.query_one("#pg-prompt", Input)

    def system_input(self) -> Input:
        """The system prompt (chat models)."""
        return self.query_one("#pg-system", Input)

    def dataset_session(self) -> tuple[EditorSession, int] | None:
        """The Dataset editor's session and selected record, if a file is open there."""
        # The app answers (this screen cannot import it: the app imports the screens); a host
        # without an editor, such as a test's bare app, has none.
        ask: Callable[[], tuple[EditorSession, int] | None] | None
        ask = getattr(self.app, "editor_record", None)
        return ask() if ask is not None else None

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

    # -- models ------------------------------------------------------------------------------

    async def fetch_models(self) -> None:
        """Refresh the catalog of models."""
        models = await fetch_catalog(self, self.open_provider)
        if models is not None:
            self.models = models

    async def _fresh_models(self) -> None:
        """Refresh the catalog for the picker; when the server is slow and a list is already
        known, go on with it (the fetch finishes in the background), else say it is coming."""
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.ensure_future(self.fetch_models())
        refresh = self._refresh
        await asyncio.wait({refresh}, timeout=SLOW_CATALOG_S)
        if refresh.done():
            refresh.result()
            return
        if self.models:
            self.notify("the model list is slow to answer: showing the last one", markup=False)
            return
        self.notify("listing the models (the server is slow to answer) ...", markup=False)
        await asyncio.shield(refresh)

    @work(exclusive=True, group="catalog", exit_on_error=False)
    async def load_models(self) -> None:
        """Fetch the catalog, and start with the newest fine-tuned model and its base."""
        await self.fetch_models()
        if not self.slots:
            picked = default_playground_models(self.models)
            if picked:
                await self.set_slots(picked)

    @on(ModelOpened)
    async def _model_opened(self, message: ModelOpened) -> None:
        """Another area (Jobs, Eval) asked for a model: ``OpenModel`` reached the app."""
        await self.open_model(message.model)

    async def open_model(self, name: str) -> None:
        """Put ``name`` in the first slot, keeping the others."""
        rest = [m.id for m in self.slots if m.id != name]
        await self.set_slots([name, *rest][:MAX_SLOTS])
        self.notify(f"playground: {name}", markup=False)

    async def set_slots(self, slots: list[str]) -> None:
        """Put models in the slots and rebuild the answer panes."""
        self.cancel_all(quiet=True)
        self.slots = [choice_for(name, self.models) for name in slots]
        answers = self.query_one("#pg-answers", Horizontal)
        await answers.remove_children()
        self._panes = [
            AnswerPane(i, model, id=f"pg-answer-{i}") for i, model in enumerate(self.slots)
        ]
        await answers.mount_all(self._panes)
        self.action_new_session()  # deals the panes their models (shuffled in blind mode)

    def new_order(self) -> None:
        """Which pane shows which slot: shuffled in blind mode so position gives nothing away."""
        self.order = list(range(len(self.slots)))
        if self.blind:
            self.rng.shuffle(self.order)
        self.revealed = False
        for pane in self.panes():
            pane.model = self.pane_model(pane.index)

    # -- generating --------------------------------------------------------------------------

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

    def send(self, text: str, system: str) -> None:
        """Send the prompt to every slot's model at once."""
        legacy = self.legacy_defaults()
        for pane in self.panes():
            self.turns.append(pane.ask(self.open_provider, text, system, self.params, legacy))

    def cancel_all(self, *, quiet: bool = False) -> int:
        """Stop every running generation; returns how many were stopped."""
        return sum(pane.cancel(quiet=quiet) for pane in self.panes())

    def action_cancel(self) -> None:
        """Stop the running generations."""
        stopped = self.cancel_all()
        self.notify(f"cancelled {stopped} generation(s)" if stopped else "nothing is running")

    # -- settings ----------------------------------------------------------------------------

    @work(exclusive=True, group="dialog", exit_on_error=False)
    async def action_models(self) -> None:
        """Choose up to three models, to prompt side by side."""
        await self._fresh_models()
        if not self.models:
            self.notify("no models available", severity="error")
            return
        now = self.services.clock()
        choices = [(m.id, printable(m.label(now))) for m in self.models]
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

    @work(exclusive=True, group="dialog", exit_on_error=False)
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
            self.notify(str(exc), severity="error", markup=False)
            return
        self.refresh_info()

    def action_blind(self) -> None:
        """Blind mode on or off; it starts a new conversation so nothing gives the models away."""
        self.blind = not self.blind
        self.action_new_session()
        self.notify(
            "blind mode: answers are lettered until you keep one" if self.blind else "blind off"
        )

    def action_new_session(self, history: list[dict[str, Any]] | None = None) -> None:
        """Forget the conversation (the exportable history stays)."""
        self.new_order()
        for pane in self.panes():
            pane.reset(history)
        self.refresh_titles()
        self.refresh_info()

    def reveal(self) -> None:
        """Blind mode: show which model wrote which answer, now that one was chosen."""
        if self.blind and not self.revealed:
            self.revealed = True
            self.refresh_titles()
            self.refresh_info()
            names = ", ".join(f"{LETTERS[i]} = {self.pane_model(i).id}" for i in self.order)
            self.notify(f"revealed: {names}", markup=False)

    # -- keeping answers (see ``keeping``) ---------------------------------------------------

    @work(exclusive=True, group="dialog", exit_on_error=False)
    async def action_keep(self) -> None:
        """Append the prompt and a chosen answer to a dataset file as a training record."""
        await keeping.keep(self)

    @work(exclusive=True, group="dialog", exit_on_error=False)
    async def action_pair(self) -> None:
        """Append a chosen / rejected pair of chat answers as a DPO record."""
        await keeping.pair(self)

    @work(exclusive=True, group="dialog", exit_on_error=False)
    async def action_export(self) -> None:
        """Write the session's history (every generation) as JSONL."""
        await keeping.export(self)

    def action_load_record(self) -> None:
        """Take the prompt of the Dataset editor's selected record."""
        keeping.load_record(self)
