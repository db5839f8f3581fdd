"""What the linter needs to know about base models: tokenizer, example limit, defaults."""

from __future__ import annotations

from tuiftune.dataset.model_info import ModelInfo

__all__ = ["DEFAULT_CHAT_MODEL", "DEFAULT_LEGACY_MODEL", "ModelInfo", "base_model", "model_info"]

DEFAULT_CHAT_MODEL = "gpt-4o-mini-2024-07-18"
DEFAULT_LEGACY_MODEL = "babbage-002"


# Longest prefix wins. Limits are the per-example training context from OpenAI's guide.
_PREFIXES: tuple[tuple[str, str, int], ...] = (
    ("gpt-4o-mini", "o200k_base", 65_536),
    ("gpt-4o", "o200k_base", 65_536),
    ("gpt-4.1", "o200k_base", 65_536),
    ("o4-mini", "o200k_base", 65_536),
    ("o3", "o200k_base", 65_536),
    ("o1", "o200k_base", 65_536),
    ("gpt-3.5-turbo-0613", "cl100k_base", 4_096),
    ("gpt-3.5-turbo-0125", "cl100k_base", 16_385),
    ("gpt-3.5-turbo-1106", "cl100k_base", 16_385),
    ("gpt-3.5-turbo", "cl100k_base", 16_385),
    ("gpt-4-", "cl100k_base", 8_192),
    ("gpt-4", "cl100k_base", 8_192),
    ("babbage-002", "cl100k_base", 16_384),
    ("davinci-002", "cl100k_base", 16_384),
)


def base_model(name: str) -> str:
    """Map a fine-tuned name (``ft:gpt-4o-mini-2024-07-18:org:suffix:id``) to its base model."""
    if name.startswith("ft:"):
        return name[3:].split(":", 1)[0]
    return name


def model_info(name: str) -> ModelInfo:
    """Look a model up; unknown models get o200k_base and the 65,536 limit, marked unknown."""
    base = base_model(name)
    if "/" in base or "\\" in base:  # an open model's folder or HF id: its own tokenizer
        from tuiftune.dataset.hf_tokens import find_model, load_model

        if find_model(base) is not None:
            return load_model(base).model_info()
    best: tuple[str, str, int] | None = None
    for prefix, encoding, limit in _PREFIXES:
        if base.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, encoding, limit)
    if best is None:
        return ModelInfo(base, "o200k_base", 65_536, known=False)
    return ModelInfo(base, best[1], best[2])
