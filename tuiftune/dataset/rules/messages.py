"""Rules for a list of chat messages, shared by chat, DPO and reinforcement records."""

from __future__ import annotations

import json
import zlib
from typing import Any

from tuiftune.dataset.findings import Fix, err, info, warn
from tuiftune.dataset.rules.base import (
    MESSAGE_KEYS,
    PLAIN_ROLES,
    REPETITIVE_MIN_CHARS,
    REPETITIVE_RATIO,
    ROLES,
    SHAREGPT_ROLES,
    MessageScan,
    type_name,
)
from tuiftune.dataset.rules.content import content_text
from tuiftune.dataset.rules.tool_calls import check_tool_calls


def _scan_one(
    msg: Any, i: int, path: str, scan: MessageScan, counter_count: Any, call_ids: set[str]
) -> None:
    """Check one message in full (the slow path: anything beyond plain role + content)."""
    mpath = f"{path}[{i}]"
    if not isinstance(msg, dict):
        scan.findings.append(
            err("chat.message.type", f"message must be an object, not {type_name(msg)}", mpath)
        )
        scan.tokens.append(0)
        scan.roles.append("")
        return
    role = msg.get("role")
    tokens = 3
    if "role" not in msg:
        scan.findings.append(err("chat.role.missing", "message has no 'role'", mpath))
        role = ""
    elif not isinstance(role, str):
        scan.findings.append(err("chat.role.type", "role must be a string", f"{mpath}.role"))
        role = ""
    elif role == "developer":
        scan.findings.append(
            info(
                "chat.role.developer",
                "'developer' role: used by "
                "reinforcement fine-tuning and newer models; supervised "
                "fine-tuning expects 'system'",
                f"{mpath}.role",
            )
        )
    elif role not in ROLES:
        hint = SHAREGPT_ROLES.get(role)
        extra = f" (did you mean {hint!r}?)" if hint else ""
        scan.findings.append(
            err(
                "chat.role.unknown",
                f"unknown role {role!r}{extra}; expected system, user, assistant or tool",
                f"{mpath}.role",
            )
        )
    tokens += counter_count(role) if role else 0
    scan.roles.append(role)
    for key in msg:
        if key not in MESSAGE_KEYS:
            scan.findings.append(
                warn("chat.message.key", f"unexpected key {key!r} in a message", f"{mpath}.{key}")
            )
    has_calls = "tool_calls" in msg or "function_call" in msg
    cpath = f"{mpath}.content"
    if "content" not in msg and not has_calls:
        scan.findings.append(err("chat.content.missing", "message has no 'content'", mpath))
    text = content_text(msg.get("content"), cpath, scan, role)
    if text is not None:
        tokens += counter_count(text)
        if role == "assistant" and text[:1].isspace() and text.strip():
            scan.findings.append(
                warn(
                    "chat.content.leading_space",
                    "assistant content starts "
                    "with whitespace (a legacy-format habit): the model "
                    "learns to start replies with it",
                    cpath,
                    Fix("strip_leading_space", "remove the leading whitespace"),
                )
            )
        if len(text) >= REPETITIVE_MIN_CHARS:
            ratio = len(text) / len(zlib.compress(text.encode("utf-8", "replace"), 1))
            if ratio >= REPETITIVE_RATIO:
                scan.findings.append(
                    warn(
                        "content.repetitive",
                        f"{len(text):,} characters "
                        f"that compress {ratio:.0f}:1: the text is mostly "
                        "repetition",
                        cpath,
                    )
                )
        if not text.strip() and not has_calls:
            if role == "assistant":
                scan.findings.append(
                    err(
                        "chat.content.empty",
                        "assistant message is empty: there is nothing to learn",
                        cpath,
                    )
                )
            else:
                scan.findings.append(
                    warn("chat.content.empty", f"{role or 'message'} content is empty", cpath)
                )
    elif msg.get("content", "") is None and not has_calls and "content" in msg:
        scan.findings.append(
            err("chat.content.missing", "content is null without tool_calls", cpath)
        )
    name = msg.get("name")
    if name is not None:
        if isinstance(name, str):
            tokens += 1 + counter_count(name)
        else:
            scan.findings.append(err("chat.name.type", "name must be a string", f"{mpath}.name"))
    if "weight" in msg:
        weight = msg["weight"]
        if weight not in (0, 1) or isinstance(weight, bool):
            scan.findings.append(
                err(
                    "chat.weight.value",
                    f"weight must be 0 or 1, not {json.dumps(weight)}",
                    f"{mpath}.weight",
                )
            )
        if role != "assistant":
            scan.findings.append(
                err(
                    "chat.weight.role",
                    "weight is only allowed on assistant messages",
                    f"{mpath}.weight",
                )
            )
    if "tool_calls" in msg:
        if role != "assistant":
            scan.findings.append(
                err(
                    "chat.tool_calls.role",
                    "only assistant messages can have tool_calls",
                    f"{mpath}.tool_calls",
                )
            )
        for s in check_tool_calls(msg["tool_calls"], f"{mpath}.tool_calls", scan, call_ids):
            tokens += counter_count(s)
    if role == "tool":
        tcid = msg.get("tool_call_id")
        if not isinstance(tcid, str) or not tcid:
            scan.findings.append(
                err(
                    "chat.tool.call_id",
                    "tool message needs a 'tool_call_id'",
                    f"{mpath}.tool_call_id",
                )
            )
        elif tcid not in call_ids:
            scan.findings.append(
                err(
                    "chat.tool.call_id",
                    f"tool_call_id {tcid!r} matches no earlier assistant tool call",
                    f"{mpath}.tool_call_id",
                )
            )
    scan.tokens.append(tokens)


def scan_messages(messages: Any, path: str, counter_count: Any, *, target: bool) -> MessageScan:
    """Check a message list; ``target`` means the list must hold an assistant turn to learn from."""
    scan = MessageScan()
    if not isinstance(messages, list):
        scan.findings.append(
            err("chat.messages.type", f"messages must be a list, not {type_name(messages)}", path)
        )
        return scan
    if not messages:
        scan.findings.append(err("chat.messages.empty", "messages is empty", path))
        return scan
    call_ids: set[str] = set()
    count = counter_count
    add_tokens = scan.tokens.append
    add_role = scan.roles.append
    for i, msg in enumerate(messages):
        # Fast path for the overwhelmingly common plain message; anything unusual, or anything
        # a rule would flag, takes the full check below.
        if type(msg) is dict and len(msg) == 2:
            role = msg.get("role")
            content = msg.get("content")
            if (
                type(content) is str
                and role in PLAIN_ROLES
                and content
                and not content.isspace()
                and len(content) < REPETITIVE_MIN_CHARS
                and not (role == "assistant" and content[0].isspace())
            ):
                add_tokens(3 + count(role) + count(content))
                add_role(role)
                continue
        _scan_one(msg, i, path, scan, count, call_ids)
    roles = scan.roles
    if target and not (
        roles[-1] == "assistant" and messages[-1].get("weight") != 0 and "user" in roles
    ):
        trainable = [
            i
            for i, r in enumerate(roles)
            if r == "assistant"
            and not (isinstance(messages[i], dict) and messages[i].get("weight") == 0)
        ]
        if "assistant" not in roles:
            scan.findings.append(
                err(
                    "chat.assistant.missing",
                    "no assistant message: there is nothing to learn from",
                    path,
                )
            )
        elif not trainable:
            scan.findings.append(
                err(
                    "chat.assistant.weight",
                    "every assistant message has weight 0: there is nothing to learn from",
                    path,
                )
            )
        elif scan.roles[-1] != "assistant":
            scan.findings.append(
                warn(
                    "chat.last.not_assistant",
                    "the example does not end with an "
                    "assistant message; trailing messages are not learned",
                    f"{path}[{len(messages) - 1}]",
                )
            )
        if "user" not in scan.roles:
            scan.findings.append(warn("chat.user.missing", "no user message", path))
    return scan
