"""Streaming chat and completions, sampling parameters and the models list (scripted API)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import openai
import pytest

from tests.service.sdk import sdk
from tuiftune.service.errors import BadRequestError
from tuiftune.service.inference import (
    CompletionResult,
    ModelKind,
    SamplingParams,
    TextDelta,
    chat,
    classify_model,
    list_models,
    stream_chat,
    stream_completion,
)

MockClient = Callable[[Any], openai.AsyncOpenAI]


def sse(chunks: list[dict[str, Any]]) -> bytes:
    return b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"


def chat_chunks(words: list[str]) -> list[dict[str, Any]]:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m-1"}
    out = [
        {**base, "choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}]}
        for w in words
    ]
    out.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]})
    out.append(
        {
            **base,
            "choices": [],
            "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
        }
    )
    return out


async def test_stream_chat_deltas_then_result(mock_client: MockClient) -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        bodies.append(json.loads(request.content))
        return httpx2.Response(
            200,
            content=sse(chat_chunks(["Hel", "lo", "!"])),
            headers={"content-type": "text/event-stream"},
        )

    params = SamplingParams(temperature=0.2, top_p=0.9, max_tokens=3, stop=["\n"], seed=4)
    items = [
        item
        async for item in stream_chat(
            sdk(mock_client(handler)).inference,
            "ft:gpt-4o-mini:o::x",
            [{"role": "user", "content": "hi"}],
            params,
        )
    ]
    assert [i.text for i in items if isinstance(i, TextDelta)] == ["Hel", "lo", "!"]
    final = items[-1]
    assert isinstance(final, CompletionResult)
    assert final.text == "Hello!" and final.finish_reason == "length"
    assert final.usage is not None and final.usage.total_tokens == 8
    body = bodies[0]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.2, 0.9, 3)
    assert (body["stop"], body["seed"]) == (["\n"], 4)


async def test_stream_completion(mock_client: MockClient) -> None:
    base = {"id": "cmpl-1", "object": "text_completion", "created": 1, "model": "davinci-002"}
    chunks = [
        {**base, "choices": [{"index": 0, "text": " yes", "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "text": " END", "finish_reason": "stop"}]},
    ]

    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.url.path == "/v1/completions"
        assert json.loads(request.content)["prompt"] == "Q?\n\n###\n\n"
        return httpx2.Response(
            200, content=sse(chunks), headers={"content-type": "text/event-stream"}
        )

    items = [
        i
        async for i in stream_completion(
            sdk(mock_client(handler)).inference, "davinci-002", "Q?\n\n###\n\n", include_usage=False
        )
    ]
    final = items[-1]
    assert isinstance(final, CompletionResult)
    assert final.text == " yes END" and final.finish_reason == "stop" and final.usage is None


async def test_non_streamed_chat_and_error(mock_client: MockClient) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        if body["model"] == "nope":
            err = {"message": "model nope does not exist", "param": "model", "type": "x"}
            return httpx2.Response(400, json={"error": err})
        return httpx2.Response(
            200,
            json={
                "id": "c",
                "object": "chat.completion",
                "created": 1,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "ok"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )

    client = mock_client(handler)
    result = await chat(sdk(client).inference, "m", [{"role": "user", "content": "x"}])
    assert result.text == "ok" and result.finish_reason == "stop"
    with pytest.raises(BadRequestError) as info:
        await chat(sdk(client).inference, "nope", [{"role": "user", "content": "x"}])
    assert info.value.param == "model"


def test_max_tokens_field() -> None:
    p = SamplingParams(max_tokens=5, max_tokens_field="max_completion_tokens")
    assert p.kwargs(chat=True) == {"max_completion_tokens": 5}
    assert p.kwargs(chat=False) == {"max_tokens": 5}
    assert SamplingParams().kwargs(chat=True) == {}


def test_classify_models() -> None:
    assert classify_model("gpt-4o-mini-2024-07-18") == (ModelKind.BASE, None)
    assert classify_model("ft:gpt-4o-mini-2024-07-18:org:demo:abc123") == (
        ModelKind.FINE_TUNED,
        "gpt-4o-mini-2024-07-18",
    )
    assert classify_model("ft:gpt-4o-mini-2024-07-18:org:demo:abc123:ckpt-step-88")[0] is (
        ModelKind.CHECKPOINT
    )
    assert classify_model("ft:davinci-002:org::x")[0] is ModelKind.FINE_TUNED


async def test_list_models(mock_client: MockClient) -> None:
    data = [
        {"id": "gpt-4o-mini", "object": "model", "created": 1, "owned_by": "system"},
        {"id": "ft:gpt-4o-mini:o::a:ckpt-step-5", "object": "model", "created": 3, "owned_by": "o"},
        {"id": "ft:gpt-4o-mini:o::a", "object": "model", "created": 2, "owned_by": "o"},
    ]

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json={"object": "list", "data": data})

    models = await list_models(sdk(mock_client(handler)).inference)
    assert [m.kind for m in models] == [ModelKind.FINE_TUNED, ModelKind.CHECKPOINT, ModelKind.BASE]
    assert models[0].base_model == "gpt-4o-mini"
