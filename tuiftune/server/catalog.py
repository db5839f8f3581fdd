"""The base models the server knows: names, aliases, tokenizers and what each supports."""

from __future__ import annotations

from dataclasses import dataclass

from tuiftune.dataset.model_names import LEGACY_BASE_MODELS


@dataclass(frozen=True)
class BaseModel:
    """One base model as listed by ``/v1/models``."""

    id: str
    created: int
    encoding: str
    legacy: bool = False
    dpo: bool = False
    owned_by: str = "system"

    def __post_init__(self) -> None:
        # Whether a model takes legacy prompts comes from the one list (dataset.model_names).
        object.__setattr__(self, "legacy", self.legacy or self.id in LEGACY_BASE_MODELS)

    def to_api(self) -> dict[str, object]:
        """The ``Model`` object."""
        return {
            "id": self.id,
            "object": "model",
            "created": self.created,
            "owned_by": self.owned_by,
            "shutdown_date": None,
        }


BASE_MODELS: dict[str, BaseModel] = {
    m.id: m
    for m in (
        BaseModel("gpt-4o-mini-2024-07-18", 1721172717, "o200k_base", dpo=True),
        BaseModel("gpt-4o-2024-08-06", 1722814719, "o200k_base", dpo=True),
        BaseModel("gpt-4.1-2025-04-14", 1744315746, "o200k_base", dpo=True),
        BaseModel("gpt-4.1-mini-2025-04-14", 1744317547, "o200k_base", dpo=True),
        BaseModel("gpt-4.1-nano-2025-04-14", 1744321025, "o200k_base", dpo=True),
        BaseModel("gpt-3.5-turbo-0125", 1706048358, "cl100k_base"),
        BaseModel("babbage-002", 1692634615, "cl100k_base"),
        BaseModel("davinci-002", 1692634301, "cl100k_base"),
    )
}

# Short names resolve to the snapshot OpenAI currently points them at.
ALIASES: dict[str, str] = {
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
}


def resolve_base(name: str) -> BaseModel | None:
    """The base model a name or alias stands for, or None."""
    return BASE_MODELS.get(ALIASES.get(name, name))


def base_of(name: str) -> str:
    """The base model name inside a fine-tuned name (``ft:<base>:...``), or the name itself."""
    if name.startswith("ft:"):
        return name[3:].split(":", 1)[0]
    return ALIASES.get(name, name)


def encoding_for(name: str) -> str:
    """The tiktoken encoding of a base, alias or fine-tuned model name."""
    base = resolve_base(base_of(name))
    return base.encoding if base is not None else "o200k_base"


def fine_tuned_name(base: str, org: str, suffix: str | None, short_id: str) -> str:
    """OpenAI's name shape; the suffix field stays empty when there is no suffix."""
    return f"ft:{base}:{org}:{suffix or ''}:{short_id}"
