"""Rules for a list of chat messages, shared by chat, DPO and reinforcement records."""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from tuiftune.dataset.findings import Finding, Fix, Severity

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


def err(rule: str, message: str, path: str | None, fix: Fix | None = None) -> Finding:
    """An error finding."""
    return Finding(rule, Severity.ERROR, message, path, fix)


def warn(rule: str, message: str, path: str | None, fix: Fix | None = None) -> Finding:
    """A warning finding."""
    return Finding(rule, Severity.WARNING, message, path, fix)


def info(rule: str, message: str, path: str | None) -> Finding:
    """An informational finding."""
    return Finding(rule, Severity.INFO, message, path)


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


def _content_text(content: Any, path: str, scan: MessageScan, role: str) -> str | None:
    """Check content and return its text (None when absent or unusable)."""
    if content is None:
        return None
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        scan.findings.append(
            err(
                "chat.content.type",
                f"content must be a string or a list of parts, not {type_name(content)}",
                path,
            )
        )
        return None
    texts: list[str] = []
    for j, part in enumerate(content):
        ppath = f"{path}[{j}]"
        if not isinstance(part, dict):
            scan.findings.append(err("chat.content.part", "content part must be an object", ppath))
            continue
        kind = part.get("type")
        if kind == "text":
            text = part.get("text")
            if not isinstance(text, str):
                scan.findings.append(
                    err("chat.content.part", "text part needs a string 'text'", f"{ppath}.text")
                )
            else:
                texts.append(text)
        elif kind == "image_url":
            scan.images += 1
            _check_image(part, ppath, scan, role)
        else:
            scan.findings.append(
                err(
                    "chat.content.part",
                    f"unknown content part type {kind!r} (expected 'text' or 'image_url')",
                    f"{ppath}.type",
                )
            )
    return "".join(texts)


def _check_image(part: dict[str, Any], path: str, scan: MessageScan, role: str) -> None:
    if role == "assistant":
        scan.findings.append(
            err("image.assistant", "assistant messages cannot contain images", path)
        )
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else None
    if not isinstance(url, str) or not url:
        scan.findings.append(
            err("image.url", "image_url part needs image_url.url", f"{path}.image_url.url")
        )
        return
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        mime = header[5:].split(";", 1)[0].lower()
        if mime not in IMAGE_MIME:
            scan.findings.append(
                err(
                    "image.format",
                    f"image type {mime or '?'!r} is not supported (JPEG, PNG or WEBP only)",
                    f"{path}.image_url.url",
                )
            )
        size = len(data) * 3 // 4
        if size > MAX_IMAGE_BYTES:
            scan.findings.append(
                err(
                    "image.size",
                    f"image is {size / 1e6:.1f} MB; the limit is 10 MB",
                    f"{path}.image_url.url",
                )
            )
        elif ";base64" in header:
            try:
                base64.b64decode(data, validate=True)
            except ValueError:
                scan.findings.append(
                    err("image.data", "image data is not valid base64", f"{path}.image_url.url")
                )
    elif not url.startswith(("http://", "https://")):
        scan.findings.append(
            err("image.url", "image url must be https:// or a data: URL", f"{path}.image_url.url")
        )
    scan.findings.append(info("image.tokens", "image tokens are not counted in the estimate", path))


def _check_tool_calls(calls: Any, path: str, scan: MessageScan, seen_ids: set[str]) -> list[str]:
    """Check an assistant's tool_calls and return the strings that cost tokens."""
    strings: list[str] = []
    if not isinstance(calls, list) or not calls:
        scan.findings.append(
            err("chat.tool_calls.type", "tool_calls must be a non-empty list", path)
        )
        return strings
    for k, call in enumerate(calls):
        cpath = f"{path}[{k}]"
        if not isinstance(call, dict):
            scan.findings.append(
                err("chat.tool_calls.type", "a tool call must be an object", cpath)
            )
            continue
        call_id = call.get("id")
        if not isinstance(call_id, str) or not call_id:
            scan.findings.append(
                err("chat.tool_calls.id", "tool call needs a string 'id'", f"{cpath}.id")
            )
        else:
            seen_ids.add(call_id)
        fn = call.get("function")
        if not isinstance(fn, dict):
            scan.findings.append(
                err(
                    "chat.tool_calls.function",
                    "tool call needs a 'function' object with name and arguments",
                    f"{cpath}.function",
                )
            )
            continue
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            scan.findings.append(
                err("chat.tool_calls.function", "function needs a 'name'", f"{cpath}.function.name")
            )
        else:
            strings.append(name)
        args = fn.get("arguments")
        apath = f"{cpath}.function.arguments"
        if isinstance(args, str):
            strings.append(args)
            try:
                json.loads(args)
            except ValueError:
                scan.findings.append(
                    err("chat.tool_calls.arguments", "arguments is not valid JSON", apath)
                )
        else:
            scan.findings.append(
                err(
                    "chat.tool_calls.arguments",
                    f"arguments must be a JSON-encoded string, not {type_name(args)}",
                    apath,
                    Fix("encode_arguments", "encode as a JSON string"),
                )
            )
    return strings


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
    text = _content_text(msg.get("content"), cpath, scan, role)
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
        for s in _check_tool_calls(msg["tool_calls"], f"{mpath}.tool_calls", scan, call_ids):
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
