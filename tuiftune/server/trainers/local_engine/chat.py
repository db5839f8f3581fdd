"""OpenAI chat messages -> what Hugging Face chat templates expect (pure; data and generator)."""

from __future__ import annotations

import json
from typing import Any

from tuiftune.server.trainers.local_engine.config import RunError

Message = dict[str, Any]


def text_of(content: Any, where: str) -> str:
    """A message's content as text: strings as they are, text parts joined, null as ''."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces: list[str] = []
        for part in content:
            if not isinstance(part, dict):
                raise RunError(f"{where}: content parts must be objects")
            if part.get("type") == "text" and isinstance(part.get("text"), str):
                pieces.append(part["text"])
            elif part.get("type") in ("image_url", "input_image", "image"):
                raise RunError(f"{where}: images are not supported by the local trainer")
            else:
                raise RunError(f"{where}: unsupported content part {part.get('type')!r}")
        return "".join(pieces)
    raise RunError(f"{where}: content must be a string, a list of parts or null")


def _tool_call(call: Any, where: str) -> dict[str, Any]:
    if not isinstance(call, dict) or not isinstance(call.get("function"), dict):
        raise RunError(f"{where}: each tool call needs a 'function' object")
    function = dict(call["function"])
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        # HF templates expect the arguments as a mapping; keep the raw text when it is not JSON.
        try:
            parsed = json.loads(arguments)
        except json.JSONDecodeError:
            parsed = arguments
        function["arguments"] = parsed
    out = {"type": call.get("type", "function"), "function": function}
    if "id" in call:
        out["id"] = call["id"]
    return out


def normalize(messages: Any, where: str) -> list[Message]:
    """Check and convert OpenAI messages (``weight`` is dropped: callers read it before)."""
    if not isinstance(messages, list) or not messages:
        raise RunError(f"{where}: field 'messages' must be a non-empty list")
    out: list[Message] = []
    for index, message in enumerate(messages):
        at = f"{where}: messages[{index}]"
        if not isinstance(message, dict):
            raise RunError(f"{at}: expected an object")
        role = message.get("role")
        if role not in ("system", "developer", "user", "assistant", "tool", "function"):
            raise RunError(f"{at}: unknown role {role!r}")
        item: Message = {
            "role": "tool" if role == "function" else ("system" if role == "developer" else role),
            "content": text_of(message.get("content"), at),
        }
        for key in ("name", "tool_call_id"):
            if isinstance(message.get(key), str):
                item[key] = message[key]
        calls = message.get("tool_calls")
        if calls:
            if not isinstance(calls, list):
                raise RunError(f"{at}: 'tool_calls' must be a list")
            item["tool_calls"] = [_tool_call(c, f"{at}.tool_calls") for c in calls]
        if isinstance(message.get("function_call"), dict):
            item["tool_calls"] = [_tool_call({"function": message["function_call"]}, at)]
        out.append(item)
    return out


def template_takes_tools(template: str | None) -> bool:
    """Whether a chat template renders a ``tools`` list itself."""
    return bool(template) and "tools" in str(template)


def inline_tools(messages: list[Message], tools: list[Any]) -> list[Message]:
    """For templates that ignore ``tools``: state them in the (first) system message instead."""
    listing = "Available tools (JSON): " + json.dumps(tools, ensure_ascii=False)
    if messages and messages[0]["role"] == "system":
        first = dict(messages[0])
        first["content"] = f"{first['content']}\n\n{listing}" if first["content"] else listing
        return [first, *messages[1:]]
    return [{"role": "system", "content": listing}, *messages]
