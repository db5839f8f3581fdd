"""``POST /v1/chat/completions``, plain and streamed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tuiftune.server import tokens
from tuiftune.server.context import context
from tuiftune.server.errors import invalid, missing, not_found
from tuiftune.server.generation import Generation, parse_generation, shape_output
from tuiftune.server.ids import new_id, stable_id
from tuiftune.server.inference import Answer
from tuiftune.server.params import json_body
from tuiftune.server.streaming import event_stream, split_chunks

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = body.get("messages")
    if messages is None:
        raise missing("messages")
    if not isinstance(messages, list) or not messages:
        raise invalid(
            "Invalid 'messages': empty array. Expected an array with minimum length 1, "
            "but got an empty array instead.",
            param="messages",
            code="empty_array",
        )
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            role = message.get("role") if isinstance(message, dict) else None
            raise invalid(
                f"Invalid value: {role!r}. Supported values are: 'system', 'assistant', 'user', "
                "'function', 'tool', and 'developer'.",
                param=f"messages[{i}].role",
                code="invalid_value",
            )
    return messages


def _tool_calls(answer: Answer, completion_id: str) -> list[dict[str, Any]]:
    calls = []
    for i, call in enumerate(answer.tool_calls or []):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            continue
        arguments = function.get("arguments", "{}")
        calls.append(
            {
                "id": stable_id("call_", completion_id, i),
                "type": "function",
                "function": {
                    "name": str(function.get("name", "")),
                    "arguments": arguments if isinstance(arguments, str) else str(arguments),
                },
            }
        )
    return calls


async def chat_completions(request: Request) -> Response:
    """Answer a conversation; fine-tuned models answer from their training data."""
    ctx = context(request)
    body = await json_body(request)
    messages = _messages(body)
    gen = parse_generation(body, chat=True)
    model = ctx.inference.resolve(gen.model)
    if model.legacy:
        raise not_found(
            "This is not a chat model and thus not supported in the v1/chat/completions "
            "endpoint. Did you mean to use v1/completions?",
            param="model",
        )
    wants_tools = bool(body.get("tools") or body.get("functions"))
    query = "\n".join(tokens.message_text(m.get("content")) for m in messages)
    users = [m for m in messages if m.get("role") == "user"] or messages
    topic = tokens.message_text(users[-1].get("content"))
    completion_id = new_id("chatcmpl-")
    choices = []
    for index in range(gen.n):
        answer = await ctx.inference.answer(model, query, topic, gen.sampling, index)
        calls = _tool_calls(answer, completion_id) if wants_tools else []
        text, finish = shape_output(model.id, answer.text, gen)
        if calls:
            finish = "tool_calls"
        choices.append((text if text or not calls else None, calls, finish))
    prompt_tokens = tokens.chat_prompt_tokens(model.id, messages)
    completion_tokens = sum(
        tokens.count(model.id, (text or "") + "".join(c["function"]["arguments"] for c in calls))
        for text, calls, _ in choices
    )
    base = {
        "id": completion_id,
        "created": int(ctx.now()),
        "model": model.id,
        "system_fingerprint": "fp_" + stable_id("", model.id, length=10).lower(),
        "service_tier": "default",
    }
    usage = usage_body(prompt_tokens, completion_tokens)
    if gen.stream:
        chunks = _chunks(base, choices, usage, gen)
        return event_stream(chunks, ctx.options.chunk_delay_ms)
    return JSONResponse(
        {
            **base,
            "object": "chat.completion",
            "choices": [
                {
                    "index": i,
                    "message": {
                        "role": "assistant",
                        "content": text,
                        "refusal": None,
                        "annotations": [],
                        **({"tool_calls": calls} if calls else {}),
                    },
                    "logprobs": None,
                    "finish_reason": finish,
                }
                for i, (text, calls, finish) in enumerate(choices)
            ],
            "usage": usage,
        }
    )


def usage_body(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    """The ``usage`` object."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _chunks(
    base: dict[str, Any],
    choices: list[tuple[str | None, list[dict[str, Any]], str]],
    usage: dict[str, Any],
    gen: Generation,
) -> Iterator[dict[str, Any]]:
    extra = {"usage": None} if gen.include_usage else {}

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "object": "chat.completion.chunk", "choices": [choice], **extra}

    for index, (text, calls, finish) in enumerate(choices):
        yield chunk(index, {"role": "assistant", "content": "", "refusal": None})
        for piece in split_chunks(text or ""):
            yield chunk(index, {"content": piece})
        if calls:
            yield chunk(index, {"tool_calls": [{"index": i, **c} for i, c in enumerate(calls)]})
        yield chunk(index, {}, finish)
    if gen.include_usage:
        yield {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}
