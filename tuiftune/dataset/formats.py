"""Dataset formats: what a record is, detected from its keys."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Format(StrEnum):
    """The shape of one record (and, by majority, of a file)."""

    CHAT = "chat"
    LEGACY = "legacy"
    DPO = "dpo"
    REINFORCEMENT = "reinforcement"
    SHAREGPT = "sharegpt"
    UNKNOWN = "unknown"
    INVALID = "invalid"
    BLANK = "blank"

    @property
    def is_example(self) -> bool:
        """Whether records of this format count as training examples."""
        return self not in (Format.INVALID, Format.BLANK)


FORMAT_CODES: tuple[Format, ...] = tuple(Format)
FORMAT_INDEX: dict[Format, int] = {f: i for i, f in enumerate(FORMAT_CODES)}

CHAT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
DPO_KEYS = frozenset(
    {
        "input",
        "preferred_output",
        "non_preferred_output",
        "preferred_completion",
        "non_preferred_completion",
    }
)
LEGACY_KEYS = frozenset({"prompt", "completion"})


def detect(value: Any) -> Format:
    """Detect the format of one parsed JSON value."""
    if not isinstance(value, dict):
        return Format.INVALID
    if "messages" in value:
        if value.keys() <= CHAT_KEYS:
            return Format.CHAT
        messages = value["messages"]
        extra = set(value) - CHAT_KEYS - {"system"}
        has_assistant = isinstance(messages, list) and any(
            isinstance(m, dict) and m.get("role") == "assistant" for m in messages
        )
        # Reinforcement lines carry grader reference keys and no assistant answer.
        if extra and not has_assistant:
            return Format.REINFORCEMENT
        return Format.CHAT
    if "input" in value and (set(value) & (DPO_KEYS - {"input"})):
        return Format.DPO
    if "prompt" in value or "completion" in value or "completions" in value:
        return Format.LEGACY
    if "conversations" in value:
        return Format.SHAREGPT
    return Format.UNKNOWN


FORMAT_LABELS: dict[Format, str] = {
    Format.CHAT: "chat (supervised)",
    Format.LEGACY: "legacy prompt/completion",
    Format.DPO: "preference (DPO)",
    Format.REINFORCEMENT: "reinforcement (RFT)",
    Format.SHAREGPT: "ShareGPT conversations (not OpenAI)",
    Format.UNKNOWN: "unknown",
    Format.INVALID: "invalid",
    Format.BLANK: "blank",
}
