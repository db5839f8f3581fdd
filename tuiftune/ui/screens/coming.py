"""The areas whose screens land in later releases: what they will do and what works today."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown

AREAS: dict[str, str] = {
    "jobs": """\
# Jobs

The job monitor is coming: a live list of fine-tuning jobs on the active backend, each job's
event log tailing live, a loss chart with overfitting warnings, checkpoints, and a form to
upload a file and launch a job, all through network faults and over SSH.

**Today**, from a shell (same services, same backend):

- `tuiftune serve` runs a local OpenAI-compatible server with a simulated trainer;
  point any client at it with `OPENAI_BASE_URL=http://127.0.0.1:8765/v1`.
- `tuiftune config show` tells which backend is active (OpenAI, Azure OpenAI, a base URL, or
  the sandbox) and `tuiftune config set-profile` adds one.

Press **F2** to go back to the dataset editor.
""",
    "playground": """\
# Playground

Coming: prompt a fine-tuned model, its checkpoints and its base model side by side with
streaming output, parameters (temperature, top_p, max tokens, stop, seed) and a blind mode;
keep a good answer as a new training record with one key.

**Today**: the local server (`tuiftune serve`) answers chat and legacy completions from what a
sandbox model was trained on, for any OpenAI client.

Press **F2** to go back to the dataset editor.
""",
    "eval": """\
# Eval

Coming: score a model on a held-out test set (exact match, token F1, BLEU, ROUGE, per-class
metrics), compare two models with a significance test, resume a killed run without paying
twice, and export reports.

Press **F2** to go back to the dataset editor.
""",
}


class ComingScreen(Screen[None]):
    """A mode whose screen is not built yet: what it will do and how to get there today."""

    def __init__(self, area: str) -> None:
        super().__init__(name=area)
        self.area = area

    @property
    def help_text(self) -> str:
        """The area's description, shown by F1."""
        return AREAS[self.area]

    def compose(self) -> ComposeResult:
        """The area's description."""
        yield Header()
        with VerticalScroll(classes="coming"):
            yield Markdown(AREAS[self.area])
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Title the screen after its area."""
        self.title = f"tuiftune · {self.area}"
