"""Shared pieces of the record rules: constants, the result type, keys and limits."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tuiftune.dataset.findings import Finding, err, warn
from tuiftune.dataset.formats import Format
from tuiftune.dataset.models import ModelInfo

ROLES = frozenset({"system", "user", "assistant", "tool", "function", "developer"})
MESSAGE_KEYS = frozenset(
    {"role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call", "refusal"}
)
MAX_IMAGES = 10
MAX_IMAGE_BYTES = 10 * 1024 * 1024
IMAGE_MIME = frozenset({"image/jpeg", "image/png", "image/webp"})
# Prose compresses about 3:1 and code 4-5:1; 20:1 only happens with copy-pasted repetition.
REPETITIVE_MIN_CHARS = 2000
REPETITIVE_RATIO = 20.0
PLAIN_ROLES = frozenset({"system", "user", "assistant"})
SHAREGPT_ROLES = {"human": "user", "gpt": "assistant", "system": "system", "user": "user"}


TAIL = 32  # characters of prompt/completion ends kept for separator/stop consensus
LABEL_MAX_CHARS = 40
LABEL_MAX_WORDS = 4


@dataclass(slots=True)
class RecordResult:
    """Everything the dataset-level rules need from one record, without its parsed value."""

    fmt: Format
    findings: tuple[Finding, ...]
    tokens: int = -1
    dup_key: int = 0
    prompt_key: int = 0
    target_key: int = 0
    label: str | None = None
    prompt_tail: str | None = None
    completion_tail: str | None = None


Count = Callable[[str], int]


@dataclass(slots=True)
class MessageScan:
    """What checking a message list found, plus the token count per message."""

    findings: list[Finding] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    images: int = 0


def type_name(value: Any) -> str:
    """JSON's name for a Python value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def canonical_key(value: Any) -> int:
    return hash(json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def message_parts(messages: list[Any]) -> list[Any]:
    """Hashable stand-ins for messages; plain text messages skip JSON serialisation."""
    parts: list[Any] = []
    for m in messages:
        if type(m) is dict and len(m) == 2 and type(m.get("content")) is str:
            parts.append((m.get("role"), m["content"]))
        else:
            parts.append(canonical_key(m))
    return parts


def messages_key(messages: list[Any]) -> int:
    """A key for a conversation (or a prefix of one)."""
    return hash(tuple(message_parts(messages)))


def label_of(text: str) -> str | None:
    if len(text) > 2 * LABEL_MAX_CHARS:
        return None
    stripped = text.strip()
    if stripped and len(stripped) <= LABEL_MAX_CHARS and len(stripped.split()) <= LABEL_MAX_WORDS:
        return stripped
    return None


def truncation(total: int, target_end: int | None, model: ModelInfo, what: str) -> Finding | None:
    if total <= model.example_limit:
        return None
    cut = total - model.example_limit
    if target_end is not None and target_end > model.example_limit:
        return err(
            "tokens.over_limit",
            f"{total:,} tokens is over {model.name}'s "
            f"{model.example_limit:,}-token example limit: truncation would cut {cut:,} "
            f"tokens, including the {what}",
            None,
        )
    return warn(
        "tokens.over_limit",
        f"{total:,} tokens is over {model.name}'s "
        f"{model.example_limit:,}-token example limit: the last {cut:,} tokens would be "
        "cut (not the training target)",
        None,
    )
