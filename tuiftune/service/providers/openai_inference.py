"""The OpenAI provider's inference: chat and legacy completions, streamed or not, and the
model list, through the ``openai`` SDK; errors leave as ``service.errors`` types."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, cast

import httpx2
import openai
from openai import AsyncStream

from tuiftune.service.providers.base import Embedded, InferenceProvider, Messages
from tuiftune.service.providers.openai_convert import (
    completion_from_json,
    model_from_openai,
    usage_from_openai,
)
from tuiftune.service.providers.openai_errors import translated
from tuiftune.service.types import (
    CompletionResult,
    ModelInfo,
    SamplingParams,
    StreamItem,
    TextDelta,
    Usage,
)


def _usage_kwargs(include_usage: bool) -> dict[str, Any]:
    return {"stream_options": {"include_usage": True}} if include_usage else {}


async def _relay(
    stream: AsyncStream[Any], text_of: Callable[[Any], str | None]
) -> AsyncIterator[StreamItem]:
    """Turn SDK chunks into deltas plus one final result; closes the stream however it ends."""
    parts: list[str] = []
    finish: str | None = None
    usage: Usage | None = None
    model_name: str | None = None
    completion_id: str | None = None
    async with stream:
        async for chunk in stream:
            model_name = chunk.model or model_name
            completion_id = chunk.id or completion_id
            usage = usage_from_openai(chunk.usage) or usage
            for choice in chunk.choices:
                if choice.index != 0:
                    continue
                text = text_of(choice)
                if text:
                    parts.append(text)
                    yield TextDelta(text)
                finish = choice.finish_reason or finish
    yield CompletionResult("".join(parts), finish, usage, model_name, completion_id)


def _chat_text(choice: Any) -> str | None:
    return choice.delta.content if choice.delta else None


def _completion_text(choice: Any) -> str | None:
    text: str | None = choice.text
    return text


class OpenAIInference(InferenceProvider):
    """Chat and legacy completions, streamed or not, and the model list."""

    def __init__(
        self, client: openai.AsyncOpenAI, retirements: Mapping[str, int] | None = None
    ) -> None:
        self.client = client
        self.retirements = retirements
        """Known retirement dates by model family (api.openai.com publishes them)."""

    async def stream_chat(
        self,
        model: str,
        messages: Messages,
        params: SamplingParams | None = None,
        *,
        include_usage: bool = True,
    ) -> AsyncIterator[StreamItem]:
        """Stream a chat completion: text deltas, then a ``CompletionResult``."""
        params = params or SamplingParams()
        async with translated():
            response = await self.client.chat.completions.create(
                model=model,
                messages=list(messages),  # type: ignore[arg-type]
                stream=True,
                **_usage_kwargs(include_usage),
                **params.kwargs(chat=True),
            )
            async for item in _relay(cast(AsyncStream[Any], response), _chat_text):
                yield item

    async def stream_completion(
        self,
        model: str,
        prompt: str,
        params: SamplingParams | None = None,
        *,
        include_usage: bool = True,
    ) -> AsyncIterator[StreamItem]:
        """Stream a legacy completion: deltas, then the result."""
        params = params or SamplingParams()
        async with translated():
            stream = await self.client.completions.create(
                model=model,
                prompt=prompt,
                stream=True,
                **_usage_kwargs(include_usage),
                **params.kwargs(chat=False),
            )
            async for item in _relay(cast(AsyncStream[Any], stream), _completion_text):
                yield item

    async def chat(
        self, model: str, messages: Messages, params: SamplingParams | None = None
    ) -> CompletionResult:
        """One chat completion, not streamed."""
        body = {
            "model": model,
            "messages": list(messages),
            **(params or SamplingParams()).kwargs(chat=True),
        }
        return completion_from_json(await self._post("/chat/completions", body), chat=True)

    async def embed(
        self, model: str, texts: Sequence[str], *, dimensions: int | None = None
    ) -> Embedded:
        """Embedding vectors through ``/v1/embeddings``, in the order of ``texts``."""
        extra: dict[str, Any] = {} if dimensions is None else {"dimensions": dimensions}
        async with translated():
            resp = await self.client.embeddings.create(
                model=model, input=list(texts), encoding_format="float", **extra
            )
        ordered = sorted(resp.data, key=lambda d: d.index)
        return Embedded(resp.model, [list(d.embedding) for d in ordered])

    async def complete(
        self, model: str, prompt: str, params: SamplingParams | None = None
    ) -> CompletionResult:
        """One legacy completion, not streamed."""
        body = {"model": model, "prompt": prompt, **(params or SamplingParams()).kwargs(chat=False)}
        return completion_from_json(await self._post("/completions", body), chat=False)

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        """POST a JSON body through the SDK's client; the reply's JSON as plain data.

        ``create()`` walks every message through the SDK's TypedDict transform and builds a
        pydantic object from the reply: 35-40% of the client's CPU per request (200 chat
        requests at concurrency 32: 0.92 s of CPU against 0.55 s this way), and with one core
        for the client that is the eval runner's ceiling. The bodies here are plain JSON
        already; ``post()`` keeps the SDK's auth, URL (Azure's deployments), headers and errors.
        """
        async with translated():
            response = await self.client.post(path, cast_to=httpx2.Response, body=body)
        return response.json()

    async def list_models(self) -> list[ModelInfo]:
        """Every model of the endpoint, in the server's order."""
        async with translated():
            return [model_from_openai(m, self.retirements) async for m in self.client.models.list()]

    def without_retries(self) -> InferenceProvider:
        """The SDK's retries off: the eval runner retries with its own backoff."""
        return OpenAIInference(self.client.with_options(max_retries=0), self.retirements)
