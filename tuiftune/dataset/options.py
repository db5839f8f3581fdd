"""Options that change what the linter reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LintOptions:
    """Model for tokens/limits/costs (default by format), and a forced separator/stop sequence.

    ``exact_tokens=False`` counts a record's tokens only where an upper bound (its strings'
    UTF-8 bytes) is over the model's limit: every finding of a record is the same, the token
    statistics are upper bounds, and most files never build a tokenizer (0.2-0.4 s of a cold
    ``tuiftune eval``, whose test set needs its findings only).
    """

    model: str | None = None
    separator: str | None = None
    stop: str | None = None
    exact_tokens: bool = True


def is_open_model(name: str) -> bool:
    """Whether ``name`` names a folder or a Hugging Face id (``models.model_info``'s test)."""
    return "/" in name or "\\" in name


def editor_options(model: str | None) -> LintOptions | None:
    """What the editor lints a newly opened file with: the chosen OpenAI model, if any (an open
    model's tokenizer loads after the first lint, off the UI thread)."""
    return None if model is None or is_open_model(model) else LintOptions(model=model)
