"""Plain data for the playground (no Textual): models, parameters, kept records and history.

Kept records are built in the shapes the dataset linter accepts: chat (``messages``), legacy
(``prompt`` ending with the separator, ``completion`` starting with a space and ending with the
stop sequence) and DPO (``input`` / ``preferred_output`` / ``non_preferred_output``).
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tuiftune.service.inference import ModelKind, SamplingParams, classify_model

LEGACY_BASES = ("babbage-002", "davinci-002")


def is_legacy_model(model_id: str) -> bool:
    """Whether a model takes legacy prompts (babbage-002 / davinci-002 and their fine-tunes)."""
    _, base = classify_model(model_id)
    return (base or model_id) in LEGACY_BASES


@dataclass(frozen=True)
class ModelChoice:
    """A model the playground can prompt, and which endpoint serves it."""

    id: str
    kind: ModelKind
    source: str = "jobs"  # "jobs" (the fine-tuning backend) or "inference" (a separate endpoint)

    @property
    def legacy(self) -> bool:
        """Prompt/completion rather than chat."""
        return is_legacy_model(self.id)

    def label(self) -> str:
        """How a picker lists it."""
        where = " @inference" if self.source == "inference" else ""
        return f"{self.id}  ({self.kind.value}{', legacy' if self.legacy else ''}{where})"


def _unescape(text: str) -> str:
    # "\n" typed in a one-line input means a newline in a stop sequence.
    return codecs.decode(text, "unicode_escape")


def _escape(text: str) -> str:
    return text.encode("unicode_escape").decode("ascii")


def params_text(params: SamplingParams) -> str:
    """Sampling settings as the editable ``key=value`` line (unset ones left out)."""
    parts: list[str] = []
    for key in ("temperature", "top_p", "max_tokens", "seed"):
        value = getattr(params, key)
        if value is not None:
            parts.append(f"{key}={value}")
    stops = [params.stop] if isinstance(params.stop, str) else list(params.stop or [])
    if stops:
        parts.append("stop=" + ",".join(_escape(s) for s in stops))
    return " ".join(parts)


def parse_params(text: str, current: SamplingParams) -> SamplingParams:
    """Parse ``temperature=0.7 top_p=1 max_tokens=200 stop=\\n,### seed=1``; ``key=`` unsets.

    Raises ``ValueError`` naming the bad field.
    """
    changes: dict[str, Any] = {}
    for token in text.split():
        key, eq, value = token.partition("=")
        if not eq:
            raise ValueError(f"{token!r}: expected key=value")
        try:
            if key in ("temperature", "top_p"):
                changes[key] = float(value) if value else None
            elif key in ("max_tokens", "seed"):
                changes[key] = int(value) if value else None
            elif key == "stop":
                stops = [_unescape(s) for s in value.split(",") if s]
                changes[key] = stops or None
            else:
                raise ValueError(f"unknown setting {key!r}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"{key}: {exc}") from None
    if (t := changes.get("temperature")) is not None and not 0 <= t <= 2:
        raise ValueError("temperature must be between 0 and 2")
    if (p := changes.get("top_p")) is not None and not 0 <= p <= 1:
        raise ValueError("top_p must be between 0 and 1")
    return replace(current, **changes)


def legacy_prompt(prompt: str, separator: str | None) -> str:
    """The prompt with the dataset's separator appended (once)."""
    if separator and not prompt.endswith(separator):
        return prompt + separator
    return prompt


def chat_record(messages: list[dict[str, Any]], answer: str) -> dict[str, Any]:
    """A chat training record: the conversation so far and the chosen answer."""
    return {"messages": [*messages, {"role": "assistant", "content": answer}]}


def legacy_record(
    prompt: str, answer: str, separator: str | None, stop: str | None
) -> dict[str, Any]:
    """A legacy training record with the separator and stop sequence conventions."""
    completion = answer if answer[:1].isspace() else " " + answer
    if stop and not completion.endswith(stop):
        completion += stop
    return {"prompt": legacy_prompt(prompt, separator), "completion": completion}


def dpo_record(messages: list[dict[str, Any]], chosen: str, rejected: str) -> dict[str, Any]:
    """A preference (DPO) record: the prompt, the preferred and the rejected answer."""
    return {
        "input": {"messages": messages},
        "preferred_output": [{"role": "assistant", "content": chosen}],
        "non_preferred_output": [{"role": "assistant", "content": rejected}],
    }


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line, creating the file; a missing final newline is added first."""
    line = json.dumps(record, ensure_ascii=False) + "\n"
    prefix = ""
    if path.exists() and path.stat().st_size:
        with path.open("rb") as fh:
            fh.seek(-1, 2)
            if fh.read(1) != b"\n":
                prefix = "\n"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(prefix + line)


@dataclass
class Turn:
    """One generation of one model: what was sent and what came back."""

    model: str
    chat: bool
    messages: list[dict[str, Any]] = field(default_factory=list)  # chat: the prompt messages
    prompt: str = ""  # legacy: the prompt as sent
    params: dict[str, Any] = field(default_factory=dict)
    output: str = ""
    finish_reason: str | None = None
    usage: dict[str, int] | None = None
    cancelled: bool = False
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """One line of the exported history."""
        data: dict[str, Any] = {"model": self.model, "mode": "chat" if self.chat else "completion"}
        if self.chat:
            data["messages"] = self.messages
        else:
            data["prompt"] = self.prompt
        data.update(
            params=self.params,
            output=self.output,
            finish_reason=self.finish_reason,
            usage=self.usage,
            cancelled=self.cancelled,
            error=self.error,
        )
        return data


def export_history(path: Path, turns: list[Turn]) -> int:
    """Write the session's generations as JSONL; returns how many lines were written."""
    text = "".join(json.dumps(t.to_dict(), ensure_ascii=False) + "\n" for t in turns)
    path.write_text(text, encoding="utf-8")
    return len(turns)


def prompt_from_record(value: Any) -> tuple[str, list[dict[str, Any]], str] | None:
    """(system prompt, earlier turns, last user text) of a chat record, or the legacy prompt.

    A legacy record gives ("", [], prompt). None when the record has no prompt to load.
    """
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("prompt"), str):
        return "", [], value["prompt"]
    messages = value.get("messages")
    if not isinstance(messages, list):
        source = value.get("input")
        messages = source.get("messages") if isinstance(source, dict) else None
    if not isinstance(messages, list):
        return None
    msgs = [m for m in messages if isinstance(m, dict)]
    last_user = max((i for i, m in enumerate(msgs) if m.get("role") == "user"), default=None)
    if last_user is None:
        return None
    system = ""
    earlier: list[dict[str, Any]] = []
    for m in msgs[:last_user]:
        if m.get("role") == "system" and not earlier and not system:
            system = str(m.get("content") or "")
        elif m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str):
            earlier.append({"role": m["role"], "content": m["content"]})
    content = msgs[last_user].get("content")
    return system, earlier, content if isinstance(content, str) else ""
