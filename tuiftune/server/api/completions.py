"""``POST /v1/completions``: the legacy endpoint of babbage-002, davinci-002 and fine-tunes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tuiftune.server import tokens
from tuiftune.server.api.chat import usage_body
from tuiftune.server.catalog import encoding_for
from tuiftune.server.context import context
from tuiftune.server.errors import invalid, missing, not_found
from tuiftune.server.generation import Generation, parse_generation, shape_output
from tuiftune.server.ids import new_id, stable_id
from tuiftune.server.params import json_body
from tuiftune.server.streaming import event_stream, split_chunks


def _decode(model: str, ids: list[int]) -> str:
    import tiktoken

    return str(tiktoken.get_encoding(encoding_for(model)).decode(ids))


def _prompts(body: dict[str, Any], model: str) -> list[str]:
    prompt = body.get("prompt")
    if prompt is None:
        raise missing("prompt")
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list) and prompt:
        if all(isinstance(p, str) for p in prompt):
            return list(prompt)
        if all(isinstance(t, int) for t in prompt):
            return [_decode(model, prompt)]
        if all(isinstance(p, list) and all(isinstance(t, int) for t in p) for p in prompt):
            return [_decode(model, p) for p in prompt]
    raise invalid(
        "Invalid 'prompt': expected a string, a list of strings, or token arrays.", param="prompt"
    )


async def completions(request: Request) -> Response:
    """Complete each prompt; fine-tuned models continue with what they were trained on."""
    ctx = context(request)
    body = await json_body(request)
    gen = parse_generation(body, chat=False)
    model = ctx.inference.resolve(gen.model)
    if not model.legacy:
        raise not_found(
            "This is a chat model and not supported in the v1/completions endpoint. "
            "Did you mean to use v1/chat/completions?",
            param="model",
        )
    prompts = _prompts(body, model.id)
    echo = body.get("echo") is True
    choices: list[tuple[str, str]] = []
    completion_tokens = 0
    for p_index, prompt in enumerate(prompts):
        for i in range(gen.n):
            answer = await ctx.inference.answer(
                model, prompt, prompt, gen.sampling, p_index * gen.n + i
            )
            text, finish = shape_output(model.id, answer.text, gen)
            completion_tokens += tokens.count(model.id, text)
            choices.append((prompt + text if echo else text, finish))
    prompt_tokens = sum(tokens.count(model.id, p) for p in prompts)
    base = {
        "id": new_id("cmpl-"),
        "object": "text_completion",
        "created": int(ctx.now()),
        "model": model.id,
        "system_fingerprint": "fp_" + stable_id("", model.id, length=10).lower(),
    }
    usage = usage_body(prompt_tokens, completion_tokens)
    if gen.stream:
        return event_stream(_chunks(base, choices, usage, gen), ctx.options.chunk_delay_ms)
    return JSONResponse(
        {
            **base,
            "choices": [
                {"text": text, "index": i, "logprobs": None, "finish_reason": finish}
                for i, (text, finish) in enumerate(choices)
            ],
            "usage": usage,
        }
    )


def _chunks(
    base: dict[str, Any], choices: list[tuple[str, str]], usage: dict[str, Any], gen: Generation
) -> Iterator[dict[str, Any]]:
    extra = {"usage": None} if gen.include_usage else {}
    for index, (text, finish) in enumerate(choices):
        for piece in split_chunks(text):
            choice = {"text": piece, "index": index, "logprobs": None, "finish_reason": None}
            yield {**base, "choices": [choice], **extra}
        choice = {"text": "", "index": index, "logprobs": None, "finish_reason": finish}
        yield {**base, "choices": [choice], **extra}
    if gen.include_usage:
        yield {**base, "choices": [], "usage": usage}
