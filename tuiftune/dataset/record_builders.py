"""Training records built from a prompt and an answer, in the shapes the linter accepts.

Chat (``messages``), legacy (``prompt`` ending with the separator, ``completion`` starting with
a space and ending with the stop sequence) and DPO (``input`` / ``preferred_output`` /
``non_preferred_output``); and the other way: the prompt inside a record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]


def legacy_prompt(prompt: str, separator: str | None) -> str:
    """The prompt with the dataset's separator appended (once)."""
    if separator and not prompt.endswith(separator):
        return prompt + separator
    return prompt


def chat_record(messages: list[Message], answer: str) -> dict[str, Any]:
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


def dpo_record(messages: list[Message], chosen: str, rejected: str) -> dict[str, Any]:
    """A preference (DPO) record: the prompt, the preferred and the rejected answer."""
    return {
        "input": {"messages": messages},
        "preferred_output": [{"role": "assistant", "content": chosen}],
        "non_preferred_output": [{"role": "assistant", "content": rejected}],
    }


def prompt_from_record(value: Any) -> tuple[str, list[Message], str] | None:
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
    earlier: list[Message] = []
    for m in msgs[:last_user]:
        if m.get("role") == "system" and not earlier and not system:
            system = str(m.get("content") or "")
        elif m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str):
            earlier.append({"role": m["role"], "content": m["content"]})
    content = msgs[last_user].get("content")
    return system, earlier, content if isinstance(content, str) else ""


@dataclass
class Turn:
    """One generation of one model: what was sent and what came back (a history line)."""

    model: str
    chat: bool
    messages: list[Message] = field(default_factory=list)  # chat: the prompt messages
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
