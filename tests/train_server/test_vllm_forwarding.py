"""``--inference-url``: a tiny fake vLLM (the documented endpoints) gets each new adapter loaded
once through ``/v1/load_lora_adapter`` and answers the server's chat/completions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.server.helpers import tcp_server

from .conftest import StartServer
from .helpers import chat_rows, eventually, method, upload


class FakeVLLM:
    """Serves one base model and whatever LoRA adapters were loaded, like vLLM's API."""

    def __init__(self, runtime_lora: bool = True) -> None:
        self.runtime_lora = runtime_lora  # VLLM_ALLOW_RUNTIME_LORA_UPDATING=True at its start
        self.adapters: dict[str, str] = {}
        self.loads: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []

    async def models(self, request: Request) -> Response:
        ids = ["served-base", *self.adapters]
        return JSONResponse({"object": "list", "data": [{"id": i, "object": "model"} for i in ids]})

    async def load(self, request: Request) -> Response:
        body = await request.json()
        self.loads.append(body)
        if body["lora_name"] in self.adapters:
            return JSONResponse({"error": "The lora adapter has already been loaded."}, 400)
        self.adapters[body["lora_name"]] = body["lora_path"]
        return Response(f"Success: LoRA adapter '{body['lora_name']}' added successfully.")

    def _words(self, body: dict[str, Any], text: str) -> list[str]:
        model = body["model"]
        if model != "served-base" and model not in self.adapters:
            return []
        return f"{model} at t={body.get('temperature')} says {text}".split(" ")

    async def chat(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        words = self._words(body, body["messages"][-1]["content"])
        if not words:
            return JSONResponse({"error": {"message": "model not found"}}, 404)

        async def sse() -> AsyncIterator[bytes]:
            for i, word in enumerate(words):
                delta = {"content": word + (" " if i < len(words) - 1 else "")}
                chunk = {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                yield b"data: " + json.dumps(chunk).encode() + b"\n\n"
            end = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            yield b"data: " + json.dumps(end).encode() + b"\n\n"
            usage = {"prompt_tokens": 3, "completion_tokens": len(words), "total_tokens": 0}
            yield b"data: " + json.dumps({"choices": [], "usage": usage}).encode() + b"\n\n"
            yield b"data: [DONE]\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream")

    async def completions(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        words = self._words(body, body["prompt"])

        async def sse() -> AsyncIterator[bytes]:
            chunk = {"choices": [{"index": 0, "text": " ".join(words), "finish_reason": "length"}]}
            yield b"data: " + json.dumps(chunk).encode() + b"\n\n"
            yield b"data: [DONE]\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream")

    def app(self) -> Starlette:
        routes = [
            Route("/v1/models", self.models),
            Route("/v1/chat/completions", self.chat, methods=["POST"]),
            Route("/v1/completions", self.completions, methods=["POST"]),
        ]
        if self.runtime_lora:  # vLLM adds the route only when the variable is set
            routes.append(Route("/v1/load_lora_adapter", self.load, methods=["POST"]))
        return Starlette(routes=routes)


@pytest.fixture
def vllm() -> Iterator[tuple[FakeVLLM, str]]:
    fake = FakeVLLM()
    server = tcp_server(fake.app())
    url = next(server)
    yield fake, url
    next(server, None)


async def test_adapters_load_once_and_vllm_answers(
    fake_server: StartServer, vllm: tuple[FakeVLLM, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_STEP_SECONDS", "0.01")
    fake, url = vllm
    client = fake_server(inference_url=url).client
    job = await client.fine_tuning.jobs.create(
        training_file=await upload(client, chat_rows(12)),
        model="tiny-base",
        method=method(n_epochs=1),
    )
    done = await eventually(
        lambda: client.fine_tuning.jobs.retrieve(job.id),
        lambda j: j.status in ("succeeded", "failed"),
    )
    assert done.status == "succeeded" and done.fine_tuned_model
    for _ in range(2):
        reply = await client.chat.completions.create(
            model=done.fine_tuned_model,
            messages=[{"role": "user", "content": "ping"}],
            temperature=0.5,
        )
        text = reply.choices[0].message.content
        assert text == f"{done.fine_tuned_model} at t=0.5 says ping"
    assert reply.usage is not None and reply.usage.completion_tokens == 5
    assert len(fake.loads) == 1
    assert fake.loads[0]["lora_name"] == done.fine_tuned_model
    assert fake.loads[0]["lora_path"].endswith("/final")
    base = await client.completions.create(model="tiny-base", prompt="pong", max_tokens=5)
    assert base.choices[0].text == "served-base at t=1.0 says pong"
    assert base.choices[0].finish_reason == "length"
    assert fake.requests[-1]["max_tokens"] == 5 and fake.requests[-1]["stream"] is True


async def test_a_vllm_without_runtime_lora_updating_is_named(
    fake_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_STEP_SECONDS", "0.01")
    fake = FakeVLLM(runtime_lora=False)
    server = tcp_server(fake.app())
    url = next(server)
    try:
        client = fake_server(inference_url=url).client
        job = await client.fine_tuning.jobs.create(
            training_file=await upload(client, chat_rows(12)),
            model="tiny-base",
            method=method(n_epochs=1),
        )
        done = await eventually(
            lambda: client.fine_tuning.jobs.retrieve(job.id),
            lambda j: j.status in ("succeeded", "failed"),
        )
        assert done.status == "succeeded" and done.fine_tuned_model
        with pytest.raises(openai.APIStatusError) as caught:
            await client.chat.completions.create(
                model=done.fine_tuned_model, messages=[{"role": "user", "content": "ping"}]
            )
        assert caught.value.status_code == 502
        message = caught.value.message
        assert f"refused to load {done.fine_tuned_model}" in message
        assert "VLLM_ALLOW_RUNTIME_LORA_UPDATING=True" in message and "--enable-lora" in message
        # The base model needs no adapter: it still answers.
        base = await client.completions.create(model="tiny-base", prompt="pong", max_tokens=5)
        assert base.choices[0].text == "served-base at t=1.0 says pong"
    finally:
        next(server, None)
