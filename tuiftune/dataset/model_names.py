"""The one list of legacy (prompt/completion) base models, and what a model name says about it."""

from __future__ import annotations

from tuiftune.dataset.models import base_model

# babbage-002 and davinci-002 take ``/v1/completions`` prompts, and so do their fine-tunes.
LEGACY_BASE_MODELS: tuple[str, ...] = ("babbage-002", "davinci-002")


def is_legacy_model(name: str) -> bool:
    """Whether a model (a base, or ``ft:<base>:...``) takes legacy prompts rather than chat."""
    return base_model(name) in LEGACY_BASE_MODELS
