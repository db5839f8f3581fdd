"""``POST /v1/chat/completions``, plain and streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tuiftune.server.answering import collect, primed
from tuiftune.server.context import context
from tuiftune.server.errors import invalid, missing, not_found
from tuiftune.server.generation import Generation, parse_generation
from tuiftune.server.ids import new_id, stable_id
from tuiftune.server.params import json_body
from tuiftune.server.streaming import event_stream
from tuiftune.server.trainers.base import ChatRequest, Piece

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


async def chat_completions(request: Request) -> Response:
    """Answer a conversation through the responder of the model's trainer."""
    ctx = context(request)
    body = await json_body(request)
    messages = _messages(body)
    gen = parse_generation(body, chat=True)
    model = ctx.resolve(gen.model)
    if not model.chat:
        raise not_found(
            "This is not a chat model and thus not supported in the v1/chat/completions "
            "endpoint. Did you mean to use v1/completions?",
            param="model",
        )
    tools = body.get("tools") or body.get("functions")
    completion_id = new_id("chatcmpl-")
    requests = [
        ChatRequest(messages, gen, tools if tools else None, completion_id, index)
        for index in range(gen.n)
    ]
    base = {
        "id": completion_id,
        "created": int(ctx.now()),
        "model": model.id,
        "system_fingerprint": "fp_" + stable_id("", model.id, length=10).lower(),
        "service_tier": "default",
    }
    if gen.stream:
        first = await primed(ctx.responder.chat(model, requests[0]))
        streams = [first] + [ctx.responder.chat(model, r) for r in requests[1:]]
        return event_stream(_chunks(base, streams, gen), ctx.options.chunk_delay_ms)
    choices = [await collect(ctx.responder.chat(model, r), request) for r in requests]
    usage = usage_body(choices[0].prompt_tokens, sum(c.completion_tokens for c in choices))
    return JSONResponse(
        {
            **base,
            "object": "chat.completion",
            "choices": [
                {
                    "index": i,
                    "message": {
                        "role": "assistant",
                        "content": c.text if c.text or not c.tool_calls else None,
                        "refusal": None,
                        "annotations": [],
                        **({"tool_calls": c.tool_calls} if c.tool_calls else {}),
                    },
                    "logprobs": None,
                    "finish_reason": c.finish_reason,
                }
                for i, c in enumerate(choices)
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


async def _chunks(
    base: dict[str, Any], streams: list[AsyncIterator[Piece]], gen: Generation
) -> AsyncIterator[dict[str, Any]]:
    extra = {"usage": None} if gen.include_usage else {}

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "object": "chat.completion.chunk", "choices": [choice], **extra}

    prompt_tokens = completion_tokens = 0
    for index, pieces in enumerate(streams):
        yield chunk(index, {"role": "assistant", "content": "", "refusal": None})
        last = Piece(finish_reason="stop")
        async for piece in pieces:
            if piece.text:
                yield chunk(index, {"content": piece.text})
            last = piece
        if last.tool_calls:
            calls = [{"index": i, **c} for i, c in enumerate(last.tool_calls)]
            yield chunk(index, {"tool_calls": calls})
        yield chunk(index, {}, last.finish_reason or "stop")
        if index == 0:
            prompt_tokens = last.prompt_tokens
        completion_tokens += last.completion_tokens
    if gen.include_usage:
        usage = usage_body(prompt_tokens, completion_tokens)
        yield {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}
