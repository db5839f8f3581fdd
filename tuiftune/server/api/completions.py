"""``POST /v1/completions``: the legacy endpoint of babbage-002, davinci-002 and fine-tunes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tuiftune.server.answering import collect, primed
from tuiftune.server.api.chat import usage_body
from tuiftune.server.catalog import encoding_for
from tuiftune.server.context import context
from tuiftune.server.errors import invalid, missing, not_found
from tuiftune.server.generation import Generation, parse_generation
from tuiftune.server.ids import new_id, stable_id
from tuiftune.server.params import json_body
from tuiftune.server.streaming import event_stream
from tuiftune.server.trainers.base import CompletionRequest, Piece

PROMPT_TYPES = "a string, a list of strings, a list of token ids, or a list of token-id lists"


def _is_token(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _decode(model: str, ids: list[int], param: str) -> str:
    import tiktoken

    encoding = tiktoken.get_encoding(encoding_for(model))
    if not ids:
        raise invalid(f"Invalid '{param}': a token list must not be empty.", param=param)
    for i, token in enumerate(ids):
        # Ids past the vocabulary, or in its gaps, make tiktoken raise (or overflow in Rust).
        if not 0 <= token < encoding.n_vocab:
            raise invalid(
                f"Invalid '{param}[{i}]': token {token} is not in the {encoding.name} "
                f"vocabulary (0 to {encoding.n_vocab - 1}).",
                param=f"{param}[{i}]",
                code="invalid_value",
            )
    try:
        return str(encoding.decode(ids))
    except (KeyError, ValueError, OverflowError):
        raise invalid(
            f"Invalid '{param}': it holds ids that are not tokens of {encoding.name}.",
            param=param,
            code="invalid_value",
        ) from None


def _prompts(body: dict[str, Any], model: str) -> list[str]:
    prompt = body.get("prompt")
    if prompt is None:
        raise missing("prompt")
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list) and prompt:
        if all(isinstance(p, str) for p in prompt):
            return list(prompt)
        if all(_is_token(t) for t in prompt):
            return [_decode(model, prompt, "prompt")]
        if all(isinstance(p, list) and all(_is_token(t) for t in p) for p in prompt):
            return [_decode(model, p, f"prompt[{i}]") for i, p in enumerate(prompt)]
    raise invalid(
        f"Invalid type for 'prompt': expected {PROMPT_TYPES}, but got {_kind(prompt)}.",
        param="prompt",
        code="invalid_type",
    )


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "an empty list" if not value else "a list of mixed or unsupported items"
    return {dict: "an object", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


async def completions(request: Request) -> Response:
    """Complete each prompt through the responder of the model's trainer."""
    ctx = context(request)
    body = await json_body(request)
    gen = parse_generation(body, chat=False)
    model = ctx.resolve(gen.model)
    if not model.completions:
        raise not_found(
            "This is a chat model and not supported in the v1/completions endpoint. "
            "Did you mean to use v1/chat/completions?",
            param="model",
        )
    prompts = _prompts(body, model.id)
    echo = body.get("echo") is True
    requests = [
        CompletionRequest(prompt, gen, p_index * gen.n + i)
        for p_index, prompt in enumerate(prompts)
        for i in range(gen.n)
    ]
    base = {
        "id": new_id("cmpl-"),
        "object": "text_completion",
        "created": int(ctx.now()),
        "model": model.id,
        "system_fingerprint": "fp_" + stable_id("", model.id, length=10).lower(),
    }
    if gen.stream:
        first = await primed(ctx.responder.complete(model, requests[0]))
        streams = [first] + [ctx.responder.complete(model, r) for r in requests[1:]]
        chunks = _chunks(base, streams, [r.prompt if echo else "" for r in requests], gen)
        return event_stream(chunks, ctx.options.chunk_delay_ms)
    choices = [await collect(ctx.responder.complete(model, r), request) for r in requests]
    # Each prompt counts once, however many choices it has.
    usage = usage_body(
        sum(c.prompt_tokens for c in choices[:: gen.n]), sum(c.completion_tokens for c in choices)
    )
    return JSONResponse(
        {
            **base,
            "choices": [
                {
                    "text": (r.prompt + c.text) if echo else c.text,
                    "index": i,
                    "logprobs": None,
                    "finish_reason": c.finish_reason,
                }
                for i, (r, c) in enumerate(zip(requests, choices, strict=True))
            ],
            "usage": usage,
        }
    )


async def _chunks(
    base: dict[str, Any],
    streams: list[AsyncIterator[Piece]],
    echoes: list[str],
    gen: Generation,
) -> AsyncIterator[dict[str, Any]]:
    extra = {"usage": None} if gen.include_usage else {}
    prompt_tokens = completion_tokens = 0
    for index, pieces in enumerate(streams):
        last = Piece(finish_reason="stop")
        pending = echoes[index]
        async for piece in pieces:
            text, pending = pending + piece.text, ""
            if text:
                choice = {"text": text, "index": index, "logprobs": None, "finish_reason": None}
                yield {**base, "choices": [choice], **extra}
            last = piece
        if pending:
            choice = {"text": pending, "index": index, "logprobs": None, "finish_reason": None}
            yield {**base, "choices": [choice], **extra}
        finish = last.finish_reason or "stop"
        choice = {"text": "", "index": index, "logprobs": None, "finish_reason": finish}
        yield {**base, "choices": [choice], **extra}
        if index % gen.n == 0:
            prompt_tokens += last.prompt_tokens
        completion_tokens += last.completion_tokens
    if gen.include_usage:
        usage = usage_body(prompt_tokens, completion_tokens)
        yield {**base, "choices": [], "usage": usage}
