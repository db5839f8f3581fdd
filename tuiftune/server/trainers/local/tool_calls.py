"""Tool calls in a local model's answer: the text its chat template taught it to write for a
call (Hermes / Qwen / SmolLM3 ``<tool_call>{json}</tool_call>`` blocks, or a bare Llama-3 style
``{"name": ..., "parameters": ...}`` object) turned into OpenAI's ``tool_calls``."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Collection
from typing import Any

from tuiftune.server.ids import stable_id
from tuiftune.server.trainers.base import Piece

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)


def tool_names(tools: list[dict[str, Any]] | None) -> set[str]:
    """The function names a request offers."""
    names = set()
    for tool in tools or []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.add(function["name"])
    return names


def _call(raw: str, names: Collection[str], seed: str, index: int) -> dict[str, Any] | None:
    """One OpenAI tool call from a JSON object naming an offered function, else None."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("name") not in names:
        return None
    arguments = data.get("arguments", data.get("parameters", {}))
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments, ensure_ascii=False)
    return {
        "id": stable_id("call_", seed, index),
        "type": "function",
        "function": {"name": data["name"], "arguments": arguments},
    }


def parse_tool_calls(
    text: str, names: Collection[str], seed: str = ""
) -> tuple[str, list[dict[str, Any]]]:
    """``(content left, tool calls)``; only calls of offered functions count, so an answer that
    merely contains JSON stays text."""
    if not names:
        return text, []
    calls: list[dict[str, Any]] = []
    if "<tool_call>" in text:
        for match in _TAGGED.finditer(text):
            call = _call(match.group(1), names, seed, len(calls))
            if call is None:
                return text, []  # a malformed block: leave the whole answer as the model wrote it
            calls.append(call)
        return _TAGGED.sub("", text).strip(), calls
    call = _call(text.strip(), names, seed, 0)
    return ("", [call]) if call is not None else (text, [])


async def with_tool_calls(
    pieces: AsyncIterator[Piece], names: Collection[str], seed: str
) -> AsyncIterator[Piece]:
    """The answer held back to its end (a call cannot be told from text earlier), then one
    piece with the text left and the calls; ``finish_reason`` ``tool_calls`` when there are."""
    parts: list[str] = []
    last = Piece(finish_reason="stop")
    async for piece in pieces:
        parts.append(piece.text)
        last = piece
    text, calls = parse_tool_calls("".join(parts), names, seed)
    finish = "tool_calls" if calls and last.finish_reason == "stop" else last.finish_reason
    yield Piece(text, finish, calls or None, last.prompt_tokens, last.completion_tokens)
