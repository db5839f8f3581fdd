"""Inference forwarded to a vLLM server started with ``--enable-lora`` (and
``VLLM_ALLOW_RUNTIME_LORA_UPDATING=True``): each new adapter is loaded there once with
``POST /v1/load_lora_adapter``, then requested by its ``ft:`` name."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2

from tuiftune.server.errors import APIError
from tuiftune.server.trainers.base import (
    ChatRequest,
    CompletionRequest,
    Piece,
    ResolvedModel,
    TrainerHost,
)
from tuiftune.server.trainers.local.lookup import ModelLookup, Target, gen_params
from tuiftune.server.trainers.local.ports import LocalTrainerPort

START_VLLM = (
    "Start vLLM with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True in its environment and --enable-lora "
    "(with --max-lora-rank at least the adapters' lora_r)"
)


def _bad_gateway(url: str, detail: str) -> APIError:
    return APIError(502, f"The inference server at {url} failed: {detail}", type="server_error")


class VLLMResponder(ModelLookup):
    """Answers by streaming from vLLM's OpenAI-compatible endpoints."""

    def __init__(self, trainer: LocalTrainerPort, host: TrainerHost, url: str) -> None:
        super().__init__(trainer, host)
        self.url = url.rstrip("/")
        if self.url.endswith("/v1"):
            self.url = self.url[: -len("/v1")]
        self._client = httpx2.AsyncClient(
            base_url=self.url, timeout=httpx2.Timeout(600, connect=10)
        )
        self._loaded: set[str] = set()
        self._served: list[str] | None = None
        self._lock = asyncio.Lock()

    async def _post(self, path: str, body: dict[str, Any]) -> httpx2.Response:
        try:
            response = await self._client.post(path, json=body)
        except httpx2.HTTPError as exc:
            raise _bad_gateway(self.url, f"{type(exc).__name__}: {exc}") from exc
        return response

    async def _base_name(self, base: str) -> str:
        """The name vLLM serves the base model under (its own name if it matches ours)."""
        if self._served is None:
            try:
                response = await self._client.get("/v1/models")
                response.raise_for_status()
                self._served = [m["id"] for m in response.json().get("data", [])]
            except (httpx2.HTTPError, ValueError, KeyError, TypeError) as exc:
                raise _bad_gateway(self.url, f"cannot list its models ({exc})") from exc
        folder = self.trainer.options.base_models.get(base, "")
        for candidate in (base, folder):
            if candidate in self._served:
                return candidate
        if not self._served:
            raise _bad_gateway(self.url, "it serves no model")
        return self._served[0]

    async def model_for(self, target: Target) -> str:
        """The model name to request; loads the adapter into vLLM the first time."""
        if target.adapter is None:
            return await self._base_name(target.base)
        async with self._lock:
            if target.name not in self._loaded:
                body = {"lora_name": target.name, "lora_path": target.adapter}
                response = await self._post("/v1/load_lora_adapter", body)
                already = response.status_code == 400 and "already" in response.text.lower()
                if response.status_code in (404, 405):
                    # vLLM only serves this route when the variable is set at its start.
                    raise _bad_gateway(
                        self.url,
                        f"it refused to load {target.name}: /v1/load_lora_adapter is not there "
                        f"({response.status_code}). {START_VLLM}",
                    )
                if response.status_code >= 400 and not already:
                    text = f"{response.status_code} {response.text.strip()[:300]}"
                    raise _bad_gateway(self.url, f"loading {target.name}: {text}. {START_VLLM}")
                self._loaded.add(target.name)
        return target.name

    async def _stream(self, path: str, body: dict[str, Any], chat: bool) -> AsyncIterator[Piece]:
        body = {**body, "stream": True, "stream_options": {"include_usage": True}}
        body = {k: v for k, v in body.items() if v is not None}
        finish: str | None = None
        usage = (0, 0)
        try:
            async with self._client.stream("POST", path, json=body) as response:
                if response.status_code >= 400:
                    text = (await response.aread()).decode("utf-8", "replace").strip()[:300]
                    raise _bad_gateway(self.url, f"{response.status_code} {text}")
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[len("data:") :].strip()
                    if data == "[DONE]":
                        break
                    chunk = json.loads(data)
                    if chunk.get("usage"):
                        u = chunk["usage"]
                        usage = (int(u.get("prompt_tokens", 0)), int(u.get("completion_tokens", 0)))
                    for choice in chunk.get("choices") or []:
                        delta = choice.get("delta") or {}
                        content = delta.get("content") if chat else choice.get("text")
                        if content:
                            yield Piece(str(content))
                        finish = choice.get("finish_reason") or finish
        except httpx2.HTTPError as exc:
            raise _bad_gateway(self.url, f"{type(exc).__name__}: {exc}") from exc
        except ValueError as exc:
            raise _bad_gateway(self.url, f"unreadable stream ({exc})") from exc
        yield Piece(
            finish_reason=finish or "stop", prompt_tokens=usage[0], completion_tokens=usage[1]
        )

    async def chat(self, model: ResolvedModel, request: ChatRequest) -> AsyncIterator[Piece]:
        """One chat choice from vLLM."""
        params = gen_params(request.gen, request.choice, request.tools)
        body = {"model": await self.model_for(model.detail), "messages": request.messages, **params}
        if not params["stop"]:
            body.pop("stop")
        async for piece in self._stream("/v1/chat/completions", body, chat=True):
            yield piece

    async def complete(
        self, model: ResolvedModel, request: CompletionRequest
    ) -> AsyncIterator[Piece]:
        """One legacy choice from vLLM."""
        params = gen_params(request.gen, request.choice, None)
        params.pop("tools")
        body = {"model": await self.model_for(model.detail), "prompt": request.prompt, **params}
        if not params["stop"]:
            body.pop("stop")
        async for piece in self._stream("/v1/completions", body, chat=False):
            yield piece
