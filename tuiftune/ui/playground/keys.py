"""The Playground's keys (each with an id and a tooltip)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

BINDINGS: list[BindingType] = [
    # Shown in the footer (80 columns with the app's F-keys): the most used, and quit.
    Binding("ctrl+o", "models", "Models", id="playground.models", tooltip="Choose models"),
    Binding("ctrl+s", "keep", "Keep", id="playground.keep", tooltip="Keep as a record"),
    Binding(
        "ctrl+q",
        "app.quit_guarded",
        "Quit",
        id="playground.quit",
        tooltip="Quit tuiftune",
        priority=True,
    ),
    # The rest: in F1 and the command palette (ctrl+p).
    Binding("ctrl+t", "params", "Params", show=False, id="playground.params", tooltip="Sampling"),
    Binding("ctrl+b", "blind", "Blind", show=False, id="playground.blind", tooltip="Hide names"),
    Binding("ctrl+r", "pair", "DPO pair", show=False, id="playground.pair", tooltip="DPO record"),
    Binding("escape", "cancel", "Cancel", show=False, id="playground.cancel", tooltip="Stop"),
    Binding(
        "ctrl+l",
        "load_record",
        "Load record",
        show=False,
        id="playground.load",
        tooltip="The editor's record as the prompt",
    ),
    Binding("ctrl+n", "new_session", "New chat", show=False, id="playground.new", tooltip="Reset"),
    Binding(
        "ctrl+y",
        "export",
        "Export history",
        show=False,
        id="playground.export",
        tooltip="Session history as JSONL",
    ),
]
