"""Rules for reinforcement prompts and for ShareGPT records (recognised, not OpenAI)."""

from __future__ import annotations

from typing import Any

from tuiftune.dataset.findings import Finding, Fix, err, info, warn
from tuiftune.dataset.formats import CHAT_KEYS, Format
from tuiftune.dataset.models import ModelInfo
from tuiftune.dataset.rules.base import (
    ROLES,
    SHAREGPT_ROLES,
    Count,
    RecordResult,
    canonical_key,
    truncation,
)
from tuiftune.dataset.rules.messages import scan_messages
from tuiftune.dataset.rules.tool_calls import check_tools


def lint_reinforcement(value: dict[str, Any], count: Count, model: ModelInfo) -> RecordResult:
    out: list[Finding] = []
    tools_tokens = check_tools(value, count, out)[0]
    scan = scan_messages(value["messages"], "messages", count, target=False)
    out.extend(scan.findings)
    grader = sorted(set(value) - CHAT_KEYS)
    out.append(
        info(
            "rft.grader_keys",
            "reinforcement example: no assistant answer; keys "
            f"{', '.join(grader)} go to the grader (use method 'reinforcement')",
            None,
        )
    )
    if scan.roles and scan.roles[-1] != "user":
        out.append(
            warn(
                "rft.last.not_user",
                "a reinforcement prompt should end with a user message",
                f"messages[{len(scan.roles) - 1}]",
            )
        )
    total = tools_tokens + sum(scan.tokens) + 3
    trunc = truncation(total, None, model, "")
    if trunc:
        out.append(trunc)
    return RecordResult(Format.REINFORCEMENT, tuple(out), total, canonical_key(value))


def lint_sharegpt(value: dict[str, Any], count: Count) -> RecordResult:
    out: list[Finding] = []
    conv = value.get("conversations")
    roles: dict[str, int] = {}
    tokens = 3
    if isinstance(conv, list):
        for turn in conv:
            if isinstance(turn, dict):
                role = turn.get("role", turn.get("from"))
                text = turn.get("content", turn.get("value"))
                roles[str(role)] = roles.get(str(role), 0) + 1
                tokens += 3 + (count(text) if isinstance(text, str) else 0)
    foreign = {r: n for r, n in roles.items() if r not in ROLES}
    # function_call / observation turns become assistant tool_calls and tool messages.
    convertible = bool(roles) and all(
        r in SHAREGPT_ROLES or r in ("assistant", "function_call", "observation") for r in roles
    )
    how = (
        "rename 'conversations' to 'messages' and map roles human->user, gpt->assistant, "
        "function_call->assistant tool_calls, observation->tool"
    )
    out.append(
        err(
            "format.sharegpt",
            f"ShareGPT / LLaMA-Factory record ('conversations'), not OpenAI chat: {how}",
            "conversations",
            Fix("convert_sharegpt", "convert to OpenAI messages") if convertible else None,
        )
    )
    if foreign:
        listed = ", ".join(f"{r!r} x{n}" for r, n in sorted(foreign.items()))
        out.append(err("chat.role.unknown", f"non-OpenAI roles: {listed}", "conversations"))
    if "system" in value:
        out.append(
            err(
                "chat.key.system",
                "top-level 'system' key is not OpenAI chat: the system "
                "prompt must be the first message",
                "system",
            )
        )
    check_tools(value, count, out)
    return RecordResult(Format.SHAREGPT, tuple(out), tokens, canonical_key(value))
