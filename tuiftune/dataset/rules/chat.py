"""Rules for chat (supervised) records."""

from __future__ import annotations

from typing import Any

from tuiftune.dataset.findings import Finding, Fix, err, warn
from tuiftune.dataset.formats import CHAT_KEYS, Format
from tuiftune.dataset.models import ModelInfo
from tuiftune.dataset.rules.base import (
    Count,
    MessageScan,
    RecordResult,
    canonical_key,
    label_of,
    message_parts,
    truncation,
)
from tuiftune.dataset.rules.messages import scan_messages
from tuiftune.dataset.rules.tool_calls import check_tools


def lint_chat(value: dict[str, Any], count: Count, model: ModelInfo) -> RecordResult:
    out: list[Finding] = []
    if "system" in value:
        out.append(
            err(
                "chat.key.system",
                "top-level 'system' key (Bedrock/Anthropic style) is "
                "not OpenAI chat: the system prompt must be messages[0] with role 'system'",
                "system",
                Fix("move_system_key", "move it into messages[0]"),
            )
        )
    if not value.keys() <= CHAT_KEYS:
        for key in value:
            if key not in CHAT_KEYS and key != "system":
                out.append(warn("chat.key.unknown", f"unexpected top-level key {key!r}", key))
    ptc = value.get("parallel_tool_calls")
    if ptc is not None and not isinstance(ptc, bool):
        out.append(
            err(
                "chat.parallel_tool_calls.type",
                "parallel_tool_calls must be true or false",
                "parallel_tool_calls",
            )
        )
    tools_tokens, tools_key = check_tools(value, count, out)
    messages = value["messages"]
    scan = scan_messages(messages, "messages", count, target=True)
    out.extend(scan.findings)
    if scan.images > 10:
        out.append(err("image.count", f"{scan.images} images; at most 10 per example", "messages"))
    total = tools_tokens + sum(scan.tokens) + 3
    result = RecordResult(Format.CHAT, (), total)
    parts = message_parts(messages) if isinstance(messages, list) else [canonical_key(messages)]
    if isinstance(messages, list) and scan.roles:
        last = _last_trainable(messages, scan)
        if last is not None:
            if total > model.example_limit:
                target_end = tools_tokens + sum(scan.tokens[: last + 1])
                trunc = truncation(total, target_end, model, f"assistant target messages[{last}]")
                if trunc:
                    out.append(trunc)
            result.prompt_key = hash(tuple(parts[:last]))
            answer = messages[last]
            content = answer.get("content")
            result.target_key = (
                hash(content)
                if isinstance(content, str)
                else canonical_key(answer.get("tool_calls"))
            )
            if isinstance(content, str):
                result.label = label_of(content)
    result.findings = tuple(out)
    # Cheaper than serialising the record: the message key reuses the strings' cached hashes.
    body = hash(tuple(parts))
    rest = (
        ()
        if value.keys() <= _MESSAGES_AND_TOOLS
        else tuple(
            sorted((k, canonical_key(v)) for k, v in value.items() if k not in _MESSAGES_AND_TOOLS)
        )
    )
    result.dup_key = hash((body, tools_key, rest))
    return result


_MESSAGES_AND_TOOLS = frozenset({"messages", "tools"})


def _last_trainable(messages: list[Any], scan: MessageScan) -> int | None:
    i = len(scan.roles) - 1
    if scan.roles[i] == "assistant" and messages[i].get("weight") != 0:
        return i
    for i in range(len(scan.roles) - 1, -1, -1):
        msg = messages[i]
        if scan.roles[i] == "assistant" and isinstance(msg, dict) and msg.get("weight") != 0:
            return i
    return None
