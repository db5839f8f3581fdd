"""The create form's "Advanced (LoRA)" section: rank, alpha, dropout, the modules adapted and
the longest sequence, each shown only where the provider takes it (``Provider.lora_settings``)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Collapsible, Input, Label

from tuiftune.service.lora import LORA_SETTINGS, LoraOptions, parse_target_modules

# name -> (label, placeholder): the placeholder gives the range and the local trainer's default.
FIELDS = {
    "lora_r": ("LoRA rank (r)", "1-1024; local default 8"),
    "lora_alpha": ("LoRA alpha", "> 0; local default 16"),
    "lora_dropout": ("LoRA dropout", "0 to <1; local default 0.05"),
    "target_modules": ("target modules", "all-linear or q_proj,v_proj"),
    "max_seq_len": ("max sequence length", "tokens; local default 2048"),
}


class LoraFields(Collapsible):
    """Collapsed until opened; hidden altogether where the provider takes no LoRA setting."""

    def __init__(self) -> None:
        super().__init__(title="Advanced (LoRA)", collapsed=True, id="lora")
        self.supported: frozenset[str] = frozenset()

    def compose(self) -> ComposeResult:
        """The title, then one labelled input per setting (``#lora_r`` ...)."""
        yield self._title
        with Collapsible.Contents():
            for name, (label, hint) in FIELDS.items():
                with Horizontal(classes="field", id=f"field-{name}"):
                    yield Label(label, classes="field-label")
                    yield Input(placeholder=hint, id=name)

    def on_mount(self) -> None:
        """Nothing is shown until the provider says what it takes."""
        self.show_only(self.supported)

    def show_only(self, supported: frozenset[str]) -> None:
        """Show the settings the provider takes (and the section only if it takes one)."""
        self.supported = supported
        self.display = bool(supported)
        for name in LORA_SETTINGS:
            for row in self.query(f"#field-{name}"):
                row.display = name in supported

    def _text(self, name: str) -> str:
        if name not in self.supported:
            return ""
        return self.query_one(f"#{name}", Input).value.strip()

    def _int(self, name: str) -> int | None:
        text = self._text(name)
        if not text or text == "auto":
            return None
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{name}: expected an integer, got {text!r}") from None

    def _float(self, name: str) -> float | None:
        text = self._text(name)
        if not text or text == "auto":
            return None
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{name}: expected a number, got {text!r}") from None

    def options(self) -> LoraOptions | None:
        """The settings typed (None when none was); raises ValueError naming the field."""
        opts = LoraOptions(
            lora_r=self._int("lora_r"),
            lora_alpha=self._float("lora_alpha"),
            lora_dropout=self._float("lora_dropout"),
            target_modules=parse_target_modules(self._text("target_modules")),
            max_seq_len=self._int("max_seq_len"),
        )
        return opts if opts.given() else None
